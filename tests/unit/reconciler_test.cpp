// Reconciler on scripted sequences of polls, destroy messages and eBPF hints:
// every socket opens once and closes once whichever source saw it, owners
// come from /proc, eBPF or the listener, or are null with a reason.
#include "engine/reconciler.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <map>
#include <string>
#include <vector>

namespace sw {
namespace {

constexpr uint64_t kNs = 4026531840;

class FakeOwners : public OwnerSource {
 public:
  std::shared_ptr<const OwnerInfo> owner_of(uint64_t inode) override {
    auto it = by_inode.find(inode);
    return it == by_inode.end() ? nullptr : it->second;
  }
  std::shared_ptr<const OwnerInfo> process(int32_t pid, const std::string& comm) override {
    auto it = by_pid.find(pid);
    if (it == by_pid.end() || it->second->comm != comm) return nullptr;
    return it->second;
  }
  bool some_denied() override { return denied; }
  void forget(uint64_t inode) override { forgotten.push_back(inode); }

  static std::shared_ptr<const OwnerInfo> make(int32_t pid, std::string comm) {
    auto o = std::make_shared<OwnerInfo>();
    o->pid = pid;
    o->comm = std::move(comm);
    o->exe = "/usr/bin/" + o->comm;
    return o;
  }
  std::map<uint64_t, std::shared_ptr<const OwnerInfo>> by_inode;
  std::map<int32_t, std::shared_ptr<const OwnerInfo>> by_pid;
  std::vector<uint64_t> forgotten;
  bool denied = false;
};

IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddr x;
  x.family = AF_INET;
  x.bytes[0] = a;
  x.bytes[1] = b;
  x.bytes[2] = c;
  x.bytes[3] = d;
  return x;
}

SocketRecord tcp(uint64_t cookie, uint8_t state, uint16_t lport, uint16_t rport, uint64_t inode = 0,
                 uint64_t sent = 0) {
  SocketRecord r;
  r.table = Table::Tcp;
  r.family = AF_INET;
  r.state = state;
  r.cookie = cookie;
  r.inode = inode;
  r.local = v4(127, 0, 0, 1);
  r.peer = rport ? v4(127, 0, 0, 1) : IpAddr{AF_INET, {}};
  r.lport = lport;
  r.rport = rport;
  tcp_info ti{};
  ti.tcpi_bytes_sent = sent;
  ti.tcpi_bytes_acked = sent;
  r.ensure_ext().info = ti;
  return r;
}

Snapshot poll(const std::vector<SocketRecord>& rs, int64_t t, std::vector<uint64_t> seen = {kNs},
              uint64_t ns = kNs) {
  std::vector<SnapEntry> es;
  for (const auto& r : rs) es.push_back(snap_entry(r, ns));
  return Snapshot(std::move(es), t, std::move(seen));
}

// One line per event: "open 5 pid=7 ebpf", "close 5 destroy sent=10 null(closed before ...)".
std::string line(const SocketEvent& e) {
  static const char* kTypes[] = {"open", "state", "close", "overrun", "health"};
  std::string s = kTypes[static_cast<int>(e.type)];
  if (e.type == EventType::Overrun) return s + " " + e.what;
  s += " " + std::to_string(e.cookie);
  if (e.type == EventType::State)
    s += " " + std::to_string(e.old_state) + "->" + std::to_string(e.state);
  if (!e.source.empty()) s += " " + e.source;
  if (e.owner) {
    static const char* kSrc[] = {"proc", "listener", "ebpf"};
    s += " pid=" + std::to_string(e.owner->pid) + "/" + kSrc[static_cast<int>(e.owner->source)];
  } else {
    s += " null(" + e.owner_reason + ")";
  }
  if (e.counters) s += " sent=" + std::to_string(e.counters->bytes_sent);
  if (e.type == EventType::Close) s += " dur=" + std::to_string(e.ts_us - e.opened_us);
  if (e.direction_known) s += e.inbound ? " in" : " out";
  if (e.preexisting) s += " pre";
  return s;
}

class ReconcilerTest : public ::testing::Test {
 protected:
  FakeOwners owners;
  std::vector<std::string> out;
  std::vector<SocketEvent> events;
  Reconciler rec{owners, [this](SocketEvent&& e) {
                   out.push_back(line(e));
                   events.push_back(std::move(e));
                 }};
  std::vector<std::string> take() { return std::exchange(out, {}); }
  using V = std::vector<std::string>;
};

TEST_F(ReconcilerTest, FirstPollOpensWhatExistsWithOwnersOrReasons) {
  owners.by_inode[100] = FakeOwners::make(7, "nginx");
  rec.on_poll(poll({tcp(1, kListen, 80, 0, 100), tcp(2, kEstablished, 80, 5000, 101),
                    tcp(3, kTimeWait, 81, 6000, 0)},
                   1000),
              1000);
  // 2 is accepted from the listener on :80 but has an inode nobody was found
  // holding (yet): the listener's owner is inherited and marked as such.
  EXPECT_EQ(take(), (V{"open 1 poll pid=7/proc pre", "open 2 poll pid=7/listener in pre",
                       "open 3 poll null(closed by its process: no process holds it) pre"}));
  // Nothing moves: nothing is said.
  rec.on_poll(poll({tcp(1, kListen, 80, 0, 100), tcp(2, kEstablished, 80, 5000, 101),
                    tcp(3, kTimeWait, 81, 6000, 0)},
                   2000),
              2000);
  EXPECT_TRUE(take().empty());
}

TEST_F(ReconcilerTest, PolledSocketClosedByDestroyIsReportedOnceWithFinalCounters) {
  owners.by_inode[200] = FakeOwners::make(9, "curl");
  rec.on_poll(poll({}, 0), 0);
  rec.on_poll(poll({tcp(5, kSynSent, 40000, 443, 200, 0)}, 1'000'000), 1'000'000);
  rec.on_poll(poll({tcp(5, kEstablished, 40000, 443, 200, 10)}, 2'000'000), 2'000'000);
  rec.on_destroy(tcp(5, kClose, 40000, 443, 0, 99), kNs, 2'500'000);
  rec.on_destroy(tcp(5, kClose, 40000, 443, 0, 99), kNs, 2'500'001);  // told twice
  EXPECT_EQ(take(), (V{"open 5 poll pid=9/proc out", "state 5 2->1 poll pid=9/proc sent=10 out",
                       "close 5 destroy pid=9/proc sent=99 dur=1500000 out"}));
  // A dump that began before the close still lists it; then it is gone.
  rec.on_poll(poll({tcp(5, kEstablished, 40000, 443, 200, 10)}, 3'000'000), 3'000'000);
  rec.on_poll(poll({}, 4'000'000), 4'000'000);
  EXPECT_TRUE(take().empty());
  EXPECT_EQ(owners.forgotten, (std::vector<uint64_t>{200}));
  EXPECT_EQ(rec.stats().duplicates, 1u);
}

TEST_F(ReconcilerTest, ConnectionBetweenTwoPollsGetsOpenAndCloseWithTheEbpfOwner) {
  owners.by_pid[31] = FakeOwners::make(31, "short");
  rec.on_poll(poll({}, 0), 0);
  StateHint h;
  h.ts_us = 100'000;
  h.netns = kNs;
  h.skaddr = 0xffff1;
  h.family = AF_INET;
  h.old_state = kClose;
  h.new_state = kSynSent;
  h.saddr = v4(127, 0, 0, 1);
  h.daddr = v4(127, 0, 0, 1);
  h.dport = 8080;
  h.pid = 31;
  h.comm = "short";
  h.task_context = true;
  rec.on_hint(h);  // connect(): the source port is not chosen yet
  h.old_state = kSynSent;
  h.new_state = kEstablished;
  h.sport = 45000;
  h.task_context = false;
  h.pid = 0;
  h.comm = "swapper/0";
  rec.on_hint(h);  // same sk: now the 5-tuple is whole
  rec.on_destroy(tcp(77, kClose, 45000, 8080, 0, 5), kNs, 400'000);
  EXPECT_EQ(take(), (V{"open 77 destroy pid=31/ebpf out",
                       "close 77 destroy pid=31/ebpf sent=5 dur=300000 out"}));
  EXPECT_EQ(events[0].opened_us, 100'000);  // when eBPF saw the connect
  EXPECT_EQ(events[0].owner->exe, "/usr/bin/short");
  EXPECT_EQ(rec.stats().between_polls, 1u);
}

TEST_F(ReconcilerTest, ProcessGoneBeforeTheHintIsReadKeepsWhatEbpfSaw) {
  rec.on_poll(poll({}, 0), 0);
  StateHint h;
  h.netns = kNs;
  h.family = AF_INET;
  h.old_state = kClose;
  h.new_state = kSynSent;
  h.saddr = h.daddr = v4(127, 0, 0, 1);
  h.sport = 45001;
  h.dport = 8080;
  h.pid = 4242;
  h.comm = "gone";
  h.task_context = true;
  rec.on_hint(h);
  rec.on_destroy(tcp(78, kClose, 45001, 8080), kNs, 10);
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(events[1].owner);
  EXPECT_EQ(events[1].owner->pid, 4242);
  EXPECT_EQ(events[1].owner->comm, "gone");
  EXPECT_EQ(events[1].owner->exe, "");
}

TEST_F(ReconcilerTest, AcceptedBetweenPollsInheritsTheListenerWithoutEbpf) {
  owners.by_inode[300] = FakeOwners::make(12, "server");
  rec.on_poll(poll({tcp(1, kListen, 9000, 0, 300)}, 0), 0);
  take();
  rec.on_destroy(tcp(90, kClose, 9000, 51000), kNs, 500);  // the server side
  rec.on_destroy(tcp(91, kClose, 51000, 9000), kNs, 600);  // the client side: nobody known
  EXPECT_EQ(take(), (V{"open 90 destroy pid=12/listener in",
                       "close 90 destroy pid=12/listener sent=0 dur=0 in",
                       "open 91 destroy null(closed before first poll)",
                       "close 91 destroy null(closed before first poll) sent=0 dur=0"}));
}

TEST_F(ReconcilerTest, TimeWaitLeftByAClosedConnectionIsNotANewSocket) {
  rec.on_poll(poll({}, 0), 0);
  // Never polled: its TIME-WAIT got a cookie of its own, only the tuple matches.
  rec.on_destroy(tcp(40, kClose, 46000, 80), kNs, 10);
  // Polled: its TIME-WAIT kept the cookie.
  rec.on_poll(poll({tcp(41, kEstablished, 46001, 80, 501)}, 20), 20);
  rec.on_destroy(tcp(41, kClose, 46001, 80), kNs, 30);
  take();
  rec.on_poll(poll({tcp(140, kTimeWait, 46000, 80), tcp(41, kTimeWait, 46001, 80)}, 1'000'000),
              1'000'000);
  rec.on_poll(poll({}, 61'000'000), 61'000'000);
  EXPECT_TRUE(take().empty());
}

TEST_F(ReconcilerTest, WithoutDestroyEventsPollsSeeTimeWaitAndTheEnd) {
  rec.on_poll(poll({tcp(8, kEstablished, 46002, 80, 600, 3)}, 0), 0);
  take();
  rec.on_poll(poll({tcp(8, kTimeWait, 46002, 80, 0, 0)}, 1'000'000), 1'000'000);
  rec.on_poll(poll({}, 2'000'000), 2'000'000);
  EXPECT_EQ(take(), (V{"state 8 1->6 poll null(no process holds it) sent=0",
                       "close 8 poll null(no process holds it) sent=0 dur=2000000"}));
}

TEST_F(ReconcilerTest, ACookieSeenAgainAfterItsCloseIsANewSocket) {
  rec.on_poll(poll({tcp(9, kEstablished, 1, 2, 700)}, 0), 0);
  rec.on_poll(poll({}, 1), 1);
  rec.on_poll(poll({tcp(9, kEstablished, 1, 2, 701)}, 2), 2);
  EXPECT_EQ(take(), (V{"open 9 poll null(no process holds it) pre",
                       "close 9 poll null(no process holds it) sent=0 dur=1",
                       "open 9 poll null(no process holds it)"}));
}

TEST_F(ReconcilerTest, DeniedProcessesMakeTheReasonNoPermission) {
  owners.denied = true;
  rec.on_poll(poll({tcp(3, kEstablished, 1, 2, 800)}, 0), 0);
  EXPECT_EQ(take(), (V{"open 3 poll null(no permission) pre"}));
}

TEST_F(ReconcilerTest, YoungUnattributedSocketsAreRetried) {
  rec.on_poll(poll({}, 0), 0);
  rec.on_poll(poll({tcp(4, kEstablished, 1, 2, 900)}, 1), 1);
  EXPECT_TRUE(rec.wants_owner(key_of(tcp(4, 0, 1, 2), kNs)));
  owners.by_inode[900] = FakeOwners::make(55, "late");
  rec.on_poll(poll({tcp(4, kEstablished, 1, 2, 900)}, 2), 2);
  EXPECT_FALSE(rec.wants_owner(key_of(tcp(4, 0, 1, 2), kNs)));
  rec.on_poll(poll({}, 3), 3);
  EXPECT_EQ(take(),
            (V{"open 4 poll null(no process holds it)", "close 4 poll pid=55/proc sent=0 dur=2"}));
}

TEST_F(ReconcilerTest, ANamespaceNotDumpedKeepsItsSocketsAndOneThatGoesClosesThem) {
  const uint64_t other = 4026532999;
  std::vector<SnapEntry> es = {snap_entry(tcp(1, kEstablished, 1, 2, 1), kNs),
                               snap_entry(tcp(2, kEstablished, 3, 4, 2), other)};
  rec.on_poll(Snapshot(es, 0, {kNs, other}), 0);
  take();
  // This poll could not look at `other`: nothing closes there.
  rec.on_poll(poll({tcp(1, kEstablished, 1, 2, 1)}, 1), 1);
  EXPECT_TRUE(take().empty());
  rec.on_poll(Snapshot(es, 2, {kNs, other}), 2);
  EXPECT_TRUE(take().empty());
  rec.on_netns_gone(other, 3);
  EXPECT_EQ(take(), (V{"close 2 poll null(no process holds it) sent=0 dur=3"}));
  rec.on_poll(poll({tcp(1, kEstablished, 1, 2, 1)}, 4), 4);
  EXPECT_TRUE(take().empty());
}

TEST_F(ReconcilerTest, OverrunsAreEvents) {
  rec.on_overrun("destroy", 0, 5);
  rec.on_overrun("ebpf", 12, 6);
  EXPECT_EQ(take(), (V{"overrun destroy", "overrun ebpf"}));
  EXPECT_EQ(events[1].lost, 12u);
}

TEST_F(ReconcilerTest, TimeWaitSeenBeforeItsDestroyMessageIsThatConnection) {
  rec.on_poll(poll({}, 0), 0);
  // The poll caught the TIME-WAIT before the full socket's destroy arrived.
  rec.on_poll(poll({tcp(60, kTimeWait, 18500, 54000)}, 10), 10);
  rec.on_destroy(tcp(59, kClose, 18500, 54000), kNs, 20);
  rec.on_poll(poll({tcp(60, kTimeWait, 18500, 54000)}, 30), 30);
  rec.on_poll(poll({}, 40), 40);
  EXPECT_EQ(take(), (V{"open 60 poll null(closed by its process: no process holds it)",
                       "close 60 destroy null(closed by its process: no process holds it) sent=0 "
                       "dur=10"}));
}

TEST_F(ReconcilerTest, EbpfListenAndCloseNameOwnersOfSocketsNoPollSaw) {
  rec.on_poll(poll({}, 0), 0);
  owners.by_pid[70] = FakeOwners::make(70, "srv");
  StateHint h;
  h.netns = kNs;
  h.family = AF_INET;
  h.saddr = v4(127, 0, 0, 1);
  h.sport = 7000;
  h.pid = 70;
  h.comm = "srv";
  h.task_context = true;
  h.old_state = kClose;
  h.new_state = kListen;
  rec.on_hint(h);  // listen()
  // An accepted connection that lives and dies between polls, closed by the
  // peer (softirq: no task): the listener's owner.
  rec.on_destroy(tcp(71, kClose, 7000, 50000), kNs, 10);
  // One the server closed itself (close() in its context): that task.
  StateHint c = h;
  c.daddr = v4(127, 0, 0, 1);
  c.dport = 50001;
  c.old_state = kEstablished;
  c.new_state = kFinWait1;
  rec.on_hint(c);
  rec.on_destroy(tcp(72, kClose, 7000, 50001), kNs, 20);
  EXPECT_EQ(
      take(),
      (V{"open 71 destroy pid=70/listener in", "close 71 destroy pid=70/listener sent=0 dur=0 in",
         "open 72 destroy pid=70/ebpf in", "close 72 destroy pid=70/ebpf sent=0 dur=0 in"}));
}

}  // namespace
}  // namespace sw
