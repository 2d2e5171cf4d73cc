// top's details pane as data: what one socket is (from the kernel's fresh
// record, Watch::inspect) and who owns it (the owner cache's OwnerInfo,
// checked against <proc_root> now), as titled sections of key/value text.
//
// The kernel's extension text is ss's own (render/inet_ext: -o timers, -i
// tcp_info, -m skmem, --tos) cut into key/value pairs, so the pane and `ss
// -tieom` never disagree. Every untrusted string (comm, exe, command line,
// cgroup, user and unix socket names) is escaped here: a layout prints the
// values as they are. Reads /proc under proc_root only, for the Process
// section; prints nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/snapshot.hpp"
#include "core/socket_event.hpp"
#include "core/socket_record.hpp"

namespace sw {

struct DetailsSection {
  std::string title;  // "Socket", "Timers", "TCP info", "Memory", "Process"
  // In display order; a key may repeat ("parent" once per ancestor).
  std::vector<std::pair<std::string, std::string>> fields;
};

// Every section: socket_sections then process_section.
std::vector<DetailsSection> socket_details(const SocketRecord& inspected, const SnapEntry& e,
                                           const OwnerInfo* owner, const std::string& proc_root,
                                           int64_t now_wall_us);

// "Socket" (cookie hex, inode, netns inode, protocol/family, state, local,
// peer, device index, uid, queues; tos, fwmark, shutdown, unix name and peer
// when the kernel said), "Timers" (inet), the protocol's info ("TCP info":
// every tcp_info field ss -i prints, under ss's names), "Memory" (skmem).
// Pure: `e` gives what the record lacks (the namespace) and fallbacks.
std::vector<DetailsSection> socket_sections(const SocketRecord& inspected, const SnapEntry& e);

// "Process": pid, comm, user, exe (and whether deleted), command line, start
// time (UTC) and age at now_wall_us, cgroup with its systemd unit and
// container, then one "parent" field ("PID COMM") per ancestor up to pid 1.
// A process that exited (or whose pid now names a newer process) gets a
// "status: process exited" field and what the owner cache last knew. No
// owner: one "owner: unknown" field. Usable when inspect failed.
DetailsSection process_section(const OwnerInfo* owner, const std::string& proc_root,
                               int64_t now_wall_us);

// The value of `key` in the section titled `title`; nullptr when absent.
const std::string* find_detail(const std::vector<DetailsSection>& sections, std::string_view title,
                               std::string_view key);

}  // namespace sw
