#include "tui/top_app.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <sstream>

#include "core/escape.hpp"
#include "tui/top_format.hpp"

namespace sw::tui {

const std::vector<Binding>& bindings() {
  static const std::vector<Binding> kBindings = {
      {"q, F10", "quit (Ctrl-C and SIGTERM too)"},
      {"?, h, F1", "this help (any key closes it)"},
      {"space", "pause the display (collection and rates go on)"},
      {"/", "filter with the ss filter language (state words too), live; Enter keeps, Esc drops"},
      {"\\", "free-text search over process, pid, user, address, container"},
      {"Tab, Shift-Tab, 1-4", "view: connections, listeners, by process, by remote host"},
      {"Up, Down, PgUp, PgDn, Home, End", "move the selection (it follows its socket)"},
      {"Enter", "details pane of the selected socket"},
      {"<, >, s, S", "sort by the previous / next column (or click a header)"},
      {"r", "reverse the sort order"},
      {"o", "freeze the row order (new rows go last)"},
      {"t, u, w, x", "show TCP, UDP, raw, unix sockets"},
      {"l", "show listeners in the connections view"},
      {"c", "show closed rows (red) while they linger"},
      {"n", "names: resolve hosts (in the background) and services"},
      {"a", "watch every network namespace (containers)"},
      {"m", "mark now"},
      {"M", "show only what is new since the mark (listeners, peers, programs)"},
      {"K", "close the selected connection (SOCK_DESTROY; asks first)"},
      {"k", "signal the selected socket's process (asks first: y TERM, 9 KILL)"},
      {"e", "export the current view as JSON (sockwatch/1 schema) to a file"},
      {"d", "set the refresh interval in seconds"},
      {"mouse", "click: select or sort by a header; wheel: scroll"},
  };
  return kBindings;
}

TopApp::TopApp(TopAppOptions opt) : opt_(std::move(opt)), model_(opt_.model) {
  sort_[static_cast<int>(ViewKind::Connections)] = Col::RxRate;
  sort_[static_cast<int>(ViewKind::Listeners)] = Col::Local;
  sort_[static_cast<int>(ViewKind::Processes)] = Col::RxRate;
  sort_[static_cast<int>(ViewKind::Remotes)] = Col::Sockets;
  vo_.tcp = opt_.collect.tcp;
  vo_.udp = opt_.collect.udp;
  vo_.raw = opt_.collect.raw;
  vo_.unix_sockets = opt_.collect.unix_sockets;
  vo_.sort = sort_[0];
}

void TopApp::refresh() {
  vo_.sort = sort_[static_cast<int>(vo_.kind)];
  vo_.reverse = reverse_[static_cast<int>(vo_.kind)];
  vo_.filter = filter_.empty() ? nullptr : &filter_;
  vo_.states = states_;
  vo_.reference = mark_.get();
  if (!mark_) vo_.only_new = false;
  view_.rebuild(model_, vo_);
  follow_selection();
}

void TopApp::follow_selection() {
  size_t n = view_.size();
  if (auto at = view_.find(model_, sel_)) {
    selected_ = *at;
  } else if (n == 0) {
    selected_ = 0;
  } else {
    // The socket is gone for good: stay at the same place in the list.
    selected_ = std::min(selected_, n - 1);
  }
  sel_ = view_.ident_at(model_, selected_);
  if (selected_ < scroll_) scroll_ = selected_;
  if (page_ > 0 && selected_ >= scroll_ + static_cast<size_t>(page_))
    scroll_ = selected_ - static_cast<size_t>(page_) + 1;
  if (n <= static_cast<size_t>(std::max(page_, 1))) scroll_ = 0;
}

void TopApp::select_index(size_t i) {
  size_t n = view_.size();
  selected_ = n ? std::min(i, n - 1) : 0;
  sel_ = view_.ident_at(model_, selected_);
  follow_selection();
}

void TopApp::move_selection(long delta) {
  long n = static_cast<long>(view_.size());
  if (!n) return;
  long i = static_cast<long>(selected_) + delta;
  select_index(static_cast<size_t>(std::clamp(i, 0L, n - 1)));
}

void TopApp::notify(std::string message, bool error) {
  message_ = escape_for_display(message);
  message_error_ = error;
  message_until_us_ = model_.now_us() + 5'000'000;
}

void TopApp::set_details(std::vector<PaneSection> s, std::string error) {
  pane_ = std::move(s);
  pane_error_ = escape_for_display(error);
}

std::optional<RowData> TopApp::selected_row() const {
  if (view_.grouped() || selected_ >= view_.size()) return std::nullopt;
  return row_data(model_, view_.at(selected_));
}

bool TopApp::apply_filter_text(const std::string& text, bool final) {
  // `state X` / `exclude X` words first, as ss takes them before the expression.
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  uint32_t states = 0;
  bool saw = false;
  size_t i = 0;
  while (i < words.size() && (words[i] == "state" || words[i] == "exclude" || words[i] == "excl")) {
    bool excl = words[i] != "state";
    if (i + 1 >= words.size()) {
      FilterError e;
      e.ss_message = "Command line is not complete";
      e.explanation = "expected a state name after '" + words[i] + "'";
      e.expression = text;
      e.caret_at = text.size();
      filter_error_ = e;
      return false;
    }
    int64_t bits = scan_state(words[i + 1].c_str());
    if (bits < 0) {
      FilterError e;
      e.ss_message = "wrong state name: " + words[i + 1];
      e.explanation = "not a state name (established, listening, time-wait, connected, ...)";
      e.expression = text;
      e.caret_at = text.find(words[i + 1]);
      e.caret_len = words[i + 1].size();
      filter_error_ = e;
      return false;
    }
    if (!saw) states = excl ? kAllStates : 0;
    states =
        excl ? (states & ~static_cast<uint32_t>(bits)) : (states | static_cast<uint32_t>(bits));
    saw = true;
    i += 2;
  }
  std::vector<std::string> rest(words.begin() + static_cast<long>(i), words.end());
  FilterContext ctx = opt_.filter_ctx;
  // While typing, never wait for the resolver: names are looked up on Enter.
  if (!final) ctx.resolve_names = false;
  Filter f;
  if (!rest.empty()) {
    FilterParseResult r = parse_filter(rest, {}, ctx);
    if (r.error) {
      FilterError e = *r.error;
      // Offsets are in the expression after the state words: move them to the typed text.
      size_t off = text.find(rest.front());
      e.caret_at += off == std::string::npos ? 0 : off;
      e.expression = text;
      filter_error_ = e;
      return false;
    }
    f = std::move(*r.filter);
  }
  filter_error_.reset();
  filter_ = std::move(f);
  filter_text_ = text;
  states_ = saw ? (states ? states : 0xffffffffu & ~kAllStates) : 0;
  return true;
}

bool TopApp::set_filter(const std::string& text) {
  bool ok = apply_filter_text(text, true);
  refresh();
  return ok;
}

void TopApp::set_text(const std::string& text) {
  vo_.text = text;
  refresh();
}

void TopApp::set_view(ViewKind v) {
  vo_.kind = v;
  sel_ = {};
  selected_ = scroll_ = 0;
  refresh();
}

void TopApp::set_sort(Col c, bool reverse) {
  sort_[static_cast<int>(vo_.kind)] = c;
  reverse_[static_cast<int>(vo_.kind)] = reverse;
  refresh();
}

void TopApp::cycle_sort(int dir) {
  std::vector<Col> cols = columns();
  int k = static_cast<int>(vo_.kind);
  auto it = std::find(cols.begin(), cols.end(), sort_[k]);
  long i = it == cols.end() ? 0 : it - cols.begin();
  i = (i + dir + static_cast<long>(cols.size())) % static_cast<long>(cols.size());
  sort_[k] = cols[static_cast<size_t>(i)];
  refresh();
}

std::vector<Col> TopApp::columns() const {
  switch (vo_.kind) {
    case ViewKind::Connections:
      return {Col::Proto,  Col::State, Col::Local, Col::Remote,   Col::Process, Col::RxRate,
              Col::TxRate, Col::Age,   Col::Rtt,   Col::RxTotal,  Col::TxTotal, Col::Retrans,
              Col::User,   Col::RecvQ, Col::SendQ, Col::Container};
    case ViewKind::Listeners:
      return {Col::Proto,  Col::Local, Col::Scope, Col::Process,
              Col::Accept, Col::User,  Col::Age,   Col::Container};
    case ViewKind::Processes:
      return {Col::Process, Col::Sockets,  Col::RxRate,  Col::TxRate,    Col::Estab,
              Col::Listen,  Col::TimeWait, Col::SynSent, Col::CloseWait, Col::Other,
              Col::RxTotal, Col::TxTotal,  Col::User,    Col::Container};
    case ViewKind::Remotes:
      return {Col::Remote, Col::Sockets, Col::Estab,  Col::TimeWait, Col::SynSent, Col::CloseWait,
              Col::Other,  Col::RxRate,  Col::TxRate, Col::RxTotal,  Col::TxTotal};
  }
  return {};
}

Request TopApp::inspect_request() {
  Request r;
  if (auto d = selected_row(); d && details_ && !d->closed) {
    r.kind = Request::Kind::Inspect;
    r.entry = *d->e;
  } else if (details_) {
    pane_.clear();
    pane_error_ = selected_row() && selected_row()->closed
                      ? "the socket is closed: its last known state is shown in the row"
                      : "no socket selected";
  }
  return r;
}

Request TopApp::ask_destroy() {
  auto d = selected_row();
  if (!d || d->closed) {
    notify("no open socket selected", true);
    return {};
  }
  const SnapEntry& e = *d->e;
  if (!e.is_inet() || (e.table != Table::Tcp && e.table != Table::Udp && e.table != Table::Raw)) {
    notify("only inet sockets (tcp, udp, raw) can be closed", true);
    return {};
  }
  if (!opt_.can_destroy) {
    notify("cannot close sockets: " + opt_.cannot_destroy, true);
    return {};
  }
  std::string who =
      d->st->owner ? fmt::format(" of {} (pid {})", d->st->owner->comm, d->st->owner->pid) : "";
  confirm_text_ = escape_for_display(fmt::format(
      "Close {} {} {} -> {}{}? y/N", proto_text(static_cast<int>(e.table), e.family),
      state_text(e.state), endpoint_text(e.local, e.lport), endpoint_text(e.peer, e.rport), who));
  pending_ = {};
  pending_.kind = Request::Kind::Destroy;
  pending_.entry = e;
  confirm_ = Confirm::Destroy;
  return {};
}

Request TopApp::ask_signal(int sig) {
  auto d = selected_row();
  if (!d || !d->st->owner || d->st->owner->pid <= 0) {
    notify("no process known for the selected row", true);
    return {};
  }
  const OwnerInfo& o = *d->st->owner;
  confirm_text_ = escape_for_display(fmt::format(
      "Signal {} (pid {}, user {})? y: SIGTERM  9: SIGKILL  other: cancel", o.comm, o.pid,
      o.user.empty() ? (o.uid ? std::to_string(*o.uid) : std::string("?")) : o.user));
  pending_ = {};
  pending_.kind = Request::Kind::Signal;
  pending_.pid = o.pid;
  pending_.start_ticks = o.start_ticks;
  pending_.signal = sig;
  confirm_ = Confirm::Signal;
  return {};
}

Request TopApp::key_confirm(const Key& k) {
  Confirm c = confirm_;
  confirm_ = Confirm::None;
  Request r = pending_;
  pending_ = {};
  if (c == Confirm::Signal && k.is('9')) {
    r.signal = SIGKILL;
    return r;
  }
  if (k.is('y') || k.is('Y')) {
    if (c == Confirm::Signal) r.signal = SIGTERM;
    return r;
  }
  notify("cancelled");
  return {};
}

Request TopApp::key_prompt(const Key& k) {
  Prompt p = prompt_;
  auto live_filter = [&] {
    if (p == Prompt::Filter) {
      apply_filter_text(input_, false);
      refresh();
    } else if (p == Prompt::Text) {
      set_text(input_);
    }
  };
  switch (k.kind) {
    case Key::Kind::Escape:
      prompt_ = Prompt::None;
      if (p == Prompt::Filter) {
        // Back to the filter that was in force before the prompt opened.
        apply_filter_text(saved_input_, true);
        refresh();
      } else if (p == Prompt::Text) {
        set_text(saved_input_);
      }
      return {};
    case Key::Kind::Enter: {
      prompt_ = Prompt::None;
      if (p == Prompt::Filter) {
        if (!apply_filter_text(input_, true)) prompt_ = Prompt::Filter;  // stay to fix it
        refresh();
      } else if (p == Prompt::Text) {
        set_text(input_);
      } else if (p == Prompt::Export) {
        Request r;
        r.kind = Request::Kind::Export;
        r.path = input_;
        if (r.path.empty()) {
          notify("export cancelled: no file name", true);
          return {};
        }
        return r;
      } else if (p == Prompt::Delay) {
        char* end = nullptr;
        double s = std::strtod(input_.c_str(), &end);
        if (input_.empty() || !end || *end || !(s >= 0.05) || s > 3600) {
          notify("refresh interval: give seconds between 0.05 and 3600", true);
          return {};
        }
        Request r;
        r.kind = Request::Kind::Interval;
        r.interval_us = static_cast<int64_t>(s * 1e6);
        opt_.interval_us = r.interval_us;
        return r;
      }
      return {};
    }
    case Key::Kind::Backspace:
      if (!input_.empty()) {
        // One code point, not one byte.
        size_t n = input_.size() - 1;
        while (n > 0 && (static_cast<unsigned char>(input_[n]) & 0xc0) == 0x80) --n;
        input_.erase(n);
      }
      live_filter();
      return {};
    case Key::Kind::Char: {
      char32_t c = k.ch;
      if (c == 0x15) {  // Ctrl-U: clear the line
        input_.clear();
        live_filter();
        return {};
      }
      if (c < 0x20 || c == 0x7f) return {};
      // UTF-8 encode.
      if (c < 0x80) {
        input_ += static_cast<char>(c);
      } else if (c < 0x800) {
        input_ += static_cast<char>(0xc0 | (c >> 6));
        input_ += static_cast<char>(0x80 | (c & 0x3f));
      } else if (c < 0x10000) {
        input_ += static_cast<char>(0xe0 | (c >> 12));
        input_ += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        input_ += static_cast<char>(0x80 | (c & 0x3f));
      } else {
        input_ += static_cast<char>(0xf0 | (c >> 18));
        input_ += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
        input_ += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        input_ += static_cast<char>(0x80 | (c & 0x3f));
      }
      live_filter();
      return {};
    }
    default:
      return {};
  }
}

Request TopApp::mouse(const Key& k) {
  if (k.button == Key::Button::WheelUp) {
    move_selection(-3);
    return inspect_request();
  }
  if (k.button == Key::Button::WheelDown) {
    move_selection(3);
    return inspect_request();
  }
  if (k.button != Key::Button::Left) return {};
  if (k.y == header_y_) {
    for (const ColumnAt& c : header_cols_) {
      if (k.x < c.x0 || k.x >= c.x1) continue;
      int v = static_cast<int>(vo_.kind);
      if (sort_[v] == c.col)
        reverse_[v] = !reverse_[v];
      else
        sort_[v] = c.col, reverse_[v] = false;
      refresh();
      return {};
    }
    return {};
  }
  if (k.y >= rows_y_ && k.y < rows_y_ + rows_n_) {
    select_index(scroll_ + static_cast<size_t>(k.y - rows_y_));
    return inspect_request();
  }
  return {};
}

Request TopApp::handle_key(const Key& k) {
  if (k.kind == Key::Kind::Resize) return {};
  if (help_) {
    // The help scrolls on a short terminal; any other key closes it.
    switch (k.kind) {
      case Key::Kind::Up:
        --help_scroll_;
        return {};
      case Key::Kind::Down:
        ++help_scroll_;
        return {};
      case Key::Kind::PageUp:
        help_scroll_ -= std::max(1, page_);
        return {};
      case Key::Kind::PageDown:
        help_scroll_ += std::max(1, page_);
        return {};
      case Key::Kind::Home:
        help_scroll_ = 0;
        return {};
      case Key::Kind::Mouse:
        if (k.button == Key::Button::WheelUp) help_scroll_ -= 3;
        if (k.button == Key::Button::WheelDown) help_scroll_ += 3;
        if (k.button == Key::Button::WheelUp || k.button == Key::Button::WheelDown) return {};
        break;
      default:
        break;
    }
    help_ = false;
    help_scroll_ = 0;
    return {};
  }
  if (confirm_ != Confirm::None) return key_confirm(k);
  if (prompt_ != Prompt::None) return key_prompt(k);
  if (k.kind == Key::Kind::Mouse) return mouse(k);
  return key_normal(k);
}

namespace {
Request quit() {
  Request r;
  r.kind = Request::Kind::Quit;
  return r;
}
}  // namespace

Request TopApp::key_normal(const Key& k) {
  using K = Key::Kind;
  auto toggle_collect = [&](bool CollectChoice::*field, bool ViewOptions::*shown) {
    opt_.collect.*field = !(opt_.collect.*field);
    vo_.*shown = opt_.collect.*field;
    refresh();
    Request r;
    r.kind = Request::Kind::Collect;
    return r;
  };
  auto open_prompt = [&](Prompt p, std::string init) {
    prompt_ = p;
    input_ = std::move(init);
    saved_input_ = input_;
    return Request{};
  };
  switch (k.kind) {
    case K::Up:
      move_selection(-1);
      return inspect_request();
    case K::Down:
      move_selection(1);
      return inspect_request();
    case K::PageUp:
      move_selection(-std::max(page_ - 1, 1));
      return inspect_request();
    case K::PageDown:
      move_selection(std::max(page_ - 1, 1));
      return inspect_request();
    case K::Home:
      select_index(0);
      return inspect_request();
    case K::End:
      select_index(view_.size() ? view_.size() - 1 : 0);
      return inspect_request();
    case K::Enter:
      details_ = !details_;
      return inspect_request();
    case K::Tab:
    case K::BackTab: {
      int v = static_cast<int>(vo_.kind) + (k.kind == K::Tab ? 1 : kViewCount - 1);
      set_view(static_cast<ViewKind>(v % kViewCount));
      return {};
    }
    case K::F1:
      help_ = true;
      return {};
    case K::F10:
      return quit();
    case K::Escape:
      if (details_) details_ = false;
      return {};
    case K::Char:
      break;
    default:
      return {};
  }
  switch (k.ch) {
    case 'q':
      return quit();
    case '?':
    case 'h':
      help_ = true;
      return {};
    case ' ':
      model_.set_paused(!model_.paused());
      refresh();
      return {};
    case '/':
      return open_prompt(Prompt::Filter, filter_text_);
    case '\\':
      return open_prompt(Prompt::Text, vo_.text);
    case 'e':
      return open_prompt(Prompt::Export,
                         fmt::format("sockwatch-top-{}.json", model_.now_us() / 1'000'000));
    case 'd':
      return open_prompt(Prompt::Delay,
                         fmt::format("{:g}", static_cast<double>(opt_.interval_us) / 1e6));
    case '1':
    case '2':
    case '3':
    case '4':
      set_view(static_cast<ViewKind>(k.ch - '1'));
      return {};
    case 'j':
      move_selection(1);
      return inspect_request();
    case '<':
    case 'S':
      cycle_sort(-1);
      return {};
    case '>':
    case 's':
      cycle_sort(1);
      return {};
    case 'r': {
      int v = static_cast<int>(vo_.kind);
      reverse_[v] = !reverse_[v];
      refresh();
      return {};
    }
    case 'o':
      vo_.frozen = !vo_.frozen;
      refresh();
      notify(vo_.frozen ? "order frozen" : "order follows the sort again");
      return {};
    case 't':
      return toggle_collect(&CollectChoice::tcp, &ViewOptions::tcp);
    case 'u':
      return toggle_collect(&CollectChoice::udp, &ViewOptions::udp);
    case 'w':
      return toggle_collect(&CollectChoice::raw, &ViewOptions::raw);
    case 'x':
      return toggle_collect(&CollectChoice::unix_sockets, &ViewOptions::unix_sockets);
    case 'a': {
      opt_.collect.all_netns = !opt_.collect.all_netns;
      Request r;
      r.kind = Request::Kind::Collect;
      return r;
    }
    case 'l':
      vo_.listening = !vo_.listening;
      refresh();
      return {};
    case 'c':
      vo_.show_closed = !vo_.show_closed;
      refresh();
      return {};
    case 'n':
      opt_.numeric = !opt_.numeric;
      return {};
    case 'm':
      mark_ = std::make_unique<MarkReference>(model_, model_.now_us());
      notify("marked: M shows only what is new since now");
      refresh();
      return {};
    case 'M':
      if (!mark_) {
        notify("no mark yet: press m to mark", true);
        return {};
      }
      vo_.only_new = !vo_.only_new;
      refresh();
      return {};
    case 'K':
      return ask_destroy();
    case 'k':
      return ask_signal(SIGTERM);
    default:
      return {};
  }
}

}  // namespace sw::tui
