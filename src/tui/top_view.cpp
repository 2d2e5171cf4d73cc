#include "tui/top_view.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "core/escape.hpp"
#include "ir/inventory.hpp"
#include "tui/top_format.hpp"

namespace sw::tui {

const char* view_name(ViewKind v) {
  switch (v) {
    case ViewKind::Connections:
      return "connections";
    case ViewKind::Listeners:
      return "listeners";
    case ViewKind::Processes:
      return "processes";
    case ViewKind::Remotes:
      return "remote hosts";
  }
  return "";
}

const char* col_title(Col c) {
  static const char* const kTitles[] = {
      "Proto", "State",   "Local", "Remote", "Process",  "User",    "Container", "RX/s",  "TX/s",
      "RX",    "TX",      "RTT",   "Retr",   "Recv-Q",   "Send-Q",  "Age",       "Scope", "Accept",
      "Name",  "Sockets", "Estab", "Listen", "TimeWait", "SynSent", "CloseWait", "Other"};
  static_assert(sizeof kTitles / sizeof *kTitles == static_cast<size_t>(Col::Count));
  return kTitles[static_cast<size_t>(c)];
}

RowData row_data(const TopModel& m, const RowRef& r) {
  RowData d;
  if (r.closed) {
    const ClosedRow& c = m.closed()[r.index];
    d.e = &c.entry;
    d.st = &c.state;
    d.closed = &c;
  } else {
    d.e = &m.shown().snap->entries()[r.index];
    d.st = &m.shown().state[r.index];
  }
  return d;
}

bool is_listener(const SnapEntry& e) {
  if (e.state == kListen) return true;
  // An unconnected datagram socket bound to a port receives from anyone.
  bool dgram = e.table == Table::Udp || e.table == Table::Raw;
  return dgram && e.state == kClose && e.rport == 0 && e.peer.is_any();
}

const char* bind_scope(const SnapEntry& e) {
  // The baseline's exposure classes, so top and `baseline diff` agree.
  return exposure_name(exposure_of(e.local, e.ifindex));
}

bool table_shown(const ViewOptions& o, Table t) {
  switch (t) {
    case Table::Tcp:
      return o.tcp;
    case Table::Udp:
      return o.udp;
    case Table::Raw:
      return o.raw;
    case Table::UnixDgram:
    case Table::UnixStream:
    case Table::UnixSeq:
      return o.unix_sockets;
    default:
      return o.other;
  }
}

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains(std::string_view hay, const std::string& needle) {
  if (needle.size() > hay.size()) return false;
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return it != hay.end();
}

// "addr:port" into `buf` without allocating (the search runs over every row
// on every keystroke).
std::string_view endpoint_into(char (&buf)[64], const IpAddr& a, uint16_t port) {
  const uint8_t* p = a.bytes.data();
  int af = a.family == AF_INET6 ? AF_INET6 : AF_INET;
  if (af == AF_INET6 && a.is_v4_mapped()) af = AF_INET, p += 12;
  char* out = buf;
  if (af == AF_INET) {
    // Dotted quad by hand: inet_ntop and snprintf cost more than the match.
    for (int i = 0; i < 4; ++i) {
      out = std::to_chars(out, buf + 20, p[i]).ptr;
      *out++ = i < 3 ? '.' : ':';
    }
  } else {
    *out++ = '[';
    inet_ntop(AF_INET6, p, out, INET6_ADDRSTRLEN);
    out += std::strlen(out);
    *out++ = ']';
    *out++ = ':';
  }
  out = std::to_chars(out, buf + 64, port).ptr;
  return {buf, static_cast<size_t>(out - buf)};
}

uint64_t rx_total(const SnapEntry& e) { return e.has_counters ? e.counters.bytes_received : 0; }
uint64_t tx_total(const SnapEntry& e) { return e.has_counters ? e.counters.bytes_acked : 0; }

int cmp_addr(const IpAddr& a, uint16_t ap, const IpAddr& b, uint16_t bp) {
  if (a.family != b.family) return a.family < b.family ? -1 : 1;
  if (int c = std::memcmp(a.bytes.data(), b.bytes.data(), 16)) return c < 0 ? -1 : 1;
  return ap == bp ? 0 : (ap < bp ? -1 : 1);
}

template <class T>
int cmp3(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// <0 when a comes first in the column's natural order: text ascending,
// numbers largest first, age youngest first.
int compare_rows(const RowData& a, const RowData& b, Col c) {
  const SnapEntry& x = *a.e;
  const SnapEntry& y = *b.e;
  auto comm = [](const RowData& d) -> const std::string& {
    static const std::string kNone;
    return d.st->owner ? d.st->owner->comm : kNone;
  };
  switch (c) {
    case Col::Proto:
      return cmp3(x.table, y.table) ? cmp3(x.table, y.table) : cmp3(x.family, y.family);
    case Col::State:
      return cmp3(x.state, y.state);
    case Col::Local:
      return cmp_addr(x.local, x.lport, y.local, y.lport);
    case Col::Remote:
      return cmp_addr(x.peer, x.rport, y.peer, y.rport);
    case Col::Process: {
      int r = comm(a).compare(comm(b));
      if (r) return r < 0 ? -1 : 1;
      int32_t pa = a.st->owner ? a.st->owner->pid : 0, pb = b.st->owner ? b.st->owner->pid : 0;
      return cmp3(pa, pb);
    }
    case Col::User: {
      const std::string ua = a.st->owner ? a.st->owner->user : "";
      const std::string ub = b.st->owner ? b.st->owner->user : "";
      return ua == ub ? cmp3(x.uid, y.uid) : (ua < ub ? -1 : 1);
    }
    case Col::Container: {
      const std::string ca = a.st->owner ? a.st->owner->container : "";
      const std::string cb = b.st->owner ? b.st->owner->container : "";
      return ca == cb ? 0 : (ca < cb ? -1 : 1);
    }
    case Col::RxRate:
      return -cmp3(a.st->rx_bps, b.st->rx_bps);
    case Col::TxRate:
      return -cmp3(a.st->tx_bps, b.st->tx_bps);
    case Col::RxTotal:
      return -cmp3(rx_total(x), rx_total(y));
    case Col::TxTotal:
      return -cmp3(tx_total(x), tx_total(y));
    case Col::Rtt:
      return -cmp3(x.rtt_us, y.rtt_us);
    case Col::Retrans:
      return -cmp3(x.counters.retrans, y.counters.retrans);
    case Col::RecvQ:
      return -cmp3(x.rqueue, y.rqueue);
    case Col::SendQ:
      return -cmp3(x.wqueue, y.wqueue);
    case Col::Age:
      return -cmp3(a.st->opened_us, b.st->opened_us);
    case Col::Scope:
      return std::strcmp(bind_scope(x), bind_scope(y));
    case Col::Accept: {
      // Fill of the accept queue (Recv-Q of a listener against its backlog).
      double fa = x.wqueue ? double(x.rqueue) / x.wqueue : 0,
             fb = y.wqueue ? double(y.rqueue) / y.wqueue : 0;
      return -cmp3(fa, fb);
    }
    default:
      return 0;
  }
}

int compare_groups(const GroupRow& a, const GroupRow& b, Col c) {
  auto other = [](const GroupRow& g) {
    uint32_t n = g.sockets;
    for (int s : {kEstablished, kListen, kTimeWait, kSynSent, kCloseWait}) n -= g.by_state[s];
    return n;
  };
  switch (c) {
    case Col::Name:
    case Col::Process:
    case Col::Remote:
      return a.label == b.label ? cmp3(a.pid, b.pid) : (a.label < b.label ? -1 : 1);
    case Col::User:
      return a.user == b.user ? 0 : (a.user < b.user ? -1 : 1);
    case Col::Container:
      return a.container == b.container ? 0 : (a.container < b.container ? -1 : 1);
    case Col::Sockets:
      return -cmp3(a.sockets, b.sockets);
    case Col::Estab:
      return -cmp3(a.by_state[kEstablished], b.by_state[kEstablished]);
    case Col::Listen:
      return -cmp3(a.by_state[kListen], b.by_state[kListen]);
    case Col::TimeWait:
      return -cmp3(a.by_state[kTimeWait], b.by_state[kTimeWait]);
    case Col::SynSent:
      return -cmp3(a.by_state[kSynSent], b.by_state[kSynSent]);
    case Col::CloseWait:
      return -cmp3(a.by_state[kCloseWait], b.by_state[kCloseWait]);
    case Col::Other:
      return -cmp3(other(a), other(b));
    case Col::RxRate:
      return -cmp3(a.rx_bps, b.rx_bps);
    case Col::TxRate:
      return -cmp3(a.tx_bps, b.tx_bps);
    case Col::RxTotal:
      return -cmp3(a.rx_bytes, b.rx_bytes);
    case Col::TxTotal:
      return -cmp3(a.tx_bytes, b.tx_bytes);
    default:
      return 0;
  }
}

}  // namespace

bool text_matches(const RowData& d, const std::string& t) {
  if (t.empty()) return true;
  const SnapEntry& e = *d.e;
  if (const OwnerInfo* o = d.st->owner.get()) {
    char pid[16];
    auto r = std::to_chars(pid, pid + sizeof pid, o->pid);
    if (contains(o->comm, t) || contains(o->exe, t) || contains(o->user, t) ||
        contains(o->container, t) ||
        contains(std::string_view(pid, static_cast<size_t>(r.ptr - pid)), t))
      return true;
  }
  if (e.unix_path && contains(*e.unix_path, t)) return true;
  if (e.is_inet()) {
    char buf[64];
    if (contains(endpoint_into(buf, e.local, e.lport), t)) return true;
    if (contains(endpoint_into(buf, e.peer, e.rport), t)) return true;
  }
  return contains(sw::state_name(e.state), t);
}

void TopView::rebuild(const TopModel& m, const ViewOptions& o) {
  std::vector<RowRef> base;
  const Generation& g = m.shown();
  const auto& es = g.snap->entries();
  std::string text = lower(o.text);
  SocketRecord scratch;
  auto keep = [&](const RowData& d) {
    const SnapEntry& e = *d.e;
    if (!table_shown(o, e.table)) return false;
    if (o.states && !(o.states & state_bit(e.state))) return false;
    bool listener = is_listener(e);
    if (o.kind == ViewKind::Listeners && !listener) return false;
    if (o.kind == ViewKind::Connections && !o.listening && listener) return false;
    if (o.kind == ViewKind::Remotes && (!e.is_inet() || e.peer.is_any())) return false;
    if (o.filter) {
      fill_record(e, scratch);
      if (!o.filter->matches(scratch)) return false;
    }
    return text_matches(d, text);
  };
  base.reserve(es.size());
  for (uint32_t i = 0; i < es.size(); ++i) {
    if (g.gone[i]) continue;
    RowData d{&es[i], &g.state[i], nullptr};
    if (!keep(d)) continue;
    RowRef r{i, false, o.reference && !o.reference->knows(es[i], g.state[i])};
    if (o.only_new && !r.flagged) continue;
    base.push_back(r);
  }
  if (o.show_closed) {
    const auto& cl = m.closed();
    for (uint32_t i = 0; i < cl.size(); ++i) {
      if (!m.closed_visible(cl[i])) continue;
      RowData d{&cl[i].entry, &cl[i].state, &cl[i]};
      if (!keep(d)) continue;
      RowRef r{i, true, o.reference && !o.reference->knows(cl[i].entry, cl[i].state)};
      if (o.only_new && !r.flagged) continue;
      base.push_back(r);
    }
  }

  groups_mode_ = o.kind == ViewKind::Processes || o.kind == ViewKind::Remotes;
  if (groups_mode_) {
    build_groups(m, o, base);
    rows_.clear();
    return;
  }
  groups_.clear();

  if (o.frozen && was_frozen_) {
    // Keep the order the user froze; rows that were not there go last, in
    // the order they arrived.
    std::vector<std::pair<size_t, RowRef>> ranked;
    ranked.reserve(base.size());
    size_t next = frozen_live_.size() + frozen_closed_.size();
    for (const RowRef& r : base) {
      auto& map = r.closed ? frozen_closed_ : frozen_live_;
      const SocketKey& k = row_data(m, r).e->key;
      auto it = map.find(k);
      size_t rank = it != map.end() ? it->second : (map[k] = next++);
      ranked.emplace_back(rank, r);
    }
    std::sort(ranked.begin(), ranked.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    rows_.clear();
    for (auto& [rank, r] : ranked) rows_.push_back(r);
    sorted_ = true;
    m_ = &m;
    return;
  }
  m_ = &m;
  sort_ = o.sort;
  rev_ = o.reverse;
  rows_ = std::move(base);
  sorted_ = false;
  win_first_ = win_last_ = 0;
  frozen_live_.clear();
  frozen_closed_.clear();
  was_frozen_ = o.frozen;
  if (o.frozen) {
    // Freezing records every row's rank: that needs the whole order once.
    rows();
    for (size_t i = 0; i < rows_.size(); ++i)
      (rows_[i].closed ? frozen_closed_ : frozen_live_)[row_data(m, rows_[i]).e->key] = i;
  }
}

bool TopView::less(const RowRef& a, const RowRef& b) const {
  RowData da = row_data(*m_, a), db = row_data(*m_, b);
  int r = compare_rows(da, db, sort_);
  if (r == 0) {
    // A total order (the key breaks ties), so ranks are the same every time.
    if (da.e->key != db.e->key) return da.e->key < db.e->key;
    return a.closed < b.closed;
  }
  return rev_ ? r > 0 : r < 0;
}

const std::vector<RowRef>& TopView::rows() const {
  if (!sorted_) {
    std::sort(rows_.begin(), rows_.end(),
              [&](const RowRef& a, const RowRef& b) { return less(a, b); });
    sorted_ = true;
  }
  return rows_;
}

std::vector<RowRef> TopView::window(size_t first, size_t n) const {
  size_t size = rows_.size();
  first = std::min(first, size);
  size_t last = std::min(size, first + n);
  if (!sorted_ && (first < win_first_ || last > win_last_)) {
    auto cmp = [&](const RowRef& a, const RowRef& b) { return less(a, b); };
    if (first > 0)
      std::nth_element(rows_.begin(), rows_.begin() + static_cast<long>(first), rows_.end(), cmp);
    std::partial_sort(rows_.begin() + static_cast<long>(first),
                      rows_.begin() + static_cast<long>(last), rows_.end(), cmp);
    win_first_ = first;
    win_last_ = last;
  }
  return {rows_.begin() + static_cast<long>(first), rows_.begin() + static_cast<long>(last)};
}

RowRef TopView::at(size_t rank) const {
  if (sorted_ || (rank >= win_first_ && rank < win_last_)) return rows_[rank];
  return window(rank, 1).front();
}

void TopView::build_groups(const TopModel& m, const ViewOptions& o,
                           const std::vector<RowRef>& base) {
  std::unordered_map<std::string, size_t> at;
  groups_.clear();
  for (const RowRef& r : base) {
    RowData d = row_data(m, r);
    const SnapEntry& e = *d.e;
    std::string key;
    if (o.kind == ViewKind::Processes) {
      const OwnerInfo* ow = d.st->owner.get();
      key = ow ? (ow->entity_id.empty() ? std::to_string(ow->pid) : ow->entity_id) : "";
    } else {
      key = addr_text(e.peer);
    }
    auto [it, fresh] = at.try_emplace(key, groups_.size());
    if (fresh) {
      GroupRow g;
      g.key = key;
      if (o.kind == ViewKind::Processes) {
        if (const OwnerInfo* ow = d.st->owner.get()) {
          append_escaped(g.label, ow->comm);
          g.pid = ow->pid;
          append_escaped(g.user, ow->user.empty() && ow->uid ? std::to_string(*ow->uid) : ow->user);
          append_escaped(g.container, ow->container);
        } else {
          g.label = "(unknown owner)";
        }
      } else {
        g.label = key;
      }
      groups_.push_back(std::move(g));
    }
    GroupRow& g = groups_[it->second];
    ++g.sockets;
    g.by_state[e.state & 15]++;
    if (d.st->rx_bps > 0) g.rx_bps += d.st->rx_bps;
    if (d.st->tx_bps > 0) g.tx_bps += d.st->tx_bps;
    g.rx_bytes += rx_total(e);
    g.tx_bytes += tx_total(e);
    g.flagged = g.flagged || r.flagged;
  }
  Col c = o.sort;
  bool rev = o.reverse;
  std::sort(groups_.begin(), groups_.end(), [&](const GroupRow& a, const GroupRow& b) {
    int r = compare_groups(a, b, c);
    if (r == 0) return a.key < b.key;
    return rev ? r > 0 : r < 0;
  });
}

RowIdent TopView::ident_at(const TopModel& m, size_t i) const {
  RowIdent id;
  if (groups_mode_) {
    if (i >= groups_.size()) return id;
    id.valid = true;
    id.group = groups_[i].key;
    return id;
  }
  if (i >= rows_.size()) return id;
  RowRef r = at(i);
  id.valid = true;
  id.key = row_data(m, r).e->key;
  id.closed = r.closed;
  return id;
}

std::optional<size_t> TopView::find(const TopModel& m, const RowIdent& id) const {
  if (!id.valid) return std::nullopt;
  if (groups_mode_) {
    for (size_t i = 0; i < groups_.size(); ++i)
      if (groups_[i].key == id.group) return i;
    return std::nullopt;
  }
  // Where the socket is (or its red row, once it closed), then its rank.
  std::optional<size_t> pos;
  for (size_t i = 0; i < rows_.size() && !pos; ++i)
    if (rows_[i].closed == id.closed && row_data(m, rows_[i]).e->key == id.key) pos = i;
  if (!pos && !id.closed)
    for (size_t i = 0; i < rows_.size() && !pos; ++i)
      if (rows_[i].closed && row_data(m, rows_[i]).e->key == id.key) pos = i;
  if (!pos) return std::nullopt;
  if (sorted_) return pos;
  const RowRef& r = rows_[*pos];
  size_t rank = 0;
  for (const RowRef& o : rows_) rank += less(o, r);
  return rank;
}

// --- marks ---

std::string MarkReference::program(const RowState& st) {
  if (!st.owner) return "";
  return st.owner->exe.empty() ? "comm:" + st.owner->comm : st.owner->exe;
}

std::string MarkReference::listener_id(const SnapEntry& e, const RowState& st) {
  return fmt::format("{}|{}|{}|{}", static_cast<int>(e.table), addr_text(e.local), e.lport,
                     program(st));
}

std::string MarkReference::peer_id(const SnapEntry& e, const RowState& st) {
  return program(st) + "|" + addr_text(e.peer);
}

MarkReference::MarkReference(const TopModel& m, int64_t at_us) : at_us_(at_us) {
  const Generation& g = m.shown();
  const auto& es = g.snap->entries();
  for (size_t i = 0; i < es.size(); ++i) {
    if (g.gone[i]) continue;
    const SnapEntry& e = es[i];
    const RowState& st = g.state[i];
    programs_.insert(program(st));
    if (is_listener(e))
      listeners_.insert(listener_id(e, st));
    else if (e.is_inet() && !e.peer.is_any())
      peers_.insert(peer_id(e, st));
  }
}

std::string MarkReference::name() const { return "mark"; }

bool MarkReference::knows(const SnapEntry& e, const RowState& st) const {
  if (!programs_.count(program(st))) return false;
  if (is_listener(e)) return listeners_.count(listener_id(e, st)) > 0;
  if (e.is_inet() && !e.peer.is_any()) return peers_.count(peer_id(e, st)) > 0;
  return true;
}

}  // namespace sw::tui
