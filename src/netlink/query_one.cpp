#include "netlink/query_one.hpp"

#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "netlink/parse.hpp"
#include "netlink/source.hpp"

namespace sw {

namespace {

constexpr uint8_t ext_bit(int attr) { return static_cast<uint8_t>(1u << (attr - 1)); }

// sdiag_protocol for an exact query: the dump's, except MPTCP, whose
// mptcp_diag_dump_one reads idiag_cookie[0] as a token (no exact lookup).
int query_protocol(Table t) { return t == Table::Mptcp ? 0 : table_protocol(t); }

template <typename Req>
std::vector<uint8_t> message(const Req& req) {
  struct {
    nlmsghdr h;
    Req req;
  } msg{};
  msg.h.nlmsg_len = sizeof msg;
  msg.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  // No NLM_F_DUMP: the kernel answers with one message and nothing after it
  // unless asked for an ack, and DiagSocket::dump reads until DONE or ERROR.
  msg.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  msg.req = req;
  const auto* p = reinterpret_cast<const uint8_t*>(&msg);
  return {p, p + sizeof msg};
}

Expected<SocketRecord> run_query(DiagSocket& sock, const std::vector<uint8_t>& req, Table table) {
  std::optional<SocketRecord> got;
  Error parse_error;
  auto st = sock.dump(req.data(), req.size(), [&](const nlmsghdr& h) {
    if (got || h.nlmsg_type != SOCK_DIAG_BY_FAMILY) return;
    auto r = parse_reply(h, table);
    if (r)
      got = std::move(*r);
    else
      parse_error = r.error();
  });
  if (!st) return Error{fmt::format("sock_diag query: {}", st.error().message), st.error().code};
  if (st->kernel_error)
    return Error{fmt::format("sock_diag query: {}", std::strerror(st->kernel_error)),
                 st->kernel_error};
  if (got) return std::move(*got);
  if (!parse_error.message.empty())
    return Error{fmt::format("sock_diag query: {}", parse_error.message), EBADMSG};
  return Error{"sock_diag query: the kernel sent no socket", ENOENT};
}

}  // namespace

uint8_t all_inet_extensions() {
  return ext_bit(INET_DIAG_MEMINFO) | ext_bit(INET_DIAG_INFO) | ext_bit(INET_DIAG_VEGASINFO) |
         ext_bit(INET_DIAG_CONG) | ext_bit(INET_DIAG_TOS) | ext_bit(INET_DIAG_TCLASS) |
         ext_bit(INET_DIAG_SKMEMINFO);
}

uint32_t all_unix_show() {
  return UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER | UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN |
         UDIAG_SHOW_MEMINFO | UDIAG_SHOW_UID;
}

std::vector<uint8_t> build_inet_query(const SocketRecord& r, uint8_t ext) {
  int proto = query_protocol(r.table);
  if (!proto || !r.is_inet()) return {};
  inet_diag_req_v2 req{};
  req.sdiag_family = r.family;
  req.sdiag_protocol = static_cast<uint8_t>(proto);
  // inet_diag_req_raw: the pad byte carries the raw socket's protocol, which
  // a raw dump reports as the local port (idiag_sport = inet_num).
  if (r.table == Table::Raw) req.pad = r.protocol.value_or(static_cast<uint8_t>(r.lport));
  req.idiag_ext = ext;
  req.idiag_states = ~0u;
  inet_diag_sockid& id = req.id;
  id.idiag_sport = htons(r.lport);
  id.idiag_dport = htons(r.rport);
  std::memcpy(id.idiag_src, r.local.bytes.data(), 16);
  std::memcpy(id.idiag_dst, r.peer.bytes.data(), 16);
  if (r.table == Table::Udp) {
    // udp_dump_one passes idiag_src/sport to __udp4_lib_lookup (and the v6
    // one) as the packet's source, i.e. the remote end ("src and dst are
    // swapped for historical reasons"; udp_diag_destroy is not swapped).
    std::swap(id.idiag_sport, id.idiag_dport);
    std::swap(id.idiag_src, id.idiag_dst);
  }
  id.idiag_if = r.ifindex;
  uint64_t cookie = r.cookie ? r.cookie : ~uint64_t{0};  // INET_DIAG_NOCOOKIE
  id.idiag_cookie[0] = static_cast<uint32_t>(cookie);
  id.idiag_cookie[1] = static_cast<uint32_t>(cookie >> 32);
  return message(req);
}

std::vector<uint8_t> build_unix_query(uint64_t inode, uint64_t cookie, uint32_t show) {
  unix_diag_req req{};
  req.sdiag_family = AF_UNIX;
  req.udiag_states = ~0u;
  req.udiag_ino = static_cast<uint32_t>(inode);  // unix_lookup_by_ino: inode numbers are u32 here
  req.udiag_show = show;
  uint64_t c = cookie ? cookie : ~uint64_t{0};
  req.udiag_cookie[0] = static_cast<uint32_t>(c);
  req.udiag_cookie[1] = static_cast<uint32_t>(c >> 32);
  return message(req);
}

Expected<SocketRecord> query_inet_socket(DiagSocket& sock, const SocketRecord& id, uint8_t ext) {
  auto req = build_inet_query(id, ext);
  if (req.empty())
    return Error{"sock_diag query: this kind of socket has no exact lookup", EOPNOTSUPP};
  auto r = run_query(sock, req, id.table);
  // The reply's protocol is the request's; the table it came from too.
  if (r) r->table = id.table;
  return r;
}

Expected<SocketRecord> query_unix_socket(DiagSocket& sock, uint64_t inode, uint64_t cookie,
                                         uint32_t show) {
  if (inode == 0 || inode > 0xffffffffu)
    return Error{"sock_diag query: no such unix socket inode", ENOENT};
  return run_query(sock, build_unix_query(inode, cookie, show), Table::UnixStream);
}

}  // namespace sw
