#include "procfs/sockstat.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <sstream>
#include <vector>

namespace sw {

namespace {
// Value after `key` among whitespace-separated words ("inuse 7 orphan 0").
int word_value(const std::vector<std::string>& w, const std::string& key) {
  for (size_t i = 0; i + 1 < w.size(); ++i)
    if (w[i] == key) return std::atoi(w[i + 1].c_str());
  return 0;
}
}  // namespace

void parse_sockstat(const std::string& text, SockStat& st) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::vector<std::string> w;
    for (std::string t; ls >> t;) w.push_back(t);
    if (w.empty()) continue;
    const std::string& tag = w[0];
    if (tag == "sockets:")
      st.sockets = word_value(w, "used");
    else if (tag == "TCP:") {
      st.tcp4_inuse = word_value(w, "inuse");
      st.tcp_orphans = word_value(w, "orphan");
      st.tcp_tw = word_value(w, "tw");
      st.tcp_alloc = word_value(w, "alloc");
    } else if (tag == "TCP6:")
      st.tcp6_inuse = word_value(w, "inuse");
    else if (tag == "UDP:")
      st.udp4 = word_value(w, "inuse");
    else if (tag == "UDP6:")
      st.udp6 = word_value(w, "inuse");
    else if (tag == "RAW:")
      st.raw4 = word_value(w, "inuse");
    else if (tag == "RAW6:")
      st.raw6 = word_value(w, "inuse");
    else if (tag == "FRAG:")
      st.frag4 = word_value(w, "inuse");
    else if (tag == "FRAG6:")
      st.frag6 = word_value(w, "inuse");
  }
}

Expected<long> parse_snmp_field(const std::string& text, const std::string& proto,
                                const std::string& field) {
  std::istringstream in(text);
  std::string header, values;
  std::string tag = proto + ":";
  while (std::getline(in, header)) {
    if (header.rfind(tag, 0) != 0) continue;
    if (!std::getline(in, values) || values.rfind(tag, 0) != 0) break;
    std::istringstream hs(header), vs(values);
    std::string name, value;
    while (hs >> name && vs >> value)
      if (name == field) return std::atol(value.c_str());
    return Error{fmt::format("snmp: no field {} in {}", field, tag), ENOENT};
  }
  return Error{fmt::format("snmp: no {} lines", tag), ENOENT};
}

}  // namespace sw
