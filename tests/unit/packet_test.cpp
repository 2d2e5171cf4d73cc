// AF_PACKET: packet_diag parser on byte fixtures (built and recorded), the
// ethertype names, and the row text compared with real ss 6.1 output recorded
// on the same sockets (tests/fixtures/packet/record.sh).
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <cstring>

#include "netlink/parse.hpp"
#include "nl_fixture.hpp"
#include "packet_render_fixture.hpp"
#include "render/packet_rows.hpp"

namespace sw {
namespace {

using test::NlMsg;

packet_diag_msg pmsg(uint8_t type, uint16_t proto, uint32_t ino) {
  packet_diag_msg m{};
  m.pdiag_family = AF_PACKET;
  m.pdiag_type = type;
  m.pdiag_num = proto;
  m.pdiag_ino = ino;
  m.pdiag_cookie[0] = 0x28;
  m.pdiag_cookie[1] = 0x1;
  return m;
}

std::vector<uint32_t> meminfo(uint32_t rmem) {
  std::vector<uint32_t> v(SK_MEMINFO_VARS, 0);
  v[SK_MEMINFO_RMEM_ALLOC] = rmem;
  v[SK_MEMINFO_RCVBUF] = 212992;
  v[SK_MEMINFO_SNDBUF] = 212992;
  return v;
}

NlMsg full_msg() {
  NlMsg m;
  m.put(pmsg(SOCK_RAW, 0x86dd, 23733));
  packet_diag_info info{};
  info.pdi_index = 1;
  info.pdi_version = 1;
  info.pdi_flags = PDI_RUNNING | PDI_AUXDATA | PDI_LOSS;
  m.attr(PACKET_DIAG_INFO, info);
  packet_diag_ring rx{4096, 2, 2048, 4, 0, 0, 0};
  packet_diag_ring tx{4096, 1, 2048, 2, 0, 0, 0};
  m.attr(PACKET_DIAG_RX_RING, rx).attr(PACKET_DIAG_TX_RING, tx);
  uint32_t fanout = (5u << 16) | 47u, uid = 1000;
  m.attr(PACKET_DIAG_FANOUT, fanout).attr(PACKET_DIAG_UID, uid);
  auto mem = meminfo(8320);
  m.attr(PACKET_DIAG_MEMINFO, mem.data(), mem.size() * 4);
  sock_filter prog[2] = {{0x28, 0, 0, 12}, {0x06, 0, 0, 0xffff}};
  m.attr(PACKET_DIAG_FILTER, prog, sizeof prog);
  return m;
}

TEST(PacketParse, AllAttributes) {
  NlMsg m = full_msg();
  auto r = parse_packet_msg(m.hdr());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->family, AF_PACKET);
  EXPECT_EQ(r->table, Table::PacketRaw);
  EXPECT_EQ(r->state, kClose);
  EXPECT_EQ(r->inode, 23733u);
  EXPECT_EQ(r->cookie, 0x100000028ull);  // cookie[1] is the high word, as ss
  EXPECT_EQ(r->rqueue, 8320);
  EXPECT_EQ(r->wqueue, 0);
  EXPECT_EQ(r->uid, 1000u);
  EXPECT_EQ(r->ifindex, 1u);
  ASSERT_TRUE(r->packet_ext);
  const PacketExt& p = *r->packet_ext;
  EXPECT_EQ(p.type, SOCK_RAW);
  EXPECT_EQ(p.protocol, 0x86dd);
  ASSERT_TRUE(p.info);
  EXPECT_EQ(p.info->pdi_version, 1u);
  ASSERT_TRUE(p.rx_ring && p.tx_ring);
  EXPECT_EQ(p.rx_ring->pdr_frame_nr, 4u);
  EXPECT_EQ(p.tx_ring->pdr_block_nr, 1u);
  EXPECT_EQ(p.fanout, (5u << 16) | 47u);
  EXPECT_EQ(p.skmem.size(), size_t{SK_MEMINFO_VARS});
  EXPECT_TRUE(p.has_filter);
  EXPECT_EQ(p.filter.size(), 2 * sizeof(sock_filter));
}

TEST(PacketParse, DgramWithoutOptionalAttributes) {
  NlMsg m;
  m.put(pmsg(SOCK_DGRAM, 0x0800, 7));
  auto r = parse_packet_msg(m.hdr());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->table, Table::PacketDgram);
  EXPECT_EQ(r->rqueue, 0);
  EXPECT_FALSE(r->packet_ext->info);
  EXPECT_FALSE(r->packet_ext->fanout);
  EXPECT_FALSE(r->packet_ext->has_filter);
  EXPECT_TRUE(r->packet_ext->skmem.empty());  // ss would fall back to /proc here
}

TEST(PacketParse, EmptyFilterAttributeIsKept) {
  // Without CAP_NET_ADMIN the kernel sends a zero-length PACKET_DIAG_FILTER;
  // ss -b then prints "bpf filter (0): ".
  NlMsg m;
  m.put(pmsg(SOCK_RAW, 3, 7));
  m.attr(PACKET_DIAG_FILTER, nullptr, 0);
  auto r = parse_packet_msg(m.hdr());
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->packet_ext->has_filter);
  EXPECT_TRUE(r->packet_ext->filter.empty());
}

TEST(PacketParse, FirstAttributeOfATypeWins) {
  NlMsg m;
  m.put(pmsg(SOCK_RAW, 3, 7));
  uint32_t a = 1000, b = 2000;
  m.attr(PACKET_DIAG_UID, a).attr(PACKET_DIAG_UID, b);
  auto r = parse_packet_msg(m.hdr());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->uid, 1000u);
}

TEST(PacketParse, TruncatedHeaderIsAnError) {
  NlMsg m;
  m.put(uint32_t{0});  // 4 of the 16 bytes of packet_diag_msg
  auto r = parse_packet_msg(m.hdr());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("packet_diag message: truncated"), std::string::npos);
}

TEST(PacketParse, WrongFamilyIsAnError) {
  NlMsg m;
  auto pm = pmsg(SOCK_RAW, 3, 7);
  pm.pdiag_family = AF_INET;
  m.put(pm);
  EXPECT_FALSE(parse_packet_msg(m.hdr()).has_value());
}

TEST(PacketParse, ShortFixedSizeAttributesAreErrors) {
  const uint16_t types[] = {PACKET_DIAG_INFO,   PACKET_DIAG_RX_RING, PACKET_DIAG_TX_RING,
                            PACKET_DIAG_FANOUT, PACKET_DIAG_UID,     PACKET_DIAG_MEMINFO};
  for (uint16_t type : types) {
    NlMsg m;
    m.put(pmsg(SOCK_RAW, 3, 7));
    uint16_t two = 0xffff;
    m.attr(type, two);
    auto r = parse_packet_msg(m.hdr());
    ASSERT_FALSE(r.has_value()) << type;
    EXPECT_NE(r.error().message.find("too short (2 bytes)"), std::string::npos)
        << r.error().message;
  }
}

TEST(PacketParse, AttributeLongerThanMessageIsAnError) {
  NlMsg m = full_msg();
  auto bytes = m.bytes();
  // Grow the first attribute's nla_len past the end of the message.
  size_t at = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(packet_diag_msg));
  uint16_t big = 0x7ff0;
  std::memcpy(bytes.data() + at, &big, 2);
  auto r = parse_packet_msg(*reinterpret_cast<const nlmsghdr*>(bytes.data()));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "packet_diag message: malformed attribute");
}

TEST(PacketParse, EveryTruncationIsAnErrorOrARecordNeverACrash) {
  NlMsg m = full_msg();
  auto full = m.bytes();
  int errors = 0;
  for (size_t len = NLMSG_HDRLEN; len < full.size(); ++len) {
    // A fresh buffer of exactly `len` bytes so ASan would see any overread.
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<long>(len));
    uint32_t l = static_cast<uint32_t>(len);
    std::memcpy(cut.data(), &l, 4);
    auto r = parse_packet_msg(*reinterpret_cast<const nlmsghdr*>(cut.data()));
    if (!r) ++errors;
  }
  EXPECT_GT(errors, 0);
}

TEST(LlProtoName, Iproute2TableFirstMatchAndFallback) {
  EXPECT_EQ(ll_proto_name(0x0800, false), "ip");  // not the later "ipv4" alias
  EXPECT_EQ(ll_proto_name(0x8100, false), "802.1Q");
  EXPECT_EQ(ll_proto_name(0x88cc, false), "LLDP");
  EXPECT_EQ(ll_proto_name(0x8892, false), "profinet");
  EXPECT_EQ(ll_proto_name(0x0003, false), "all");
  EXPECT_EQ(ll_proto_name(0x8902, false), "[35074]");  // cfm came after 6.1
  EXPECT_EQ(ll_proto_name(0, false), "[0]");
  EXPECT_EQ(ll_proto_name(0x0800, true), "[2048]");
}

PacketExt& ext(SocketRecord& r) { return r.ensure_packet(); }

std::string process_cell(const SocketRecord& r, RenderOptions opt, bool bpf = false) {
  InterfaceNames names;
  PacketRowContext ctx{opt, bpf, names, nullptr};
  std::array<std::string, kColCount> cells;
  packet_cells(cells, r, ctx);
  return cells[kColProcess];
}

TEST(PacketRow, FlagsWithoutRunningKeepSsDoubleBlank) {
  SocketRecord r;
  r.family = AF_PACKET;
  r.table = Table::PacketRaw;
  r.inode = 9;
  packet_diag_info info{};
  info.pdi_flags = PDI_AUXDATA;
  ext(r).info = info;
  RenderOptions opt;
  opt.show_details = true;
  EXPECT_EQ(process_cell(r, opt), " ino:9 sk:0\n\tver:0 cpy_thresh:0 flags(  auxdata )");
}

TEST(PacketRow, UnknownFanoutTypeIsHex) {
  SocketRecord r;
  r.family = AF_PACKET;
  ext(r).fanout = (0x8005u << 16) | 3u;
  RenderOptions opt;
  opt.show_details = true;
  opt.oneline = true;
  EXPECT_EQ(process_cell(r, opt), " ino:0 sk:0 fanout(id:3,type:0x8005)");
}

TEST(PacketRow, ProcRecordsPrintSkZeroAsSs) {
  SocketRecord r;
  r.family = AF_PACKET;
  r.proc_sk = 0xffff8880dead;
  r.from_proc = true;
  RenderOptions opt;
  opt.show_details = true;
  EXPECT_EQ(process_cell(r, opt), " ino:0 sk:0");
}

// --- Row text against ss 6.1 recorded on the same sockets ---------------------

std::vector<SocketRecord> parse_dump(const std::string& bytes) {
  std::vector<SocketRecord> out;
  size_t off = 0;
  while (off + NLMSG_HDRLEN <= bytes.size()) {
    nlmsghdr h;
    std::memcpy(&h, bytes.data() + off, sizeof h);
    if (h.nlmsg_len < NLMSG_HDRLEN || off + h.nlmsg_len > bytes.size()) {
      ADD_FAILURE() << "bad fixture at " << off;
      break;
    }
    if (h.nlmsg_type == NLMSG_DONE) break;
    if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
      // Copy to an aligned buffer of exactly this message.
      std::vector<uint32_t> buf((h.nlmsg_len + 3) / 4);
      std::memcpy(buf.data(), bytes.data() + off, h.nlmsg_len);
      auto r = parse_packet_msg(*reinterpret_cast<const nlmsghdr*>(buf.data()));
      EXPECT_TRUE(r.has_value()) << r.error().message;
      if (r) out.push_back(std::move(*r));
    }
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  return out;
}

class PacketVsSs : public ::testing::Test {
 protected:
  void SetUp() override {
    recs_ = parse_dump(test::read_fixture("packet/dump.bin"));
    ASSERT_GT(recs_.size(), 20u);
  }
  std::string render(RenderOptions opt, bool bpf = false) {
    RowContext ctx;
    ctx.opt = opt;
    ctx.show_bpf = bpf;
    return test::render_rows(recs_, ctx, {});
  }
  std::vector<SocketRecord> recs_;
};

TEST_F(PacketVsSs, RecordedSocketsParsed) {
  int rings = 0, fanouts = 0, filters = 0, uid1000 = 0;
  for (const auto& r : recs_) {
    rings += r.packet_ext->rx_ring.has_value();
    fanouts += r.packet_ext->fanout.has_value();
    filters += r.packet_ext->has_filter;
    uid1000 += r.uid == 1000;
  }
  EXPECT_EQ(rings, 2);
  EXPECT_EQ(fanouts, 6);
  EXPECT_EQ(filters, 1);
  EXPECT_EQ(uid1000, 2);
}

TEST_F(PacketVsSs, Plain) { EXPECT_EQ(render({}), test::read_fixture("packet/ss_0.txt")); }

TEST_F(PacketVsSs, Numeric) {
  RenderOptions o;
  o.numeric = true;
  EXPECT_EQ(render(o), test::read_fixture("packet/ss_0n.txt"));
}

TEST_F(PacketVsSs, Extended) {
  RenderOptions o;
  o.show_details = o.show_options = true;
  EXPECT_EQ(render(o), test::read_fixture("packet/ss_0e.txt"));
}

TEST_F(PacketVsSs, ExtendedOneline) {
  RenderOptions o;
  o.show_details = o.show_options = o.oneline = true;
  EXPECT_EQ(render(o), test::read_fixture("packet/ss_0eO.txt"));
}

TEST_F(PacketVsSs, ExtendedBpf) {
  RenderOptions o;
  o.show_details = o.show_options = true;
  EXPECT_EQ(render(o, true), test::read_fixture("packet/ss_0eb.txt"));
}

TEST_F(PacketVsSs, BpfOneline) {
  RenderOptions o;
  o.show_options = o.oneline = true;
  EXPECT_EQ(render(o, true), test::read_fixture("packet/ss_0bO.txt"));
}

TEST_F(PacketVsSs, Memory) {
  RenderOptions o;
  o.show_mem = true;
  EXPECT_EQ(render(o), test::read_fixture("packet/ss_0m.txt"));
}

}  // namespace
}  // namespace sw
