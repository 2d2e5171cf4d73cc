// Store: sockwatch's one SQLite database (Debian's libsqlite3 through the
// small RAII wrapper in sqlite.hpp): baselines (what listens, who talks, with
// host id, boot id and time) and the events `log --db` appends. WAL mode,
// numbered schema migrations, one transaction per baseline or per batch of
// events, a busy timeout so two writers both succeed. A kill mid-write loses
// nothing already committed. Errors are values naming the file and SQLite's
// reason. Prints nothing; the path is chosen by app/ (default_db_path there).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "core/socket_event.hpp"
#include "ir/inventory.hpp"

namespace sw {

struct Baseline {
  std::string name;
  int64_t created_us = 0;
  int64_t updated_us = 0;  // last accept
  Inventory inventory;     // host = where and when it was taken
};

struct BaselineSummary {
  std::string name;
  int64_t created_us = 0, updated_us = 0;
  std::string hostname, machine_id, boot_id;
  uint64_t listeners = 0, talkers = 0;
};

class Store {
 public:
  // Opens (creating the file and its directory, mode 0700/0600) and migrates.
  static Expected<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();

  // Replaces the baseline of that name, in one transaction.
  Expected<void> save_baseline(const Baseline& b);
  Expected<std::optional<Baseline>> load_baseline(const std::string& name);
  Expected<std::vector<BaselineSummary>> list_baselines();
  Expected<bool> delete_baseline(const std::string& name);  // false: no such baseline

  // log --db: one transaction per call (one tick's events).
  Expected<void> append_events(const std::vector<SocketEvent>& events);
  // Has `exe` ever talked to `peer` on service port `port` in the log store?
  Expected<bool> has_talked(const std::string& exe, const std::string& peer, uint16_t port);

  const std::string& path() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sw
