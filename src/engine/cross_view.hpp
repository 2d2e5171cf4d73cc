// The hidden-socket cross-view of `sockwatch check` (issue 15): the same
// sockets seen three ways — sock_diag, the /proc/net text tables and the fd
// tables of every process — and what one view shows that another does not.
// Churn makes any two looks differ, so a difference counts only when a
// second look confirms it. Sockets that are in no table by design (a socket
// not yet bound, a TCP socket closed but not yet released, a family no view
// lists) are classified through a duplicate of the holder's fd
// (pidfd_getfd) and left out, counted in Visibility notes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>

#include "core/expected.hpp"
#include "ir/evidence.hpp"

namespace sw {

using InodeSet = std::unordered_set<uint64_t>;

// Inodes of every TCP, UDP and raw socket, v4 and v6, in the /proc/net tables
// under `proc_net_dir` (the caller's namespace: /proc/thread-self/net).
Expected<InodeSet> proc_net_inet_inodes(const std::string& proc_net_dir);

// Fills ns.cross_view's diag_only and proc_net_only, from inside the
// namespace, right after ns.sockets were dumped. `redump` answers the inet
// inodes sock_diag lists now (the second look).
void compare_inet_views(NamespaceEvidence& ns, const std::string& proc_net_dir,
                        const std::function<Expected<InodeSet>()>& redump);

// After every namespace was looked at: socket fds whose inode no view lists
// (fd_only, into the namespace the socket belongs to) and sockets no process
// holds (kernel_owned), each confirmed by a second look at /proc.
void compare_holders(Evidence& ev, const std::string& proc_root);

}  // namespace sw
