// Enrichment as data: the owner scan fills user name, wall-clock start time
// and container once per process, and a netlink record's port-id comm is read
// before rendering; the renderers only format those fields.
#include "procfs/owner_enrichment.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "fake_proc.hpp"
#include "procfs/owner_index.hpp"
#include "procfs/process_info.hpp"
#include "render/output.hpp"
#include "render/ss_rows.hpp"
#include "render/text_table.hpp"

namespace sw {
namespace {

const std::string kId = "3f2a9c1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

TEST(StartTimeUs, SameTextAsFormatStartTime) {
  const uint64_t boots[] = {0, 1700000000, 1763900000};
  const uint64_t ticks[] = {0, 1, 99, 100, 12345, 987654321};
  const long hzs[] = {100, 250, 300, 1000, 0};
  for (uint64_t b : boots)
    for (uint64_t t : ticks)
      for (long hz : hzs) {
        auto us = start_time_us(b, t, hz);
        ASSERT_TRUE(us);
        EXPECT_EQ(format_wall_time_us(*us), format_start_time(b, t, hz))
            << b << " " << t << " " << hz;
      }
  EXPECT_EQ(*start_time_us(1700000000, 12345, 100), 1700000123450000);
  EXPECT_FALSE(start_time_us(0, ~uint64_t{0}, 1));  // a hostile stat does not overflow
}

TEST(OwnerEnricher, FillsUserStartTimeAndContainer) {
  FakeProc p;
  std::ofstream(p.root() + "/stat") << "cpu  1 2 3\nbtime 1700000000\n";
  OwnerEnricher e(p.root());
  ProcessDetails d;
  d.uid = 0;
  d.start_ticks = 12345;
  d.cgroup = "/system.slice/docker-" + kId + ".scope";
  e.enrich(d);
  EXPECT_TRUE(d.enriched.done);
  passwd* pw = getpwuid(0);
  if (pw) {
    EXPECT_EQ(d.enriched.user, std::string(pw->pw_name));
  }
  EXPECT_EQ(d.enriched.start_time_us, long{1700000123450000});
  EXPECT_EQ(d.enriched.container.runtime, "docker");
  EXPECT_EQ(d.enriched.container.id, kId);
  ProcessDetails bare;  // a kernel thread: nothing to derive
  e.enrich(bare);
  EXPECT_TRUE(bare.enriched.done);
  EXPECT_FALSE(bare.enriched.user);
  EXPECT_FALSE(bare.enriched.start_time_us);
  EXPECT_FALSE(bare.enriched.container.is_container());
}

TEST(OwnerEnricher, OwnerScanWithDetailsEnrichesEveryOwner) {
  FakeProc p;
  std::ofstream(p.root() + "/stat") << "cpu  1 2 3\nbtime 1700000000\n";
  p.process(300, "srv");
  std::string stat = "300 (srv) S 77 1 1 0 -1 4194560";
  for (int f = 10; f <= 21; ++f) stat += " 0";
  p.file(300, "stat", stat + " 100 0 0\n");
  p.file(300, "status", "Name:\tsrv\nPPid:\t77\nUid:\t0\t0\t0\t0\n");
  p.file(300, "cgroup", "0::/system.slice/docker-" + kId + ".scope\n");
  p.fd(300, 4, "socket:[900]");
  OwnerScanOptions o;
  o.proc_root = p.root();
  o.details = true;
  auto idx = OwnerIndex::scan(o);
  const ProcessDetails* d = nullptr;
  idx.for_each_owner(900, [&](const OwnerIndex::OwnerView& v) { d = v.details; });
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->enriched.done);
  EXPECT_EQ(d->enriched.start_time_us, long{1700000001000000});
  EXPECT_EQ(d->enriched.container.runtime, "docker");
}

std::string render(const TextTable& t) {
  char path[] = "/tmp/sw_enrich_XXXXXX";
  int fd = mkstemp(path);
  {
    Writer w(fd);
    t.render(w, -1);
  }
  close(fd);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  unlink(path);
  return ss.str();
}

SocketRecord netlink_rec(uint32_t portid) {
  SocketRecord r;
  r.family = AF_NETLINK;
  r.table = Table::Netlink;
  auto& n = r.ensure_netlink();
  n.portid = portid;
  return r;
}

TEST(RecordEnrichment, NetlinkPortIdCommIsReadOnceBeforeRendering) {
  FakeProc p;
  p.process(4242, "wpa_supplicant");
  RecordEnrichOptions opt;
  opt.proc_root = p.root();
  SocketRecord r = netlink_rec(4242);
  ASSERT_TRUE(needs_enrichment(r, opt));
  enrich_record(r, opt);
  EXPECT_EQ(r.netlink_ext->portid_comm, "wpa_supplicant");
  EXPECT_FALSE(needs_enrichment(r, opt));  // done: never read again
  SocketRecord gone = netlink_rec(4243);   // no such process: known to be unreadable
  enrich_record(gone, opt);
  EXPECT_EQ(gone.netlink_ext->portid_comm, "");
  SocketRecord kernel = netlink_rec(0);
  EXPECT_FALSE(needs_enrichment(kernel, opt));
  opt.netlink_comm = false;  // -n: ss reads nothing
  EXPECT_FALSE(needs_enrichment(netlink_rec(4242), opt));
}

TEST(RecordEnrichment, RendererFormatsTheEnrichedCommWithoutReadingProc) {
  RowContext ctx;  // it has no /proc root to read from at all
  SsRowFormatter f(ctx);
  TextTable table;
  SocketRecord r = netlink_rec(4242);
  r.netlink_ext->portid_comm = "from-data";
  f.add(table, r);
  std::string out = render(table);
  EXPECT_NE(out.find("from-data/4242"), std::string::npos) << out;
}

}  // namespace
}  // namespace sw
