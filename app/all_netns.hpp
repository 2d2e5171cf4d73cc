// --all-netns: visit every network namespace on the host, entered (setns), so
// that a fresh sock_diag socket, /proc/net and interface names all belong to
// it; then come back to our own.
#pragma once

#include <functional>

#include "env.hpp"
#include "render/netns_label.hpp"

namespace sw {

// Calls `each` inside every namespace (ours first, then named ones, then the
// rest by inode). Namespaces that cannot be entered are skipped and, with
// `report`, counted in one stderr line; returns 1 only if we could not get
// back to our own.
int for_each_netns(const SsEnv& env, const std::function<void(const NetnsLabel&)>& each,
                   bool report = true);

}  // namespace sw
