// sqlite: a small RAII wrapper of our own over Debian's libsqlite3 — a
// connection (Db), a prepared statement (Statement) and a write transaction
// (Transaction). It owns the handles and turns SQLite's result codes into
// Errors ("PATH: what: SQLite's reason"); it knows nothing of sockwatch's
// schema (store.cpp) and never prints. No ORM: callers write SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace sw::sqlite {

class Db {
 public:
  // `flags`: SQLITE_OPEN_* (READWRITE | CREATE ...). The connection uses
  // extended result codes so a disk-full or I/O error is told apart.
  static Expected<Db> open(const std::string& path, int flags);
  Db() = default;
  Db(Db&& o) noexcept;
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();
  void close();

  // Runs one or more statements that return no rows of interest.
  Expected<void> exec(std::string_view sql, std::string_view what);
  void set_busy_timeout(int ms);
  int64_t last_insert_rowid() const;
  int changes() const;

  // "PATH: what: SQLite's message" for the connection's last error, with
  // `rc` (a result code) in Error::code.
  Error error(std::string_view what, int rc) const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  static Expected<Statement> prepare(Db& db, std::string_view sql, std::string_view what);
  Statement() = default;
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are numbered from 1, as in SQL's ?NNN. Text is copied.
  Expected<void> bind(int index, int64_t v);
  Expected<void> bind(int index, std::string_view v);
  Expected<void> bind(int index, const std::optional<int64_t>& v);  // nullopt: NULL
  Expected<void> bind_null(int index);
  // True: a row is ready for the column getters; false: done.
  Expected<bool> step();
  // Ready to step again with new bindings (old bindings are cleared).
  void reset();

  // Columns are numbered from 0.
  bool is_null(int col) const;
  int64_t column_int64(int col) const;
  std::string column_text(int col) const;  // "" for NULL
  std::optional<int64_t> column_opt_int64(int col) const;

 private:
  Expected<void> check_bind(int rc, int index);
  Db* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string what_;
};

// BEGIN IMMEDIATE at construction (begin()): the write lock is taken up front,
// so a second writer waits on the busy timeout instead of failing on upgrade.
// Rolled back on destruction unless commit() succeeded.
class Transaction {
 public:
  static Expected<Transaction> begin(Db& db, std::string_view what);
  Transaction(Transaction&& o) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Expected<void> commit();
  void rollback();

 private:
  explicit Transaction(Db& db, std::string what) : db_(&db), what_(std::move(what)) {}
  Db* db_ = nullptr;
  std::string what_;
  bool open_ = false;
};

}  // namespace sw::sqlite
