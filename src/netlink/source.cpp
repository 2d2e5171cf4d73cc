#include "netlink/source.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink_diag.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tipc_sockets_diag.h>
#include <linux/unix_diag.h>
#include <linux/vm_sockets_diag.h>
#include <linux/xdp_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "netlink/parse.hpp"

namespace sw {

int table_protocol(Table t) {
  switch (t) {
    case Table::Tcp:
      return IPPROTO_TCP;
    case Table::Udp:
      return IPPROTO_UDP;
    case Table::Raw:
      return IPPROTO_RAW;
    case Table::Dccp:
      return IPPROTO_DCCP;
    case Table::Sctp:
      return IPPROTO_SCTP;
    case Table::Mptcp:
      return 262;  // IPPROTO_MPTCP, does not fit the u8 field
    default:
      return 0;
  }
}

namespace {

constexpr uint32_t kMagicSeq = 123456;  // ss's MAGIC_SEQ

template <typename T>
void append_pod(std::vector<uint8_t>& out, const T& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

void append_attr(std::vector<uint8_t>& out, uint16_t type, const void* data, size_t len) {
  nlattr a{};
  a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  a.nla_type = type;
  append_pod(out, a);
  const auto* p = static_cast<const uint8_t*>(data);
  out.insert(out.end(), p, p + len);
  out.resize(NLMSG_ALIGN(out.size()), 0);
}

bool is_inet_table(Table t) { return table_protocol(t) != 0; }

}  // namespace

std::vector<uint8_t> build_dump_request(const DumpRequest& req) {
  std::vector<uint8_t> out;
  nlmsghdr h{};
  h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  h.nlmsg_seq = kMagicSeq;
  append_pod(out, h);
  if (is_inet_table(req.table)) {
    inet_diag_req_v2 r{};
    r.sdiag_family = static_cast<uint8_t>(req.family);
    int proto = table_protocol(req.table);
    r.sdiag_protocol = static_cast<uint8_t>(proto > 255 ? IPPROTO_TCP : proto);
    r.idiag_ext = req.inet_ext;
    r.idiag_states = req.states;
    append_pod(out, r);
    if (!req.bytecode.empty())
      append_attr(out, INET_DIAG_REQ_BYTECODE, req.bytecode.data(), req.bytecode.size());
    if (proto > 255) {
      uint32_t p = static_cast<uint32_t>(proto);
      append_attr(out, INET_DIAG_REQ_PROTOCOL, &p, sizeof p);
    }
  } else if (req.table == Table::PacketRaw || req.table == Table::PacketDgram) {
    packet_diag_req r{};
    r.sdiag_family = AF_PACKET;
    r.pdiag_show = PACKET_SHOW_INFO | PACKET_SHOW_MEMINFO | PACKET_SHOW_FILTER |
                   PACKET_SHOW_RING_CFG | PACKET_SHOW_FANOUT;
    append_pod(out, r);
  } else if (req.table == Table::Netlink) {
    netlink_diag_req r{};
    r.sdiag_family = AF_NETLINK;
    r.sdiag_protocol = NDIAG_PROTO_ALL;
    r.ndiag_show = NDIAG_SHOW_GROUPS | NDIAG_SHOW_MEMINFO;
    append_pod(out, r);
  } else if (req.table == Table::VsockStream || req.table == Table::VsockDgram) {
    // One dump covers both vsock tables; the kernel applies the state mask.
    vsock_diag_req r{};
    r.sdiag_family = AF_VSOCK;
    r.vdiag_states = req.states;
    append_pod(out, r);
  } else if (req.table == Table::Tipc) {
    tipc_sock_diag_req r{};
    r.sdiag_family = AF_TIPC;
    r.tidiag_states = req.states;
    append_pod(out, r);
  } else if (req.table == Table::Xdp) {
    // ss asks for everything it can print (there is no state mask).
    xdp_diag_req r{};
    r.sdiag_family = AF_XDP;
    r.xdiag_show =
        XDP_SHOW_INFO | XDP_SHOW_RING_CFG | XDP_SHOW_UMEM | XDP_SHOW_MEMINFO | XDP_SHOW_STATS;
    append_pod(out, r);
  } else {  // unix: one dump covers stream, dgram and seqpacket
    unix_diag_req r{};
    r.sdiag_family = AF_UNIX;
    r.udiag_states = req.states;
    r.udiag_show = req.unix_show;
    append_pod(out, r);
  }
  auto* hp = reinterpret_cast<nlmsghdr*>(out.data());
  hp->nlmsg_len = static_cast<uint32_t>(out.size());
  return out;
}

Expected<DiagSocket*> LiveSource::socket() {
  if (!sock_) {
    auto s = DiagSocket::open();
    if (!s) return s.error();
    sock_ = std::make_unique<DiagSocket>(std::move(*s));
  }
  return sock_.get();
}

void LiveSource::prefetch(const DumpRequest& req, size_t max_queued) {
  if (recorder_ || !socket()) return;
  Slot* slot = nullptr;
  for (auto& sl : slots_)
    if (!sl.pending) slot = &sl;
  if (!slot && slots_.size() < kMaxPrefetch && !no_more_slots_) {
    // Opened at the first prefetch, not with the first socket: a listing of
    // netlink sockets (dumped before any inet table) must not show them. Each
    // must belong to the first socket's namespace, which the thread may have
    // left since: compared by cookie, and without one no prefetch.
    auto t = DiagSocket::open();
    uint64_t cookie = t ? t->netns_cookie() : 0;
    if (cookie && cookie == sock_->netns_cookie()) {
      slots_.push_back(Slot{std::make_unique<DiagSocket>(std::move(*t)), nullptr});
      slot = &slots_.back();
    } else {
      no_more_slots_ = true;
    }
  }
  if (!slot) return;
  slot->pending = std::make_unique<DumpPrefetch>(*slot->sock, build_dump_request(req), max_queued);
}

void LiveSource::cancel_prefetch() {
  for (auto& sl : slots_) sl.pending.reset();
}

Expected<void> LiveSource::open() {
  auto s = socket();
  if (!s) return s.error();
  return {};
}

Expected<DumpResult> LiveSource::dump(const DumpRequest& req, const RecordSink& sink) {
  auto s = socket();
  if (!s) return s.error();
  auto bytes = build_dump_request(req);
  Error parse_error;
  bool stopped = false;
  auto on_msg = [&](const nlmsghdr& h) {
    // After a stop with a recorder the rest of the dump is still read (a
    // recording needs its NLMSG_DONE) but neither parsed nor delivered.
    // Without one the dump is left at once: the socket reads the rest out
    // before its next request (DiagSocket::dirty).
    if (stopped) return DumpControl::kContinue;
    Expected<SocketRecord> rec = parse_reply(h, req.table);
    if (rec)
      stopped = !sink(std::move(*rec));
    else if (rec.error().code != kNoSocket && parse_error.message.empty())
      parse_error = rec.error();
    return stopped && !recorder_ ? DumpControl::kStop : DumpControl::kContinue;
  };
  Expected<DumpStatus> st{DumpStatus{}};
  Slot* fetched = nullptr;
  for (auto& sl : slots_)
    if (sl.pending && sl.pending->request() == bytes) fetched = &sl;
  if (fetched) {
    std::unique_ptr<DumpPrefetch> p = std::move(fetched->pending);
    st = p->consume(on_msg);
  } else {
    st = (*s)->dump_stoppable(bytes.data(), bytes.size(), on_msg, recorder_);
  }
  if (!st) return st.error();
  if (!parse_error.message.empty()) return parse_error;
  DumpResult result;
  result.kernel_error = st->kernel_error;
  result.interrupted = st->interrupted;
  result.stopped = stopped;
  return result;
}

}  // namespace sw
