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
  auto it = cache.find(port);
  if (it != cache.end()) return it->second;
  std::string name;
  if (!ephemeral_.contains(port)) {
    static bool opened = false;
    if (!opened) {
      setservent(1);  // keep /etc/services open across lookups, as ss does
      opened = true;
    }
    if (servent* se = getservbyport(htons(port), proto)) name = se->s_name;
  }
  return cache.emplace(port, std::move(name)).first->second;
}

const std::string& ServiceNames::protocol_name(int proto) {
  auto key = static_cast<uint32_t>(proto);
  auto it = proto_.find(key);
  if (it != proto_.end()) return it->second;
  std::string name;
  if (protoent* pe = getprotobynumber(proto))
    name = pe->p_name;
  else
    name = "ipproto-" + std::to_string(proto);
  return proto_.emplace(key, std::move(name)).first->second;
}

}  // namespace sw
