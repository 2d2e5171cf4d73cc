// The record image the ss table holds in place of the -i text: every recorded
// inet socket of the inet_ext fixtures (TCP, TCP6, UDP, RAW, SCTP, MPTCP where
// recorded) and hand-built extremes format the same after a pack/unpack round
// trip, with every extension option on; inet_ext_length counts exactly the
// text append_inet_ext makes.
#include "render/inet_ext_pack.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "netlink/dump_file.hpp"
#include "netlink/source.hpp"
#include "render/inet_ext.hpp"

namespace sw {
namespace {

const std::string kDir = std::string(SW_FIXTURES_DIR) + "/inet_ext/";

RenderOptions all_options(bool oneline) {
  RenderOptions o;
  o.show_options = o.show_details = o.show_mem = o.show_tcpinfo = true;
  o.show_tos = o.show_cgroup = o.show_inet_sockopt = true;
  o.oneline = oneline;
  return o;
}

std::string text(const SocketRecord& r, const RenderOptions& o) {
  std::string out;
  append_inet_ext(out, r, o, nullptr);
  return out;
}

// Every option set the fixtures are named after, and all at once.
std::vector<RenderOptions> option_sets() {
  std::vector<RenderOptions> v;
  for (int bits = 0; bits < 64; ++bits) {
    RenderOptions o;
    o.show_options = bits & 1;
    o.show_details = bits & 2;
    o.show_mem = bits & 4;
    o.show_tcpinfo = bits & 8;
    o.oneline = bits & 16;
    o.numeric = bits & 32;
    o.show_tos = o.show_cgroup = o.show_inet_sockopt = bits == 63;
    v.push_back(o);
  }
  return v;
}

void expect_round_trip(const SocketRecord& r) {
  // The table's widths come from inet_ext_length: it must be the text's.
  std::string scratch;
  for (const auto& o : option_sets())
    EXPECT_EQ(inet_ext_length(r, o, nullptr, scratch), text(r, o).size()) << text(r, o);
  std::string image;
  pack_inet_ext(r, image);
  // The table pads images to whole words; the reader must ignore the padding.
  image.append((4 - image.size() % 4) % 4, '\0');
  SocketRecord back;
  unpack_inet_ext(image, back);
  for (bool oneline : {false, true}) {
    auto o = all_options(oneline);
    EXPECT_EQ(text(back, o), text(r, o));
  }
  // Unpacking into a record that held another socket leaves nothing behind.
  SocketRecord reused;
  unpack_inet_ext(image, reused);
  unpack_inet_ext(image, reused);
  EXPECT_EQ(text(reused, all_options(false)), text(r, all_options(false)));
}

TEST(InetExtPack, RecordedSocketsFormatTheSameAfterARoundTrip) {
  size_t n = 0;
  for (const char* file : {"tcp.bin", "tcp6.bin"}) {
    auto st = replay_tcpdiag_file(kDir + file, [&](SocketRecord&& rec) {
      expect_round_trip(rec);
      ++n;
      return true;
    });
    ASSERT_TRUE(st) << st.error().message;
  }
  auto src = ReplaySource::open(kDir + "other.bin");
  ASSERT_TRUE(src);
  for (Table t : {Table::Udp, Table::Raw, Table::Sctp, Table::Mptcp}) {
    for (int fam : {AF_INET, AF_INET6}) {
      DumpRequest req;
      req.table = t;
      req.family = fam;
      req.states = (1u << 12) - 1;
      auto r = src->dump(req, [&](SocketRecord&& rec) {
        expect_round_trip(rec);
        ++n;
        return true;
      });
      (void)r;  // a table the recording lacks is not an error here
    }
  }
  EXPECT_GT(n, 10u);
}

TEST(InetExtPack, OptionalsAndStringsSurvive) {
  SocketRecord r;
  r.table = Table::Tcp;
  r.family = AF_INET6;
  r.state = 1;
  r.timer = 2;
  r.expires = 119000;
  r.retrans = 3;
  r.uid = 1000;
  r.inode = 0x1234567890ull;
  r.cookie = ~0ull;
  r.mark = 0;
  r.cgroup_id = 77;
  r.v6only = 1;
  r.shutdown = 2;
  r.protocol = 6;
  inet_diag_sockopt so{};
  so.recverr = 1;
  so.transparent = 1;
  r.sockopt = so;
  InetExt& e = r.ensure_ext();
  e.cong = "cubic-with-a-long-name";
  e.skmem = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  e.tos = 0x10;
  e.class_id = 5;
  tcp_info ti{};
  ti.tcpi_rtt = 1234;
  ti.tcpi_snd_mss = 1448;
  ti.tcpi_snd_cwnd = 10;
  ti.tcpi_pacing_rate = ~0ull - 1;
  e.info = ti;
  e.info_len = sizeof ti;
  tcp_bbr_info bbr{};
  bbr.bbr_bw_lo = 99;
  e.bbr = bbr;
  e.md5sig = std::string("\x0a\x00", 2);
  expect_round_trip(r);
  r.ext.reset();
  r.sockopt.reset();
  expect_round_trip(r);
}

}  // namespace
}  // namespace sw
