#include "tui/top_model.hpp"

#include <algorithm>
#include <utility>

namespace sw::tui {

float rate_of(uint64_t before, uint64_t after, int64_t dt_us) {
  if (dt_us <= 0) return -1;
  // A counter that went backwards (it cannot for one cookie, but a replayed
  // or restarted source can) is no traffic, not a huge negative rate.
  if (after < before) return 0;
  return static_cast<float>(static_cast<double>(after - before) * 1e6 / static_cast<double>(dt_us));
}

TopModel::TopModel(TopModelOptions opt) : opt_(opt) {
  auto empty = std::make_shared<Generation>();
  empty->snap = std::make_shared<const Snapshot>();
  latest_ = shown_ = empty;
}

void TopModel::apply_tick(std::shared_ptr<const Snapshot> snap, int64_t now_us,
                          const KnownFn& known) {
  now_us_ = now_us;
  std::shared_ptr<Generation> g;
  if (spare_ && spare_.use_count() == 1) {
    g = std::move(spare_);
    g->state.clear();
    g->gone.clear();
  } else {
    g = std::make_shared<Generation>();
  }
  const Generation& old = *latest_;
  const auto& a = old.snap->entries();
  const auto& b = snap->entries();
  g->state.resize(b.size());
  g->gone.assign(b.size(), false);
  int64_t dt = old.snap->taken_us() ? snap->taken_us() - old.snap->taken_us() : 0;
  bool first = ticks_ == 0;
  double rx_sum = 0, tx_sum = 0;
  size_t i = 0;
  for (size_t j = 0; j < b.size(); ++j) {
    const SnapEntry& e = b[j];
    RowState& st = g->state[j];
    const Known k = known(j);
    while (i < a.size() && a[i].key < e.key) ++i;
    bool seen = i < a.size() && a[i].key == e.key;
    if (seen) {
      st = old.state[i];
      if (a[i].state != e.state) {
        st.mark = Mark::Changed;
        st.marked_us = now_us;
      }
      if (e.has_counters && a[i].has_counters) {
        st.rx_bps = rate_of(a[i].counters.bytes_received, e.counters.bytes_received, dt);
        // Acked, not sent: what the peer has taken, so retransmissions do not
        // count twice (payload, like the received side).
        st.tx_bps = rate_of(a[i].counters.bytes_acked, e.counters.bytes_acked, dt);
      } else {
        st.rx_bps = st.tx_bps = -1;
      }
    } else {
      st.opened_us = k.opened_us ? k.opened_us : now_us;
      st.preexisting = k.preexisting || first;
      if (!st.preexisting) {
        st.mark = Mark::New;
        st.marked_us = now_us;
      }
    }
    // The reconciler may attribute a young socket a tick or two later.
    st.owner = k.owner;
    st.owner_reason = k.reason;
    st.inbound = k.inbound;
    st.direction_known = k.direction_known;
    if (st.mark != Mark::None && now_us - st.marked_us >= opt_.highlight_us) st.mark = Mark::None;
    // A destroy message closed it and the poll still shows it: hidden (its
    // red row is there). A TIME-WAIT left behind is a socket of its own,
    // which the per-peer counts need: it stays.
    g->gone[j] = k.closed && e.state != kTimeWait;
    if (!g->gone[j]) {
      if (st.rx_bps > 0) rx_sum += st.rx_bps;
      if (st.tx_bps > 0) tx_sum += st.tx_bps;
    }
  }
  g->snap = std::move(snap);
  g->at_us = now_us;
  // The old latest becomes the spare unless the paused display still shows it.
  std::shared_ptr<const Generation> old_latest = std::exchange(latest_, std::move(g));
  if (!paused_) shown_ = latest_;
  if (old_latest != shown_ && old_latest.use_count() == 1) {
    spare_ = std::const_pointer_cast<Generation>(std::move(old_latest));
    spare_->snap.reset();  // the snapshot goes now, not at the next tick
  }
  if (dt > 0 || first) {
    hist_rx_.push_back(rx_sum);
    hist_tx_.push_back(tx_sum);
    while (hist_rx_.size() > opt_.history) hist_rx_.pop_front();
    while (hist_tx_.size() > opt_.history) hist_tx_.pop_front();
  }
  ++ticks_;
  expire(now_us);
}

void TopModel::on_close(const SocketEvent& ev, bool polled) {
  if (ev.type != EventType::Close) return;
  ClosedRow c;
  SnapEntry& e = c.entry;
  e.key = ev.key;
  e.table = ev.table;
  e.family = ev.family;
  e.state = ev.state;
  e.local = ev.local;
  e.peer = ev.peer;
  e.lport = ev.lport;
  e.rport = ev.rport;
  e.inode = ev.inode;
  if (!ev.unix_path.empty()) e.unix_path = std::make_shared<const std::string>(ev.unix_path);
  if (ev.counters) {
    e.has_counters = true;
    e.counters = *ev.counters;
  }
  // What the last tick showed of it: queues, RTT, uid, the last rates.
  if (const SnapEntry* last = latest_->snap->find(ev.key)) {
    size_t idx = static_cast<size_t>(last - latest_->snap->entries().data());
    e.uid = last->uid;
    e.rtt_us = last->rtt_us;
    e.ifindex = last->ifindex;
    if (!e.has_counters && last->has_counters) {
      e.has_counters = true;
      e.counters = last->counters;
    }
    c.state = latest_->state[idx];
  }
  c.state.owner = ev.owner;
  if (!ev.owner && !ev.owner_reason.empty()) c.state.owner_reason = "unknown";
  c.state.opened_us = ev.opened_us;
  c.state.mark = Mark::Closed;
  c.state.marked_us = ev.ts_us;
  c.state.rx_bps = c.state.tx_bps = -1;  // closed: no traffic from now on
  c.state.inbound = ev.inbound;
  c.state.direction_known = ev.direction_known;
  c.closed_us = ev.ts_us;
  c.short_lived = !polled;
  c.close_source = ev.source;
  closed_.push_back(std::move(c));
  while (closed_.size() > opt_.max_closed) closed_.pop_front();
}

void TopModel::expire(int64_t now_us) {
  now_us_ = std::max(now_us_, now_us);
  // A paused display keeps its red rows: they go when the user looks again.
  if (paused_) return;
  while (!closed_.empty() && now_us - closed_.front().closed_us >= opt_.linger_us)
    closed_.pop_front();
}

void TopModel::set_paused(bool p) {
  paused_ = p;
  if (!p) {
    shown_ = latest_;
    expire(now_us_);
  }
}

Totals TopModel::totals() const {
  Totals t;
  const Generation& g = *shown_;
  const auto& es = g.snap->entries();
  for (size_t i = 0; i < es.size(); ++i) {
    if (g.gone[i]) continue;
    ++t.sockets;
    t.by_state[es[i].state & 15]++;
    if (g.state[i].rx_bps > 0) t.rx_bps += g.state[i].rx_bps;
    if (g.state[i].tx_bps > 0) t.tx_bps += g.state[i].tx_bps;
  }
  for (const ClosedRow& c : closed_) {
    if (!closed_visible(c)) continue;
    ++t.closed_recently;
    if (c.short_lived) ++t.short_lived;
  }
  return t;
}

}  // namespace sw::tui
