#include "procfs/sockstat.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <initializer_list>
#include <sstream>
#include <vector>

namespace sw {

namespace {
// ss reads each line as "TAG REST" and then sscanf(REST, "%*s%d%*s%d...")
// into fields it zeroed first: values are taken by position (every second
// word), whatever their keys say, and the first word that is not a number
// ends the line. Reproduced so odd or future files read the same.
void values_by_position(const std::vector<std::string>& w, std::initializer_list<int*> out) {
  size_t i = 2;  // w[0] is the tag, w[1] the first key
  for (int* v : out) {
    if (i >= w.size()) return;
    const char* s = w[i].c_str();
    char* end = nullptr;
    long x = std::strtol(s, &end, 10);
    if (end == s) return;
    *v = static_cast<int>(x);
    i += 2;
  }
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
      values_by_position(w, {&st.sockets});
    else if (tag == "TCP:")
      values_by_position(w, {&st.tcp4_inuse, &st.tcp_orphans, &st.tcp_tw, &st.tcp_alloc});
    else if (tag == "TCP6:")
      values_by_position(w, {&st.tcp6_inuse});
    else if (tag == "UDP:")
      values_by_position(w, {&st.udp4});
    else if (tag == "UDP6:")
      values_by_position(w, {&st.udp6});
    else if (tag == "RAW:")
      values_by_position(w, {&st.raw4});
    else if (tag == "RAW6:")
      values_by_position(w, {&st.raw6});
    else if (tag == "FRAG:")
      values_by_position(w, {&st.frag4});
    else if (tag == "FRAG6:")
      values_by_position(w, {&st.frag6});
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
