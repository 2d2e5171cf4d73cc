// Watch::inspect and Watch::destroy: acting on one socket of the current
// snapshot through the sock_diag socket of the namespace it lives in (that
// socket was opened inside the namespace, so its lookups are that
// namespace's, wherever this thread is now).
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "engine/watch.hpp"
#include "engine/watch_impl.hpp"
#include "netlink/destroy.hpp"
#include "netlink/query_one.hpp"

namespace sw {

namespace {

bool is_unix(Table t) {
  return t == Table::UnixStream || t == Table::UnixDgram || t == Table::UnixSeq;
}

// The identity SOCK_DESTROY and the exact query need, from what a snapshot
// keeps of the socket.
SocketRecord identity_of(const SnapEntry& e) {
  SocketRecord r;
  fill_record(e, r);
  // A raw socket's protocol is what its dump reported as the local port.
  if (e.table == Table::Raw) r.protocol = static_cast<uint8_t>(e.lport);
  return r;
}

// ENOENT: no socket has the tuple; ESTALE: one has it but another cookie (a
// newer socket on the same ports). Either way the one the user chose is gone.
bool gone(int code) { return code == ENOENT || code == ESTALE; }

}  // namespace

Expected<DiagSocket*> Watch::socket_in(uint64_t netns) {
  for (auto& n : ns_)
    if (n->inode == netns) return n->src.diag_socket();
  return Error{"namespace gone", ENOENT};
}

Expected<SocketRecord> Watch::inspect(const SnapEntry& e) {
  auto sock = socket_in(e.key.netns);
  if (!sock) return sock.error();
  Expected<SocketRecord> r = Error{};
  if (e.is_inet() && e.table != Table::Mptcp) {
    r = query_inet_socket(**sock, identity_of(e), all_inet_extensions());
  } else if (is_unix(e.table)) {
    r = query_unix_socket(**sock, e.inode, e.key.cookie, all_unix_show());
  } else {
    return Error{"details are for inet (except mptcp) and unix sockets", EOPNOTSUPP};
  }
  if (!r) {
    if (gone(r.error().code)) return Error{"the socket is gone", r.error().code};
    return r.error();
  }
  return r;
}

Expected<void> Watch::destroy(const SnapEntry& e) {
  if (!e.is_inet() || e.table == Table::Mptcp)
    return Error{"only tcp, udp, raw, dccp and sctp sockets can be destroyed", EOPNOTSUPP};
  // Without a cookie the kernel would close any socket with that tuple.
  if (e.key.cookie == 0)
    return Error{"the socket has no cookie (read from /proc): refusing to destroy by tuple alone",
                 EINVAL};
  auto sock = socket_in(e.key.netns);
  if (!sock) return sock.error();
  auto r = destroy_socket(**sock, identity_of(e));
  if (r) return r;
  int code = r.error().code;
  const char* why = std::strerror(code);
  if (gone(code)) return Error{"the socket is gone", code};
  if (code == EPERM || code == EACCES)
    return Error{fmt::format("destroying a socket needs CAP_NET_ADMIN ({})", why), code};
  if (code == EOPNOTSUPP)
    return Error{fmt::format("the kernel cannot destroy this socket: it lacks "
                             "CONFIG_INET_DIAG_DESTROY or support for this protocol ({})",
                             why),
                 code};
  return Error{fmt::format("SOCK_DESTROY: {}", why), code};
}

}  // namespace sw
