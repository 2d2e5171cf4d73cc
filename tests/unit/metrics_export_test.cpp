// sw_export: the exposition text (escaping of untrusted label values,
// invalid UTF-8, HELP/TYPE for every family, OpenMetrics counters and
// `# EOF`, Accept negotiation) and the socket families built from records
// (state names, listeners by exposure, folded executables, accept queues
// bounded and counted, peers folded into "other", unknown owners).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cmath>
#include <regex>
#include <set>
#include <sstream>

#include "core/tables.hpp"
#include "core/utf8.hpp"
#include "export/exposition.hpp"
#include "export/socket_metrics.hpp"
#include "rules/rule_set.hpp"
#include "subcommands.hpp"

namespace sw {
namespace {

IpAddr ip(const char* text) {
  IpAddr a;
  if (inet_pton(AF_INET, text, a.bytes.data()) == 1) {
    a.family = AF_INET;
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text, a.bytes.data()), 1) << text;
    a.family = AF_INET6;
  }
  return a;
}

SocketRecord sock(Table t, uint8_t state, const char* local, uint16_t lport, const char* peer,
                  uint16_t rport, uint64_t inode) {
  SocketRecord r;
  r.table = t;
  r.state = state;
  r.local = ip(local);
  r.family = r.local.family;
  r.peer = ip(peer);
  r.lport = lport;
  r.rport = rport;
  r.inode = inode;
  return r;
}

std::string label(std::string_view raw) {
  std::string out;
  append_label_value(out, raw);
  return out;
}

// The value of the sample written exactly as `series` (name and labels), or -1.
double value_of(const std::vector<MetricFamily>& fams, const std::string& series) {
  std::string text = render_exposition(fams, ExpositionFormat::Prometheus);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

size_t samples_of(const std::vector<MetricFamily>& fams, const std::string& name) {
  for (const auto& f : fams)
    if (f.name == name) return f.samples.size();
  return 0;
}

TEST(MetricsExport, LabelValuesEscapeBackslashQuoteNewline) {
  EXPECT_EQ(label(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(label("say \"hi\""), R"(say \"hi\")");
  EXPECT_EQ(label("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(label("plain-name_1.2"), "plain-name_1.2");
  EXPECT_EQ(label("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");  // valid UTF-8 stays
}

TEST(MetricsExport, InvalidUtf8AndControlsBecomeReplacementCharacters) {
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(label("a\xff"
                  "b"),
            "a" + fffd + "b");
  EXPECT_EQ(label("\xc0\xaf"), fffd + fffd);                 // overlong '/': two bad bytes
  EXPECT_EQ(label("\xed\xa0\x80"), fffd + fffd + fffd);      // a UTF-16 surrogate
  EXPECT_EQ(label("trunc\xe2\x9c"), "trunc" + fffd + fffd);  // cut short
  EXPECT_EQ(label("esc\x1b[31m"), "esc" + fffd + "[31m");    // C0 control
  EXPECT_EQ(label("csi\xc2\x9b"), "csi" + fffd);             // C1 control, validly encoded
  EXPECT_EQ(label(std::string("nul\0x", 5)), "nul" + fffd + "x");
  EXPECT_EQ(label("del\x7f"), "del" + fffd);
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_TRUE(valid_utf8(label(all)));
}

TEST(MetricsExport, ValuesAreIntegersWhenWholeAndShortestOtherwise) {
  auto v = [](double d) {
    std::string s;
    append_value(s, d);
    return s;
  };
  EXPECT_EQ(v(0), "0");
  EXPECT_EQ(v(3), "3");
  EXPECT_EQ(v(1e6), "1000000");
  EXPECT_EQ(v(0.25), "0.25");
  EXPECT_EQ(v(-2), "-2");
  EXPECT_EQ(v(std::nan("")), "NaN");
  EXPECT_EQ(v(HUGE_VAL), "+Inf");
  EXPECT_EQ(v(-HUGE_VAL), "-Inf");
}

std::vector<MetricFamily> sample_families() {
  return {
      {"sw_things",
       "Things \\ with\nhelp.",
       MetricType::Gauge,
       {{{{"name", "a\"b"}, {"kind", "x"}}, 2}, {{{"name", "c"}, {"kind", "y"}}, 0.5}}},
      {"sw_events_total", "Events.", MetricType::Counter, {{{}, 7}}},
      {"sw_empty", "No samples yet.", MetricType::Gauge, {}},
  };
}

TEST(MetricsExport, PrometheusTextHasHelpAndTypeForEveryFamily) {
  std::string text = render_exposition(sample_families(), ExpositionFormat::Prometheus);
  EXPECT_EQ(text,
            "# HELP sw_things Things \\\\ with\\nhelp.\n"
            "# TYPE sw_things gauge\n"
            "sw_things{name=\"a\\\"b\",kind=\"x\"} 2\n"
            "sw_things{name=\"c\",kind=\"y\"} 0.5\n"
            "# HELP sw_events_total Events.\n"
            "# TYPE sw_events_total counter\n"
            "sw_events_total 7\n"
            "# HELP sw_empty No samples yet.\n"
            "# TYPE sw_empty gauge\n");
  EXPECT_EQ(text.find("# EOF"), std::string::npos);
}

TEST(MetricsExport, OpenMetricsNamesCounterFamiliesWithoutTotalAndEndsWithEof) {
  std::string text = render_exposition(sample_families(), ExpositionFormat::OpenMetrics);
  EXPECT_NE(text.find("# HELP sw_events Events.\n# TYPE sw_events counter\nsw_events_total 7\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE sw_things gauge\n"), std::string::npos);
  ASSERT_GE(text.size(), 6u);
  EXPECT_EQ(text.substr(text.size() - 6), "# EOF\n");
  EXPECT_EQ(text.find("# EOF"), text.size() - 6);  // once, at the end
}

TEST(MetricsExport, AcceptHeaderChoosesTheFormat) {
  // What Prometheus 2.42 (Debian 12) sends.
  EXPECT_EQ(format_for_accept("application/openmetrics-text;version=1.0.0,application/"
                              "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;"
                              "q=0.5,*/*;q=0.1"),
            ExpositionFormat::OpenMetrics);
  EXPECT_EQ(format_for_accept(""), ExpositionFormat::Prometheus);
  EXPECT_EQ(format_for_accept("*/*"), ExpositionFormat::Prometheus);
  EXPECT_EQ(format_for_accept("text/plain;version=0.0.4"), ExpositionFormat::Prometheus);
  EXPECT_EQ(format_for_accept("application/openmetrics-text; q=0.2, text/plain"),
            ExpositionFormat::Prometheus);
  EXPECT_EQ(format_for_accept("application/openmetrics-text;q=0"), ExpositionFormat::Prometheus);
  EXPECT_EQ(content_type(ExpositionFormat::OpenMetrics),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_EQ(content_type(ExpositionFormat::Prometheus), "text/plain; version=0.0.4; charset=utf-8");
}

TEST(MetricsExport, StateLabelsAreSsNamesLowercased) {
  EXPECT_EQ(state_label(kEstablished), "established");
  EXPECT_EQ(state_label(kListen), "listen");
  EXPECT_EQ(state_label(kTimeWait), "time_wait");
  EXPECT_EQ(state_label(kClose), "unconn");
  EXPECT_EQ(state_label(kFinWait1), "fin_wait_1");
  EXPECT_EQ(state_label(kSynRecv), "syn_recv");
}

TEST(MetricsExport, ExeLabelIsTheBasenameElseComm) {
  OwnerInfo o;
  o.exe = "/usr/sbin/nginx";
  o.comm = "nginx: worker";
  EXPECT_EQ(exe_label(&o), "nginx");
  o.exe.clear();
  EXPECT_EQ(exe_label(&o), "nginx: worker");
  EXPECT_EQ(exe_label(nullptr), "");
}

// A namespace with listeners of three programs, queued connections and peers.
struct Population {
  std::map<uint64_t, OwnerInfo> owners;
  SocketScrape scrape;
  Population() {
    auto own = [&](uint64_t inode, const char* exe) {
      owners[inode].exe = exe;
      owners[inode].comm = "c";
    };
    std::vector<SocketRecord> s;
    // nginx: two SO_REUSEPORT listeners on one address (one label set) and one on ::.
    for (uint64_t ino : {1, 2}) {
      s.push_back(sock(Table::Tcp, kListen, "0.0.0.0", 80, "0.0.0.0", 0, ino));
      s.back().rqueue = 3;
      s.back().wqueue = 511;
      own(ino, "/usr/sbin/nginx");
    }
    s.push_back(sock(Table::Tcp, kListen, "::", 443, "::", 0, 3));
    s.back().wqueue = 511;
    own(3, "/usr/sbin/nginx");
    s.push_back(sock(Table::Tcp, kListen, "127.0.0.1", 5432, "0.0.0.0", 0, 4));
    s.back().rqueue = 9;
    s.back().wqueue = 200;
    own(4, "/usr/lib/postgresql/15/bin/postgres");
    // A hostile name, and a listener no process is known to hold.
    s.push_back(sock(Table::Tcp, kListen, "10.0.0.5", 22, "0.0.0.0", 0, 5));
    own(5, "/tmp/evil\"\n\xff");
    s.push_back(sock(Table::Udp, kClose, "0.0.0.0", 53, "0.0.0.0", 0, 6));
    // Established: 3 to 192.0.2.1, 2 to 192.0.2.2, 1 to v4-mapped 192.0.2.3.
    uint64_t ino = 100;
    for (int i = 0; i < 3; ++i)
      s.push_back(sock(Table::Tcp, kEstablished, "10.0.0.5", 22, "192.0.2.1",
                       static_cast<uint16_t>(40000 + i), ino++));
    for (int i = 0; i < 2; ++i)
      s.push_back(sock(Table::Tcp, kEstablished, "10.0.0.5", 22, "192.0.2.2",
                       static_cast<uint16_t>(40000 + i), ino++));
    s.push_back(
        sock(Table::Tcp, kEstablished, "::ffff:10.0.0.5", 22, "::ffff:192.0.2.3", 40000, ino++));
    s.push_back(sock(Table::Tcp, kTimeWait, "10.0.0.5", 22, "192.0.2.9", 40000, 0));
    scrape.namespaces.push_back({"", std::move(s)});
    scrape.namespaces.push_back(
        {"blue", {sock(Table::Tcp, kListen, "0.0.0.0", 80, "0.0.0.0", 0, 50)}});
    own(50, "/usr/sbin/nginx");
    scrape.owner_of = [this](uint64_t inode) -> const OwnerInfo* {
      auto it = owners.find(inode);
      return it == owners.end() ? nullptr : &it->second;
    };
  }
};

TEST(MetricsExport, SocketFamiliesCountThePopulation) {
  Population p;
  std::map<std::string, uint64_t> dropped;
  auto fams = socket_metrics(p.scrape, {}, dropped);
  EXPECT_TRUE(dropped.empty());
  EXPECT_EQ(
      value_of(fams, R"(sockwatch_sockets{netns="",family="inet",protocol="tcp",state="listen"})"),
      4);
  EXPECT_EQ(
      value_of(fams, R"(sockwatch_sockets{netns="",family="inet6",protocol="tcp",state="listen"})"),
      1);
  EXPECT_EQ(
      value_of(fams,
               R"(sockwatch_sockets{netns="",family="inet",protocol="tcp",state="established"})"),
      5);
  EXPECT_EQ(
      value_of(fams,
               R"(sockwatch_sockets{netns="",family="inet",protocol="tcp",state="time_wait"})"),
      1);
  EXPECT_EQ(
      value_of(fams,
               R"(sockwatch_sockets{netns="blue",family="inet",protocol="tcp",state="listen"})"),
      1);
  EXPECT_EQ(
      value_of(fams,
               R"(sockwatch_listeners{netns="",protocol="tcp",exposure="wildcard",exe="nginx"})"),
      3);
  EXPECT_EQ(
      value_of(
          fams,
          R"(sockwatch_listeners{netns="",protocol="tcp",exposure="loopback",exe="postgres"})"),
      1);
  EXPECT_EQ(
      value_of(fams, R"(sockwatch_listeners{netns="",protocol="udp",exposure="wildcard",exe=""})"),
      1);
  EXPECT_EQ(value_of(fams,
                     "sockwatch_listeners{netns=\"\",protocol=\"tcp\",exposure=\"specific\",exe="
                     "\"evil\\\"\\n\xef\xbf\xbd\"}"),
            1);
  // The two reuseport listeners share a label set: queues and limits add up.
  EXPECT_EQ(
      value_of(
          fams,
          R"(sockwatch_listener_accept_queue{netns="",protocol="tcp",local="0.0.0.0:80",exe="nginx"})"),
      6);
  EXPECT_EQ(
      value_of(
          fams,
          R"(sockwatch_listener_accept_queue_limit{netns="",protocol="tcp",local="0.0.0.0:80",exe="nginx"})"),
      1022);
  EXPECT_EQ(
      value_of(
          fams,
          R"(sockwatch_listener_accept_queue_limit{netns="",protocol="tcp",local="[::]:443",exe="nginx"})"),
      511);
  EXPECT_EQ(value_of(fams, R"(sockwatch_peer_connections{netns="",peer="192.0.2.1"})"), 3);
  EXPECT_EQ(value_of(fams, R"(sockwatch_peer_connections{netns="",peer="192.0.2.3"})"),
            1);  // unmapped
  EXPECT_EQ(value_of(fams, R"(sockwatch_peer_connections{netns="",peer="other"})"), 0);
  EXPECT_EQ(value_of(fams, R"(sockwatch_peer_connections{netns="blue",peer="other"})"), 0);
  // Unknown owners: the UDP listener and the established sockets (inodes 6, 100..105); the
  // TIME-WAIT socket has no inode and no holder to find.
  EXPECT_EQ(value_of(fams, R"(sockwatch_sockets_owner_unknown{netns="",protocol="tcp"})"), 6);
  EXPECT_EQ(value_of(fams, R"(sockwatch_sockets_owner_unknown{netns="",protocol="udp"})"), 1);
  EXPECT_EQ(value_of(fams, R"(sockwatch_sockets_owner_unknown{netns="blue",protocol="tcp"})"), 0);
}

TEST(MetricsExport, CardinalityIsBoundedAndWhatIsLeftOutCounted) {
  Population p;
  MetricsLimits lim;
  lim.top_exes = 1;       // nginx has the most listeners
  lim.max_listeners = 2;  // of 5 TCP listener label sets
  lim.top_peers = 1;
  std::map<std::string, uint64_t> dropped;
  auto fams = socket_metrics(p.scrape, lim, dropped);
  EXPECT_EQ(
      value_of(fams,
               R"(sockwatch_listeners{netns="",protocol="tcp",exposure="loopback",exe="other"})"),
      1);
  EXPECT_EQ(
      value_of(fams,
               R"(sockwatch_listeners{netns="",protocol="tcp",exposure="specific",exe="other"})"),
      1);
  EXPECT_EQ(
      value_of(fams,
               R"(sockwatch_listeners{netns="",protocol="tcp",exposure="wildcard",exe="nginx"})"),
      3);
  // The fullest queues are kept: postgres (9), nginx on :80 (6).
  EXPECT_EQ(samples_of(fams, "sockwatch_listener_accept_queue"), 2u);
  EXPECT_EQ(samples_of(fams, "sockwatch_listener_accept_queue_limit"), 2u);
  EXPECT_EQ(
      value_of(
          fams,
          R"(sockwatch_listener_accept_queue{netns="",protocol="tcp",local="127.0.0.1:5432",exe="other"})"),
      9);
  EXPECT_EQ(dropped["sockwatch_listener_accept_queue"], 3u);
  EXPECT_EQ(value_of(fams, R"(sockwatch_peer_connections{netns="",peer="192.0.2.1"})"), 3);
  EXPECT_EQ(value_of(fams, R"(sockwatch_peer_connections{netns="",peer="other"})"), 3);
  EXPECT_EQ(samples_of(fams, "sockwatch_peer_connections"), 3u);  // + blue's "other"

  // Whatever the population, the series stay within the bounds.
  SocketScrape big;
  big.owner_of = p.scrape.owner_of;
  std::vector<SocketRecord> s;
  for (uint32_t i = 0; i < 5000; ++i) {
    std::string peer = "198.51." + std::to_string(i / 250) + "." + std::to_string(i % 250);
    s.push_back(sock(Table::Tcp, kEstablished, "10.0.0.1", 443, peer.c_str(), 50000, 1000 + i));
    s.push_back(sock(Table::Tcp, kListen, "10.0.0.1", static_cast<uint16_t>(1000 + i), "0.0.0.0", 0,
                     100000 + i));
  }
  big.namespaces.push_back({"", std::move(s)});
  dropped.clear();
  fams = socket_metrics(big, {}, dropped);
  EXPECT_EQ(samples_of(fams, "sockwatch_peer_connections"), 21u);
  EXPECT_EQ(samples_of(fams, "sockwatch_listener_accept_queue"), 200u);
  EXPECT_EQ(dropped["sockwatch_listener_accept_queue"], 4800u);
}

TEST(MetricsExport, FindingsCountByRuleWithZerosForQuietRules) {
  auto rules = parse_rules(default_rules_text(), "default.rules");
  ASSERT_TRUE(rules) << rules.error().message;
  std::vector<Finding> f(2);
  f[0].rule_id = f[1].rule_id = "reverse-shell";
  f[0].severity = f[1].severity = Severity::Critical;
  auto fam = findings_metric(f, *rules);
  EXPECT_EQ(fam.name, "sockwatch_findings");
  EXPECT_EQ(value_of({fam}, R"(sockwatch_findings{rule="reverse-shell",severity="critical"})"), 2);
  EXPECT_EQ(value_of({fam}, R"(sockwatch_findings{rule="packet-sniffer",severity="medium"})"), 0);
}

TEST(MetricsExport, WholeExpositionHasOnlyWellFormedLines) {
  Population p;
  std::map<std::string, uint64_t> dropped;
  auto fams = socket_metrics(p.scrape, {}, dropped);
  SelfHealth h;
  h.version = "1.2.3";
  h.series_dropped_total = dropped;
  for (auto& f : self_health_metrics(h)) fams.push_back(std::move(f));
  for (auto fmt : {ExpositionFormat::Prometheus, ExpositionFormat::OpenMetrics}) {
    std::string text = render_exposition(fams, fmt);
    EXPECT_TRUE(valid_utf8(text));
    static const std::regex kLine(
        R"(# (HELP|TYPE) [a-z_]+ .*|# EOF|[a-z_]+(\{([a-z_]+="([^"\\\n]|\\[\\"n])*",?)+\})? -?[0-9.e+]+)");
    std::istringstream in(text);
    std::string line;
    std::set<std::string> typed;
    while (std::getline(in, line)) {
      EXPECT_TRUE(std::regex_match(line, kLine)) << line;
      if (line.rfind("# TYPE ", 0) == 0) typed.insert(line.substr(7, line.find(' ', 7) - 7));
    }
    EXPECT_EQ(typed.size(), fams.size());
  }
}

TEST(MetricsCli, UsageErrorsExitTwoWithAReason) {
  const Subcommand* m = find_subcommand("metrics");
  ASSERT_NE(m, nullptr);
  ASSERT_NE(m->run, nullptr);
  auto run = [&](std::vector<std::string> args) {
    testing::internal::CaptureStderr();
    int st = m->run(args);
    return std::make_pair(st, testing::internal::GetCapturedStderr());
  };
  auto [st, err] = run({"--listen", "10.1.2.3:9100"});
  EXPECT_EQ(st, 2);
  EXPECT_NE(err.find("not a loopback address"), std::string::npos) << err;
  EXPECT_NE(err.find("--listen-any"), std::string::npos) << err;
  std::tie(st, err) = run({"--listen", "0.0.0.0:9100"});
  EXPECT_EQ(st, 2);
  std::tie(st, err) = run({"--listen", "::1:9100"});
  EXPECT_EQ(st, 2);
  EXPECT_NE(err.find("brackets"), std::string::npos) << err;
  std::tie(st, err) = run({"--listen", "127.0.0.1:0"});
  EXPECT_EQ(st, 2);
  std::tie(st, err) = run({"--listen", "localhost:9100"});
  EXPECT_EQ(st, 2);
  std::tie(st, err) = run({"--top-peers", "-1"});
  EXPECT_EQ(st, 2);
  std::tie(st, err) = run({"--interval", "5"});
  EXPECT_EQ(st, 2);
  EXPECT_NE(err.find("--interval is for --textfile"), std::string::npos) << err;
  std::tie(st, err) = run({"--textfile", "/tmp", "--listen", ":9100"});
  EXPECT_EQ(st, 2);
  std::tie(st, err) = run({"--all-netns", "--this-netns"});
  EXPECT_EQ(st, 2);
  std::tie(st, err) = run({"--check-interval", "5"});
  EXPECT_EQ(st, 2);
  std::tie(st, err) = run({"--bogus"});
  EXPECT_EQ(st, 2);
  EXPECT_NE(err.find("unknown option --bogus"), std::string::npos) << err;
  std::tie(st, err) = run({"extra"});
  EXPECT_EQ(st, 2);
}

TEST(MetricsCli, UnwritableTextfileDirectoryExitsOneNamingIt) {
  const Subcommand* m = find_subcommand("metrics");
  testing::internal::CaptureStderr();
  int st = m->run({"--textfile", "/nonexistent/sockwatch-metrics-test", "--no-findings"});
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(st, 1);
  EXPECT_NE(err.find("/nonexistent/sockwatch-metrics-test: No such file or directory"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace sw
