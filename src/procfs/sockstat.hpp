// Socket counters for -s: /proc/net/sockstat, sockstat6 and the Tcp CurrEstab
// field of /proc/net/snmp, parsed from text (the app opens the files).
#pragma once

#include <string>

#include "core/expected.hpp"

namespace sw {

struct SockStat {
  int sockets = 0;  // "sockets: used"
  int tcp4_inuse = 0, tcp_orphans = 0, tcp_tw = 0, tcp_alloc = 0;
  int tcp6_inuse = 0;
  int udp4 = 0, udp6 = 0;
  int raw4 = 0, raw6 = 0;
  int frag4 = 0, frag6 = 0;
  int tcp_estab = 0;  // snmp Tcp: CurrEstab
};

// Adds what the sockstat or sockstat6 text says to `st` (unknown lines ignored).
void parse_sockstat(const std::string& text, SockStat& st);
// Value of `field` in the "Tcp:" header/value line pair of /proc/net/snmp.
Expected<long> parse_snmp_field(const std::string& text, const std::string& proto,
                                const std::string& field);

}  // namespace sw
