// The difference between a baseline inventory and now: new and vanished
// listeners, listeners whose owner or exposure changed, new talkers and new
// remote peers per program. Identities are compared on executable, port,
// exposure and user — never pid, inode or ephemeral port — so a host that
// restarted the same services with new pids is equal to its baseline.
// Pure; formatting of the one-line text is here too (describe()), so text
// output, JSON and check's findings say the same thing.
#pragma once

#include <string>
#include <vector>

#include "ir/inventory.hpp"

namespace sw {

struct InventoryChange {
  enum class Kind : uint8_t {
    NewListener,       // now: listener
    GoneListener,      // before: listener
    ListenerOwner,     // before/now: same netns/proto/address/port, other exe or user
    ListenerExposure,  // before/now: same netns/proto/port/exe, other exposure
    NewTalker,         // now: talker (a program that talked to no one before)
    NewPeer,           // now: talker (a known talker, a peer it never had)
    GoneTalker,        // before: talker (only with DiffOptions::gone_talkers)
  };
  Kind kind;
  std::optional<Listener> listener_before, listener_now;
  std::optional<Talker> talker_before, talker_now;
  // Stable short id (hex of a hash of the identity), for `baseline accept --id`.
  std::string id;
};

const char* change_kind_name(InventoryChange::Kind k);  // "new-listener", ...

struct DiffOptions {
  // Inbound conversations compare on program and listening port only: a
  // server's new clients are its job, not a change. True: each client
  // address is a peer of its own.
  bool inbound_peers = false;
  // Conversations are a point in time: one that is not going on now has not
  // vanished. True: report them (GoneTalker) anyway.
  bool gone_talkers = false;
};

// Changes in a stable order: listeners first (by netns, proto, port), then talkers.
std::vector<InventoryChange> diff_inventory(const Inventory& before, const Inventory& now,
                                            const DiffOptions& opt = {});

// One readable line, e.g.
//   + listen tcp 0.0.0.0:31337 by /tmp/.x/backdoor (uid 0) — new, exposed on all interfaces
// Raw bytes of exe paths are kept: the caller escapes for a terminal.
std::string describe(const InventoryChange& c);

// The baseline after accepting `changes` (new ones added, vanished ones
// removed, changed ones replaced).
Inventory apply_changes(const Inventory& before, const std::vector<InventoryChange>& changes,
                        const DiffOptions& opt = {});

}  // namespace sw
