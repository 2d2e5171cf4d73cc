// TopView: the ordered list of rows the screen shows, built from a TopModel
// and the user's choices (view, families, filter, free text, sort, frozen
// order, marks). Rows are references into the model's generation (no copies:
// 100,000 sockets re-filter in a few ms); the grouped views (by process, by
// remote host) aggregate into rows of their own. Only the visible rows are
// ever formatted (top_layout). Pure: no I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "filter/filter.hpp"
#include "tui/top_model.hpp"

namespace sw::tui {

enum class ViewKind : uint8_t { Connections, Listeners, Processes, Remotes };
inline constexpr int kViewCount = 4;
const char* view_name(ViewKind v);

// Every column any view shows; a view lists the ones it uses.
enum class Col : uint8_t {
  Proto,
  State,
  Local,
  Remote,
  Process,
  User,
  Container,
  RxRate,
  TxRate,
  RxTotal,
  TxTotal,
  Rtt,
  Retrans,
  RecvQ,
  SendQ,
  Age,
  // listeners
  Scope,
  Accept,
  // groups
  Name,
  Sockets,
  Estab,
  Listen,
  TimeWait,
  SynSent,
  CloseWait,
  Other,
  Count
};
const char* col_title(Col c);

// One row of the socket views: a live entry of the shown generation, or a
// lingering closed row.
struct RowRef {
  uint32_t index = 0;
  bool closed = false;
  bool flagged = false;  // not in the reference (marks / baseline)
};

// One row of a grouped view.
struct GroupRow {
  std::string key;    // identity (selection follows it)
  std::string label;  // escaped display text
  int32_t pid = 0;    // by process: the pid (0: unknown owner)
  std::string user, container;
  uint32_t sockets = 0;
  uint32_t by_state[16] = {};
  double rx_bps = 0, tx_bps = 0;
  uint64_t rx_bytes = 0, tx_bytes = 0;
  bool flagged = false;
};

// The socket a row shows, whichever store it is in.
struct RowData {
  const SnapEntry* e = nullptr;
  const RowState* st = nullptr;
  const ClosedRow* closed = nullptr;  // set for lingering rows
};
RowData row_data(const TopModel& m, const RowRef& r);

// "What is known" to compare against: a mark taken in top, or (later) an
// incident-response baseline. Rows it does not know are flagged.
class Reference {
 public:
  virtual ~Reference() = default;
  virtual std::string name() const = 0;
  virtual bool knows(const SnapEntry& e, const RowState& st) const = 0;
};

// A mark: the listeners (protocol, bind address, port, program), the peers
// each program talks to and the programs present at the time it was taken.
// Identities never use pids, inodes or ephemeral ports, so restarts match.
class MarkReference : public Reference {
 public:
  MarkReference(const TopModel& m, int64_t at_us);
  std::string name() const override;
  bool knows(const SnapEntry& e, const RowState& st) const override;

 private:
  static std::string program(const RowState& st);
  static std::string listener_id(const SnapEntry& e, const RowState& st);
  static std::string peer_id(const SnapEntry& e, const RowState& st);
  std::unordered_set<std::string> listeners_, peers_, programs_;
  int64_t at_us_;
};

struct ViewOptions {
  ViewKind kind = ViewKind::Connections;
  Col sort = Col::RxRate;
  bool reverse = false;  // ascending instead of each column's natural order
  bool frozen = false;   // keep the current order; new rows go to the end
  const Filter* filter = nullptr;
  std::string text;  // free text: process, pid, user, address, container (case-insensitive)
  bool tcp = true, udp = true, raw = true, unix_sockets = false, other = false;
  bool listening = true;  // connections view: include listeners
  bool show_closed = true;
  uint32_t states = 0;  // TcpState bits from `state`/`exclude` words; 0: every state
  const Reference* reference = nullptr;
  bool only_new = false;  // only rows the reference does not know
};

// Whether a row's table falls in the families the options show.
bool table_shown(const ViewOptions& o, Table t);
bool is_listener(const SnapEntry& e);

// What the selection follows: a socket (live, or its lingering closed row)
// or a group.
struct RowIdent {
  bool valid = false;
  SocketKey key;
  bool closed = false;
  std::string group;
  bool operator==(const RowIdent&) const = default;
};

class TopView {
 public:
  // Rebuilds the rows (filter, text, sort or the frozen order). The order is
  // found lazily: a screen needs only its window of ranks (nth_element, O(n)),
  // so a tick or a keystroke at 100,000 rows never sorts them all.
  void rebuild(const TopModel& m, const ViewOptions& o);
  // Every row in order (export, batch frames): sorts them all once.
  const std::vector<RowRef>& rows() const;
  // Ranks [first, first + n) in order (cut at the end).
  std::vector<RowRef> window(size_t first, size_t n) const;
  // The row at one rank.
  RowRef at(size_t rank) const;
  const std::vector<GroupRow>& groups() const { return groups_; }
  size_t size() const { return groups_mode_ ? groups_.size() : rows_.size(); }
  bool grouped() const { return groups_mode_; }
  // Identity of row i (invalid out of range): what the selection follows.
  RowIdent ident_at(const TopModel& m, size_t i) const;
  std::optional<size_t> find(const TopModel& m, const RowIdent& id) const;

 private:
  void build_groups(const TopModel& m, const ViewOptions& o, const std::vector<RowRef>& base);
  bool less(const RowRef& a, const RowRef& b) const;
  // Unordered but for what was asked: all of it (sorted_) or one window.
  mutable std::vector<RowRef> rows_;
  mutable bool sorted_ = false;
  mutable size_t win_first_ = 0, win_last_ = 0;
  const TopModel* m_ = nullptr;
  Col sort_ = Col::RxRate;
  bool rev_ = false;
  std::vector<GroupRow> groups_;
  bool groups_mode_ = false;
  // The frozen order: identity -> rank (live and closed rows apart).
  std::unordered_map<SocketKey, size_t, SocketKeyHash> frozen_live_, frozen_closed_;
  bool was_frozen_ = false;
};

// Case-insensitive free-text match of one row.
bool text_matches(const RowData& d, const std::string& lowered_text);

// Bind scope of a listener: "wildcard", "loopback", "specific", "device".
const char* bind_scope(const SnapEntry& e);

}  // namespace sw::tui
