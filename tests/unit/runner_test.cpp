// Collector and OwnerGate with scripted sources: a dump the kernel flags as
// interrupted (NLM_F_DUMP_INTR) is rolled back and retried, or kept and
// reported; the gate scans owners once, before or after the dump, and keeps
// at most its limit of records.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <deque>
#include <vector>

#include "engine/collector.hpp"
#include "engine/owner_gate.hpp"
#include "fake_proc.hpp"
#include "plan.hpp"
#include "ss_options.hpp"

namespace sw {
namespace {

SocketRecord tcp(uint16_t lport, uint64_t inode) {
  SocketRecord r;
  r.table = Table::Tcp;
  r.family = AF_INET;
  r.state = 1;  // established
  r.lport = lport;
  r.inode = inode;
  r.local.family = AF_INET;
  r.peer.family = AF_INET;
  return r;
}

// Plays a script of attempts: each attempt emits its records, then says
// whether the kernel flagged it as interrupted.
class ScriptedSource : public SocketSource {
 public:
  struct Attempt {
    std::vector<uint16_t> ports;
    bool interrupted;
  };
  explicit ScriptedSource(std::deque<Attempt> script) : script_(std::move(script)) {}
  Expected<DumpResult> dump(const DumpRequest& req, const RecordSink& sink) override {
    if (req.family != AF_INET || script_.empty()) return DumpResult{};
    Attempt a = script_.front();
    script_.pop_front();
    ++attempts;
    for (uint16_t p : a.ports)
      if (!sink(tcp(p, p))) {
        DumpResult res;
        res.stopped = true;
        return res;
      }
    DumpResult res;
    res.interrupted = a.interrupted;
    return res;
  }
  int attempts = 0;

 private:
  std::deque<Attempt> script_;
};

// The report's diagnostics as the app prints them.
std::string diagnostics(const CollectReport& rep) {
  std::string out;
  for (const auto& d : rep.diagnostics) out += d.text + "\n";
  return out;
}

SsOptions options(std::vector<std::string> args) {
  std::vector<char*> argv;
  std::string prog = "sockwatch";
  argv.push_back(prog.data());
  for (auto& a : args) argv.push_back(a.data());
  auto r = parse_ss_command_line(static_cast<int>(argv.size()), argv.data());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return *r.options;
}

TEST(Collector, InterruptedDumpIsRolledBackAndRetried) {
  SsOptions o = options({"-tn4"});
  SourcePaths env;
  ScriptedSource src({{{1, 2, 3}, true}, {{1, 2, 3, 4}, false}});
  std::vector<uint16_t> out;
  Collector c(src);
  c.set_rollback([&] { return out.size(); }, [&](size_t n) { out.resize(n); });
  CollectReport rep = c.collect(collect_plan(o, nullptr), env, [&](SocketRecord&& r) {
    out.push_back(r.lport);
    return true;
  });
  std::string err = diagnostics(rep);
  EXPECT_EQ(src.attempts, 2);
  EXPECT_EQ(out, (std::vector<uint16_t>{1, 2, 3, 4}));  // nothing twice
  EXPECT_EQ(err, "");
  EXPECT_EQ(rep.status, 0);
  EXPECT_EQ(rep.retried, 1u);
  EXPECT_EQ(rep.records, 4u);
}

TEST(Collector, PersistentInterruptionIsKeptAndReported) {
  SsOptions o = options({"-tn4"});
  SourcePaths env;
  ScriptedSource src({{{1}, true}, {{1, 2}, true}, {{1, 2, 3}, true}, {{9}, false}});
  std::vector<uint16_t> out;
  Collector c(src);
  c.set_rollback([&] { return out.size(); }, [&](size_t n) { out.resize(n); });
  CollectReport rep = c.collect(collect_plan(o, nullptr), env, [&](SocketRecord&& r) {
    out.push_back(r.lport);
    return true;
  });
  std::string err = diagnostics(rep);
  EXPECT_EQ(src.attempts, 3);  // two retries, then the third result stands
  EXPECT_EQ(out, (std::vector<uint16_t>{1, 2, 3}));
  EXPECT_NE(err.find("interrupted by concurrent changes"), std::string::npos) << err;
  EXPECT_EQ(rep.interrupted, 1u);
}

TEST(Collector, WithoutRollbackAnInterruptedDumpIsKeptAndReported) {
  // Streamed output (JSON) cannot take back what it printed.
  SsOptions o = options({"-tn4"});
  SourcePaths env;
  ScriptedSource src({{{5, 6}, true}});
  std::vector<uint16_t> out;
  Collector c(src);
  CollectReport rep = c.collect(collect_plan(o, nullptr), env, [&](SocketRecord&& r) {
    out.push_back(r.lport);
    return true;
  });
  std::string err = diagnostics(rep);
  EXPECT_EQ(src.attempts, 1);
  EXPECT_EQ(out, (std::vector<uint16_t>{5, 6}));
  EXPECT_NE(err.find("output may be incomplete"), std::string::npos) << err;
}

TEST(Collector, ASinkThatStopsEndsThePassAndLaterTablesAreNotAsked) {
  // -tun: udp is dumped before tcp; a consumer that has what it needs after
  // two records stops the pass, and the tcp table is never requested.
  SsOptions o = options({"-tun4"});
  SourcePaths env;
  ScriptedSource src({{{1, 2, 3}, false}, {{7, 8}, false}});
  std::vector<uint16_t> out;
  Collector c(src);
  CollectReport rep = c.collect(collect_plan(o, nullptr), env, [&](SocketRecord&& r) {
    out.push_back(r.lport);
    return out.size() < 2;
  });
  EXPECT_EQ(out, (std::vector<uint16_t>{1, 2}));
  EXPECT_EQ(src.attempts, 1);
  EXPECT_EQ(rep.dumps, 1u);
  EXPECT_EQ(rep.status, 0);
  // The collector is reusable: the next pass starts fresh.
  out.clear();
  rep = c.collect(collect_plan(o, nullptr), env, [&](SocketRecord&& r) {
    out.push_back(r.lport);
    return true;
  });
  EXPECT_EQ(out, (std::vector<uint16_t>{7, 8}));
}

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int pid = 100; pid < 110; ++pid) {
      p.process(pid, "w" + std::to_string(pid));
      p.fd(pid, 3, "socket:[" + std::to_string(pid) + "]");
    }
    opt.proc_root = p.root();
    opt.max_workers = 1;
  }
  FakeProc p;
  OwnerScanOptions opt;
  OwnerIndex index;
  std::vector<std::pair<uint64_t, bool>> seen;  // inode, owner known when emitted
  RecordSink emit = [this](SocketRecord&& r) {
    std::string s;
    seen.emplace_back(r.inode, index.append_users(r.inode, s));
    return true;
  };
};

TEST_F(GateTest, FewRecordsAreHeldThenAttributedByATargetedScan) {
  OwnerGate gate(opt, index, emit, 4);
  gate.add(tcp(0, 101));
  gate.add(tcp(0, 103));
  EXPECT_TRUE(seen.empty());  // held
  EXPECT_EQ(gate.held(), 2u);
  gate.finish();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[0].second);
  EXPECT_TRUE(seen[1].second);
  // Every process is walked even once each target has an owner: a later
  // process may share the socket.
  EXPECT_EQ(index.stats().scanned, 10u);
  EXPECT_TRUE(index.stats().complete);
}

TEST_F(GateTest, OverflowScansEverythingOnceAndReleasesInOrder) {
  OwnerGate gate(opt, index, emit, 2);
  for (uint64_t ino : {100, 105, 109}) gate.add(tcp(0, ino));
  ASSERT_EQ(seen.size(), 3u);  // the third record overflowed the gate
  EXPECT_EQ(seen[0].first, 100u);
  EXPECT_EQ(seen[2].first, 109u);
  for (auto& s : seen) EXPECT_TRUE(s.second);
  EXPECT_TRUE(index.stats().complete);
  gate.add(tcp(0, 107));  // later records flow straight through
  gate.finish();
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_EQ(index.stats().scanned, 10u);
}

TEST_F(GateTest, RollbackDropsHeldRecordsAndPassThroughNeverScans) {
  OwnerGate gate(opt, index, emit, 8);
  gate.add(tcp(0, 100));
  size_t mark = gate.held();
  gate.add(tcp(0, 101));
  gate.drop_held_after(mark);
  gate.finish();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, 100u);

  OwnerIndex untouched;
  std::vector<uint64_t> passed;
  OwnerGate off(
      opt, untouched,
      [&](SocketRecord&& r) {
        passed.push_back(r.inode);
        return true;
      },
      0);
  off.pass_through();
  off.add(tcp(0, 105));
  off.finish();
  EXPECT_EQ(passed, (std::vector<uint64_t>{105}));
  EXPECT_EQ(untouched.stats().processes, 0u);  // no scan happened
}

TEST_F(GateTest, ScanAheadAttributesHeldAndOverflowingRecordsAsTheScanInTurnWould) {
  // A shared socket too: the scan ahead lists every holder, in ss's order.
  p.fd(107, 9, "socket:[101]");
  OwnerIndex in_turn;
  {
    OwnerGate g(
        opt, in_turn, [](SocketRecord&&) { return true; }, 4);
    g.add(tcp(0, 101));
    g.finish();
  }
  std::string want;
  ASSERT_TRUE(in_turn.append_users(101, want));
  OwnerGate gate(opt, index, emit, 4);
  gate.scan_ahead();
  gate.add(tcp(0, 101));
  gate.add(tcp(0, 103));
  EXPECT_TRUE(seen.empty());  // still held until the end
  gate.finish();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[0].second);
  EXPECT_TRUE(seen[1].second);
  std::string got;
  ASSERT_TRUE(index.append_users(101, got));
  EXPECT_EQ(got, want);
  EXPECT_NE(got.find("pid=107,fd=9"), std::string::npos) << got;
  EXPECT_EQ(index.stats().scanned, 10u);
  EXPECT_TRUE(index.stats().complete);

  // Overflow: the records wait for the scan ahead, then flow in order.
  seen.clear();
  OwnerGate over(opt, index, emit, 1);
  over.scan_ahead();
  for (uint64_t ino : {100, 105, 109}) over.add(tcp(0, ino));
  ASSERT_EQ(seen.size(), 3u);
  for (auto& s : seen) EXPECT_TRUE(s.second);
  over.finish();
}

TEST_F(GateTest, ScanAheadWithNothingToAttributeIsDropped) {
  OwnerIndex untouched;
  {
    OwnerGate gate(opt, untouched, emit, 4);
    gate.scan_ahead();
    gate.add(tcp(0, 0));  // a TIME-WAIT row: no inode
    gate.finish();
  }
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].second);
  EXPECT_EQ(untouched.stats().processes, 0u);  // the scan's result was never taken
  // And a gate destroyed with its scan still running joins it cleanly.
  {
    OwnerGate gone(opt, untouched, emit, 4);
    gone.scan_ahead();
  }
}

}  // namespace
}  // namespace sw
