// /proc/net/packet and /proc/net/netlink fallback parsers: fields, malformed
// lines, and the rendered rows against real ss 6.1 run with PROC_NET_PACKET /
// PROC_NET_NETLINK on the same recorded files (tests/fixtures/packet/record.sh).
#include "procfs/proc_net_packet.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "packet_render_fixture.hpp"

namespace sw {
namespace {

constexpr const char* kPacketHeader =
    "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n";
constexpr const char* kNetlinkHeader =
    "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n";

TEST(ProcNetPacket, ParsesKernelLine) {
  std::string text = std::string(kPacketHeader) +
                     "00000000e36139b1 3      2    0800   1     1 8320   1000   23731 \n";
  auto recs = parse_proc_net_packet(text, "packet");
  ASSERT_TRUE(recs.has_value()) << recs.error().message;
  ASSERT_EQ(recs->size(), 1u);
  const SocketRecord& r = (*recs)[0];
  EXPECT_EQ(r.family, AF_PACKET);
  EXPECT_EQ(r.table, Table::PacketDgram);
  EXPECT_EQ(r.state, kClose);
  EXPECT_EQ(r.rqueue, 8320);
  EXPECT_EQ(r.uid, 1000u);
  EXPECT_EQ(r.inode, 23731u);
  EXPECT_EQ(r.ifindex, 1u);
  EXPECT_EQ(r.proc_sk, 0xe36139b1ull);
  EXPECT_EQ(r.cookie, 0u);  // /proc has no cookies
  EXPECT_TRUE(r.from_proc);
  ASSERT_TRUE(r.packet_ext);
  EXPECT_EQ(r.packet_ext->type, SOCK_DGRAM);
  EXPECT_EQ(r.packet_ext->protocol, 0x0800);
}

TEST(ProcNetPacket, RawTypeAndEmptyFiles) {
  auto recs =
      parse_proc_net_packet(std::string(kPacketHeader) + "0 3 3 0003 0 1 0 0 5\n", "packet");
  ASSERT_TRUE(recs.has_value());
  EXPECT_EQ((*recs)[0].table, Table::PacketRaw);
  EXPECT_TRUE(parse_proc_net_packet("", "packet")->empty());
  EXPECT_TRUE(parse_proc_net_packet(kPacketHeader, "packet")->empty());
}

TEST(ProcNetPacket, MalformedLineIsSkippedNamingFileAndLine) {
  std::string text = std::string(kPacketHeader) + "0 3 3 0003 0 1 0 0 5\n" +
                     "0 3 3 0003 0 1 0\n" +  // Inode and User missing
                     "0 3 3 0003 0 1 0 0 7\n";
  LineSkips skips;
  auto recs = parse_proc_net_packet(text, "/x/net/packet", &skips);
  ASSERT_TRUE(recs.has_value());
  ASSERT_EQ(recs->size(), 2u);  // the good lines on either side stay
  EXPECT_EQ((*recs)[1].inode, 7u);
  EXPECT_EQ(skips.count, 1u);
  EXPECT_EQ(skips.first.rfind("/x/net/packet: line 3: ", 0), 0u) << skips.first;
}

TEST(ProcNetPacket, NonNumericFieldsAreSkipped) {
  for (const char* bad : {"zz 3 3 0003 0 1 0 0 5\n", "0 3 x 0003 0 1 0 0 5\n",
                          "0 3 3 10000 0 1 0 0 5\n", "0 3 3 0003 0 1 0 0 5x\n"}) {
    LineSkips skips;
    auto recs = parse_proc_net_packet(std::string(kPacketHeader) + bad, "p", &skips);
    ASSERT_TRUE(recs.has_value()) << bad;
    EXPECT_TRUE(recs->empty()) << bad;
    EXPECT_EQ(skips.count, 1u) << bad;
  }
}

TEST(ProcNetPacket, UnterminatedLastLineIsDroppedAsSsDoes) {
  // ss's generic_record_read stops at a line without its newline.
  auto recs = parse_proc_net_packet(
      std::string(kPacketHeader) + "0 3 3 0003 0 1 0 0 5\n0 3 3 0003 0 1 0 0 6", "p");
  ASSERT_TRUE(recs.has_value());
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_EQ((*recs)[0].inode, 5u);
}

TEST(ProcNetPacket, MissingFileIsAnErrorWithPath) {
  auto recs = read_proc_net_packet("/nonexistent/sw/net/packet");
  ASSERT_FALSE(recs.has_value());
  EXPECT_NE(recs.error().message.find("/nonexistent/sw/net/packet: "), std::string::npos);
}

TEST(ProcNetNetlink, ParsesKernelLine) {
  std::string text =
      std::string(kNetlinkHeader) +
      "00000000448fd322 4   4294963173 00000010 832      64       1     2        0   "
      "     562     \n";
  auto recs = parse_proc_net_netlink(text, "netlink");
  ASSERT_TRUE(recs.has_value()) << recs.error().message;
  ASSERT_EQ(recs->size(), 1u);
  const SocketRecord& r = (*recs)[0];
  EXPECT_EQ(r.family, AF_NETLINK);
  EXPECT_EQ(r.table, Table::Netlink);
  EXPECT_EQ(r.state, 0);
  EXPECT_EQ(r.rqueue, 832);
  EXPECT_EQ(r.wqueue, 64);
  EXPECT_EQ(r.inode, 562u);
  EXPECT_EQ(r.proc_sk, 0x448fd322ull);
  EXPECT_EQ(r.cookie, 0u);
  ASSERT_TRUE(r.netlink_ext);
  EXPECT_EQ(r.netlink_ext->protocol, 4);
  EXPECT_EQ(static_cast<int32_t>(r.netlink_ext->portid), -4123);
  EXPECT_EQ(r.netlink_ext->groups, std::vector<uint32_t>{0x10});
  EXPECT_EQ(r.netlink_ext->cb, 1u);  // "Dump" read as hex, as ss does
}

TEST(ProcNetNetlink, MalformedLinesAreSkippedNamingFileAndLine) {
  LineSkips skips;
  auto recs = parse_proc_net_netlink(
      std::string(kNetlinkHeader) + "0 4 1 0\n" + "0 300 1 0 0 0 0 2\n" + "0 4 1 0 0 0 0 2\n", "nl",
      &skips);
  ASSERT_TRUE(recs.has_value());
  EXPECT_EQ(recs->size(), 1u);
  EXPECT_EQ(skips.count, 2u);  // too few fields; protocol 300 out of range
  EXPECT_EQ(skips.first.rfind("nl: line 2: ", 0), 0u) << skips.first;
}

// --- Against ss 6.1 on the recorded files -----------------------------------

std::vector<SocketRecord> fixture_packets() {
  auto recs = read_proc_net_packet(test::fixture_path("packet/proc_packet.txt"));
  EXPECT_TRUE(recs.has_value()) << recs.error().message;
  return recs ? std::move(*recs) : std::vector<SocketRecord>{};
}

TEST(ProcNetPacketVsSs, Plain) {
  RowContext ctx;
  EXPECT_EQ(test::render_rows(fixture_packets(), ctx, {}),
            test::read_fixture("packet/ss_proc_0.txt"));
}

TEST(ProcNetPacketVsSs, Extended) {
  RowContext ctx;
  ctx.opt.show_details = ctx.opt.show_options = true;
  EXPECT_EQ(test::render_rows(fixture_packets(), ctx, {}),
            test::read_fixture("packet/ss_proc_0e.txt"));
}

TEST(ProcNetNetlinkVsSs, NumericRows) {
  auto recs = read_proc_net_netlink(test::fixture_path("packet/proc_netlink.txt"));
  ASSERT_TRUE(recs.has_value()) << recs.error().message;
  RowContext ctx;
  ctx.opt.numeric = true;
  EXPECT_EQ(test::render_rows(*recs, ctx, {.netid = false, .state = false}),
            test::read_fixture("packet/ss_proc_nl_n.txt"));
}

TEST(ProcNetNetlinkVsSs, SkCbAndGroupsMatchSsDetails) {
  // The -e text ss prints from /proc: " sk=%llx cb=%llx groups=0x%08x".
  auto recs = read_proc_net_netlink(test::fixture_path("packet/proc_netlink.txt"));
  ASSERT_TRUE(recs.has_value());
  std::string ss = test::read_fixture("packet/ss_proc_nl_ne.txt");
  size_t at = ss.find('\n') + 1;  // skip the header
  for (const auto& r : *recs) {
    size_t eol = ss.find('\n', at);
    ASSERT_NE(eol, std::string::npos);
    std::string line = ss.substr(at, eol - at);
    at = eol + 1;
    std::string want = fmt::format(" sk={:x} cb={:x} groups=0x{:08x}", r.proc_sk, r.netlink_ext->cb,
                                   r.netlink_ext->groups[0]);
    EXPECT_NE(line.find(want), std::string::npos) << line << " lacks" << want;
  }
  EXPECT_EQ(at, ss.size());
}

}  // namespace
}  // namespace sw
