// Store (src/store) on real SQLite files in a temporary directory: baseline
// round trips, events and has_talked, migrations, refused files, a writer
// killed mid-write, two writers at once, a full disk; and default_db_path.
#include "store/store.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include "db_path.hpp"

namespace sw {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char d[] = "/tmp/sw_store_XXXXXX";
    path = mkdtemp(d) ? d : "";
  }
  ~TempDir() {
    std::string cmd = "rm -rf '" + path + "'";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", path.c_str());
  }
};

std::unique_ptr<Store> must_open(const std::string& path) {
  auto s = Store::open(path);
  EXPECT_TRUE(s) << s.error().message;
  return s ? std::move(*s) : nullptr;
}

Baseline sample(const std::string& name) {
  Baseline b;
  b.name = name;
  b.created_us = 1700000000000001;
  b.updated_us = 1700000000000002;
  b.inventory.host.machine_id = "mid-0123";
  b.inventory.host.hostname = "host-a";
  b.inventory.host.boot_id = "boot-4567";
  b.inventory.host.taken_us = 1700000000000000;
  Listener l1{"", "tcp",  AF_INET, "0.0.0.0", 22, Exposure::Wildcard, "", "/usr/sbin/sshd",
              0u, "root", ""};
  Listener l2{"ns1",  "udp", AF_INET6,     "fe80::1", 5353,        Exposure::Device,
              "eth0", "",    std::nullopt, "",        "docker-abc"};
  b.inventory.listeners = {l1, l2};
  Talker t1{"", "tcp", "/usr/bin/curl", 1000u, "", false, "93.184.216.34", 443};
  Talker t2{"ns1", "tcp", "/usr/sbin/sshd", std::nullopt, "c1", true, "::ffff:10.0.0.1", 22};
  b.inventory.talkers = {t1, t2};
  return b;
}

SocketEvent conn_event(const std::string& exe, const char* peer, uint16_t lport, uint16_t rport,
                       bool known, bool inbound, const std::string& id = "x-1") {
  SocketEvent e;
  e.type = EventType::Close;
  e.ts_us = 1700000000000000;
  e.socket_id = id;
  e.family = AF_INET;
  e.local.family = e.peer.family = AF_INET;
  inet_pton(AF_INET, "10.0.0.2", e.local.bytes.data());
  inet_pton(AF_INET, peer, e.peer.bytes.data());
  e.lport = lport;
  e.rport = rport;
  e.direction_known = known;
  e.inbound = inbound;
  auto o = std::make_shared<OwnerInfo>();
  o->pid = 42;
  o->exe = exe;
  o->comm = "c";
  o->uid = 7;
  e.owner = o;
  e.counters = SocketCounters{100, 90, 50, 3, 2, 1};
  e.source = "poll";
  return e;
}

int64_t count_rows(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

std::string integrity(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string r = "no result";
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    r = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return r;
}

TEST(Store, CreatesDirectoryAndFilePrivately) {
  TempDir t;
  std::string path = t.path + "/a/b/sw.db";
  auto s = must_open(path);
  ASSERT_TRUE(s);
  struct stat st {};
  ASSERT_EQ(stat((t.path + "/a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(s->path(), path);
  EXPECT_EQ(count_rows(path, "PRAGMA user_version"), 1);
}

TEST(Store, BaselineRoundTripReplaceListDelete) {
  TempDir t;
  std::string path = t.path + "/sw.db";
  auto s = must_open(path);
  ASSERT_TRUE(s);
  Baseline b = sample("default");
  ASSERT_TRUE(s->save_baseline(b));
  ASSERT_TRUE(s->save_baseline(sample("other")));
  s.reset();
  s = must_open(path);  // from the file, not a cache
  auto got = s->load_baseline("default");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->has_value());
  const Baseline& g = **got;
  EXPECT_EQ(g.name, "default");
  EXPECT_EQ(g.created_us, b.created_us);
  EXPECT_EQ(g.updated_us, b.updated_us);
  EXPECT_EQ(g.inventory.host.machine_id, "mid-0123");
  EXPECT_EQ(g.inventory.host.hostname, "host-a");
  EXPECT_EQ(g.inventory.host.boot_id, "boot-4567");
  EXPECT_EQ(g.inventory.host.taken_us, b.inventory.host.taken_us);
  EXPECT_EQ(g.inventory.listeners, b.inventory.listeners);
  EXPECT_EQ(g.inventory.talkers, b.inventory.talkers);

  // Replace: the new contents only.
  Baseline b2 = sample("default");
  b2.inventory.listeners.pop_back();
  b2.inventory.talkers.clear();
  b2.updated_us = 5;
  ASSERT_TRUE(s->save_baseline(b2));
  got = s->load_baseline("default");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->inventory.listeners, b2.inventory.listeners);
  EXPECT_TRUE((*got)->inventory.talkers.empty());
  EXPECT_EQ((*got)->updated_us, 5);

  auto list = s->list_baselines();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "default");
  EXPECT_EQ((*list)[0].listeners, 1u);
  EXPECT_EQ((*list)[0].talkers, 0u);
  EXPECT_EQ((*list)[0].hostname, "host-a");
  EXPECT_EQ((*list)[1].name, "other");
  EXPECT_EQ((*list)[1].listeners, 2u);
  EXPECT_EQ((*list)[1].talkers, 2u);

  auto missing = s->load_baseline("nope");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  auto d = s->delete_baseline("other");
  ASSERT_TRUE(d);
  EXPECT_TRUE(*d);
  d = s->delete_baseline("other");
  ASSERT_TRUE(d);
  EXPECT_FALSE(*d);
  // Its rows went with it.
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM baseline_listeners"), 1);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM baseline_talkers"), 0);
}

TEST(Store, AppendEventsAndHasTalkedBothDirections) {
  TempDir t;
  std::string path = t.path + "/sw.db";
  auto s = must_open(path);
  ASSERT_TRUE(s);
  std::vector<SocketEvent> evs = {
      conn_event("/usr/bin/curl", "93.184.216.34", 40000, 443, true, false),  // outbound
      conn_event("/usr/sbin/sshd", "10.9.9.9", 22, 51000, true, true),        // inbound
      conn_event("/usr/bin/mystery", "10.1.1.1", 41000, 8080, false, false),  // unknown
  };
  SocketEvent health;
  health.type = EventType::Health;
  health.what = "ticks 3";
  evs.push_back(health);
  ASSERT_TRUE(s->append_events(evs));
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM events"), 4);
  EXPECT_EQ(count_rows(path, "SELECT bytes_received FROM events WHERE exe='/usr/bin/curl'"), 50);

  auto yes = [&](const char* exe, const char* peer, uint16_t port) {
    auto r = s->has_talked(exe, peer, port);
    EXPECT_TRUE(r) << r.error().message;
    return r && *r;
  };
  EXPECT_TRUE(yes("/usr/bin/curl", "93.184.216.34", 443));
  EXPECT_FALSE(yes("/usr/bin/curl", "93.184.216.34", 40000));  // its ephemeral port
  EXPECT_FALSE(yes("/usr/bin/curl", "93.184.216.35", 443));
  EXPECT_FALSE(yes("/usr/bin/wget", "93.184.216.34", 443));
  EXPECT_TRUE(yes("/usr/sbin/sshd", "10.9.9.9", 22));
  EXPECT_FALSE(yes("/usr/sbin/sshd", "10.9.9.9", 51000));  // the client's ephemeral port
  EXPECT_TRUE(yes("/usr/bin/mystery", "10.1.1.1", 8080));  // direction unknown: either port
  EXPECT_TRUE(yes("/usr/bin/mystery", "10.1.1.1", 41000));
}

TEST(Store, HasTalkedUsesTheIndex) {
  TempDir t;
  std::string path = t.path + "/sw.db";
  ASSERT_TRUE(must_open(path));
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "EXPLAIN QUERY PLAN SELECT 1 FROM events WHERE exe = 'a' AND "
                               "peer_addr = 'b' AND service_port = 1 LIMIT 1",
                               -1, &st, nullptr),
            SQLITE_OK);
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW)
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
  sqlite3_finalize(st);
  sqlite3_close(db);
  EXPECT_NE(plan.find("events_by_talk"), std::string::npos) << plan;
}

TEST(Store, MigratesAnEmptyFileAndRefusesANewerOne) {
  TempDir t;
  std::string empty = t.path + "/empty.db";
  { std::ofstream f(empty); }  // a 0-byte file: user_version 0
  ASSERT_TRUE(must_open(empty));
  EXPECT_EQ(count_rows(empty, "PRAGMA user_version"), 1);
  EXPECT_EQ(count_rows(empty, "SELECT count(*) FROM sqlite_schema WHERE name='events'"), 1);

  std::string newer = t.path + "/newer.db";
  {
    sqlite3* db = nullptr;
    sqlite3_open(newer.c_str(), &db);
    sqlite3_exec(db, "CREATE TABLE x(a); PRAGMA user_version=99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto s = Store::open(newer);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find(newer), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("schema version 99 is newer"), std::string::npos)
      << s.error().message;
}

TEST(Store, RefusesTextAndGarbageFilesNamingThem) {
  TempDir t;
  std::string text = t.path + "/notes.db";
  {
    std::ofstream f(text);
    f << "this is a text file, not a database\n";
  }
  auto s = Store::open(text);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find(text + ": "), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("file is not a database"), std::string::npos)
      << s.error().message;

  // A real database truncated in the middle of its pages, then garbage.
  std::string bad = t.path + "/bad.db";
  {
    auto st = must_open(bad);
    ASSERT_TRUE(st);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(st->save_baseline(sample("b" + std::to_string(i))));
  }
  {
    sqlite3* db = nullptr;  // fold the WAL into the main file first
    sqlite3_open(bad.c_str(), &db);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE", nullptr,
                 nullptr, nullptr);
    sqlite3_close(db);
  }
  ASSERT_EQ(truncate(bad.c_str(), 1500), 0);
  {
    int fd = open(bad.c_str(), O_WRONLY | O_APPEND);
    std::string junk(3000, '\x5a');
    ASSERT_EQ(write(fd, junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
    close(fd);
  }
  s = Store::open(bad);
  ASSERT_FALSE(s) << "a damaged file opened";
  EXPECT_NE(s.error().message.find(bad + ": "), std::string::npos) << s.error().message;
}

// A child committing numbered batches (a baseline and an event batch each),
// writing each number to `fd` only after its commit returned.
[[noreturn]] void writer(const std::string& path, int fd, int first, int n, int who) {
  auto s = Store::open(path);
  if (!s) {
    std::fprintf(stderr, "writer %d: %s\n", who, s.error().message.c_str());
    _exit(10);
  }
  for (int i = first; n < 0 || i < first + n; ++i) {
    std::vector<SocketEvent> evs;
    for (int k = 0; k < 20; ++k)
      evs.push_back(conn_event("/bin/w" + std::to_string(who), "10.0.0.1",
                               static_cast<uint16_t>(1000 + k), 80, true, false,
                               "batch-" + std::to_string(i)));
    if (auto r = (*s)->append_events(evs); !r) {
      std::fprintf(stderr, "writer %d: %s\n", who, r.error().message.c_str());
      _exit(11);
    }
    if (auto r = (*s)->save_baseline(sample("b" + std::to_string(i))); !r) {
      std::fprintf(stderr, "writer %d: %s\n", who, r.error().message.c_str());
      _exit(12);
    }
    if (fd >= 0 && write(fd, &i, sizeof i) != sizeof i) _exit(13);
  }
  _exit(0);
}

TEST(Store, KilledMidWriteKeepsEveryCommittedBatch) {
  TempDir t;
  std::string path = t.path + "/crash.db";
  std::mt19937 rng(12345);
  std::set<int> committed;
  int next = 0;
  for (int round = 0; round < 5; ++round) {
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
      close(p[0]);
      writer(path, p[1], next, -1, 0);
    }
    close(p[1]);
    // Let it commit a random number of batches (1..40), then kill it wherever it is.
    int want = 1 + static_cast<int>(rng() % 40), got = 0, v = 0;
    while (got < want && read(p[0], &v, sizeof v) == sizeof v) {
      committed.insert(v);
      ++got;
    }
    kill(pid, SIGKILL);
    while (read(p[0], &v, sizeof v) == sizeof v) committed.insert(v);  // reported before death
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    ASSERT_TRUE(WIFSIGNALED(st)) << "the writer ended on its own: " << st;
    ASSERT_EQ(got, want);
    next = *committed.rbegin() + 1000;  // the next child's numbers never collide
    EXPECT_EQ(integrity(path), "ok") << "round " << round;
    auto s = must_open(path);
    ASSERT_TRUE(s);
    for (int i : committed) {
      auto b = s->load_baseline("b" + std::to_string(i));
      ASSERT_TRUE(b && b->has_value()) << "committed baseline b" << i << " lost";
      EXPECT_EQ(count_rows(path, "SELECT count(*) FROM events WHERE socket_id='batch-" +
                                     std::to_string(i) + "'"),
                20)
          << "committed batch " << i;
    }
  }
}

TEST(Store, TwoWritersAtOnceBothSucceed) {
  TempDir t;
  std::string path = t.path + "/two.db";  // new: both also race to create and migrate it
  constexpr int kN = 60;
  pid_t a = fork();
  if (a == 0) writer(path, -1, 0, kN, 1);
  pid_t b = fork();
  if (b == 0) writer(path, -1, 100000, kN, 2);
  int sa = 0, sb = 0;
  waitpid(a, &sa, 0);
  waitpid(b, &sb, 0);
  EXPECT_TRUE(WIFEXITED(sa) && WEXITSTATUS(sa) == 0) << sa;
  EXPECT_TRUE(WIFEXITED(sb) && WEXITSTATUS(sb) == 0) << sb;
  EXPECT_EQ(count_rows(path, "SELECT count(DISTINCT socket_id) FROM events"), 2 * kN);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM events"), 2 * kN * 20);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM baselines"), 2 * kN);
  EXPECT_EQ(integrity(path), "ok");
}

TEST(Store, FullDiskSaysSoAndKeepsEarlierCommits) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  TempDir t;
  std::string mnt = t.path + "/small";
  ASSERT_EQ(mkdir(mnt.c_str(), 0700), 0);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=256k") != 0)
    GTEST_SKIP() << "mount tmpfs: " << std::strerror(errno);
  std::string path = mnt + "/sw.db";
  std::string err;
  int ok_batches = 0;
  {
    auto s = must_open(path);
    ASSERT_TRUE(s);
    for (int i = 0; i < 10000; ++i) {
      std::vector<SocketEvent> evs;
      for (int k = 0; k < 50; ++k)
        evs.push_back(conn_event("/bin/fill", "10.0.0.1", 1000, 80, true, false,
                                 "fill-" + std::to_string(i)));
      auto r = s->append_events(evs);
      if (!r) {
        err = r.error().message;
        break;
      }
      ++ok_batches;
    }
  }
  EXPECT_GT(ok_batches, 0);
  EXPECT_NE(err.find(path + ": append events: "), std::string::npos) << err;
  EXPECT_NE(err.find("disk is full"), std::string::npos) << err;
  EXPECT_EQ(integrity(path), "ok");
  EXPECT_EQ(count_rows(path, "SELECT count(DISTINCT socket_id) FROM events"), ok_batches);
  umount2(mnt.c_str(), MNT_DETACH);
}

TEST(DbPath, DefaultRules) {
  EXPECT_EQ(default_db_path(0, "/x", "/root"), "/var/lib/sockwatch/sockwatch.db");
  EXPECT_EQ(default_db_path(1000, "/home/u/.st", "/home/u"), "/home/u/.st/sockwatch/sockwatch.db");
  EXPECT_EQ(default_db_path(1000, nullptr, "/home/u"),
            "/home/u/.local/state/sockwatch/sockwatch.db");
  EXPECT_EQ(default_db_path(1000, "", "/home/u"), "/home/u/.local/state/sockwatch/sockwatch.db");
  EXPECT_EQ(default_db_path(1000, "rel", "/home/u"), "/home/u/.local/state/sockwatch/sockwatch.db");
  EXPECT_EQ(default_db_path(1000, nullptr, nullptr), "");
}

}  // namespace
}  // namespace sw
