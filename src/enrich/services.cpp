#include "enrich/services.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/files.hpp"

namespace sw {

PortRange parse_port_range(const std::string& text) {
  std::istringstream in(text);
  PortRange r;
  int lo = 0, hi = 0;
  if (in >> lo >> hi) {
    r.lo = lo;
    r.hi = hi;
  }
  return r;
}

PortRange read_port_range(const std::string& path) {
  // PROC_IP_LOCAL_PORT_RANGE may name anything: a bounded read, and an
  // unreadable file is the default range, as for ss.
  auto text = read_file_bounded(path, kMaxSmallFileBytes);
  if (!text) return PortRange{};
  return parse_port_range(*text);
}

const std::string& ServiceNames::lookup(uint16_t port, const char* proto) {
  auto& cache = !proto ? any_ : proto[0] == 'u' ? udp_ : tcp_;
  return cache.get(port, [&](uint32_t) {
    std::string name;
    if (!ephemeral_.contains(port)) {
      static bool opened = false;
      if (!opened) {
        setservent(1);  // keep /etc/services open across lookups, as ss does
        opened = true;
      }
      if (servent* se = getservbyport(htons(port), proto)) name = se->s_name;
    }
    return name;
  });
}

const std::string& ServiceNames::protocol_name(int proto) {
  return proto_.get(static_cast<uint32_t>(proto), [&](uint32_t) {
    if (protoent* pe = getprotobynumber(proto)) return std::string(pe->p_name);
    return "ipproto-" + std::to_string(proto);
  });
}

}  // namespace sw
