// AF_VSOCK, AF_TIPC, AF_XDP: request bytes, the three parsers on byte
// fixtures built from the uapi structs (family_fixture.hpp), hostile bytes,
// the row cells as ss 6.1's format strings make them, JSON, replay and the
// runner's per-family rules (vsock_type_skip, TIPC's missing filter, XDP's
// state gate, ss's silence on ENOENT). The full rows are compared with the real
// ss in tests/differential/families_diff_test.cpp.
#include <gtest/gtest.h>
#include <linux/tipc_sockets_diag.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/collector.hpp"
#include "family_fixture.hpp"
#include "filter_test_util.hpp"
#include "netlink/dump_file.hpp"
#include "netlink/parse.hpp"
#include "netlink/source.hpp"
#include "packet_render_fixture.hpp"
#include "plan.hpp"
#include "render/family_rows.hpp"
#include "render/json_rows.hpp"
#include "ss_options.hpp"

namespace sw {
namespace {

using namespace sw::test;

constexpr uint32_t kAny = ~uint32_t{0};

// --- requests -----------------------------------------------------------------

TEST(FamilyRequest, VsockCarriesTheStateMask) {
  DumpRequest req;
  req.table = Table::VsockDgram;
  req.states = kConnStates;
  auto b = build_dump_request(req);
  ASSERT_EQ(b.size(), NLMSG_HDRLEN + sizeof(vsock_diag_req));
  vsock_diag_req r;
  std::memcpy(&r, b.data() + NLMSG_HDRLEN, sizeof r);
  EXPECT_EQ(r.sdiag_family, AF_VSOCK);
  EXPECT_EQ(r.sdiag_protocol, 0);
  EXPECT_EQ(r.vdiag_states, kConnStates);
  EXPECT_EQ(r.vdiag_ino, 0u);
  EXPECT_EQ(r.vdiag_show, 0u);
}

TEST(FamilyRequest, TipcCarriesTheStateMask) {
  DumpRequest req;
  req.table = Table::Tipc;
  req.states = table_default_states(Table::Tipc);
  auto b = build_dump_request(req);
  ASSERT_EQ(b.size(), NLMSG_HDRLEN + sizeof(tipc_sock_diag_req));
  tipc_sock_diag_req r;
  std::memcpy(&r, b.data() + NLMSG_HDRLEN, sizeof r);
  EXPECT_EQ(r.sdiag_family, AF_TIPC);
  EXPECT_EQ(r.tidiag_states,
            state_bit(kEstablished) | state_bit(kListen) | state_bit(kClose));  // ss's TIPC_SS_CONN
}

TEST(FamilyRequest, XdpAsksForEverythingSsPrints) {
  DumpRequest req;
  req.table = Table::Xdp;
  auto b = build_dump_request(req);
  ASSERT_EQ(b.size(), NLMSG_HDRLEN + sizeof(xdp_diag_req));
  xdp_diag_req r;
  std::memcpy(&r, b.data() + NLMSG_HDRLEN, sizeof r);
  EXPECT_EQ(r.sdiag_family, AF_XDP);
  EXPECT_EQ(r.xdiag_show, uint32_t{XDP_SHOW_INFO | XDP_SHOW_RING_CFG | XDP_SHOW_UMEM |
                                   XDP_SHOW_MEMINFO | XDP_SHOW_STATS});
}

// --- parsers ------------------------------------------------------------------

TEST(VsockParse, Fields) {
  NlMsg m = vsock_msg(SOCK_STREAM, kEstablished, 3, 1234, 2, 49152, 5002);
  auto r = parse_reply(m.hdr(), Table::VsockDgram);  // either vsock table parses both
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->family, AF_VSOCK);
  EXPECT_EQ(r->table, Table::VsockStream);
  EXPECT_EQ(r->state, kEstablished);
  EXPECT_EQ(r->inode, 5002u);
  EXPECT_EQ(r->cookie, 5002u * 16);
  ASSERT_TRUE(r->vsock_ext);
  EXPECT_EQ(r->vsock_ext->src_cid, 3u);
  EXPECT_EQ(r->vsock_ext->src_port, 1234u);
  EXPECT_EQ(r->vsock_ext->dst_cid, 2u);
  EXPECT_EQ(r->vsock_ext->dst_port, 49152u);
  uint32_t cid;
  std::memcpy(&cid, r->local.bytes.data(), 4);
  EXPECT_EQ(cid, 3u);  // where vsock:CID filters look
}

TEST(VsockParse, DgramAndSeqpacketTables) {
  NlMsg d = vsock_msg(SOCK_DGRAM, kClose, 3, 1, kAny, kAny, 1);
  EXPECT_EQ(parse_vsock_msg(d.hdr())->table, Table::VsockDgram);
  NlMsg s = vsock_msg(SOCK_SEQPACKET, kClose, 3, 1, kAny, kAny, 1);
  auto r = parse_vsock_msg(s.hdr());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->vsock_ext->type, SOCK_SEQPACKET);
  EXPECT_EQ(family_netid(*r), "???");
}

TEST(VsockParse, TruncatedAndWrongFamilyAreErrors) {
  NlMsg m;
  m.put(uint32_t{0});
  auto r = parse_vsock_msg(m.hdr());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("vsock_diag message: truncated"), std::string::npos);
  vsock_diag_msg v{};
  v.vdiag_family = AF_INET;
  NlMsg w;
  w.put(v);
  r = parse_vsock_msg(w.hdr());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "vsock_diag message: family 2 is not AF_VSOCK");
}

TipcSock connected_tipc() {
  TipcSock s;
  s.type = SOCK_SEQPACKET;
  s.state = kEstablished;
  s.node = 16781313;
  s.ref = 12345;
  s.ino = 7002;
  s.uid = 1000;
  s.cookie = 0x1234567890abull;
  s.rq = 3;
  s.wq = 1;
  s.drops = 2;
  s.connected = true;
  s.peer_node = 16781314;
  s.peer_sock = 54321;
  s.via = true;
  s.via_type = 18888;
  s.via_inst = 17;
  s.conn_cong = true;
  return s;
}

TEST(TipcParse, ConnectedSocket) {
  NlMsg m = tipc_msg(connected_tipc());
  auto r = parse_reply(m.hdr(), Table::Tipc);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->family, AF_TIPC);
  EXPECT_EQ(r->table, Table::Tipc);
  EXPECT_EQ(r->state, kEstablished);
  EXPECT_EQ(r->inode, 7002u);
  EXPECT_EQ(r->uid, 1000u);
  EXPECT_EQ(r->cookie, 0x1234567890abull);
  EXPECT_EQ(r->rqueue, 3);
  EXPECT_EQ(r->wqueue, 1);
  const TipcExt& t = *r->tipc_ext;
  EXPECT_EQ(t.type, uint32_t{SOCK_SEQPACKET});
  EXPECT_EQ(t.node, 16781313u);
  EXPECT_EQ(t.ref, 12345u);
  EXPECT_TRUE(t.connected);
  EXPECT_EQ(t.peer_node, 16781314u);
  EXPECT_EQ(t.peer_sock, 54321u);
  EXPECT_TRUE(t.via);
  EXPECT_EQ(t.via_type, 18888u);
  EXPECT_EQ(t.via_inst, 17u);
  EXPECT_FALSE(t.link_cong);
  EXPECT_TRUE(t.conn_cong);
  EXPECT_EQ(t.drops, 2u);
  EXPECT_FALSE(t.published);
}

TEST(TipcParse, EmptyMessageDescribesNoSocket) {
  NlMsg m;  // what the kernel sends for a socket its state mask drops
  auto r = parse_reply(m.hdr(), Table::Tipc);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, kNoSocket);
}

TEST(TipcParse, MissingStatAndConnMeanZeroNotACrash) {
  // ss dereferences a missing TIPC_NLA_SOCK_STAT; we read zeros.
  AttrBuf sock;
  sock.u32(TIPC_NLA_SOCK_REF, 5).u32(TIPC_NLA_SOCK_TIPC_STATE, 99);
  AttrBuf top;
  top.nest(TIPC_NLA_SOCK, sock);
  NlMsg m;
  for (uint8_t c : top.bytes()) m.put(c);
  auto r = parse_tipc_msg(m.hdr());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->rqueue, 0);
  EXPECT_EQ(r->state, kStateUnknown);  // past ss's name table
  EXPECT_FALSE(r->tipc_ext->connected);
}

TEST(TipcParse, ShortU32IsAnError) {
  AttrBuf sock;
  uint16_t two = 7;
  sock.put(TIPC_NLA_SOCK_INO, &two, 2);
  AttrBuf top;
  top.nest(TIPC_NLA_SOCK, sock);
  NlMsg m;
  for (uint8_t c : top.bytes()) m.put(c);
  auto r = parse_tipc_msg(m.hdr());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "tipc diag message: TIPC_NLA_SOCK_INO attribute too short (2 bytes)");
}

TEST(TipcParse, MalformedNestIsAnError) {
  uint8_t bad[8] = {0xff, 0x00, TIPC_NLA_SOCK_REF, 0, 0, 0, 0, 0};  // nla_len 255 > 8
  AttrBuf top;
  top.put(TIPC_NLA_SOCK, bad, sizeof bad);
  NlMsg m;
  for (uint8_t c : top.bytes()) m.put(c);
  auto r = parse_tipc_msg(m.hdr());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "tipc diag message: malformed attribute in TIPC_NLA_SOCK");
}

XdpSock full_xdp() {
  XdpSock s;
  s.ino = 8001;
  s.uid = 1000;
  s.ifindex = 1;
  s.queue_id = 3;
  s.rx = 2048;
  s.tx = 1024;
  s.fr = 4096;
  s.cr = 512;
  s.umem = true;
  s.u.size = 16777216;
  s.u.id = 4;
  s.u.num_pages = 4096;
  s.u.chunk_size = 4096;
  s.u.headroom = 256;
  s.u.ifindex = 1;
  s.u.queue_id = 3;
  s.u.flags = XDP_DU_F_ZEROCOPY;
  s.u.refs = 2;
  s.rmem = 4352;
  s.stats = true;
  s.st = {1, 2, 3, 4, 5, 6};
  return s;
}

TEST(XdpParse, AllAttributes) {
  NlMsg m = xdp_msg(full_xdp());
  auto r = parse_reply(m.hdr(), Table::Xdp);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->family, AF_XDP);
  EXPECT_EQ(r->table, Table::Xdp);
  EXPECT_EQ(r->state, kClose);
  EXPECT_EQ(r->inode, 8001u);
  EXPECT_EQ(r->cookie, (uint64_t{1} << 32) | (8001u * 16));
  EXPECT_EQ(r->uid, 1000u);
  EXPECT_EQ(r->ifindex, 1u);
  EXPECT_EQ(r->rqueue, 4352);
  const XdpExt& x = *r->xdp_ext;
  ASSERT_TRUE(x.info);
  EXPECT_EQ(x.info->queue_id, 3u);
  EXPECT_EQ(x.rx_ring, 2048u);
  EXPECT_EQ(x.tx_ring, 1024u);
  EXPECT_EQ(x.fill_ring, 4096u);
  EXPECT_EQ(x.completion_ring, 512u);
  ASSERT_TRUE(x.umem && x.stats);
  EXPECT_EQ(x.umem->size, 16777216u);
  EXPECT_EQ(x.umem->refs, 2u);
  EXPECT_EQ(x.stats->n_tx_ring_empty, 6u);
  EXPECT_EQ(x.skmem.size(), size_t{SK_MEMINFO_VARS});
}

TEST(XdpParse, UnboundSocketHasNoInterface) {
  XdpSock s;
  s.info = false;
  s.meminfo = false;
  NlMsg m = xdp_msg(s);
  auto r = parse_xdp_msg(m.hdr());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->ifindex, 0u);
  EXPECT_FALSE(r->xdp_ext->info);
  EXPECT_EQ(r->rqueue, 0);
}

TEST(XdpParse, ShortFixedSizeAttributesAreErrors) {
  const uint16_t types[] = {XDP_DIAG_INFO,
                            XDP_DIAG_UID,
                            XDP_DIAG_RX_RING,
                            XDP_DIAG_TX_RING,
                            XDP_DIAG_UMEM,
                            XDP_DIAG_UMEM_FILL_RING,
                            XDP_DIAG_UMEM_COMPLETION_RING,
                            XDP_DIAG_MEMINFO,
                            XDP_DIAG_STATS};
  for (uint16_t type : types) {
    xdp_diag_msg x{};
    x.xdiag_family = AF_XDP;
    NlMsg m;
    m.put(x);
    uint16_t two = 0xffff;
    m.attr(type, two);
    auto r = parse_xdp_msg(m.hdr());
    ASSERT_FALSE(r.has_value()) << type;
    EXPECT_NE(r.error().message.find("too short (2 bytes)"), std::string::npos)
        << r.error().message;
  }
}

TEST(FamilyParse, EveryTruncationIsAnErrorOrARecordNeverACrash) {
  std::vector<std::pair<Table, std::vector<uint8_t>>> full = {
      {Table::VsockStream, vsock_msg(SOCK_STREAM, 1, 3, 4, 5, 6, 7).bytes()},
      {Table::Tipc, tipc_msg(connected_tipc()).bytes()},
      {Table::Xdp, xdp_msg(full_xdp()).bytes()},
  };
  for (const auto& [table, bytes] : full) {
    int errors = 0;
    for (size_t len = NLMSG_HDRLEN; len < bytes.size(); ++len) {
      // A fresh buffer of exactly `len` bytes so ASan would see any overread.
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(len));
      uint32_t l = static_cast<uint32_t>(len);
      std::memcpy(cut.data(), &l, 4);
      if (!parse_reply(*reinterpret_cast<const nlmsghdr*>(cut.data()), table)) ++errors;
    }
    EXPECT_GT(errors, 0) << table_netid(table);
  }
}

// --- row cells (ss 6.1's format strings) --------------------------------------

std::array<std::string, kColCount> cells_of(const SocketRecord& r, RenderOptions opt) {
  InterfaceNames names;
  FamilyRowContext ctx{opt, names, nullptr};
  std::array<std::string, kColCount> cells;
  family_cells(cells, r, ctx);
  return cells;
}

TEST(FamilyRow, VsockWildcardsAreStars) {
  NlMsg m = vsock_msg(SOCK_STREAM, kListen, kAny, 1234, kAny, kAny, 1);
  auto r = parse_vsock_msg(m.hdr());
  RenderOptions opt;
  opt.show_details = opt.show_mem = true;  // vsock_stats_print shows neither
  auto c = cells_of(*r, opt);
  EXPECT_EQ(c[kColNetid], "v_str");
  EXPECT_EQ(c[kColState], "LISTEN");
  EXPECT_EQ(c[kColRecvQ], "0     ");
  EXPECT_EQ(c[kColLocalAddr], "*:");
  EXPECT_EQ(c[kColLocalPort], "1234");
  EXPECT_EQ(c[kColPeerAddr], "*:");
  EXPECT_EQ(c[kColPeerPort], "*");
  EXPECT_EQ(c[kColProcess], "");
}

TEST(FamilyRow, TipcInfoSpacingAndDetailsFirst) {
  NlMsg m = tipc_msg(connected_tipc());
  auto r = parse_tipc_msg(m.hdr());
  RenderOptions opt;
  opt.show_details = opt.show_tipcinfo = true;
  auto c = cells_of(*r, opt);
  EXPECT_EQ(c[kColNetid], "ti_sq");
  EXPECT_EQ(c[kColLocalAddr], "16781313:");
  EXPECT_EQ(c[kColLocalPort], "12345");
  EXPECT_EQ(c[kColPeerAddr], "16781314:");
  EXPECT_EQ(c[kColPeerPort], "54321");
  // " cong:%s " then " drop:%d ": two blanks between, one after.
  EXPECT_EQ(c[kColProcess],
            " uid:1000 ino:7002 sk:1234567890ab\n type:SEQPACKET cong:conn  drop:2  via "
            "{18888,17} ");
  opt.oneline = true;
  opt.show_details = false;
  EXPECT_EQ(cells_of(*r, opt)[kColProcess], " type:SEQPACKET cong:conn  drop:2  via {18888,17} ");
}

TEST(FamilyRow, TipcUnconnectedPeerIsADash) {
  TipcSock s;
  s.publ = true;
  s.ref = 9;
  NlMsg m = tipc_msg(s);
  auto r = parse_tipc_msg(m.hdr());
  RenderOptions opt;
  opt.show_tipcinfo = opt.oneline = true;
  auto c = cells_of(*r, opt);
  EXPECT_EQ(c[kColState], "UNCONN");
  EXPECT_EQ(c[kColPeerAddr], "-");
  EXPECT_EQ(c[kColPeerPort], "");
  EXPECT_EQ(c[kColProcess], " type:STREAM cong:none  drop:0  publ");
}

TEST(FamilyRow, XdpDetailsKeepSsOnelineTypo) {
  NlMsg m = xdp_msg(full_xdp());
  auto r = parse_xdp_msg(m.hdr());
  RenderOptions opt;
  opt.show_details = opt.oneline = opt.show_mem = true;
  auto c = cells_of(*r, opt);
  EXPECT_EQ(c[kColNetid], "xdp");
  EXPECT_EQ(c[kColState], "UNCONN");
  EXPECT_EQ(c[kColRecvQ], "4352  ");
  EXPECT_EQ(c[kColLocalPort], "q3");
  EXPECT_EQ(c[kColPeerAddr], "*");
  EXPECT_EQ(c[kColProcess],
            " uid:1000 ino:8001 sk:10001f410 rx(entries:2048) tx(entries:1024)"
            " tumem(id:4,size:16777216,num_pages:4096,chunk_size:4096,headroom:256,ifindex:1,"
            "qid:3,zc:1,refs:2) fr(entries:4096) cr(entries:512)"
            " stats(rx dropped:1,rx invalid:2,rx queue full:3,rx fill ring empty:4,"
            "tx invalid:5,tx ring empty:6)"
            " skmem:(r4352,rb212992,t0,tb212992,f0,w0,o0,bl0,d0)");
}

TEST(FamilyRow, XdpUnboundIsStar) {
  XdpSock s;
  s.info = false;
  NlMsg m = xdp_msg(s);
  auto r = parse_xdp_msg(m.hdr());
  auto c = cells_of(*r, {});
  EXPECT_EQ(c[kColLocalAddr], "*");
  EXPECT_EQ(c[kColLocalPort], "");
}

// --- JSON ---------------------------------------------------------------------

nlohmann::json json_of(const SocketRecord& r, RenderOptions opt) {
  RowContext ctx;
  ctx.opt = opt;
  JsonSocketFormatter f(ctx);
  std::string out;
  JsonWriter w(out);
  f.write(w, r, false);
  return nlohmann::json::parse(out);
}

TEST(FamilyJson, Vsock) {
  NlMsg m = vsock_msg(SOCK_STREAM, kListen, kAny, 1234, kAny, kAny, 5001);
  RenderOptions opt;
  opt.show_details = true;
  auto j = json_of(*parse_vsock_msg(m.hdr()), opt);
  EXPECT_EQ(j["netid"], "v_str");
  EXPECT_EQ(j["family"], "vsock");
  EXPECT_EQ(j["state"], "listening");
  EXPECT_EQ(j["local"]["cid"], 4294967295u);
  EXPECT_EQ(j["local"]["port"], 1234);
  EXPECT_EQ(j["peer"]["port"], 4294967295u);
  EXPECT_EQ(j["vsock"]["type"], "stream");
  EXPECT_FALSE(j.contains("uid"));  // vsock_diag reports none
  EXPECT_EQ(j["cookie"], "13890");
  EXPECT_EQ(j["shutdown"]["recv"], false);
}

TEST(FamilyJson, TipcWithInfo) {
  NlMsg m = tipc_msg(connected_tipc());
  RenderOptions opt;
  opt.show_tipcinfo = true;
  auto j = json_of(*parse_tipc_msg(m.hdr()), opt);
  EXPECT_EQ(j["netid"], "ti_sq");
  EXPECT_EQ(j["family"], "tipc");
  EXPECT_EQ(j["recv_q"], 3);
  EXPECT_EQ(j["local"]["node"], 16781313);
  EXPECT_EQ(j["local"]["port"], 12345);
  EXPECT_EQ(j["peer"]["node"], 16781314);
  EXPECT_EQ(j["tipc"]["type"], "seqpacket");
  EXPECT_EQ(j["tipc"]["congestion"], "conn");
  EXPECT_EQ(j["tipc"]["drops"], 2);
  EXPECT_EQ(j["tipc"]["published"], false);
  EXPECT_EQ(j["tipc"]["via"]["type"], 18888);
  EXPECT_EQ(j["tipc"]["via"]["instance"], 17);
  // Without --tipcinfo only the type.
  auto k = json_of(*parse_tipc_msg(m.hdr()), {});
  EXPECT_EQ(k["tipc"].size(), 1u);
  TipcSock open;
  NlMsg o = tipc_msg(open);
  EXPECT_TRUE(json_of(*parse_tipc_msg(o.hdr()), {})["peer"].is_null());
}

TEST(FamilyJson, XdpWithDetailsAndMemory) {
  NlMsg m = xdp_msg(full_xdp());
  RenderOptions opt;
  opt.show_details = opt.show_mem = true;
  auto j = json_of(*parse_xdp_msg(m.hdr()), opt);
  EXPECT_EQ(j["netid"], "xdp");
  EXPECT_EQ(j["family"], "xdp");
  EXPECT_EQ(j["state"], "unconnected");
  EXPECT_EQ(j["local"]["interface"], "lo");
  EXPECT_EQ(j["local"]["queue_id"], 3);
  EXPECT_EQ(j["uid"], 1000);
  EXPECT_EQ(j["xdp"]["rx_ring_entries"], 2048);
  EXPECT_EQ(j["xdp"]["completion_ring_entries"], 512);
  EXPECT_EQ(j["xdp"]["umem"]["size_bytes"], 16777216);
  EXPECT_EQ(j["xdp"]["umem"]["zero_copy"], true);
  EXPECT_EQ(j["xdp"]["stats"]["rx_queue_full"], 3);
  EXPECT_EQ(j["skmem"]["rmem_alloc_bytes"], 4352);
  XdpSock bare;
  bare.info = false;
  NlMsg b = xdp_msg(bare);
  auto k = json_of(*parse_xdp_msg(b.hdr()), {});
  EXPECT_TRUE(k["local"]["interface"].is_null());
  EXPECT_TRUE(k["local"]["queue_id"].is_null());
  EXPECT_FALSE(k.contains("xdp"));  // its details only with -e
}

// --- committed fixtures (fuzz seeds) -------------------------------------------

TEST(FamilyFixtures, CommittedDumpsMatchTheBuilders) {
  // scripts/fuzz.sh seeds fuzz_nlmsg and fuzz_dumpfile with these files;
  // SW_UPDATE_FIXTURES=1 rewrites them from the builders.
  const std::pair<const char*, std::vector<uint8_t>> files[] = {
      {"families/vsock.bin", vsock_dump()},
      {"families/tipc.bin", tipc_dump()},
      {"families/xdp.bin", xdp_dump()},
      {"families/families.rec", families_recording()}};
  for (const auto& [name, bytes] : files) {
    std::string want(bytes.begin(), bytes.end());
    if (std::getenv("SW_UPDATE_FIXTURES")) {
      std::ofstream o(fixture_path(name), std::ios::binary);
      o << want;
    }
    EXPECT_EQ(read_fixture(name), want) << name << ": run with SW_UPDATE_FIXTURES=1";
  }
}

// --- replay -------------------------------------------------------------------

std::string write_temp(const std::vector<uint8_t>& b) {
  char path[] = "/tmp/sw_famrec_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  std::ofstream o(path, std::ios::binary);
  o.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  return path;
}

TEST(FamilyReplay, VsockMaskOneDumpForBothTablesTipcEmptySkipped) {
  std::vector<uint8_t> rec;
  auto add = [&](const std::vector<uint8_t>& b) { rec.insert(rec.end(), b.begin(), b.end()); };
  add(table_marker(Table::VsockStream));
  add(dump_of({vsock_msg(SOCK_STREAM, kListen, kAny, 1, kAny, kAny, 1),
               vsock_msg(SOCK_DGRAM, kClose, 3, 2, kAny, kAny, 2)}));
  add(table_marker(Table::Tipc));
  TipcSock t;
  add(dump_of({NlMsg(), tipc_msg(t)}));
  add(end_of_recording_marker());
  std::string path = write_temp(rec);
  auto src = ReplaySource::open(path);
  std::remove(path.c_str());
  ASSERT_TRUE(src.has_value()) << src.error().message;
  std::vector<uint64_t> inodes;
  DumpRequest req;
  req.table = Table::VsockDgram;  // either vsock table is served the whole dump
  req.states = state_bit(kClose);
  ASSERT_TRUE(src->dump(req, [&](SocketRecord&& r) {
    inodes.push_back(r.inode);
    return true;
  }));
  EXPECT_EQ(inodes, (std::vector<uint64_t>{2}));  // the listener is masked out
  req.table = Table::Tipc;
  int tipc = 0;
  auto res = src->dump(req, [&](SocketRecord&&) {
    ++tipc;
    return true;
  });
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(tipc, 1);
}

// --- runner -------------------------------------------------------------------

class FamilySource : public SocketSource {
 public:
  Expected<DumpResult> dump(const DumpRequest& req, const RecordSink& sink) override {
    requested.push_back(req.table);
    DumpResult res;
    res.kernel_error = kernel_error;
    if (kernel_error) return res;
    auto emit = [&](NlMsg m) {
      auto r = parse_reply(m.hdr(), req.table);
      ASSERT_TRUE(r.has_value()) << r.error().message;
      (void)sink(std::move(*r));
    };
    if (req.table == Table::VsockStream) {
      emit(vsock_msg(SOCK_STREAM, 1, 3, 1000, 2, 5, 1));
      emit(vsock_msg(SOCK_DGRAM, 1, 3, 2000, 2, 6, 2));
      emit(vsock_msg(SOCK_SEQPACKET, 1, 3, 3000, 2, 7, 3));
    } else if (req.table == Table::Tipc) {
      TipcSock t;
      t.ino = 4;
      emit(tipc_msg(t));
    } else if (req.table == Table::Xdp) {
      XdpSock x;
      x.ino = 5;
      x.queue_id = 7;
      emit(xdp_msg(x));
    }
    return res;
  }
  int kernel_error = 0;
  std::vector<Table> requested;
};

SsOptions options(std::vector<std::string> args) {
  std::vector<char*> argv;
  std::string prog = "sockwatch";
  argv.push_back(prog.data());
  for (auto& a : args) argv.push_back(a.data());
  auto r = parse_ss_command_line(static_cast<int>(argv.size()), argv.data());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return *r.options;
}

std::vector<uint64_t> run(const std::vector<std::string>& args, FamilySource& src,
                          const Filter* filter = nullptr, std::string* err = nullptr) {
  SsOptions o = options(args);
  SourcePaths env;
  std::vector<uint64_t> out;
  Collector c(src);
  CollectReport rep = c.collect(collect_plan(o, filter), env, [&](SocketRecord&& r) {
    out.push_back(r.inode);
    return true;
  });
  std::string e;
  for (const auto& d : rep.diagnostics) e += d.text + "\n";
  if (err) *err = e;
  EXPECT_EQ(rep.status, 0);
  return out;
}

TEST(FamilyRunner, VsockTypeSkipLetsSeqpacketThrough) {
  FamilySource src;
  EXPECT_EQ(run({"-a", "-A", "vsock_stream"}, src), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(run({"-a", "-A", "v_dgr"}, src), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(run({"-a", "--vsock"}, src), (std::vector<uint64_t>{1, 2, 3}));
}

TEST(FamilyRunner, SsOrderAndTipcIgnoresTheFilter) {
  FamilySource src;
  auto f = filter_test::parse("sport = :7");
  ASSERT_FALSE(f.error);
  // The filter keeps the XDP socket on queue 7 and drops every vsock one;
  // TIPC runs no filter in ss.
  EXPECT_EQ(run({"-a", "--vsock", "--tipc", "--xdp"}, src, &*f.filter),
            (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(src.requested, (std::vector<Table>{Table::VsockStream, Table::Tipc, Table::Xdp}));
}

TEST(FamilyRunner, XdpNeedsTheUnconnectedState) {
  FamilySource src;
  EXPECT_TRUE(run({"--xdp", "state", "established"}, src).empty());
  EXPECT_TRUE(src.requested.empty());  // not even asked, as ss's xdp_show
}

TEST(FamilyRunner, MissingModuleIsSilentOtherRefusalsAreReported) {
  FamilySource src;
  src.kernel_error = ENOENT;
  std::string err;
  EXPECT_TRUE(run({"-a", "--vsock", "--tipc", "--xdp"}, src, nullptr, &err).empty());
  EXPECT_EQ(err, "");
  src.kernel_error = EACCES;
  run({"--xdp"}, src, nullptr, &err);
  EXPECT_EQ(err, "RTNETLINK answers: Permission denied\n");
}

}  // namespace
}  // namespace sw
