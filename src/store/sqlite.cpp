#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace sw::sqlite {

namespace {

std::string join(const std::string& path, std::string_view what, std::string_view why) {
  std::string s = path;
  s += ": ";
  s += what;
  s += ": ";
  s += why;
  return s;
}

}  // namespace

Expected<Db> Db::open(const std::string& path, int flags) {
  Db d;
  d.path_ = path;
  int rc = sqlite3_open_v2(path.c_str(), &d.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    // A handle is returned even on failure (except out of memory): its
    // message says why; it must still be closed (the destructor does).
    if (!d.db_) return Error{join(path, "open", sqlite3_errstr(rc)), rc};
    return d.error("open", rc);
  }
  sqlite3_extended_result_codes(d.db_, 1);
  return d;
}

Db::Db(Db&& o) noexcept : db_(std::exchange(o.db_, nullptr)), path_(std::move(o.path_)) {}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    close();
    db_ = std::exchange(o.db_, nullptr);
    path_ = std::move(o.path_);
  }
  return *this;
}

Db::~Db() { close(); }

void Db::close() {
  // sqlite3_close_v2 defers the close until unfinalized statements go; ours
  // are finalized first by their owners, so this frees everything.
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Expected<void> Db::exec(std::string_view sql, std::string_view what) {
  std::string copy(sql);
  int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(what, rc);
  return {};
}

void Db::set_busy_timeout(int ms) { sqlite3_busy_timeout(db_, ms); }

int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int Db::changes() const { return sqlite3_changes(db_); }

Error Db::error(std::string_view what, int rc) const {
  std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  // The two failures an admin must act on get a plain word first; SQLite's
  // own text ("database or disk is full", "disk I/O error") follows, and for
  // I/O errors the system call's errno, which says which device failed how.
  if (primary == SQLITE_FULL) {
    why = "the disk is full (" + why + ")";
  } else if (primary == SQLITE_IOERR && db_) {
    int e = sqlite3_system_errno(db_);
    if (e == ENOSPC)
      why = "the disk is full (" + why + ": " + std::strerror(e) + ")";
    else if (e != 0)
      why += std::string(": ") + std::strerror(e);
  }
  return Error{join(path_, what, why), rc};
}

Expected<Statement> Statement::prepare(Db& db, std::string_view sql, std::string_view what) {
  Statement s;
  s.db_ = &db;
  s.what_ = what;
  int rc =
      sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &s.stmt_, nullptr);
  if (rc != SQLITE_OK) return db.error(what, rc);
  return s;
}

Statement::Statement(Statement&& o) noexcept
    : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)), what_(std::move(o.what_)) {}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = std::exchange(o.stmt_, nullptr);
    what_ = std::move(o.what_);
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Expected<void> Statement::check_bind(int rc, int index) {
  if (rc == SQLITE_OK) return {};
  return db_->error(what_ + " (parameter " + std::to_string(index) + ")", rc);
}

Expected<void> Statement::bind(int index, int64_t v) {
  return check_bind(sqlite3_bind_int64(stmt_, index, v), index);
}

Expected<void> Statement::bind(int index, std::string_view v) {
  // Raw bytes go in as they are (process names need not be UTF-8): text
  // with an explicit length, copied by SQLite.
  return check_bind(
      sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
}

Expected<void> Statement::bind(int index, const std::optional<int64_t>& v) {
  return v ? bind(index, *v) : bind_null(index);
}

Expected<void> Statement::bind_null(int index) {
  return check_bind(sqlite3_bind_null(stmt_, index), index);
}

Expected<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(what_, rc);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

int64_t Statement::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::column_text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::optional<int64_t> Statement::column_opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_int64(col);
}

Expected<Transaction> Transaction::begin(Db& db, std::string_view what) {
  Transaction t(db, std::string(what));
  if (auto r = db.exec("BEGIN IMMEDIATE", t.what_); !r) return r.error();
  t.open_ = true;
  return t;
}

Transaction::Transaction(Transaction&& o) noexcept
    : db_(o.db_), what_(std::move(o.what_)), open_(std::exchange(o.open_, false)) {}

Transaction::~Transaction() { rollback(); }

Expected<void> Transaction::commit() {
  if (!open_) return Error{db_->path() + ": " + what_ + ": no open transaction", 0};
  int rc = sqlite3_exec(db_->handle(), "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    Error e = db_->error(what_, rc);
    // A failed COMMIT may leave the transaction open (SQLITE_BUSY) or already
    // rolled back (SQLITE_FULL, IOERR): either way nothing of it is kept.
    rollback();
    return e;
  }
  open_ = false;
  return {};
}

void Transaction::rollback() {
  if (!open_) return;
  open_ = false;
  if (!sqlite3_get_autocommit(db_->handle()))
    sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace sw::sqlite
