// One DiagSocket reused across dumps, as the live engine uses it: each request
// has its own sequence number (the first is ss's MAGIC_SEQ), and a dump the
// caller abandoned after its first message leaves nothing behind for the next
// dump (which would otherwise see the old dump's replies, or EBUSY). The test
// binary runs in a private network namespace, so the UDP sockets it opens are
// exactly the ones the kernel reports.
#include <gtest/gtest.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <vector>

#include "core/tables.hpp"
#include "netlink/diag_socket.hpp"
#include "netlink/dump_prefetch.hpp"
#include "netlink/parse.hpp"
#include "netlink/source.hpp"
#include "netns_helpers.hpp"

namespace sw::test {
namespace {

// Far more sockets than fit one 32 KiB dump skb (about 200 UDP replies each).
constexpr int kSockets = 3000;

// kSockets UDP sockets bound on loopback (`family`), their fds and inodes.
void bind_udp(int family, std::vector<int>& fds, std::set<uint64_t>& inodes) {
  for (int i = 0; i < kSockets; ++i) {
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    fds.push_back(fd);
    sockaddr_in a4 = loopback4(0);
    sockaddr_in6 a6 = loopback6(0);
    int rc = family == AF_INET ? bind(fd, reinterpret_cast<sockaddr*>(&a4), sizeof a4)
                               : bind(fd, reinterpret_cast<sockaddr*>(&a6), sizeof a6);
    ASSERT_EQ(rc, 0) << std::strerror(errno);
    struct stat st;
    ASSERT_EQ(fstat(fd, &st), 0);
    inodes.insert(st.st_ino);
  }
}

class DiagReuse : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(bind_udp(AF_INET, fds_, inodes_));
    DumpRequest r;
    r.table = Table::Udp;
    r.family = AF_INET;
    r.states = ~0u;
    req_ = build_dump_request(r);
  }
  void TearDown() override {
    for (int fd : fds_) close(fd);
  }

  // A complete dump: the inodes it reported (duplicates counted in `dups`).
  std::set<uint64_t> full_dump(DiagSocket& s, DumpStatus& st, size_t& dups,
                               std::set<uint32_t>* seqs = nullptr) {
    std::set<uint64_t> got;
    dups = 0;
    auto res = s.dump(
        req_.data(), req_.size(),
        [&](const nlmsghdr& h) {
          if (seqs) seqs->insert(h.nlmsg_seq);
          auto rec = parse_reply(h, Table::Udp);
          if (rec && !got.insert(rec->inode).second) ++dups;
        },
        [&](const uint8_t* p, size_t n) {
          // Only this request's buffers reach a recorder.
          ASSERT_GE(n, sizeof(nlmsghdr));
          nlmsghdr h;
          std::memcpy(&h, p, sizeof h);
          if (seqs) seqs->insert(h.nlmsg_seq);
        });
    EXPECT_TRUE(res) << (res ? "" : res.error().message);
    if (res) st = *res;
    return got;
  }

  // Starts a dump and stops after its first message.
  void abandon(DiagSocket& s) {
    int seen = 0;
    auto res = s.dump_stoppable(req_.data(), req_.size(), [&](const nlmsghdr&) {
      ++seen;
      return DumpControl::kStop;
    });
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_TRUE(res->stopped);
    EXPECT_EQ(seen, 1);
    EXPECT_TRUE(s.dirty());  // thousands of sockets: the dump cannot have ended
  }

  std::vector<int> fds_;
  std::set<uint64_t> inodes_;
  std::vector<uint8_t> req_;
};

TEST_F(DiagReuse, FirstRequestUsesMagicSeqAndEachNextItsOwn) {
  auto s = DiagSocket::open();
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->next_seq(), 123456u);
  std::set<uint32_t> seqs;
  DumpStatus st;
  size_t dups = 0;
  EXPECT_EQ(full_dump(*s, st, dups, &seqs), inodes_);
  EXPECT_EQ(seqs, std::set<uint32_t>{123456u});
  seqs.clear();
  EXPECT_EQ(full_dump(*s, st, dups, &seqs), inodes_);
  EXPECT_EQ(seqs, std::set<uint32_t>{123457u});
  EXPECT_EQ(dups, 0u);
  EXPECT_EQ(st.skipped, 0u);
}

TEST_F(DiagReuse, DumpAfterAnAbandonedDumpIsExact) {
  auto s = DiagSocket::open();
  ASSERT_TRUE(s) << s.error().message;
  abandon(*s);
  std::set<uint32_t> seqs;
  DumpStatus st;
  size_t dups = 0;
  auto got = full_dump(*s, st, dups, &seqs);
  EXPECT_EQ(got.size(), inodes_.size());
  EXPECT_EQ(got, inodes_);
  EXPECT_EQ(dups, 0u);
  EXPECT_FALSE(st.stopped);
  EXPECT_EQ(st.kernel_error, 0);  // not EBUSY: the old dump was read out first
  EXPECT_GT(st.skipped, 0u);      // the old dump's replies, counted, not delivered
  EXPECT_EQ(seqs, std::set<uint32_t>{123457u});
  EXPECT_FALSE(s->dirty());
  // And again, now that the socket is clean: nothing to skip.
  EXPECT_EQ(full_dump(*s, st, dups), inodes_);
  EXPECT_EQ(st.skipped, 0u);
}

TEST_F(DiagReuse, ExplicitDrainCleansTheSocket) {
  auto s = DiagSocket::open();
  ASSERT_TRUE(s) << s.error().message;
  abandon(*s);
  auto drained = s->drain();
  ASSERT_TRUE(drained) << drained.error().message;
  EXPECT_GT(*drained, 0u);
  EXPECT_FALSE(s->dirty());
  DumpStatus st;
  size_t dups = 0;
  EXPECT_EQ(full_dump(*s, st, dups), inodes_);
  EXPECT_EQ(st.skipped, 0u);
  EXPECT_EQ(s->skipped_total(), *drained);
}

TEST_F(DiagReuse, RepeatedAbandonsNeverLeak) {
  auto s = DiagSocket::open();
  ASSERT_TRUE(s) << s.error().message;
  for (int i = 0; i < 5; ++i) {
    abandon(*s);
    DumpStatus st;
    size_t dups = 0;
    ASSERT_EQ(full_dump(*s, st, dups), inodes_) << "round " << i;
    ASSERT_EQ(dups, 0u);
  }
}

TEST_F(DiagReuse, ForeignMessageIsSkippedAndCounted) {
  auto s = DiagSocket::open();
  ASSERT_TRUE(s) << s.error().message;
  // Root may unicast to another netlink socket: a message with a seq no
  // request of ours used lands in the queue before our dump's replies.
  int other = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  ASSERT_GE(other, 0);
  sockaddr_nl to{};
  to.nl_family = AF_NETLINK;
  to.nl_pid = s->portid();
  nlmsghdr h{};
  h.nlmsg_len = sizeof h;
  h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  h.nlmsg_seq = 999;
  ASSERT_EQ(sendto(other, &h, sizeof h, 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
            static_cast<ssize_t>(sizeof h))
      << std::strerror(errno);
  close(other);
  DumpStatus st;
  size_t dups = 0;
  EXPECT_EQ(full_dump(*s, st, dups), inodes_);
  EXPECT_EQ(st.skipped, 1u);
  EXPECT_EQ(dups, 0u);
}

TEST_F(DiagReuse, LiveSourceStopLeavesTheNextDumpExact) {
  // The record sink's stop (RecordSink returns false) leaves the dump at once;
  // the next dump on the same LiveSource socket still sees every socket once.
  LiveSource src;
  DumpRequest r;
  r.table = Table::Udp;
  r.family = AF_INET;
  r.states = ~0u;
  int seen = 0;
  auto first = src.dump(r, [&](SocketRecord&&) {
    ++seen;
    return false;
  });
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->stopped);
  EXPECT_EQ(seen, 1);
  std::set<uint64_t> got;
  size_t dups = 0;
  auto second = src.dump(r, [&](SocketRecord&& rec) {
    if (!got.insert(rec.inode).second) ++dups;
    return true;
  });
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->stopped);
  EXPECT_EQ(second->kernel_error, 0);
  EXPECT_EQ(got, inodes_);
  EXPECT_EQ(dups, 0u);
}

// The inodes a DiagSocket dump reports, in the kernel's order.
std::vector<uint64_t> ordered_dump(DiagSocket& s, const std::vector<uint8_t>& req) {
  std::vector<uint64_t> got;
  auto res = s.dump(req.data(), req.size(), [&](const nlmsghdr& h) {
    auto rec = parse_reply(h, Table::Udp);
    if (rec) got.push_back(rec->inode);
  });
  EXPECT_TRUE(res) << (res ? "" : res.error().message);
  return got;
}

TEST_F(DiagReuse, PrefetchHandsOutTheDumpInOrderThroughASmallBound) {
  // The smallest bound (one chunk) against ~300 KiB of replies: the reader
  // waits for the consumer many times, and nothing is lost or reordered.
  auto a = DiagSocket::open();
  auto b = DiagSocket::open();
  ASSERT_TRUE(a && b);
  std::vector<uint64_t> direct = ordered_dump(*a, req_);
  ASSERT_EQ(direct.size(), inodes_.size());
  DumpPrefetch p(*b, req_, 0);
  std::vector<uint64_t> got;
  auto st = p.consume([&](const nlmsghdr& h) {
    auto rec = parse_reply(h, Table::Udp);
    if (rec) got.push_back(rec->inode);
    return DumpControl::kContinue;
  });
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_FALSE(st->stopped);
  EXPECT_FALSE(st->interrupted);
  EXPECT_EQ(st->kernel_error, 0);
  EXPECT_EQ(got, direct);
  EXPECT_FALSE(b->dirty());
}

TEST_F(DiagReuse, PrefetchStoppedOrDroppedLeavesItsSocketExact) {
  auto s = DiagSocket::open();
  ASSERT_TRUE(s) << s.error().message;
  {
    DumpPrefetch p(*s, req_, 0);
    int seen = 0;
    auto st = p.consume([&](const nlmsghdr&) {
      ++seen;
      return DumpControl::kStop;
    });
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_TRUE(st->stopped);
    EXPECT_EQ(seen, 1);
  }
  { DumpPrefetch dropped(*s, req_, 0); }  // never consumed
  DumpStatus st;
  size_t dups = 0;
  EXPECT_EQ(full_dump(*s, st, dups), inodes_);
  EXPECT_EQ(dups, 0u);
  EXPECT_EQ(st.kernel_error, 0);  // not EBUSY
}

TEST_F(DiagReuse, LiveSourcePrefetchedV6MatchesAPlainDump) {
  std::vector<int> v6;
  std::set<uint64_t> inodes6;
  struct CloseAll {
    std::vector<int>& fds;
    ~CloseAll() {
      for (int fd : fds) close(fd);
    }
  } close_all{v6};
  ASSERT_NO_FATAL_FAILURE(bind_udp(AF_INET6, v6, inodes6));
  DumpRequest r4;
  r4.table = Table::Udp;
  r4.family = AF_INET;
  r4.states = ~0u;
  DumpRequest r6 = r4;
  r6.family = AF_INET6;
  auto collect = [](LiveSource& src, const DumpRequest& r) {
    std::vector<uint64_t> got;
    auto res = src.dump(r, [&](SocketRecord&& rec) {
      got.push_back(rec.inode);
      return true;
    });
    EXPECT_TRUE(res) << (res ? "" : res.error().message);
    return got;
  };
  LiveSource plain;
  std::vector<uint64_t> want4 = collect(plain, r4), want6 = collect(plain, r6);
  EXPECT_EQ(std::set<uint64_t>(want6.begin(), want6.end()), inodes6);
  LiveSource src;
  for (int round = 0; round < 3; ++round) {
    // Both pending at once (as the collector asks), each with its own bound.
    src.prefetch(r4, 0);
    src.prefetch(r6, kPrefetchAhead);
    EXPECT_EQ(collect(src, r4), want4) << "round " << round;
    EXPECT_EQ(collect(src, r6), want6) << "round " << round;
  }
  // A prefetch dropped unused leaves the next plain and prefetched dumps exact.
  src.prefetch(r6, kPrefetchAhead);
  src.cancel_prefetch();
  EXPECT_EQ(collect(src, r6), want6);
  src.prefetch(r6, kPrefetchAhead);
  EXPECT_EQ(collect(src, r6), want6);
  // Beyond kMaxPrefetch the hint is ignored: the dump is read as usual.
  src.prefetch(r4, 0);
  src.prefetch(r6, 0);
  src.prefetch(r4, 0);
  EXPECT_EQ(collect(src, r6), want6);
  EXPECT_EQ(collect(src, r4), want4);
  EXPECT_EQ(collect(src, r4), want4);
  src.cancel_prefetch();
}

}  // namespace
}  // namespace sw::test
