// TopApp's pure layout: model + interactive state -> Frame of any size.
// Columns drop by priority to fit (never wrap); widths follow what the
// visible rows hold; only the rows on screen are formatted.
#include <fmt/format.h>

#include <algorithm>

#include "core/escape.hpp"
#include "tui/top_app.hpp"
#include "tui/top_format.hpp"

namespace sw::tui {

std::string escape_for_display(std::string_view s) {
  std::string out;
  append_escaped(out, s);
  return out;
}

namespace {

struct ColSpec {
  Col col;
  int min, max;
  int priority;  // lower stays longer
  bool right;    // numbers align right
};

ColSpec spec_of(Col c) {
  switch (c) {
    case Col::Proto:
      return {c, 5, 6, 0, false};
    case Col::State:
      return {c, 11, 11, 0, false};
    case Col::Local:
      return {c, 13, 47, 0, false};
    case Col::Remote:
      return {c, 13, 47, 0, false};
    case Col::Process:
      return {c, 10, 28, 1, false};
    case Col::RxRate:
      return {c, 6, 8, 1, true};
    case Col::TxRate:
      return {c, 6, 8, 1, true};
    case Col::Age:
      return {c, 4, 5, 2, true};
    case Col::Rtt:
      return {c, 5, 7, 3, true};
    case Col::RxTotal:
      return {c, 5, 7, 4, true};
    case Col::TxTotal:
      return {c, 5, 7, 4, true};
    case Col::Retrans:
      return {c, 4, 6, 5, true};
    case Col::User:
      return {c, 4, 12, 5, false};
    case Col::RecvQ:
      return {c, 6, 8, 6, true};
    case Col::SendQ:
      return {c, 6, 8, 6, true};
    case Col::Container:
      return {c, 9, 20, 7, false};
    case Col::Scope:
      return {c, 8, 8, 1, false};
    case Col::Accept:
      return {c, 8, 16, 1, true};
    case Col::Name:
      return {c, 10, 30, 0, false};
    case Col::Sockets:
      return {c, 7, 8, 0, true};
    case Col::Estab:
      return {c, 5, 7, 1, true};
    case Col::Listen:
      return {c, 6, 7, 3, true};
    case Col::TimeWait:
      return {c, 8, 8, 1, true};
    case Col::SynSent:
      return {c, 7, 7, 2, true};
    case Col::CloseWait:
      return {c, 9, 9, 2, true};
    case Col::Other:
      return {c, 5, 6, 4, true};
    default:
      return {c, 4, 10, 9, false};
  }
}

// Eighths of a block: the sparkline's bars.
const char* const kBars[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                             "\u2585", "\u2586", "\u2587", "\u2588"};

std::string sparkline(const std::deque<double>& rx, const std::deque<double>& tx, size_t n) {
  std::vector<double> v;
  size_t total = std::min(rx.size(), tx.size());
  for (size_t i = total > n ? total - n : 0; i < total; ++i) v.push_back(rx[i] + tx[i]);
  double mx = 0;
  for (double x : v) mx = std::max(mx, x);
  std::string out;
  for (double x : v) out += kBars[mx > 0 ? std::min(7, static_cast<int>(x / mx * 7.999)) : 0];
  return out;
}

Attr mark_attr(Mark m, bool color) {
  Attr a;
  if (!color) {
    if (m == Mark::New) a.bold = true;
    if (m == Mark::Changed) a.underline = true;
    if (m == Mark::Closed) a.dim = true;
    return a;
  }
  if (m == Mark::New) a.fg = Color::Green;
  if (m == Mark::Changed) a.fg = Color::Yellow;
  if (m == Mark::Closed) a.fg = Color::Red;
  return a;
}

// Right-aligned or left-aligned in `w` columns (the text already fits).
void put_cell(Frame& f, int y, int x, int w, const std::string& s, bool right, Attr a) {
  std::string_view t = fit_width(s, w);
  int tw = display_width(t);
  f.put(y, right ? x + w - tw : x, t, a);
}

// A cell cut to width with the cut shown: "…" at the end (or at the start
// for addresses, whose port is what matters most).
std::string cut(const std::string& s, int w, bool keep_end) {
  if (display_width(s) <= w) return s;
  if (w <= 1) return std::string(fit_width(s, w));
  if (!keep_end) return std::string(fit_width(s, w - 1)) + "\u2026";
  // Keep the tail: drop code points from the front until it fits.
  size_t i = 0;
  while (i < s.size() && display_width(std::string_view(s).substr(i)) > w - 1) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) ++i;
  }
  return "\u2026" + s.substr(i);
}

}  // namespace

std::string TopApp::cell(const RowData& d, const RowRef& r, Col c) {
  (void)r;
  const SnapEntry& e = *d.e;
  const RowState& st = *d.st;
  const OwnerInfo* o = st.owner.get();
  auto endpoint = [&](const IpAddr& a, uint16_t port, bool remote) {
    if (!e.is_inet()) {
      if (!remote && e.unix_path) return escape_for_display(*e.unix_path);
      return std::string(remote ? "*" : (e.inode ? fmt::format("ino:{}", e.inode) : "*"));
    }
    std::string host, svc;
    if (!opt_.numeric && names_) {
      if (!a.is_any()) host = names_->host(a);
      if (port) svc = names_->service(port, e.table);
    }
    if (host.empty()) return endpoint_text(a, port, svc);
    return escape_for_display(host) + ":" + (svc.empty() ? std::to_string(port) : svc);
  };
  switch (c) {
    case Col::Proto:
      return proto_text(static_cast<int>(e.table), e.family);
    case Col::State:
      if (d.closed) return d.closed->short_lived ? "SHORT-LIVED" : "CLOSED";
      return state_text(e.state);
    case Col::Local:
      return endpoint(e.local, e.lport, false);
    case Col::Remote:
      return endpoint(e.peer, e.rport, true);
    case Col::Process:
      if (!o) return e.state == kTimeWait || e.state == kSynRecv ? "(kernel)" : "-";
      return escape_for_display(o->comm) + "/" + std::to_string(o->pid);
    case Col::User:
      if (o && !o->user.empty()) return escape_for_display(o->user);
      if (o && o->uid) return std::to_string(*o->uid);
      return e.is_inet() ? std::to_string(e.uid) : "";
    case Col::Container:
      if (o && !o->container.empty()) return escape_for_display(o->container);
      // Not a container's process: the namespace, when it has a name.
      if (auto it = netns_labels_.find(e.key.netns);
          it != netns_labels_.end() && !it->second.empty())
        return "netns:" + escape_for_display(it->second);
      return "";
    case Col::RxRate:
      return rate_text(st.rx_bps);
    case Col::TxRate:
      return rate_text(st.tx_bps);
    case Col::RxTotal:
      return e.has_counters ? bytes_text(static_cast<double>(e.counters.bytes_received)) : "";
    case Col::TxTotal:
      return e.has_counters ? bytes_text(static_cast<double>(e.counters.bytes_acked)) : "";
    case Col::Rtt:
      return rtt_text(e.rtt_us);
    case Col::Retrans:
      return e.has_counters ? std::to_string(e.counters.retrans) : "";
    case Col::RecvQ:
      return std::to_string(e.rqueue);
    case Col::SendQ:
      return std::to_string(e.wqueue);
    case Col::Age: {
      int64_t end = d.closed ? d.closed->closed_us : model_.shown().at_us;
      if (!st.opened_us) return "";
      // There before top's first look: its real age is at least this.
      return (st.preexisting ? ">" : "") + age_text(end - st.opened_us);
    }
    case Col::Scope:
      return bind_scope(e);
    case Col::Accept:
      if (e.state != kListen) return "";
      return fmt::format("{}/{}", e.rqueue, e.wqueue);
    default:
      return "";
  }
}

std::string TopApp::group_cell(const GroupRow& g, Col c) {
  switch (c) {
    case Col::Process:
    case Col::Name:
      return g.pid ? g.label + "/" + std::to_string(g.pid) : g.label;
    case Col::Remote:
      return g.label;
    case Col::User:
      return g.user;
    case Col::Container:
      return g.container;
    case Col::Sockets:
      return std::to_string(g.sockets);
    case Col::Estab:
      return std::to_string(g.by_state[kEstablished]);
    case Col::Listen:
      return std::to_string(g.by_state[kListen]);
    case Col::TimeWait:
      return std::to_string(g.by_state[kTimeWait]);
    case Col::SynSent:
      return std::to_string(g.by_state[kSynSent]);
    case Col::CloseWait:
      return std::to_string(g.by_state[kCloseWait]);
    case Col::Other: {
      uint32_t n = g.sockets;
      for (int s : {kEstablished, kListen, kTimeWait, kSynSent, kCloseWait}) n -= g.by_state[s];
      return std::to_string(n);
    }
    case Col::RxRate:
      return bytes_text(g.rx_bps);
    case Col::TxRate:
      return bytes_text(g.tx_bps);
    case Col::RxTotal:
      return bytes_text(static_cast<double>(g.rx_bytes));
    case Col::TxTotal:
      return bytes_text(static_cast<double>(g.tx_bytes));
    default:
      return "";
  }
}

void TopApp::draw_header(Frame& f, int& y) {
  Totals t = model_.totals();
  // Always the three states people watch; the others when they have sockets.
  std::string l1 =
      fmt::format("sockwatch top  {} sockets  ESTAB {}  LISTEN {}  TIME-WAIT {}", t.sockets,
                  t.by_state[kEstablished], t.by_state[kListen], t.by_state[kTimeWait]);
  for (int s : {kSynSent, kSynRecv, kCloseWait, kFinWait1, kFinWait2, kLastAck, kClosing, kClose})
    if (t.by_state[s])
      l1 += fmt::format("  {} {}", s == kClose ? "UNCONN" : state_text(s), t.by_state[s]);
  l1 += fmt::format("  closed {}", t.closed_recently);
  if (t.short_lived) l1 += fmt::format(" ({} short-lived)", t.short_lived);
  Attr bold;
  bold.bold = true;
  f.put(y++, 0, l1, bold);

  std::string l2 =
      fmt::format("RX {}/s  TX {}/s (payload) ", bytes_text(t.rx_bps), bytes_text(t.tx_bps));
  f.put(y, 0, l2);
  int x = display_width(l2);
  std::string spark = sparkline(model_.history_rx(), model_.history_tx(), 20);
  Attr sp;
  if (opt_.color) sp.fg = Color::Cyan;
  f.put(y, x, spark, sp);
  x += display_width(spark) + 2;
  int v = static_cast<int>(vo_.kind);
  std::string l3 = fmt::format("view {}:{}  sort {}{}", v + 1, view_name(vo_.kind),
                               col_title(sort_[v]), reverse_[v] ? " (rev)" : "");
  if (!filter_text_.empty()) l3 += "  filter: " + escape_for_display(filter_text_);
  if (!vo_.text.empty()) l3 += "  search: " + escape_for_display(vo_.text);
  if (vo_.frozen) l3 += "  [FROZEN]";
  if (mark_) l3 += vo_.only_new ? "  [NEW SINCE MARK]" : "  [MARKED]";
  if (opt_.collect.all_netns) l3 += "  [ALL NETNS]";
  f.put(y, x, l3);
  if (model_.paused()) {
    Attr p;
    p.reverse = true;
    p.bold = true;
    const char* kPaused = " PAUSED ";
    f.put(y, std::max(0, f.width - 8), kPaused, p);
  }
  ++y;
}

// The visible rows of a table, already as text, with how each is drawn.
struct TopApp::TableRows {
  std::vector<std::vector<std::string>> text;  // [row][column of columns()]
  std::vector<Attr> attr;
  std::vector<std::string> gutter;  // "", "+" or "!"
  std::vector<Attr> gutter_attr;
  std::vector<bool> keep_end;  // per column: cut at the start (addresses)
};

// Which columns fit and how wide, from the widest text each column holds.
struct TopApp::ColumnPlan {
  std::vector<ColSpec> specs;
  std::vector<size_t> index;  // specs[i] is the column index[i] of columns()
  std::vector<int> width;
};

TopApp::TableRows TopApp::table_rows(size_t first, size_t n) {
  std::vector<Col> cols = columns();
  size_t last = std::min(view_.size(), first + n);
  TableRows t;
  for (Col c : cols) t.keep_end.push_back(c == Col::Local || c == Col::Remote);
  if (view_.grouped()) {
    for (size_t i = first; i < last; ++i) {
      const GroupRow& g = view_.groups()[i];
      std::vector<std::string> row;
      for (Col c : cols) row.push_back(group_cell(g, c));
      t.text.push_back(std::move(row));
      t.attr.push_back({});
      t.gutter.push_back(g.flagged ? "+" : "");
      t.gutter_attr.push_back({});
    }
    return t;
  }
  // Texts of these rows only.
  for (const RowRef& r : view_.window(first, last - std::min(first, last))) {
    RowData d = row_data(model_, r);
    std::vector<std::string> row;
    for (Col c : cols) row.push_back(cell(d, r, c));
    t.text.push_back(std::move(row));
    t.attr.push_back(mark_attr(d.st->mark, opt_.color));
    // The gutter: '+' not in the reference (new since the mark), '!' an
    // accept queue at least 80% full.
    bool full = d.e->state == kListen && d.e->wqueue && d.e->rqueue * 5 >= d.e->wqueue * 4;
    t.gutter.push_back(full ? "!" : (r.flagged ? "+" : ""));
    Attr g;
    if (opt_.color && full) g.fg = Color::Magenta;
    t.gutter_attr.push_back(g);
  }
  return t;
}

void TopApp::draw_table(Frame& f, int y0, int rows) {
  std::vector<Col> cols = columns();
  int body = std::max(0, rows - 1);
  page_ = std::max(1, body);
  follow_selection();
  size_t first = scroll_;
  TableRows t = table_rows(first, static_cast<size_t>(body));
  std::vector<int> natural;
  measure(cols, t, natural);
  ColumnPlan plan = plan_columns(cols, natural, f.width);
  draw_titles(f, y0, plan);
  draw_rows(f, y0 + 1, plan, t, first);
  rows_y_ = y0 + 1;
  rows_n_ = static_cast<int>(t.text.size());
  if (view_.size() == 0) {
    Attr dim;
    dim.dim = true;
    const char* none = view_.grouped() ? "nothing to group" : "no sockets match";
    f.put(y0 + 1, 1, model_.ticks() ? none : "collecting...", dim);
  }
}

bool TopApp::write_batch(int width, const std::function<bool(std::string_view)>& out) {
  // Every row of the view, a chunk at a time: column widths from a first
  // pass over all of them, then the rows formatted again chunk by chunk, so
  // a 100,000-row frame never exists whole (as Frame spans it would be ~1 KB
  // a row).
  constexpr size_t kChunk = 1024;
  width = std::max(width, 40);
  std::vector<Col> cols = columns();
  if (!view_.grouped()) view_.rows();  // the whole order once; chunks read it in place
  size_t n = view_.size();
  std::vector<int> natural;
  for (size_t i = 0; i < n; i += kChunk) measure(cols, table_rows(i, kChunk), natural);
  if (natural.empty())
    for (Col c : cols) natural.push_back(display_width(col_title(c)));
  ColumnPlan plan = plan_columns(cols, natural, width);
  Frame head(width, 3);
  int y = 0;
  draw_header(head, y);
  draw_titles(head, y, plan);
  if (!out(head.to_text())) return false;
  for (size_t i = 0; i < n; i += kChunk) {
    TableRows t = table_rows(i, kChunk);
    Frame f(width, static_cast<int>(t.text.size()));
    draw_rows(f, 0, plan, t, i);
    if (!out(f.to_text())) return false;
  }
  Frame status(width, 1);
  draw_status(status, 0);
  return out(status.to_text());
}

// The widest cell of each column over `t` (folded into `natural`).
void TopApp::measure(const std::vector<Col>& cols, const TableRows& t, std::vector<int>& natural) {
  if (natural.empty())
    for (Col c : cols) natural.push_back(display_width(col_title(c)));
  for (const auto& row : t.text)
    for (size_t i = 0; i < cols.size(); ++i)
      natural[i] = std::max(natural[i], display_width(row[i]));
}

TopApp::ColumnPlan TopApp::plan_columns(const std::vector<Col>& cols,
                                        const std::vector<int>& measured, int frame_width) {
  ColumnPlan p;
  std::vector<ColSpec>& specs = p.specs;
  std::vector<size_t>& index = p.index;
  // Fit: drop the least important columns until the minimum widths fit.
  for (Col c : cols) specs.push_back(spec_of(c));
  // A grouped view's first column names the group: it stays, and wider.
  if (view_.grouped() && !specs.empty())
    specs[0].priority = 0, specs[0].min = 12, specs[0].max = 40;
  for (size_t i = 0; i < cols.size(); ++i) index.push_back(i);
  std::vector<int> natural;
  for (size_t i = 0; i < specs.size(); ++i)
    natural.push_back(std::clamp(measured[i], specs[i].min, specs[i].max));
  auto need = [&] {
    int n = 1;  // the gutter
    for (const ColSpec& s : specs) n += s.min + 1;
    return n;
  };
  auto drop_worst = [&] {
    auto worst = std::max_element(
        specs.begin(), specs.end(),
        [](const ColSpec& a, const ColSpec& b) { return a.priority < b.priority; });
    size_t wi = static_cast<size_t>(worst - specs.begin());
    specs.erase(worst);
    natural.erase(natural.begin() + static_cast<long>(wi));
    index.erase(index.begin() + static_cast<long>(wi));
  };
  while (need() > frame_width && specs.size() > 1) drop_worst();
  // The columns that say what a row is (addresses, process) get their
  // natural width before the detail columns (priority 4 and up) keep theirs.
  for (;;) {
    int short_by = 0;
    for (size_t i = 0; i < specs.size(); ++i)
      if (specs[i].priority <= 1) short_by += natural[i] - specs[i].min;
    if (short_by <= frame_width - need() || specs.size() <= 1) break;
    auto worst = std::max_element(
        specs.begin(), specs.end(),
        [](const ColSpec& a, const ColSpec& b) { return a.priority < b.priority; });
    if (worst->priority < 4) break;
    drop_worst();
  }
  for (const ColSpec& s : specs) p.width.push_back(s.min);
  int spare = frame_width - need();
  // Grow toward the natural widths, in column order; what is left stays blank
  // at the right rather than stretching a column.
  for (size_t i = 0; i < specs.size() && spare > 0; ++i) {
    int give = std::min(natural[i] - p.width[i], spare);
    if (give > 0) p.width[i] += give, spare -= give;
  }
  return p;
}

void TopApp::draw_titles(Frame& f, int y0, const ColumnPlan& p) {
  const std::vector<ColSpec>& specs = p.specs;
  const std::vector<int>& width = p.width;
  header_cols_.clear();
  Attr head;
  head.reverse = true;
  head.bold = true;
  f.lines[static_cast<size_t>(y0)].fill = true;
  f.lines[static_cast<size_t>(y0)].fill_attr = head;
  int x = 1;
  int v = static_cast<int>(vo_.kind);
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string title = col_title(specs[i].col);
    if (specs[i].col == sort_[v]) title += reverse_[v] ? "\u25b2" : "\u25bc";
    put_cell(f, y0, x, width[i], title, specs[i].right, head);
    header_cols_.push_back({x, x + width[i] + 1, specs[i].col});
    x += width[i] + 1;
  }
  header_y_ = y0;
}

void TopApp::draw_rows(Frame& f, int y0, const ColumnPlan& p, const TableRows& t, size_t first) {
  const std::vector<ColSpec>& specs = p.specs;
  const std::vector<size_t>& index = p.index;
  const std::vector<int>& width = p.width;
  int x = 1;
  for (size_t r = 0; r < t.text.size(); ++r) {
    int y = y0 + static_cast<int>(r);
    Attr a = t.attr[r];
    if (first + r == selected_) {
      a.reverse = true;
      f.lines[static_cast<size_t>(y)].fill = true;
      f.lines[static_cast<size_t>(y)].fill_attr = a;
    }
    if (!t.gutter[r].empty()) {
      Attr g = a;
      g.bold = true;
      if (t.gutter_attr[r].fg != Color::Default) g.fg = t.gutter_attr[r].fg;
      f.put(y, 0, t.gutter[r], g);
    }
    x = 1;
    for (size_t k = 0; k < specs.size(); ++k) {
      size_t ci = index[k];
      put_cell(f, y, x, width[k], cut(t.text[r][ci], width[k], t.keep_end[ci]), specs[k].right, a);
      x += width[k] + 1;
    }
  }
}

void TopApp::draw_details(Frame& f, int y0, int rows) {
  if (rows <= 0) return;
  Attr head;
  head.reverse = true;
  f.lines[static_cast<size_t>(y0)].fill = true;
  f.lines[static_cast<size_t>(y0)].fill_attr = head;
  f.put(y0, 1, "Details (Enter closes)", head);
  int y = y0 + 1, end = y0 + rows;
  if (!pane_error_.empty()) {
    Attr e;
    if (opt_.color) e.fg = Color::Red;
    f.put(y++, 1, pane_error_, e);
  }
  // Sections flow into as many columns as the width allows.
  int colw = f.width >= 160 ? f.width / 3 : (f.width >= 100 ? f.width / 2 : f.width);
  int x = 0;
  for (const PaneSection& s : pane_) {
    int need = 1 + static_cast<int>(s.fields.size());
    if (y + std::min(need, 2) > end) {
      if (x + 2 * colw > f.width) break;
      x += colw;
      y = y0 + 1;
    }
    Attr b;
    b.bold = true;
    f.put(y++, x + 1, s.title, b);
    for (const auto& [k, v] : s.fields) {
      if (y >= end) break;
      // Long values (command lines, paths) continue on the next lines,
      // under the value, rather than being cut.
      int vw = std::max(8, colw - 3 - 13);
      std::string_view rest = v;
      bool first_line = true;
      do {
        std::string_view part = fit_width(rest, vw);
        if (part.empty() && !rest.empty()) part = rest.substr(0, 1);
        std::string line = fmt::format("{:<12} {}", first_line ? k : "", part);
        f.put(y++, x + 2, cut(line, colw - 3, false));
        rest.remove_prefix(part.size());
        first_line = false;
      } while (!rest.empty() && y < end);
    }
  }
}

namespace {

// Words of `text` in lines of at most `w` columns.
std::vector<std::string> wrap(const std::string& text, int w) {
  std::vector<std::string> out(1);
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    std::string word = text.substr(i, j - i);
    std::string& cur = out.back();
    if (!cur.empty() && display_width(cur) + 1 + display_width(word) > w) out.emplace_back();
    if (!out.back().empty()) out.back() += ' ';
    out.back() += word;
    i = j + 1;
  }
  return out;
}

}  // namespace

void TopApp::draw_help(Frame& f) {
  // The help as lines, then the window of them that fits (Up/Down scroll).
  struct HelpLine {
    std::string keys, text;
    Attr attr;
  };
  std::vector<HelpLine> lines;
  int kw = 0;
  for (const Binding& bd : bindings()) kw = std::max(kw, display_width(bd.keys));
  kw = std::min(kw, f.width / 3);
  int tw = std::max(10, f.width - kw - 5);
  for (const Binding& bd : bindings()) {
    bool first = true;
    for (const std::string& l : wrap(bd.what, tw)) {
      lines.push_back({first ? bd.keys : "", l, {}});
      first = false;
    }
  }
  lines.push_back({"", "", {}});
  lines.push_back({"new", "green: a socket that appeared (bold without colour)",
                   mark_attr(Mark::New, opt_.color)});
  lines.push_back({"changed", "yellow: its state changed (underlined without colour)",
                   mark_attr(Mark::Changed, opt_.color)});
  lines.push_back({"closed",
                   "red: closed, kept for the linger time; SHORT-LIVED: opened and "
                   "closed between two refreshes (dim without colour)",
                   mark_attr(Mark::Closed, opt_.color)});
  lines.push_back({"+", "not in the mark: new since m was pressed", {}});
  lines.push_back({"!", "a listener's accept queue is at least 80% of its backlog", {}});
  lines.push_back(
      {"rates", "tcp_info payload bytes between refreshes; UDP and others have none", {}});
  std::vector<HelpLine> flat;
  for (HelpLine& l : lines) {
    bool first = true;
    for (const std::string& t : wrap(l.text, tw)) {
      flat.push_back({first ? l.keys : "", t, l.attr});
      first = false;
    }
  }
  Attr b;
  b.bold = true;
  f.put(0, 0, "sockwatch top: keys (Up/Down scroll, any other key closes this help)", b);
  int rows = f.height - 2;
  int max_scroll = std::max(0, static_cast<int>(flat.size()) - rows);
  help_scroll_ = std::clamp(help_scroll_, 0, max_scroll);
  for (int i = 0; i < rows && help_scroll_ + i < static_cast<int>(flat.size()); ++i) {
    const HelpLine& l = flat[static_cast<size_t>(help_scroll_ + i)];
    Attr ka = l.attr;
    ka.bold = true;
    f.put(2 + i, 2, cut(l.keys, kw, false), ka);
    f.put(2 + i, 4 + kw, l.text, l.attr);
  }
  if (help_scroll_ < max_scroll) {
    Attr d;
    d.reverse = true;
    f.put(f.height - 1, std::max(0, f.width - 12), " more: Down ", d);
  }
}

void TopApp::draw_status(Frame& f, int y) {
  Attr a;
  if (confirm_ != Confirm::None) {
    Attr c;
    c.bold = true;
    if (opt_.color) c.fg = Color::Red;
    c.reverse = !opt_.color;
    f.put(y, 0, confirm_text_, c);
    return;
  }
  if (prompt_ != Prompt::None) {
    const char* label = prompt_ == Prompt::Filter   ? "filter (ss syntax)> "
                        : prompt_ == Prompt::Text   ? "search> "
                        : prompt_ == Prompt::Export ? "export JSON to file> "
                                                    : "refresh interval (seconds)> ";
    std::string shown = escape_for_display(input_);
    int lw = display_width(label);
    f.put(y, 0, label, Attr{Color::Default, Color::Default, true});
    f.put(y, lw, shown);
    f.cursor_y = y;
    f.cursor_x = std::min(f.width - 1, lw + display_width(shown));
    if (prompt_ == Prompt::Filter && filter_error_ && y > 0) {
      // The caret under the bad token, on the line above the prompt.
      const FilterError& e = *filter_error_;
      std::string before =
          escape_for_display(input_.substr(0, std::min(e.caret_at, input_.size())));
      int cx = lw + display_width(before);
      std::string caret(std::max<size_t>(1, e.caret_len), '^');
      Attr er;
      if (opt_.color) er.fg = Color::Red;
      er.bold = true;
      f.lines[static_cast<size_t>(y - 1)] = Line{};
      std::string why = escape_for_display(e.explanation.empty() ? e.ss_message : e.explanation);
      if (cx + static_cast<int>(caret.size()) + 1 + display_width(why) < f.width) {
        f.put(y - 1, cx, caret + " " + why, er);
      } else {
        f.put(y - 1, 0, why, er);
        f.put(y - 1, std::min(cx, f.width - 1), caret, er);
      }
    }
    return;
  }
  if (!message_.empty() && model_.now_us() < message_until_us_) {
    Attr m;
    if (message_error_ && opt_.color) m.fg = Color::Red;
    m.bold = message_error_;
    f.put(y, 0, message_, m);
    return;
  }
  std::string hint = "q quit  ? help  / filter  \\ search  Tab view  Enter details  space pause";
  if (!limits_.empty()) {
    Attr w;
    if (opt_.color) w.fg = Color::Yellow;
    std::string all;
    for (const auto& l : limits_) all += (all.empty() ? "" : "; ") + l;
    f.put(y, 0, escape_for_display(all), w);
    return;
  }
  f.put(y, 0, hint, a);
}

Frame TopApp::render(int width, int height) {
  Frame f(std::max(1, width), std::max(1, height));
  if (width < 40 || height < 5) {
    f.put(0, 0, "terminal too small (need 40x5)");
    return f;
  }
  if (help_) {
    draw_help(f);
    return f;
  }
  int y = 0;
  draw_header(f, y);
  int status_y = height - 1;
  int avail = status_y - y;
  // The filter prompt's caret line takes the row above the status line.
  if (prompt_ == Prompt::Filter && filter_error_) --avail;
  // With the details pane open, the table keeps a third (the selection and
  // its neighbours); the pane gets the rest.
  int table = details_ ? std::max(5, avail / 3) : avail;
  draw_table(f, y, table);
  if (details_) draw_details(f, y + table, avail - table);
  draw_status(f, status_y);
  return f;
}

}  // namespace sw::tui
