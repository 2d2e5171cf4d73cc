// sw_top_render: what one keystroke or one refresh costs `sockwatch top`'s pure
// part (src/tui: TopApp, its model, view and layout) at a large population, no
// kernel involved. A synthetic Snapshot of N TCP sockets (established pairs on
// 127.0.x.1 as sw_loadgen makes them, a few listeners, owners from a handful of
// worker processes, byte counters that move every tick) is fed to a TopApp, and
// these are timed REPS times each (steady_clock, one thread):
//
//   filter-key-few   one character typed into the open '/' prompt, which
//                    re-parses and re-filters every row, few rows match,
//                    then render(200, 50)
//   filter-key-all   the same with a filter every row matches
//   search-key       one character typed into the '\' free-text prompt + render
//   sort-key         '>' (next sort column, cycling through all of them) + render
//   tick             model().on_tick(next snapshot) + refresh() + render; the
//                    snapshot itself (the engine's job) is built untimed
//   render           render(200, 50) alone
//
// Output, one line per case (bench/top.sh parses it):
//   top_render: case=NAME sockets=N reps=R rows=V median_ms=X max_ms=Y min_ms=Z
// (rows: the view's rows after the last timed step).
// Usage: sw_top_render [--sockets N] [--reps R] [--width W] [--height H]
#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tui/top_app.hpp"

namespace {

using sw::IpAddr;
using sw::OwnerInfo;
using sw::SnapEntry;
using sw::Snapshot;
using sw::Table;
using sw::tui::Key;
using sw::tui::TopApp;
using sw::tui::TopModel;

constexpr uint64_t kNs = 4026531840;
constexpr int64_t kT0 = 1'700'000'000'000'000;
constexpr int64_t kSec = 1'000'000;
constexpr uint8_t kEstablished = 1, kListen = 10;
constexpr long kPairsPerWorker = 8000;  // as sw_loadgen spreads them
constexpr uint16_t kBasePort = 20000;

IpAddr v4(uint32_t host_order) {
  IpAddr a;
  a.family = AF_INET;
  uint32_t n = htonl(host_order);
  std::memcpy(a.bytes.data(), &n, 4);
  return a;
}

struct Population {
  std::vector<SnapEntry> base;
  std::vector<std::shared_ptr<const OwnerInfo>> owner_of;  // by entry index
};

std::shared_ptr<const OwnerInfo> make_owner(int32_t pid) {
  auto o = std::make_shared<OwnerInfo>();
  o->pid = pid;
  o->comm = "sw_loadgen";
  o->exe = "/usr/local/bin/sw_loadgen";
  o->uid = 0;
  o->user = "root";
  o->start_ticks = 1000 + static_cast<uint64_t>(pid);
  o->entity_id = "boot-" + std::to_string(pid);
  return o;
}

// Established pairs (client and server side, two entries each) per worker on
// its own 127.0.x.1 and port, plus each worker's listener.
Population build(long sockets) {
  Population p;
  long pairs = sockets / 2;
  long workers = (pairs + kPairsPerWorker - 1) / kPairsPerWorker;
  std::vector<std::shared_ptr<const OwnerInfo>> owners;
  for (long w = 0; w < std::max(workers, 1L); ++w)
    owners.push_back(make_owner(static_cast<int32_t>(4000 + w)));
  uint64_t cookie = 1;
  auto add = [&](uint8_t state, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp, long w) {
    SnapEntry e;
    e.key.netns = kNs;
    e.key.cookie = cookie;
    e.key.table = static_cast<uint8_t>(Table::Tcp);
    e.table = Table::Tcp;
    e.family = AF_INET;
    e.state = state;
    e.local = v4(la);
    e.peer = v4(ra);
    e.lport = lp;
    e.rport = rp;
    e.inode = 100000 + cookie;
    e.has_counters = true;
    e.counters.bytes_received = cookie * 37;
    e.counters.bytes_acked = cookie * 11;
    e.rtt_us = 20 + static_cast<uint32_t>(cookie % 300);
    ++cookie;
    p.base.push_back(e);
    p.owner_of.push_back(owners[static_cast<size_t>(w)]);
  };
  for (long w = 0; w < workers; ++w) {
    uint32_t addr = 0x7f000001u | (static_cast<uint32_t>(w + 1) << 8);  // 127.0.(w+1).1
    auto port = static_cast<uint16_t>(kBasePort + w);
    add(kListen, addr, port, 0, 0, w);
    long n = std::min(kPairsPerWorker, pairs - w * kPairsPerWorker);
    for (long i = 0; i < n; ++i) {
      auto eph = static_cast<uint16_t>(32768 + i);
      add(kEstablished, 0x7f000001u, eph, addr, port, w);  // client side
      add(kEstablished, addr, port, 0x7f000001u, eph, w);  // server side
    }
  }
  return p;
}

// One tick's snapshot: counters moved on every 10th socket (traffic on a few).
std::shared_ptr<const Snapshot> snapshot_at(const Population& p, int tick, int64_t now) {
  std::vector<SnapEntry> es = p.base;
  for (size_t i = 0; i < es.size(); i += 10) {
    auto t = static_cast<uint64_t>(tick);
    es[i].counters.bytes_received += t * (1000 + i % 5000);
    es[i].counters.bytes_acked += t * (300 + i % 700);
  }
  return std::make_shared<const Snapshot>(std::move(es), now, std::vector<uint64_t>{kNs});
}

struct Result {
  std::string name;
  std::vector<double> ms;
  size_t rows = 0;  // rows in the view after the last timed step (a sanity check)
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double time_ms(const std::function<void()>& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

long arg_long(const char* s, const char* what) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (!*s || *end || v < 1) {
    std::fprintf(stderr, "sw_top_render: bad %s '%s'\n", what, s);
    std::exit(2);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  long sockets = 100'000, reps = 20, width = 200, height = 50;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr,
                   "usage: sw_top_render [--sockets N] [--reps R] [--width W] [--height H]\n");
      return 2;
    }
    const char* v = argv[++i];
    if (k == "--sockets")
      sockets = arg_long(v, "--sockets");
    else if (k == "--reps")
      reps = arg_long(v, "--reps");
    else if (k == "--width")
      width = arg_long(v, "--width");
    else if (k == "--height")
      height = arg_long(v, "--height");
    else {
      std::fprintf(stderr, "sw_top_render: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  const int w = static_cast<int>(width), h = static_cast<int>(height);

  Population pop = build(sockets);
  TopApp app{sw::tui::TopAppOptions{}};
  int64_t now = kT0;
  int tick = 0;
  auto feed = [&](std::shared_ptr<const Snapshot> snap) {
    app.model().on_tick(std::move(snap), now, [&](size_t i) {
      TopModel::Known k;
      // Entries are sorted by key (cookie order = build order here).
      k.owner = pop.owner_of[i];
      k.preexisting = true;
      return k;
    });
    app.refresh();
  };
  // Two ticks first, so rates exist and nothing is marked new any more.
  feed(snapshot_at(pop, tick++, now));
  now += kSec;
  feed(snapshot_at(pop, tick++, now));
  now += 4 * kSec;
  feed(snapshot_at(pop, tick++, now));
  app.render(w, h);
  std::printf("top_render: population sockets=%zu view_rows=%zu\n",
              app.model().shown().snap->size(), app.view().size());

  auto key = [&](char32_t c) { app.handle_key(Key::chr(c)); };
  auto special = [&](Key::Kind k) { app.handle_key(Key::of(k)); };
  auto type = [&](const char* s) {
    for (const char* c = s; *c; ++c) key(static_cast<unsigned char>(*c));
  };
  std::vector<Result> results;

  // A filter prompt that holds `base`; each timed step types `extra` (a valid
  // filter either way) and the untimed Backspace puts `base` back.
  auto filter_case = [&](const char* name, const char* base, char extra) {
    Result r{name, {}};
    key('/');
    type(base);
    for (long i = 0; i < reps; ++i) {
      r.ms.push_back(time_ms([&] {
        key(static_cast<unsigned char>(extra));
        app.render(w, h);
      }));
      r.rows = app.view().size();
      special(Key::Kind::Backspace);
    }
    special(Key::Kind::Escape);  // back to no filter
    app.render(w, h);
    results.push_back(std::move(r));
  };
  // "dport = :3276" → "dport = :32768": the server side of each worker's first pair.
  filter_case("filter-key-few", "dport = :3276", '8');
  // "sport > :1" → "sport > :10": every socket.
  filter_case("filter-key-all", "sport > :1", '0');

  {
    Result r{"search-key", {}};
    key('\\');
    type("127.0.3");
    for (long i = 0; i < reps; ++i) {
      r.ms.push_back(time_ms([&] {
        key('.');
        app.render(w, h);
      }));
      r.rows = app.view().size();
      special(Key::Kind::Backspace);
    }
    special(Key::Kind::Escape);
    app.render(w, h);
    results.push_back(std::move(r));
  }
  {
    Result r{"sort-key", {}};
    for (long i = 0; i < reps; ++i)
      r.ms.push_back(time_ms([&] {
        key('>');
        app.render(w, h);
      }));
    r.rows = app.view().size();
    results.push_back(std::move(r));
  }
  {
    Result r{"tick", {}};
    for (long i = 0; i < reps; ++i) {
      now += kSec;
      auto snap = snapshot_at(pop, tick++, now);  // the engine's work: untimed
      r.ms.push_back(time_ms([&] {
        feed(std::move(snap));
        app.render(w, h);
      }));
    }
    r.rows = app.view().size();
    results.push_back(std::move(r));
  }
  {
    Result r{"render", {}};
    for (long i = 0; i < reps; ++i) r.ms.push_back(time_ms([&] { app.render(w, h); }));
    r.rows = app.view().size();
    results.push_back(std::move(r));
  }

  for (const Result& r : results) {
    std::printf(
        "top_render: case=%s sockets=%zu reps=%zu rows=%zu median_ms=%.2f max_ms=%.2f "
        "min_ms=%.2f\n",
        r.name.c_str(), pop.base.size(), r.ms.size(), r.rows, median(r.ms),
        *std::max_element(r.ms.begin(), r.ms.end()), *std::min_element(r.ms.begin(), r.ms.end()));
  }
  return 0;
}
