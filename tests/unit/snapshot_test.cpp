// Snapshot and diff(): identity by netns + cookie, the 5-tuple for cookie-less
// rows, and the typed changes between two snapshots, table-driven.
#include "core/snapshot.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>
#include <vector>

namespace sw {
namespace {

SnapEntry entry(uint64_t netns, uint64_t cookie, uint8_t state, uint64_t sent = 0,
                uint16_t lport = 1000) {
  SnapEntry e;
  e.key.netns = netns;
  e.key.cookie = cookie;
  e.key.table = static_cast<uint8_t>(Table::Tcp);
  e.family = AF_INET;
  e.state = state;
  e.lport = lport;
  e.inode = cookie * 10;
  e.has_counters = true;
  e.counters.bytes_sent = sent;
  return e;
}

std::string describe(const std::vector<SnapChange>& cs) {
  std::string out;
  for (const auto& c : cs) {
    const SnapEntry* e = c.after ? c.after : c.before;
    switch (c.kind) {
      case SnapChange::Kind::Opened: out += "open:"; break;
      case SnapChange::Kind::Closed: out += "close:"; break;
      case SnapChange::Kind::StateChanged: out += "state:"; break;
      case SnapChange::Kind::Counters: out += "bytes:"; break;
    }
    out += std::to_string(e->key.cookie);
    if (c.kind == SnapChange::Kind::Counters || c.kind == SnapChange::Kind::StateChanged)
      out += "+" + std::to_string(c.delta.bytes_sent);
    out += " ";
  }
  return out;
}

struct DiffCase {
  const char* name;
  std::vector<SnapEntry> before, after;
  std::vector<uint64_t> seen_before, seen_after;
  std::string expected;
};

TEST(SnapshotDiff, TableOfCases) {
  const std::vector<DiffCase> cases = {
      {"nothing changed", {entry(1, 5, kEstablished, 10)}, {entry(1, 5, kEstablished, 10)},
       {1}, {1}, ""},
      {"opened and closed", {entry(1, 5, kEstablished)}, {entry(1, 6, kSynSent)}, {1}, {1},
       "close:5 open:6 "},
      {"state change carries the counter delta", {entry(1, 5, kEstablished, 100)},
       {entry(1, 5, kFinWait1, 150)}, {1}, {1}, "state:5+50 "},
      {"counters only", {entry(1, 5, kEstablished, 100)}, {entry(1, 5, kEstablished, 400)}, {1},
       {1}, "bytes:5+300 "},
      {"a counter that went backwards is a zero delta", {entry(1, 5, kEstablished, 400)},
       {entry(1, 5, kEstablished, 100)}, {1}, {1}, ""},
      {"same cookie in another namespace is another socket", {entry(1, 5, kEstablished)},
       {entry(2, 5, kEstablished)}, {1, 2}, {1, 2}, "close:5 open:5 "},
      {"a namespace the new poll did not see is neither closed nor opened",
       {entry(1, 5, kEstablished), entry(2, 7, kListen)}, {entry(1, 5, kEstablished)}, {1, 2},
       {1}, ""},
      {"a namespace the old poll did not see opens", {entry(1, 5, kEstablished)},
       {entry(1, 5, kEstablished), entry(3, 9, kListen)}, {1}, {1, 3}, "open:9 "},
      {"order is by key", {entry(1, 9, kEstablished), entry(1, 3, kEstablished)},
       {entry(1, 4, kEstablished)}, {1}, {1}, "close:3 open:4 close:9 "},
  };
  for (const auto& c : cases) {
    Snapshot a(c.before, 1, c.seen_before), b(c.after, 2, c.seen_after);
    EXPECT_EQ(describe(diff(a, b)), c.expected) << c.name;
  }
}

TEST(SnapshotDiff, DuplicateKeyKeepsTheNewerEntry) {
  // A dump that raced with a state change can list a socket twice.
  Snapshot s({entry(1, 5, kSynSent), entry(1, 5, kEstablished)}, 0, {1});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.entries()[0].state, kEstablished);
}

TEST(SocketKey, CookieLessRowsAreKeyedByTheirTuple) {
  SocketRecord a;
  a.table = Table::Tcp;
  a.family = AF_INET;
  a.local.family = a.peer.family = AF_INET;
  a.lport = 80;
  a.rport = 5000;
  SocketRecord b = a;
  b.rport = 5001;
  SocketKey ka = key_of(a, 1), kb = key_of(b, 1);
  EXPECT_NE(ka, kb);
  EXPECT_NE(ka.tuple, 0u);
  EXPECT_EQ(key_of(a, 1), ka);  // stable
  SocketRecord c = a;
  c.cookie = 0x1234;
  EXPECT_EQ(key_of(c, 0xab).id(), "ab-1234");
  EXPECT_EQ(key_of(c, 0xab).tuple, 0u);
}

TEST(SnapEntry, CountersComeFromTcpInfo) {
  SocketRecord r;
  r.table = Table::Tcp;
  r.family = AF_INET;
  r.cookie = 7;
  tcp_info ti{};
  ti.tcpi_bytes_acked = 11;
  ti.tcpi_bytes_received = 22;
  ti.tcpi_total_retrans = 3;
  r.ensure_ext().info = ti;
  SnapEntry e = snap_entry(r, 1);
  EXPECT_TRUE(e.has_counters);
  EXPECT_EQ(e.counters.bytes_acked, 11u);
  EXPECT_EQ(e.counters.bytes_received, 22u);
  EXPECT_EQ(e.counters.retrans, 3u);
  SocketRecord u;
  u.table = Table::Udp;
  EXPECT_FALSE(snap_entry(u, 1).has_counters);
}

}  // namespace
}  // namespace sw
