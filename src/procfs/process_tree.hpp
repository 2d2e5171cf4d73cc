// One process and its ancestry as they are now, read from <proc_root> on
// demand (top's details pane: a user asked about one socket's owner). Reads
// only; a process that is gone is a value (nullopt, a shorter chain), never
// an error. Strings are raw bytes: the caller escapes them for a terminal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "procfs/process_info.hpp"

namespace sw {

struct ProcessLink {
  int32_t pid = 0;
  std::string comm;  // raw, from stat (between the first '(' and the last ')')
};

struct ProcessNow {
  std::string comm;
  ProcessDetails details;  // not enriched (no user name, no container)
};

// <proc_root>/<pid> now; nullopt when it is gone (its stat does not read).
std::optional<ProcessNow> read_process_now(const std::string& proc_root, int32_t pid);

// The ancestors of `pid`, its parent first, up to and including pid 1 (or
// the last one that could be read; a parent of 0 ends the chain). At most
// `max_depth` links, and a pid seen twice ends it (a hostile or racing tree
// cannot loop).
std::vector<ProcessLink> parent_chain(const std::string& proc_root, int32_t pid,
                                      size_t max_depth = 64);

}  // namespace sw
