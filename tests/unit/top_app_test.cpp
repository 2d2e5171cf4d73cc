// top's model, view and layout on a fake terminal size and a fake clock:
// populations built by hand, keys scripted, frames compared as text.
#include "tui/top_app.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "subcommands.hpp"
#include "tui/top_json.hpp"

namespace sw::tui {
using sw::find_subcommand;
using sw::Subcommand;
using sw::subcommand_help;
namespace {

constexpr uint64_t kNs = 4026531840;
constexpr int64_t kT0 = 1'700'000'000'000'000;  // wall clock µs
constexpr int64_t kSec = 1'000'000;

IpAddr v4(const char* s) {
  IpAddr a;
  a.family = AF_INET;
  inet_pton(AF_INET, s, a.bytes.data());
  return a;
}

struct Sock {
  uint64_t cookie;
  uint8_t state;
  const char* local;
  uint16_t lport;
  const char* peer;
  uint16_t rport;
  uint64_t rx = 0, tx = 0;
  Table table = Table::Tcp;
  uint32_t rq = 0, wq = 0;
};

SnapEntry entry(const Sock& s) {
  SnapEntry e;
  e.key.netns = kNs;
  e.key.cookie = s.cookie;
  e.key.table = static_cast<uint8_t>(s.table);
  e.table = s.table;
  e.family = AF_INET;
  e.state = s.state;
  e.local = v4(s.local);
  e.peer = v4(s.peer);
  e.lport = s.lport;
  e.rport = s.rport;
  e.inode = 1000 + s.cookie;
  e.has_counters = s.table == Table::Tcp;
  e.counters.bytes_received = s.rx;
  e.counters.bytes_acked = s.tx;
  e.rqueue = s.rq;
  e.wqueue = s.wq;
  e.rtt_us = 1500;
  return e;
}

std::shared_ptr<const OwnerInfo> owner(int32_t pid, const char* comm, const char* exe) {
  auto o = std::make_shared<OwnerInfo>();
  o->pid = pid;
  o->comm = comm;
  o->exe = exe;
  o->uid = 0;
  o->user = "root";
  o->start_ticks = 100 + static_cast<uint64_t>(pid);
  o->entity_id = "boot-" + std::to_string(pid);
  return o;
}

// A population over time: each tick a list of sockets and their owners.
struct Harness {
  TopApp app;
  int64_t now = kT0;
  std::map<uint64_t, std::shared_ptr<const OwnerInfo>> owners;
  std::set<uint64_t> destroyed;  // cookies the engine already closed (Known::closed)

  explicit Harness(TopAppOptions o = {}) : app(std::move(o)) {}

  void tick(const std::vector<Sock>& socks) {
    std::vector<SnapEntry> es;
    for (const Sock& s : socks) es.push_back(entry(s));
    auto snap = std::make_shared<const Snapshot>(std::move(es), now, std::vector<uint64_t>{kNs});
    app.model().on_tick(snap, now, [&](size_t i) {
      TopModel::Known k;
      auto it = owners.find(snap->entries()[i].key.cookie);
      if (it != owners.end()) k.owner = it->second;
      k.closed = destroyed.count(snap->entries()[i].key.cookie) > 0;
      return k;
    });
    app.refresh();
  }
  void close(const Sock& s, bool polled) {
    SocketEvent ev;
    ev.type = EventType::Close;
    ev.ts_us = now;
    SnapEntry e = entry(s);
    ev.key = e.key;
    ev.table = e.table;
    ev.family = e.family;
    ev.state = e.state;
    ev.local = e.local;
    ev.peer = e.peer;
    ev.lport = e.lport;
    ev.rport = e.rport;
    ev.inode = e.inode;
    ev.counters = e.counters;
    ev.opened_us = now - kSec / 2;
    auto it = owners.find(s.cookie);
    if (it != owners.end()) ev.owner = it->second;
    ev.source = "destroy";
    app.model().on_close(ev, polled);
    app.refresh();
  }
  Request key(Key k) { return app.handle_key(k); }
  Request type(const std::string& s) {
    Request last;
    for (char c : s) last = app.handle_key(Key::chr(static_cast<unsigned char>(c)));
    return last;
  }
  std::string frame(int w = 120, int h = 24) { return app.render(w, h).to_text(); }
};

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The table rows (after the two header lines and the column titles).
std::vector<std::string> rows_of(const std::string& frame) {
  auto ls = lines_of(frame);
  std::vector<std::string> out;
  for (size_t i = 3; i + 1 < ls.size(); ++i)
    if (!ls[i].empty()) out.push_back(ls[i]);
  return out;
}

const Sock kWeb{1, kEstablished, "10.0.0.1", 443, "10.0.0.9", 50000};
const Sock kSsh{2, kEstablished, "10.0.0.1", 22, "10.0.0.8", 40000};
const Sock kListener{3, sw::kListen, "0.0.0.0", 80, "0.0.0.0", 0, 0, 0, Table::Tcp, 3, 4};

TEST(TopModel, RatesComeFromCounterDeltasBetweenTicks) {
  Harness h;
  h.tick({kWeb});
  Sock w = kWeb;
  w.rx = 2048 * 2;  // 4 KiB in 2 s: 2 KiB/s
  w.tx = 1024;
  h.now += 2 * kSec;
  h.tick({w});
  const RowState& st = h.app.model().shown().state[0];
  EXPECT_FLOAT_EQ(st.rx_bps, 2048);
  EXPECT_FLOAT_EQ(st.tx_bps, 512);
  std::string f = h.frame();
  EXPECT_NE(f.find("2.0K"), std::string::npos) << f;
  EXPECT_NE(f.find("RX 2.0K/s  TX 512/s"), std::string::npos) << f;
  // UDP has no counters: no rate is invented.
  Sock u{9, kClose, "10.0.0.1", 53, "0.0.0.0", 0, 0, 0, Table::Udp};
  h.now += kSec;
  h.tick({w, u});
  h.now += kSec;
  h.tick({w, u});
  const auto& es = h.app.model().shown().snap->entries();
  for (size_t i = 0; i < es.size(); ++i)
    if (es[i].table == Table::Udp) {
      EXPECT_LT(h.app.model().shown().state[i].rx_bps, 0);
    }
}

TEST(TopModel, NewChangedAndClosedRowsAreMarkedAndLinger) {
  TopAppOptions o;
  o.model.linger_us = 5 * kSec;
  o.model.highlight_us = 3 * kSec;
  Harness h(o);
  h.tick({kWeb});
  EXPECT_EQ(h.app.model().shown().state[0].mark, Mark::None);  // there before the first look
  h.now += kSec;
  h.tick({kWeb, kSsh});
  auto find = [&](uint64_t cookie) {
    const auto& es = h.app.model().shown().snap->entries();
    for (size_t i = 0; i < es.size(); ++i)
      if (es[i].key.cookie == cookie) return h.app.model().shown().state[i];
    return RowState{};
  };
  EXPECT_EQ(find(2).mark, Mark::New);
  Sock ssh2 = kSsh;
  ssh2.state = kCloseWait;
  h.now += kSec;
  h.tick({kWeb, ssh2});
  EXPECT_EQ(find(2).mark, Mark::Changed);
  h.now += 4 * kSec;
  h.tick({kWeb, ssh2});
  EXPECT_EQ(find(2).mark, Mark::None);  // faded

  h.close(kWeb, true);
  h.tick({ssh2});
  std::string f = h.frame();
  EXPECT_NE(f.find("CLOSED"), std::string::npos) << f;
  // A connection opened and closed between two ticks.
  Sock brief{7, kEstablished, "10.0.0.1", 443, "10.0.0.7", 51000};
  h.close(brief, false);
  f = h.frame();
  EXPECT_NE(f.find("SHORT-LIVED"), std::string::npos) << f;
  EXPECT_NE(f.find("closed 2 (1 short-lived)"), std::string::npos) << f;
  h.now += 6 * kSec;
  h.tick({ssh2});
  f = h.frame();
  EXPECT_EQ(f.find("CLOSED"), std::string::npos) << f;
  EXPECT_EQ(f.find("SHORT-LIVED"), std::string::npos) << f;
}

TEST(TopModel, ARowTheEngineClosedIsHiddenButItsTimeWaitStays) {
  Harness h;
  Sock tw{5, kTimeWait, "10.0.0.1", 40001, "10.0.0.5", 5432};
  h.tick({kWeb, tw});
  h.destroyed = {1, 5};  // both closed by destroy messages; the poll still shows them
  h.close(kWeb, true);
  h.now += kSec;
  h.tick({kWeb, tw});
  auto r = rows_of(h.frame());
  ASSERT_EQ(r.size(), 2u) << h.frame();
  std::string all = r[0] + r[1];
  EXPECT_NE(all.find("CLOSED"), std::string::npos);     // the web connection, red
  EXPECT_NE(all.find("TIME-WAIT"), std::string::npos);  // the TIME-WAIT, as it is
  EXPECT_EQ(all.find("ESTAB"), std::string::npos);      // not also as a live row
  EXPECT_EQ(h.app.model().totals().by_state[kTimeWait], 1u);
}

TEST(TopApp, SortsByColumnsAndReverses) {
  Harness h;
  h.tick({kWeb, kSsh, kListener});
  h.app.set_sort(Col::Local, false);
  auto r = rows_of(h.frame());
  ASSERT_EQ(r.size(), 3u);
  EXPECT_NE(r[0].find("*:80"), std::string::npos);  // 0.0.0.0 first
  EXPECT_NE(r[1].find("10.0.0.1:22 "), std::string::npos);
  h.key(Key::chr('r'));
  r = rows_of(h.frame());
  EXPECT_NE(r[0].find("10.0.0.1:443"), std::string::npos);
  // '>' moves to the next column (Remote): the sort title carries the arrow.
  h.key(Key::chr('>'));
  EXPECT_NE(h.frame().find("sort Remote"), std::string::npos);
}

TEST(TopApp, ClickOnAHeaderSortsAndClickOnARowSelects) {
  Harness h;
  h.tick({kWeb, kSsh, kListener});
  Frame f = h.app.render(120, 24);
  std::string text = f.to_text();
  auto ls = lines_of(text);
  int x = static_cast<int>(ls[2].find("Remote"));
  ASSERT_GT(x, 0);
  Key click{Key::Kind::Mouse, 0, Key::Button::Left, x, 2};
  h.key(click);
  EXPECT_NE(h.frame().find("sort Remote"), std::string::npos);
  h.key(click);
  EXPECT_NE(h.frame().find("sort Remote (rev)"), std::string::npos);
  Key row{Key::Kind::Mouse, 0, Key::Button::Left, 5, 4};
  h.key(row);
  auto sel = h.app.selected_row();
  ASSERT_TRUE(sel);
  auto r = rows_of(h.frame());
  EXPECT_NE(r[1].find(std::to_string(sel->e->lport)), std::string::npos);
}

TEST(TopApp, FilterTypedLiveWithCaretOnErrorsAndEscapeRestores) {
  Harness h;
  h.tick({kWeb, kSsh, kListener});
  h.key(Key::chr('/'));
  h.type("sport = :22");
  auto r = rows_of(h.frame());
  ASSERT_EQ(r.size(), 1u) << h.frame();
  EXPECT_NE(r[0].find(":22"), std::string::npos);
  // Keep it with Enter, then open again and type a bad one.
  h.key(Key::of(Key::Kind::Enter));
  EXPECT_NE(h.frame().find("filter: sport = :22"), std::string::npos);
  h.key(Key::chr('/'));
  for (int i = 0; i < 3; ++i) h.key(Key::of(Key::Kind::Backspace));
  h.type("foo");
  std::string f = h.frame();
  auto ls = lines_of(f);
  ASSERT_GE(ls.size(), 3u);
  // The caret line sits above the prompt, under the bad token.
  std::string prompt = ls[ls.size() - 1], caret = ls[ls.size() - 2];
  EXPECT_EQ(prompt.find("filter (ss syntax)> sport = foo"), 0u) << f;
  size_t at = prompt.find("foo");
  ASSERT_NE(caret.find('^'), std::string::npos) << f;
  EXPECT_EQ(caret.find('^'), at) << f;
  // Esc: the filter in force before the prompt comes back.
  h.key(Key::of(Key::Kind::Escape));
  r = rows_of(h.frame());
  ASSERT_EQ(r.size(), 1u);
  // State words come first, as in ss.
  EXPECT_TRUE(h.app.set_filter("state listening"));
  r = rows_of(h.frame());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].find("LISTEN"), std::string::npos);
  EXPECT_FALSE(h.app.set_filter("state nosuch"));
}

TEST(TopApp, FreeTextSearchesProcessAndAddress) {
  Harness h;
  h.owners[2] = owner(42, "sshd", "/usr/sbin/sshd");
  h.owners[1] = owner(7, "nginx", "/usr/sbin/nginx");
  h.tick({kWeb, kSsh});
  h.key(Key::chr('\\'));
  h.type("SSH");
  auto r = rows_of(h.frame());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].find("sshd/42"), std::string::npos);
  h.key(Key::of(Key::Kind::Enter));
  h.app.set_text("10.0.0.9");
  r = rows_of(h.frame());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].find("nginx/7"), std::string::npos);
}

TEST(TopApp, PauseFreezesTheDisplayButRatesStayRight) {
  Harness h;
  h.tick({kWeb});
  h.key(Key::chr(' '));
  std::string before = h.frame();
  EXPECT_NE(before.find("PAUSED"), std::string::npos);
  Sock w = kWeb;
  w.rx = 1000;
  h.now += kSec;
  h.tick({w, kSsh});  // collection goes on
  EXPECT_EQ(rows_of(h.frame()), rows_of(before));
  w.rx = 3000;
  h.now += kSec;
  h.tick({w, kSsh});
  h.key(Key::chr(' '));
  EXPECT_EQ(rows_of(h.frame()).size(), 2u);
  // The rate is over the last tick, not over the pause.
  const auto& es = h.app.model().shown().snap->entries();
  for (size_t i = 0; i < es.size(); ++i)
    if (es[i].key.cookie == 1) {
      EXPECT_FLOAT_EQ(h.app.model().shown().state[i].rx_bps, 2000);
    }
}

TEST(TopApp, SelectionFollowsItsSocketUnderChurn) {
  Harness h;
  h.tick({kWeb, kSsh, kListener});
  h.app.set_sort(Col::Local, false);
  h.key(Key::of(Key::Kind::Down));
  h.key(Key::of(Key::Kind::Down));  // 10.0.0.1:443
  ASSERT_EQ(h.app.selected_row()->e->key.cookie, 1u);
  // Three new sockets sort in front of it.
  std::vector<Sock> more = {kWeb, kSsh, kListener};
  for (uint64_t c = 10; c < 13; ++c)
    more.push_back({c, kEstablished, "1.1.1.1", static_cast<uint16_t>(c), "2.2.2.2", 9});
  h.now += kSec;
  h.tick(more);
  ASSERT_TRUE(h.app.selected_row());
  EXPECT_EQ(h.app.selected_row()->e->key.cookie, 1u);
  // It closes: the selection stays on its red row.
  h.close(kWeb, true);
  more.erase(more.begin());
  h.tick(more);
  ASSERT_TRUE(h.app.selected_row());
  EXPECT_EQ(h.app.selected_row()->e->key.cookie, 1u);
  EXPECT_TRUE(h.app.selected_row()->closed);
}

TEST(TopApp, FrozenOrderKeepsRowsWhereTheyWere) {
  Harness h;
  h.tick({kWeb, kSsh});
  h.app.set_sort(Col::RxRate, false);
  h.key(Key::chr('o'));
  auto first = rows_of(h.frame());
  Sock w = kWeb, s = kSsh;
  s.rx = 1'000'000;  // would sort first
  h.now += kSec;
  h.tick({w, s, kListener});
  auto r = rows_of(h.frame());
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].substr(0, 40), first[0].substr(0, 40));
  EXPECT_NE(r[2].find("*:80"), std::string::npos);  // the new one goes last
  h.key(Key::chr('o'));
  r = rows_of(h.frame());
  EXPECT_NE(r[0].find(":22"), std::string::npos);  // sorted by RX/s again
}

TEST(TopApp, ListenerViewShowsScopeAndAcceptQueueFill) {
  Harness h;
  Sock lo{4, sw::kListen, "127.0.0.1", 5432, "0.0.0.0", 0, 0, 0, Table::Tcp, 0, 128};
  h.tick({kWeb, kListener, lo});
  h.key(Key::chr('2'));
  std::string f = h.frame();
  auto r = rows_of(f);
  ASSERT_EQ(r.size(), 2u) << f;
  EXPECT_NE(f.find("wildcard"), std::string::npos);
  EXPECT_NE(f.find("loopback"), std::string::npos);
  EXPECT_NE(f.find("3/4"), std::string::npos);  // 3 waiting of a backlog of 4
  // 75% is not yet "nearly full"; 4 of 4 is.
  for (const auto& l : r) EXPECT_NE(l[0], '!');
  Sock full = kListener;
  full.rq = 4;
  h.now += kSec;
  h.tick({kWeb, full, lo});
  bool bang = false;
  for (const auto& l : rows_of(h.frame())) bang = bang || l[0] == '!';
  EXPECT_TRUE(bang);
}

TEST(TopApp, GroupViewsCountStatesPerProcessAndPeer) {
  Harness h;
  std::vector<Sock> socks;
  for (uint64_t c = 1; c <= 5; ++c)
    socks.push_back({c, c <= 3 ? uint8_t{kTimeWait} : uint8_t{kEstablished}, "10.0.0.1",
                     static_cast<uint16_t>(40000 + c), "10.0.0.5", 5432});
  socks.push_back({9, kEstablished, "10.0.0.1", 40100, "10.0.0.6", 80});
  for (uint64_t c = 4; c <= 5; ++c) h.owners[c] = owner(300, "app", "/srv/app");
  h.tick(socks);
  h.key(Key::chr('4'));
  h.app.set_sort(Col::Sockets, false);
  std::string f = h.frame();
  auto r = rows_of(f);
  ASSERT_EQ(r.size(), 2u) << f;
  EXPECT_NE(r[0].find("10.0.0.5"), std::string::npos);
  std::istringstream in(r[0]);
  std::string addr;
  int sockets = 0, estab = 0, tw = 0;
  in >> addr >> sockets >> estab >> tw;
  EXPECT_EQ(sockets, 5);
  EXPECT_EQ(estab, 2);
  EXPECT_EQ(tw, 3);
  h.key(Key::chr('3'));
  f = h.frame();
  EXPECT_NE(f.find("app/300"), std::string::npos) << f;
  EXPECT_NE(f.find("(unknown owner)"), std::string::npos) << f;
}

TEST(TopApp, NarrowTerminalsDropColumnsNeverWrap) {
  Harness h;
  h.owners[1] = owner(7, "a-very-long-process-name-indeed", "/x");
  h.tick({kWeb, kSsh, kListener});
  for (int w : {80, 60, 40}) {
    Frame f = h.app.render(w, 24);
    for (const std::string& l : lines_of(f.to_text()))
      EXPECT_LE(display_width(l), w) << "width " << w << ": " << l;
    EXPECT_LE(f.lines.size(), 24u);
  }
  std::string f80 = h.frame(80, 24);
  EXPECT_NE(f80.find("Local"), std::string::npos);
  EXPECT_NE(f80.find("Remote"), std::string::npos);
  EXPECT_EQ(f80.find("Container"), std::string::npos);  // dropped first
  std::string tiny = h.frame(30, 4);
  EXPECT_NE(tiny.find("too small"), std::string::npos);
}

TEST(TopApp, CloseAndSignalAskFirstNamingWhatIsHit) {
  Harness h;
  h.owners[2] = owner(42, "sshd", "/usr/sbin/sshd");
  h.tick({kSsh});
  EXPECT_EQ(h.key(Key::chr('K')).kind, Request::Kind::None);
  std::string f = h.frame();
  EXPECT_NE(f.find("Close tcp ESTAB 10.0.0.1:22 -> 10.0.0.8:40000 of sshd (pid 42)? y/N"),
            std::string::npos)
      << f;
  Request r = h.key(Key::chr('y'));
  ASSERT_EQ(r.kind, Request::Kind::Destroy);
  EXPECT_EQ(r.entry.key.cookie, 2u);
  h.key(Key::chr('K'));
  EXPECT_EQ(h.key(Key::chr('n')).kind, Request::Kind::None);
  h.key(Key::chr('k'));
  EXPECT_NE(h.frame().find("Signal sshd (pid 42, user root)?"), std::string::npos);
  r = h.key(Key::chr('9'));
  ASSERT_EQ(r.kind, Request::Kind::Signal);
  EXPECT_EQ(r.pid, 42);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.start_ticks, 142u);
}

TEST(TopApp, MarkFlagsWhatIsNewSinceAndFiltersToIt) {
  Harness h;
  h.owners[1] = owner(7, "nginx", "/usr/sbin/nginx");
  h.tick({kWeb, kListener});
  h.key(Key::chr('m'));
  Sock backdoor{20, sw::kListen, "0.0.0.0", 31337, "0.0.0.0", 0};
  h.owners[20] = owner(666, "x", "/tmp/.x/backdoor");
  Sock same_peer = kWeb;
  same_peer.cookie = 21;  // the same program to the same peer: known
  h.owners[21] = h.owners[1];
  h.now += kSec;
  h.tick({kWeb, kListener, backdoor, same_peer});
  h.key(Key::chr('M'));
  auto r = rows_of(h.frame());
  ASSERT_EQ(r.size(), 1u) << h.frame();
  EXPECT_EQ(r[0][0], '+');
  EXPECT_NE(r[0].find("31337"), std::string::npos);
}

TEST(TopApp, HelpListsEveryBinding) {
  Harness h;
  h.key(Key::chr('?'));
  std::string f = h.app.render(200, 60).to_text();
  for (const Binding& b : bindings()) EXPECT_NE(f.find(b.what), std::string::npos) << b.what;
  // At 80x24 it scrolls: every key name appears on some page, no line is wider.
  std::string all;
  for (int page = 0; page < 10; ++page) {
    std::string p = h.app.render(80, 24).to_text();
    for (const std::string& l : lines_of(p)) EXPECT_LE(display_width(l), 80) << l;
    all += p;
    for (int i = 0; i < 20; ++i) h.key(Key::of(Key::Kind::Down));
  }
  for (const Binding& b : bindings())
    EXPECT_NE(all.find(std::string(b.keys).substr(0, 10)), std::string::npos) << b.keys;
  // --help lists them too.
  const Subcommand* top = find_subcommand("top");
  ASSERT_TRUE(top);
  std::string help = subcommand_help(*top);
  for (const Binding& b : bindings()) EXPECT_NE(help.find(b.what), std::string::npos) << b.what;
  h.key(Key::chr('x'));  // any key closes it, and does nothing else
  EXPECT_EQ(h.frame().find("any key closes"), std::string::npos);
  EXPECT_FALSE(h.app.collect().unix_sockets);
}

TEST(TopApp, UntrustedTextIsEscaped) {
  Harness h;
  h.owners[1] = owner(7, "evil\x1b]0;pwned\x07", "/x");
  h.tick({kWeb});
  std::string f = h.frame();
  EXPECT_EQ(f.find('\x1b'), std::string::npos);
  EXPECT_NE(f.find("evil\\033]0;pwned\\007"), std::string::npos) << f;
}

TEST(TopApp, JsonFramesAndExportCarryTheRows) {
  Harness h;
  h.owners[1] = owner(7, "ngi\x01nx", "/usr/sbin/nginx");
  h.tick({kWeb, kSsh});
  auto j = nlohmann::json::parse(frame_json(h.app, h.now));
  EXPECT_EQ(j["schema"], "sockwatch-top/1");
  EXPECT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["totals"]["sockets"], 2);
  auto e = nlohmann::json::parse(export_json(h.app, h.now));
  EXPECT_EQ(e["schema"], "sockwatch/1");
  bool found = false;
  for (const auto& s : e["sockets"])
    if (!s["owners"].is_null()) {
      EXPECT_EQ(s["owners"][0]["comm"], "ngi\x01nx");  // lossless
      EXPECT_EQ(s["local"]["port"], 443);
      found = true;
    }
  EXPECT_TRUE(found);
}

TEST(TopApp, BatchTextStreamsEveryRowInAlignedChunks) {
  Harness h;
  std::vector<Sock> socks;
  for (uint64_t c = 1; c <= 3000; ++c)  // three chunks
    socks.push_back({c, kEstablished, c == 2999 ? "10.200.200.200" : "10.0.0.1",
                     static_cast<uint16_t>(1000 + c), "10.0.0.2", 80});
  h.tick(socks);
  h.app.set_sort(Col::Local, false);
  std::string out;
  size_t calls = 0;
  ASSERT_TRUE(h.app.write_batch(120, [&](std::string_view s) {
    out += s;
    ++calls;
    return true;
  }));
  EXPECT_GE(calls, 5u);  // header, 3 chunks, status
  auto ls = lines_of(out);
  ASSERT_EQ(ls.size(), 3u + 3000u + 1u) << out.substr(0, 500);
  size_t col = ls[2].find("Local");
  ASSERT_NE(col, std::string::npos);
  // The widest address (in the last chunk) set the width of every chunk.
  // (the title line holds a multi-byte arrow: compare rows with the first row)
  size_t remote = ls[3].find("10.0.0.2:80");
  for (size_t i = 3; i < 3003; ++i) {
    ASSERT_EQ(ls[i].find("10."), col) << i << ": " << ls[i];
    ASSERT_EQ(ls[i].find("10.0.0.2:80"), remote) << i << ": " << ls[i];
  }
  // A reader that stops stops the output.
  EXPECT_FALSE(h.app.write_batch(120, [&](std::string_view) { return false; }));
}

TEST(TopApp, DelayPromptValidatesAndReturnsTheInterval) {
  Harness h;
  h.tick({kWeb});
  h.key(Key::chr('d'));
  for (int i = 0; i < 5; ++i) h.key(Key::of(Key::Kind::Backspace));
  h.type("0.5");
  Request r = h.key(Key::of(Key::Kind::Enter));
  ASSERT_EQ(r.kind, Request::Kind::Interval);
  EXPECT_EQ(r.interval_us, 500'000);
  h.key(Key::chr('d'));
  for (int i = 0; i < 5; ++i) h.key(Key::of(Key::Kind::Backspace));
  h.type("abc");
  EXPECT_EQ(h.key(Key::of(Key::Kind::Enter)).kind, Request::Kind::None);
  EXPECT_NE(h.frame().find("refresh interval: give seconds"), std::string::npos);
}

}  // namespace
}  // namespace sw::tui
