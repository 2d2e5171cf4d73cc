// TopApp: the interactive state of `sockwatch top` — which view, sort,
// filter, selection, prompts, confirmations, panes — and what keys and mouse
// clicks do to it. It owns the TopModel and TopView and renders a Frame of
// any size (top_layout.cpp). What needs the outside world (closing a socket,
// signalling a process, writing an export, inspecting a socket, changing what
// the engine collects) comes back from handle_key() as a Request for app/ to
// carry out; app/ reports the outcome with notify(). No I/O here: the fake
// terminal tests drive exactly this class.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "filter/filter.hpp"
#include "tui/frame.hpp"
#include "tui/terminal.hpp"
#include "tui/top_model.hpp"
#include "tui/top_view.hpp"

namespace sw::tui {

// Something the app must do for the user.
struct Request {
  enum class Kind : uint8_t {
    None,
    Quit,
    Destroy,   // SOCK_DESTROY `entry` (confirmed)
    Signal,    // kill(pid, signal) (confirmed)
    Export,    // write the current view as JSON to `path`
    Inspect,   // the details pane wants `entry` inspected
    Interval,  // the refresh interval changed to `interval_us`
    Collect,   // what the engine collects changed (families, all namespaces)
  };
  Kind kind = Kind::None;
  SnapEntry entry;
  int32_t pid = 0;
  uint64_t start_ticks = 0;  // Signal: the process's start time, so a reused pid is not hit
  int signal = 0;
  std::string path;
  int64_t interval_us = 0;
};

// One section of the details pane (the app fills it from an inspection).
struct PaneSection {
  std::string title;
  std::vector<std::pair<std::string, std::string>> fields;  // values already escaped
};

// What the engine collects; toggled by keys, carried out by the app.
struct CollectChoice {
  bool tcp = true, udp = true, raw = false, unix_sockets = false;
  bool all_netns = false;
};

struct TopAppOptions {
  TopModelOptions model;
  CollectChoice collect;
  int64_t interval_us = 1'000'000;
  bool color = true;
  bool numeric = true;         // addresses and ports as numbers (n toggles names)
  bool can_destroy = true;     // false: the status line says why not
  std::string cannot_destroy;  // why not (no CAP_NET_ADMIN, ...)
  FilterContext filter_ctx;
};

// A key binding, for the help screen and --help.
struct Binding {
  const char* keys;
  const char* what;
};
const std::vector<Binding>& bindings();

// Names for a row the layout prints when names are on (services, hosts).
class Names {
 public:
  virtual ~Names() = default;
  virtual std::string host(const IpAddr& a) = 0;            // "" while unknown (never blocks)
  virtual std::string service(uint16_t port, Table t) = 0;  // "" when none
};

// Untrusted text made safe for a terminal (control bytes as \ooo).
std::string escape_for_display(std::string_view s);

class TopApp {
 public:
  explicit TopApp(TopAppOptions opt);

  TopModel& model() { return model_; }
  const TopModel& model() const { return model_; }
  // After the model took a tick or a close: rebuild the rows (unless paused).
  void refresh();
  // One key or mouse event; a Request when the outside world must act.
  Request handle_key(const Key& k);
  // What the app learned doing a Request (shown on the status line).
  void notify(std::string message, bool error = false);
  // Lasting limitations, one line each ("owners of other users' processes: not root").
  void set_limitations(std::vector<std::string> lines) { limits_ = std::move(lines); }
  void set_details(std::vector<PaneSection> s, std::string error = {});
  void set_names(Names* n) { names_ = n; }
  // Labels of the watched namespaces (shown where a row has no container).
  void set_netns_labels(std::unordered_map<uint64_t, std::string> l) {
    netns_labels_ = std::move(l);
  }
  void set_interval_us(int64_t us) { opt_.interval_us = us; }

  Frame render(int width, int height);
  // Batch mode's text frame: the header, every row of the view and the status
  // line, handed to `out` a chunk at a time (false from `out` stops: false).
  bool write_batch(int width, const std::function<bool(std::string_view)>& out);
  // The rows of the current view in their order (export, batch JSON).
  const TopView& view() const { return view_; }
  const ViewOptions& view_options() const { return vo_; }
  bool details_open() const { return details_; }
  // The socket under the selection (nullopt for groups or nothing).
  std::optional<RowData> selected_row() const;
  const CollectChoice& collect() const { return opt_.collect; }
  bool numeric() const { return opt_.numeric; }
  // Sets the filter as if typed; false (and the error shown) when it does not parse.
  bool set_filter(const std::string& text);
  void set_text(const std::string& text);
  void set_view(ViewKind v);
  void set_sort(Col c, bool reverse);
  const std::optional<FilterError>& filter_error() const { return filter_error_; }

 private:
  enum class Prompt : uint8_t { None, Filter, Text, Export, Delay };
  enum class Confirm : uint8_t { None, Destroy, Signal };
  struct ColumnAt {
    int x0, x1;
    Col col;
  };

  Request key_normal(const Key& k);
  Request key_prompt(const Key& k);
  Request key_confirm(const Key& k);
  Request mouse(const Key& k);
  void move_selection(long delta);
  void select_index(size_t i);
  void follow_selection();
  void cycle_sort(int dir);
  Request ask_destroy();
  Request ask_signal(int sig);
  Request inspect_request();
  bool apply_filter_text(const std::string& text, bool final);
  std::vector<Col> columns() const;

  // Layout (top_layout.cpp).
  void draw_header(Frame& f, int& y);
  struct TableRows;
  struct ColumnPlan;
  TableRows table_rows(size_t first, size_t n);
  void measure(const std::vector<Col>& cols, const TableRows& t, std::vector<int>& natural);
  ColumnPlan plan_columns(const std::vector<Col>& cols, const std::vector<int>& measured,
                          int frame_width);
  void draw_titles(Frame& f, int y0, const ColumnPlan& p);
  void draw_table(Frame& f, int y0, int rows);
  void draw_rows(Frame& f, int y0, const ColumnPlan& p, const TableRows& t, size_t first);
  void draw_details(Frame& f, int y0, int rows);
  void draw_help(Frame& f);
  void draw_status(Frame& f, int y);
  std::string cell(const RowData& d, const RowRef& r, Col c);
  std::string group_cell(const GroupRow& g, Col c);

  TopAppOptions opt_;
  TopModel model_;
  TopView view_;
  ViewOptions vo_;
  Col sort_[kViewCount];
  bool reverse_[kViewCount] = {};
  Filter filter_;
  std::string filter_text_;
  uint32_t states_ = 0;  // from `state`/`exclude` words; 0: all
  std::optional<FilterError> filter_error_;
  std::unique_ptr<Reference> mark_;
  RowIdent sel_;
  size_t selected_ = 0, scroll_ = 0;
  int page_ = 10;  // rows on screen at the last render
  bool details_ = false, help_ = false;
  int help_scroll_ = 0;
  Prompt prompt_ = Prompt::None;
  std::string input_, saved_input_;
  Confirm confirm_ = Confirm::None;
  Request pending_;
  std::string confirm_text_;
  std::string message_;
  bool message_error_ = false;
  int64_t message_until_us_ = 0;
  std::vector<std::string> limits_;
  std::vector<PaneSection> pane_;
  std::string pane_error_;
  Names* names_ = nullptr;
  std::unordered_map<uint64_t, std::string> netns_labels_;
  std::vector<ColumnAt> header_cols_;
  int header_y_ = -1, rows_y_ = -1, rows_n_ = 0;
};

}  // namespace sw::tui
