// Helpers shared by the filter unit tests: a fake context, a word splitter,
// record builders and the corpus reader.
#pragma once

#include <arpa/inet.h>
#include <sys/socket.h>

#include <fstream>
#include <string>
#include <vector>

#include "filter/filter.hpp"

namespace sw::filter_test {

inline FilterContext fake_ctx() {
  FilterContext c;
  c.ephemeral = PortRange{32768, 60999};
  c.ifindex_of = [](const std::string& n) -> uint32_t {
    return n == "lo" ? 1 : n == "eth0" ? 2 : 0;
  };
  c.cgroup_id_of = [](const std::string& p) -> Expected<uint64_t> {
    if (p == "/sys/fs/cgroup/a") return uint64_t{42};
    if (p == "/") return uint64_t{1};
    if (p == ".") return uint64_t{2};
    return Error{"Failed to find cgroup2 mount", 2};
  };
  return c;
}

inline std::vector<std::string> split_blanks(const std::string& expr) {
  std::vector<std::string> words;
  std::string w;
  for (char ch : expr + " ") {
    if (ch == ' ') {
      if (!w.empty()) words.push_back(w);
      w.clear();
    } else {
      w += ch;
    }
  }
  return words;
}

inline FilterParseResult parse(const std::string& expr, FilterContext c = fake_ctx()) {
  return parse_filter(split_blanks(expr), {}, c);
}

inline SocketRecord inet(int af, const char* src, uint16_t sport, const char* dst, uint16_t dport) {
  SocketRecord r;
  r.table = Table::Tcp;
  r.family = static_cast<uint8_t>(af);
  r.local.family = r.peer.family = static_cast<uint8_t>(af);
  inet_pton(af, src, r.local.bytes.data());
  inet_pton(af, dst, r.peer.bytes.data());
  r.lport = sport;
  r.rport = dport;
  return r;
}

struct CorpusLine {
  std::string flags, expr;
};

inline std::vector<CorpusLine> load_corpus() {
  std::ifstream in(std::string(SW_FIXTURES_DIR) + "/filters/corpus.txt");
  std::vector<CorpusLine> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto bar = line.find(" | ");
    if (bar == std::string::npos) continue;
    out.push_back({line.substr(0, bar), line.substr(bar + 3)});
  }
  return out;
}

// The context the app would build for these ss flags.
inline FilterContext ctx_for_flags(const std::string& flags) {
  FilterContext c = fake_ctx();
  bool t = flags.find('t') != std::string::npos, u = flags.find('u') != std::string::npos;
  if (t || u) {
    c.has_tcp = t;
    c.has_udp = u;
  }
  if (flags.find('x') != std::string::npos) c.preferred_family = AF_UNIX;
  if (flags.find("-f netlink") != std::string::npos) c.preferred_family = AF_NETLINK;
  if (flags.find('4') != std::string::npos) c.preferred_family = AF_INET;
  if (flags.find('6') != std::string::npos) c.preferred_family = AF_INET6;
  return c;
}

}  // namespace sw::filter_test
