#include "summary_mode.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "render/summary.hpp"

namespace sw {

SockStat load_sockstat(const SsEnv& env) {
  SockStat st;
  std::string text;
  if (read_text_file(env.proc_path("PROC_NET_SOCKSTAT", "net/sockstat"), text)) {
    parse_sockstat(text, st);
  } else {
    std::fprintf(stderr, "ss: get_sockstat: %s\n", std::strerror(errno));
  }
  if (read_text_file(env.proc_path("PROC_NET_SOCKSTAT6", "net/sockstat6"), text))
    parse_sockstat(text, st);
  if (read_text_file(env.proc_path("PROC_NET_SNMP", "net/snmp"), text)) {
    auto estab = parse_snmp_field(text, "Tcp", "CurrEstab");
    if (estab)
      st.tcp_estab = static_cast<int>(*estab);
    else
      std::fprintf(stderr, "ss: get_snmpstat: %s\n", estab.error().message.c_str());
  } else {
    std::fprintf(stderr, "ss: get_snmpstat: %s\n", std::strerror(errno));
  }
  return st;
}

int print_summary(const SsEnv& env) {
  std::string text = format_summary(load_sockstat(env));
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace sw
