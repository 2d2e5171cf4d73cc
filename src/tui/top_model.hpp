// TopModel: what `sockwatch top` knows, between the engine and the layout.
// It takes the engine's output — each tick's shared Snapshot with what the
// reconciler knows of every entry, and the close events — and keeps:
//   - per-socket rates from tcp_info byte counters between two ticks (payload
//     bytes; sockets without counters have no rate, never an invented one),
//   - TCPView's marks: new (green), state changed (yellow), closed (red, kept
//     for `linger` after the close, short-lived ones included),
//   - a paused display: ticks still update the rates, the display keeps the
//     generation it had (rates stay right after resume),
//   - totals per state and a throughput history for the header.
// Pure logic: time comes from the caller, nothing is read or printed.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/snapshot.hpp"
#include "core/socket_event.hpp"

namespace sw::tui {

enum class Mark : uint8_t { None, New, Changed, Closed };

// What the model keeps beside one snapshot entry.
struct RowState {
  std::shared_ptr<const OwnerInfo> owner;
  const char* owner_reason = nullptr;  // why owner is null (static text)
  int64_t opened_us = 0;               // first seen (or the engine's open time)
  int64_t marked_us = 0;               // when `mark` was set
  float rx_bps = -1, tx_bps = -1;      // payload bytes/s since the last tick; < 0: none
  Mark mark = Mark::None;
  bool preexisting = false;
  bool inbound = false, direction_known = false;
};

// One tick's view of the live sockets: the engine's snapshot (shared, never
// copied) and the model's state for each entry, in the snapshot's order.
struct Generation {
  std::shared_ptr<const Snapshot> snap;
  std::vector<RowState> state;
  std::vector<bool> gone;  // closed by a destroy message though this poll still shows it
  int64_t at_us = 0;       // wall clock of the tick
};

// A socket that closed: shown in red for `linger`.
struct ClosedRow {
  SnapEntry entry;
  RowState state;
  int64_t closed_us = 0;
  bool short_lived = false;  // opened and closed between two ticks (never polled)
  std::string close_source;  // "destroy", "poll"
};

// Header totals of one generation.
struct Totals {
  uint64_t sockets = 0;
  uint64_t by_state[16] = {};  // TcpState numbering
  double rx_bps = 0, tx_bps = 0;
  uint64_t closed_recently = 0, short_lived = 0;
};

struct TopModelOptions {
  int64_t linger_us = 5'000'000;     // closed rows stay this long
  int64_t highlight_us = 3'000'000;  // new / changed marks fade after this
  size_t history = 120;              // throughput samples kept for the sparkline
  size_t max_closed = 100'000;       // closed rows kept at most (the oldest go first)
};

class TopModel {
 public:
  explicit TopModel(TopModelOptions opt = {});

  // Called after every engine tick. `known(i)` answers for entry i of `snap`
  // what the reconciler knows (owner, open time, closed by a destroy).
  struct Known {
    std::shared_ptr<const OwnerInfo> owner;
    const char* reason = nullptr;
    int64_t opened_us = 0;
    bool closed = false, preexisting = false, inbound = false, direction_known = false;
  };
  using KnownFn = std::function<Known(size_t)>;
  void on_tick(std::shared_ptr<const Snapshot> snap, int64_t now_us, const KnownFn& known) {
    apply_tick(std::move(snap), now_us, known);
  }
  // A close the engine reported. `polled`: the engine had the socket in a
  // poll (false: it opened and closed between two ticks).
  void on_close(const SocketEvent& ev, bool polled);
  // Time passes without a tick (marks fade, closed rows expire).
  void expire(int64_t now_us);

  void set_paused(bool p);
  bool paused() const { return paused_; }
  const TopModelOptions& options() const { return opt_; }
  void set_linger_us(int64_t us) { opt_.linger_us = us; }

  // What the display shows: the latest generation, or the one it had when paused.
  const Generation& shown() const { return *shown_; }
  const Generation& latest() const { return *latest_; }
  // Closed rows the display shows (those closed before shown().at_us while paused).
  const std::deque<ClosedRow>& closed() const { return closed_; }
  bool closed_visible(const ClosedRow& c) const { return !paused_ || c.closed_us <= shown_->at_us; }
  Totals totals() const;
  // Total payload rx+tx bytes/s of the last ticks, oldest first.
  const std::deque<double>& history_rx() const { return hist_rx_; }
  const std::deque<double>& history_tx() const { return hist_tx_; }
  uint64_t ticks() const { return ticks_; }
  int64_t now_us() const { return now_us_; }

 private:
  void apply_tick(std::shared_ptr<const Snapshot> snap, int64_t now_us, const KnownFn& known);

  TopModelOptions opt_;
  std::shared_ptr<const Generation> latest_, shown_;
  // The generation before the latest, kept to be refilled: at 100k sockets a
  // generation's state is ~6 MB, and reusing its storage keeps the heap (and
  // resident memory) from growing by one every tick.
  std::shared_ptr<Generation> spare_;
  std::deque<ClosedRow> closed_;
  std::deque<double> hist_rx_, hist_tx_;
  uint64_t ticks_ = 0;
  int64_t now_us_ = 0;
  bool paused_ = false;
};

// Bytes/s between two counter readings (`dt_us` > 0); < 0 when there is none.
float rate_of(uint64_t before, uint64_t after, int64_t dt_us);

}  // namespace sw::tui
