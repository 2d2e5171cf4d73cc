// Name caches for a long-running engine: expiry driven by a fake clock, a size
// bound that keeps memory flat, and reverse DNS that never blocks the caller.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>

#include "enrich/cgroup_names.hpp"
#include "enrich/expiring_cache.hpp"
#include "enrich/names.hpp"
#include "enrich/services.hpp"

namespace sw {
namespace {

struct FakeClock {
  int64_t now = 1000;
  MonoClock clock() {
    return [this] { return now; };
  }
};

IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddr ip;
  ip.family = AF_INET;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

TEST(ExpiringCache, DefaultPolicyKeepsEverythingForever) {
  FakeClock t;
  ExpiringCache<int, std::string> c({}, t.clock());
  c.put(1, "one");
  t.now += int64_t{1} << 40;
  ASSERT_NE(c.find(1), nullptr);
  EXPECT_EQ(*c.find(1), "one");
}

TEST(ExpiringCache, EntriesOlderThanTheTtlAreResolvedAgain) {
  FakeClock t;
  ExpiringCache<int, std::string> c({/*ttl_ms=*/1000, 0}, t.clock());
  int resolves = 0;
  auto resolve = [&](int k) {
    ++resolves;
    return "v" + std::to_string(k) + "." + std::to_string(resolves);
  };
  EXPECT_EQ(c.get(7, resolve), "v7.1");
  t.now += 999;
  EXPECT_EQ(c.get(7, resolve), "v7.1");  // still fresh: no second resolution
  EXPECT_EQ(resolves, 1);
  t.now += 1;
  EXPECT_EQ(c.find(7), nullptr);  // expired counts as absent
  EXPECT_EQ(c.get(7, resolve), "v7.2");
  EXPECT_EQ(resolves, 2);
  EXPECT_EQ(c.size(), 1u);  // refreshed in place, not duplicated
}

TEST(ExpiringCache, SizeBoundEvictsTheLeastRecentlyUsed) {
  FakeClock t;
  ExpiringCache<int, int> c({0, /*max_entries=*/3}, t.clock());
  c.put(1, 10);
  c.put(2, 20);
  c.put(3, 30);
  ASSERT_NE(c.find(1), nullptr);  // 1 is now the most recently used
  c.put(4, 40);                   // evicts 2
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.find(2), nullptr);
  EXPECT_NE(c.find(1), nullptr);
  EXPECT_NE(c.find(3), nullptr);
  EXPECT_NE(c.find(4), nullptr);
  for (int k = 100; k < 10100; ++k) c.put(k, k);  // hours of churn
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.evictions(), 1u + 10000u);
}

TEST(ServiceNames, BoundedCacheStillAnswers) {
  FakeClock t;
  ServiceNames s(PortRange{60000, 60001}, {1000, 2}, t.clock());
  // Whatever /etc/services holds, answers are stable across eviction and expiry.
  std::string first = s.lookup(22, "tcp");
  for (uint16_t p = 1; p < 50; ++p) (void)s.lookup(p, "tcp");
  t.now += 5000;
  EXPECT_EQ(s.lookup(22, "tcp"), first);
  EXPECT_EQ(s.lookup(60000, "tcp"), "");  // ephemeral: never a name
}

TEST(CgroupNames, MissesExpireAndAreLookedUpAgain) {
  FakeClock t;
  // No mount: every id is unreachable, and an expired miss is resolved again
  // (same answer here; the point is that the bound holds under churn).
  CgroupNames c("/nonexistent/mounts", {1000, 4}, t.clock());
  EXPECT_EQ(c.path_of(0x10), "unreachable:10");
  for (uint64_t id = 1; id < 100; ++id) (void)c.path_of(id);
  t.now += 2000;
  EXPECT_EQ(c.path_of(0x10), "unreachable:10");
}

// A resolver the test holds inside getnameinfo's place until it lets go.
struct GatedResolver {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int entered = 0;
  int calls = 0;
  std::string operator()(const IpAddr& a) {
    std::unique_lock<std::mutex> lock(mu);
    ++entered;
    ++calls;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
    return a.bytes[3] == 1 ? "one.example" : "";
  }
  void wait_entered(int n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return entered >= n; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

TEST(AsyncHostNames, LookupAnswersWhileTheResolverIsStuck) {
  GatedResolver gate;
  AsyncHostNames::Options opt;
  opt.resolver = [&](const IpAddr& a) { return gate(a); };
  AsyncHostNames names(opt);
  // The worker is inside the resolver and cannot leave it: every lookup
  // still returns at once (it could not if it waited for an answer).
  EXPECT_EQ(names.lookup(v4(10, 0, 0, 1)).state, AsyncHostNames::State::kPending);
  gate.wait_entered(1);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(names.lookup(v4(10, 0, 0, 1)).state, AsyncHostNames::State::kPending);
    EXPECT_EQ(names.lookup(v4(10, 0, 0, 2)).state, AsyncHostNames::State::kPending);
  }
  gate.release();
  names.wait_idle();
  auto one = names.lookup(v4(10, 0, 0, 1));
  EXPECT_EQ(one.state, AsyncHostNames::State::kResolved);
  EXPECT_EQ(one.name, "one.example");
  EXPECT_EQ(names.lookup(v4(10, 0, 0, 2)).state, AsyncHostNames::State::kNoName);
  EXPECT_EQ(gate.calls, 2);  // one resolution per address, however often asked
  EXPECT_EQ(names.stats().resolved, 2u);
}

TEST(AsyncHostNames, QueueIsBoundedAndAnswersExpire) {
  GatedResolver gate;
  FakeClock t;
  AsyncHostNames::Options opt;
  opt.resolver = [&](const IpAddr& a) { return gate(a); };
  opt.max_queued = 2;
  opt.policy = {/*ttl_ms=*/1000, 100};
  opt.clock = t.clock();
  AsyncHostNames names(opt);
  (void)names.lookup(v4(10, 0, 0, 1));
  gate.wait_entered(1);  // in flight: the queue is empty again
  for (uint8_t i = 2; i < 10; ++i) (void)names.lookup(v4(10, 0, 0, i));
  EXPECT_EQ(names.stats().dropped, 6u);  // 2 queued, 6 turned away
  gate.release();
  names.wait_idle();
  EXPECT_EQ(names.lookup(v4(10, 0, 0, 1)).state, AsyncHostNames::State::kResolved);
  EXPECT_EQ(names.lookup(v4(10, 0, 0, 9)).state, AsyncHostNames::State::kPending);  // asked again
  names.wait_idle();
  EXPECT_EQ(names.lookup(v4(10, 0, 0, 9)).state, AsyncHostNames::State::kNoName);
  int before = gate.calls;
  t.now += 1000;  // every answer is now stale
  EXPECT_EQ(names.lookup(v4(10, 0, 0, 1)).state, AsyncHostNames::State::kPending);
  names.wait_idle();
  EXPECT_EQ(gate.calls, before + 1);
  EXPECT_EQ(names.lookup(v4(10, 0, 0, 1)).name, "one.example");
}

TEST(AsyncHostNames, LoopbackResolvesEventually) {
  AsyncHostNames names;  // the real getnameinfo: 127.0.0.1 is in /etc/hosts
  auto first = names.lookup(v4(127, 0, 0, 1));
  if (first.state == AsyncHostNames::State::kPending) names.wait_idle();
  auto a = names.lookup(v4(127, 0, 0, 1));
  ASSERT_EQ(a.state, AsyncHostNames::State::kResolved);
  EXPECT_FALSE(a.name.empty());
}

}  // namespace
}  // namespace sw
