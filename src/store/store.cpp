#include "store/store.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <thread>

#include "core/tables.hpp"
#include "render/event_json.hpp"
#include "store/sqlite.hpp"

namespace sw {

namespace {

using sqlite::Db;
using sqlite::Statement;
using sqlite::Transaction;

// Migrations, in order: migration N takes user_version N-1 to N. Append new
// ones (ALTER TABLE, new tables, backfills); never edit a shipped one.
// user_version 0 is a new (or empty) file.
constexpr const char* kMigrations[] = {
    // 1: baselines, their listeners and talkers, and the log's events.
    R"sql(
CREATE TABLE baselines (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  machine_id TEXT NOT NULL,
  hostname TEXT NOT NULL,
  boot_id TEXT NOT NULL,
  taken_us INTEGER NOT NULL
);
CREATE TABLE baseline_listeners (
  baseline_id INTEGER NOT NULL REFERENCES baselines(id) ON DELETE CASCADE,
  netns TEXT NOT NULL,
  proto TEXT NOT NULL,
  family INTEGER NOT NULL,
  address TEXT NOT NULL,
  port INTEGER NOT NULL,
  exposure TEXT NOT NULL,
  device TEXT NOT NULL,
  exe TEXT NOT NULL,
  uid INTEGER,
  user TEXT NOT NULL,
  container TEXT NOT NULL
);
CREATE INDEX baseline_listeners_by_baseline ON baseline_listeners(baseline_id);
CREATE TABLE baseline_talkers (
  baseline_id INTEGER NOT NULL REFERENCES baselines(id) ON DELETE CASCADE,
  netns TEXT NOT NULL,
  proto TEXT NOT NULL,
  exe TEXT NOT NULL,
  uid INTEGER,
  container TEXT NOT NULL,
  inbound INTEGER NOT NULL,
  peer TEXT NOT NULL,
  port INTEGER NOT NULL
);
CREATE INDEX baseline_talkers_by_baseline ON baseline_talkers(baseline_id);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  ts_us INTEGER NOT NULL,
  type TEXT NOT NULL,
  socket_id TEXT,
  proto TEXT,
  family INTEGER,
  state TEXT,
  old_state TEXT,
  local_addr TEXT,
  local_port INTEGER,
  peer_addr TEXT,
  peer_port INTEGER,
  service_port INTEGER,
  netns INTEGER,
  netns_name TEXT,
  inode INTEGER,
  cookie INTEGER,
  pid INTEGER,
  exe TEXT,
  comm TEXT,
  uid INTEGER,
  user TEXT,
  container TEXT,
  owner_reason TEXT,
  direction TEXT,
  opened_us INTEGER,
  bytes_sent INTEGER,
  bytes_acked INTEGER,
  bytes_received INTEGER,
  segs_out INTEGER,
  segs_in INTEGER,
  retrans INTEGER,
  source TEXT,
  lost INTEGER,
  what TEXT
);
CREATE INDEX events_by_talk ON events(exe, peer_addr, service_port);
CREATE INDEX events_by_time ON events(ts_us);
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);

constexpr int kBusyTimeoutMs = 10'000;

struct ExposureName {
  Exposure e;
  const char* name;
};
// Stored as text (a person reading the file with sqlite3 understands it);
// the names are exposure_name()'s.
constexpr ExposureName kExposures[] = {{Exposure::Wildcard, "wildcard"},
                                       {Exposure::Loopback, "loopback"},
                                       {Exposure::Specific, "specific"},
                                       {Exposure::Device, "device"}};

const char* exposure_text(Exposure e) {
  for (const auto& x : kExposures)
    if (x.e == e) return x.name;
  return "specific";
}

std::optional<Exposure> exposure_from(const std::string& s) {
  for (const auto& x : kExposures)
    if (s == x.name) return x.e;
  return std::nullopt;
}

// Spelled as the inventory spells Talker::peer (v4-mapped as IPv4), so
// has_talked matches what make_inventory reports.
std::string addr_text(const IpAddr& a) {
  if (a.family != AF_INET && a.family != AF_INET6) return {};
  return address_text(a, true);
}

std::optional<int64_t> opt_uid(const std::optional<uint32_t>& u) {
  if (!u) return std::nullopt;
  return static_cast<int64_t>(*u);
}

std::optional<uint32_t> uid_from(const std::optional<int64_t>& v) {
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

// Creates the missing directories of `path`'s parent, each 0700 (a log of
// who talked to whom is not for every local user to read).
Expected<void> make_parent_dirs(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return {};
  std::string dir = path.substr(0, slash);
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    std::string part = dir.substr(0, i);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      return Error{part + ": mkdir: " + std::strerror(errno), errno};
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Error{dir + ": " + std::strerror(errno), errno};
  if (!S_ISDIR(st.st_mode)) return Error{dir + ": not a directory", ENOTDIR};
  return {};
}

// The file is made here, 0600, before SQLite sees it: SQLite would create it
// 0644 (less the umask), and its -wal and -shm files copy the file's mode.
Expected<void> make_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) return Error{path + ": " + std::strerror(errno), errno};
  ::close(fd);
  return {};
}

Expected<int64_t> query_int(Db& db, const char* sql, const char* what) {
  auto st = Statement::prepare(db, sql, what);
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return Error{db.path() + ": " + what + ": no result", 0};
  return st->column_int64(0);
}

std::string newer_message(const std::string& path, int64_t found, int64_t known) {
  return path + ": schema version " + std::to_string(found) +
         " is newer than this sockwatch knows (" + std::to_string(known) +
         "): it was written by a later version; use that one or another --db";
}

}  // namespace

struct Store::Impl {
  Db db;
  std::string path;
  Statement insert_event;  // prepared once: one per event of every tick
  Statement talked_known, talked_unknown;
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::path() const { return impl_->path; }

Expected<std::unique_ptr<Store>> Store::open(const std::string& path) {
  if (path.empty()) return Error{"database: no path given", EINVAL};
  if (auto r = make_parent_dirs(path); !r) return r.error();
  if (auto r = make_file(path); !r) return r.error();

  auto db = Db::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
  if (!db) return db.error();
  db->set_busy_timeout(kBusyTimeoutMs);

  // sqlite3_open_v2 reads nothing; the first read of page 1 and the schema
  // is where a text file ("file is not a database") or a damaged one
  // ("database disk image is malformed") shows.
  if (auto n = query_int(*db, "SELECT count(*) FROM sqlite_schema", "open"); !n) return n.error();
  auto version = query_int(*db, "PRAGMA user_version", "schema version");
  if (!version) return version.error();
  if (*version > kSchemaVersion) return Error{newer_message(path, *version, kSchemaVersion), 0};

  // WAL: readers never block the writer, and a commit is one append to the
  // -wal file, so a kill mid-write leaves the database as of the last commit.
  // Two sockwatch processes opening one new (rollback-journal) file at once
  // can deadlock on the switch, and SQLite then answers SQLITE_BUSY without
  // calling the busy handler: retry it for as long as the busy timeout.
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
       ;) {
    auto st = Statement::prepare(*db, "PRAGMA journal_mode=WAL", "journal mode");
    Expected<bool> r = st ? st->step() : Expected<bool>(st.error());
    if (r) break;
    int rc = r.error().code & 0xff;
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || std::chrono::steady_clock::now() > deadline)
      return r.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (auto r = db->exec("PRAGMA foreign_keys=ON", "foreign keys"); !r) return r.error();

  if (*version < kSchemaVersion) {
    // Under the write lock, looked at again: a second sockwatch opening the
    // same new file at once waits here and then finds nothing to do.
    auto tx = Transaction::begin(*db, "migrate");
    if (!tx) return tx.error();
    auto now = query_int(*db, "PRAGMA user_version", "schema version");
    if (!now) return now.error();
    if (*now > kSchemaVersion) return Error{newer_message(path, *now, kSchemaVersion), 0};
    for (int v = static_cast<int>(*now); v < kSchemaVersion; ++v) {
      std::string what = "migration " + std::to_string(v + 1);
      if (auto r = db->exec(kMigrations[v], what); !r) return r.error();
    }
    std::string set = "PRAGMA user_version=" + std::to_string(kSchemaVersion);
    if (auto r = db->exec(set, "schema version"); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->db = std::move(*db);
  auto ins = Statement::prepare(impl->db, R"sql(
INSERT INTO events (ts_us, type, socket_id, proto, family, state, old_state, local_addr,
  local_port, peer_addr, peer_port, service_port, netns, netns_name, inode, cookie, pid, exe,
  comm, uid, user, container, owner_reason, direction, opened_us, bytes_sent, bytes_acked,
  bytes_received, segs_out, segs_in, retrans, source, lost, what)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
  ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34)
)sql",
                                "append events");
  if (!ins) return ins.error();
  impl->insert_event = std::move(*ins);
  // Both use events_by_talk: an exact service port, or (direction unknown,
  // service port NULL) either port of the connection.
  auto known = Statement::prepare(impl->db,
                                  "SELECT 1 FROM events WHERE exe = ?1 AND peer_addr = ?2 AND "
                                  "service_port = ?3 LIMIT 1",
                                  "has talked");
  if (!known) return known.error();
  impl->talked_known = std::move(*known);
  auto unknown = Statement::prepare(impl->db,
                                    "SELECT 1 FROM events WHERE exe = ?1 AND peer_addr = ?2 AND "
                                    "service_port IS NULL AND (peer_port = ?3 OR local_port = ?3) "
                                    "LIMIT 1",
                                    "has talked");
  if (!unknown) return unknown.error();
  impl->talked_unknown = std::move(*unknown);
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

// One statement's bindings or step, with early return on the first error.
#define SW_TRY(expr)                                       \
  do {                                                     \
    if (auto sw_r_ = (expr); !sw_r_) return sw_r_.error(); \
  } while (0)

Expected<void> Store::save_baseline(const Baseline& b) {
  Db& db = impl_->db;
  auto tx = Transaction::begin(db, "save baseline " + b.name);
  if (!tx) return tx.error();
  const std::string what = "save baseline " + b.name;
  {
    auto del = Statement::prepare(db, "DELETE FROM baselines WHERE name = ?1", what);
    if (!del) return del.error();
    SW_TRY(del->bind(1, b.name));
    SW_TRY(del->step());
  }
  int64_t id = 0;
  {
    auto st = Statement::prepare(db,
                                 "INSERT INTO baselines (name, created_us, updated_us, "
                                 "machine_id, hostname, boot_id, taken_us) VALUES "
                                 "(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                 what);
    if (!st) return st.error();
    const HostInfo& h = b.inventory.host;
    SW_TRY(st->bind(1, b.name));
    SW_TRY(st->bind(2, b.created_us));
    SW_TRY(st->bind(3, b.updated_us));
    SW_TRY(st->bind(4, h.machine_id));
    SW_TRY(st->bind(5, h.hostname));
    SW_TRY(st->bind(6, h.boot_id));
    SW_TRY(st->bind(7, h.taken_us));
    SW_TRY(st->step());
    id = db.last_insert_rowid();
  }
  {
    auto st = Statement::prepare(db,
                                 "INSERT INTO baseline_listeners (baseline_id, netns, proto, "
                                 "family, address, port, exposure, device, exe, uid, user, "
                                 "container) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                                 "?11, ?12)",
                                 what);
    if (!st) return st.error();
    for (const Listener& l : b.inventory.listeners) {
      SW_TRY(st->bind(1, id));
      SW_TRY(st->bind(2, l.netns));
      SW_TRY(st->bind(3, l.proto));
      SW_TRY(st->bind(4, static_cast<int64_t>(l.family)));
      SW_TRY(st->bind(5, l.address));
      SW_TRY(st->bind(6, static_cast<int64_t>(l.port)));
      SW_TRY(st->bind(7, std::string_view(exposure_text(l.exposure))));
      SW_TRY(st->bind(8, l.device));
      SW_TRY(st->bind(9, l.exe));
      SW_TRY(st->bind(10, opt_uid(l.uid)));
      SW_TRY(st->bind(11, l.user));
      SW_TRY(st->bind(12, l.container));
      SW_TRY(st->step());
      st->reset();
    }
  }
  {
    auto st = Statement::prepare(db,
                                 "INSERT INTO baseline_talkers (baseline_id, netns, proto, exe, "
                                 "uid, container, inbound, peer, port) VALUES (?1, ?2, ?3, ?4, "
                                 "?5, ?6, ?7, ?8, ?9)",
                                 what);
    if (!st) return st.error();
    for (const Talker& t : b.inventory.talkers) {
      SW_TRY(st->bind(1, id));
      SW_TRY(st->bind(2, t.netns));
      SW_TRY(st->bind(3, t.proto));
      SW_TRY(st->bind(4, t.exe));
      SW_TRY(st->bind(5, opt_uid(t.uid)));
      SW_TRY(st->bind(6, t.container));
      SW_TRY(st->bind(7, static_cast<int64_t>(t.inbound ? 1 : 0)));
      SW_TRY(st->bind(8, t.peer));
      SW_TRY(st->bind(9, static_cast<int64_t>(t.port)));
      SW_TRY(st->step());
      st->reset();
    }
  }
  return tx->commit();
}

Expected<std::optional<Baseline>> Store::load_baseline(const std::string& name) {
  Db& db = impl_->db;
  const std::string what = "load baseline " + name;
  // One read transaction: the three tables as of one commit, even while
  // another sockwatch replaces this baseline.
  if (auto r = db.exec("BEGIN", what); !r) return r.error();
  struct EndRead {
    Db& db;
    ~EndRead() { (void)db.exec("COMMIT", "load baseline"); }
  } end_read{db};

  Baseline b;
  int64_t id = 0;
  {
    auto st = Statement::prepare(db,
                                 "SELECT id, name, created_us, updated_us, machine_id, hostname, "
                                 "boot_id, taken_us FROM baselines WHERE name = ?1",
                                 what);
    if (!st) return st.error();
    SW_TRY(st->bind(1, name));
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Baseline>();
    id = st->column_int64(0);
    b.name = st->column_text(1);
    b.created_us = st->column_int64(2);
    b.updated_us = st->column_int64(3);
    b.inventory.host.machine_id = st->column_text(4);
    b.inventory.host.hostname = st->column_text(5);
    b.inventory.host.boot_id = st->column_text(6);
    b.inventory.host.taken_us = st->column_int64(7);
  }
  {
    auto st = Statement::prepare(db,
                                 "SELECT netns, proto, family, address, port, exposure, device, "
                                 "exe, uid, user, container FROM baseline_listeners WHERE "
                                 "baseline_id = ?1 ORDER BY rowid",
                                 what);
    if (!st) return st.error();
    SW_TRY(st->bind(1, id));
    for (;;) {
      auto row = st->step();
      if (!row) return row.error();
      if (!*row) break;
      Listener l;
      l.netns = st->column_text(0);
      l.proto = st->column_text(1);
      l.family = static_cast<uint8_t>(st->column_int64(2));
      l.address = st->column_text(3);
      l.port = static_cast<uint16_t>(st->column_int64(4));
      auto e = exposure_from(st->column_text(5));
      if (!e)
        return Error{db.path() + ": " + what + ": unknown exposure '" + st->column_text(5) + "'",
                     0};
      l.exposure = *e;
      l.device = st->column_text(6);
      l.exe = st->column_text(7);
      l.uid = uid_from(st->column_opt_int64(8));
      l.user = st->column_text(9);
      l.container = st->column_text(10);
      b.inventory.listeners.push_back(std::move(l));
    }
  }
  {
    auto st = Statement::prepare(db,
                                 "SELECT netns, proto, exe, uid, container, inbound, peer, port "
                                 "FROM baseline_talkers WHERE baseline_id = ?1 ORDER BY rowid",
                                 what);
    if (!st) return st.error();
    SW_TRY(st->bind(1, id));
    for (;;) {
      auto row = st->step();
      if (!row) return row.error();
      if (!*row) break;
      Talker t;
      t.netns = st->column_text(0);
      t.proto = st->column_text(1);
      t.exe = st->column_text(2);
      t.uid = uid_from(st->column_opt_int64(3));
      t.container = st->column_text(4);
      t.inbound = st->column_int64(5) != 0;
      t.peer = st->column_text(6);
      t.port = static_cast<uint16_t>(st->column_int64(7));
      b.inventory.talkers.push_back(std::move(t));
    }
  }
  return std::optional<Baseline>(std::move(b));
}

Expected<std::vector<BaselineSummary>> Store::list_baselines() {
  Db& db = impl_->db;
  auto st = Statement::prepare(db,
                               "SELECT name, created_us, updated_us, hostname, machine_id, "
                               "boot_id, (SELECT count(*) FROM baseline_listeners l WHERE "
                               "l.baseline_id = b.id), (SELECT count(*) FROM baseline_talkers t "
                               "WHERE t.baseline_id = b.id) FROM baselines b ORDER BY name",
                               "list baselines");
  if (!st) return st.error();
  std::vector<BaselineSummary> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    BaselineSummary s;
    s.name = st->column_text(0);
    s.created_us = st->column_int64(1);
    s.updated_us = st->column_int64(2);
    s.hostname = st->column_text(3);
    s.machine_id = st->column_text(4);
    s.boot_id = st->column_text(5);
    s.listeners = static_cast<uint64_t>(st->column_int64(6));
    s.talkers = static_cast<uint64_t>(st->column_int64(7));
    out.push_back(std::move(s));
  }
  return out;
}

Expected<bool> Store::delete_baseline(const std::string& name) {
  Db& db = impl_->db;
  const std::string what = "delete baseline " + name;
  auto st = Statement::prepare(db, "DELETE FROM baselines WHERE name = ?1", what);
  if (!st) return st.error();
  SW_TRY(st->bind(1, name));
  SW_TRY(st->step());  // its listeners and talkers go with it (ON DELETE CASCADE)
  return db.changes() > 0;
}

namespace {

Expected<void> bind_event(Statement& st, const SocketEvent& ev) {
  auto text = [&](int i, const std::string& s) { return st.bind(i, std::string_view(s)); };
  auto i64 = [&](int i, int64_t v) { return st.bind(i, v); };
  SW_TRY(i64(1, ev.ts_us));
  SW_TRY(st.bind(2, std::string_view(event_type_name(ev.type))));
  bool socket =
      ev.type == EventType::Open || ev.type == EventType::State || ev.type == EventType::Close;
  if (socket) {
    SW_TRY(text(3, ev.socket_id));
    SW_TRY(st.bind(4, table_netid(ev.table)));
    SW_TRY(i64(5, ev.family));
    SW_TRY(st.bind(6, state_name(ev.state)));
    if (ev.type == EventType::State) SW_TRY(st.bind(7, state_name(ev.old_state)));
    bool inet = ev.family == AF_INET || ev.family == AF_INET6;
    SW_TRY(text(8, inet ? addr_text(ev.local) : ev.unix_path));
    SW_TRY(i64(9, ev.lport));
    if (inet) SW_TRY(text(10, addr_text(ev.peer)));
    SW_TRY(i64(11, ev.rport));
    // The service port, as Talker counts it: ours for an accepted
    // connection, the peer's for one we opened; NULL when not known.
    if (ev.direction_known) SW_TRY(i64(12, ev.inbound ? ev.lport : ev.rport));
    SW_TRY(i64(13, static_cast<int64_t>(ev.netns)));
    SW_TRY(text(14, ev.netns_name));
    SW_TRY(i64(15, static_cast<int64_t>(ev.inode)));
    SW_TRY(i64(16, static_cast<int64_t>(ev.cookie)));
    if (ev.owner) {
      SW_TRY(i64(17, ev.owner->pid));
      SW_TRY(text(18, ev.owner->exe));
      SW_TRY(text(19, ev.owner->comm));
      SW_TRY(st.bind(20, opt_uid(ev.owner->uid)));
      SW_TRY(text(21, ev.owner->user));
    } else {
      SW_TRY(text(23, ev.owner_reason));
    }
    SW_TRY(text(22, ev.container));
    SW_TRY(st.bind(24, std::string_view(!ev.direction_known ? "unknown"
                                        : ev.inbound        ? "inbound"
                                                            : "outbound")));
    SW_TRY(i64(25, ev.opened_us));
    if (ev.counters) {
      SW_TRY(i64(26, static_cast<int64_t>(ev.counters->bytes_sent)));
      SW_TRY(i64(27, static_cast<int64_t>(ev.counters->bytes_acked)));
      SW_TRY(i64(28, static_cast<int64_t>(ev.counters->bytes_received)));
      SW_TRY(i64(29, ev.counters->segs_out));
      SW_TRY(i64(30, ev.counters->segs_in));
      SW_TRY(i64(31, ev.counters->retrans));
    }
  }
  SW_TRY(text(32, ev.source));
  if (ev.type == EventType::Overrun) SW_TRY(i64(33, static_cast<int64_t>(ev.lost)));
  if (!ev.what.empty()) SW_TRY(text(34, ev.what));
  return {};
}

}  // namespace

Expected<void> Store::append_events(const std::vector<SocketEvent>& events) {
  if (events.empty()) return {};
  Db& db = impl_->db;
  auto tx = Transaction::begin(db, "append events");
  if (!tx) return tx.error();
  Statement& st = impl_->insert_event;
  for (const SocketEvent& ev : events) {
    auto r = bind_event(st, ev);
    if (r) {
      auto s = st.step();
      if (!s) r = s.error();
    }
    st.reset();
    if (!r) return r.error();  // the transaction rolls back: none of this batch is kept
  }
  return tx->commit();
}

Expected<bool> Store::has_talked(const std::string& exe, const std::string& peer, uint16_t port) {
  for (Statement* st : {&impl_->talked_known, &impl_->talked_unknown}) {
    SW_TRY(st->bind(1, std::string_view(exe)));
    SW_TRY(st->bind(2, std::string_view(peer)));
    SW_TRY(st->bind(3, static_cast<int64_t>(port)));
    auto row = st->step();
    st->reset();
    if (!row) return row.error();
    if (*row) return true;
  }
  return false;
}

#undef SW_TRY

}  // namespace sw
