// Port -> service name, as ss resolves it: /etc/services via getservbyport for
// the table's protocol ("tcp"/"udp"), never inside the ephemeral port range,
// cached per (port, proto) including misses. RAW "ports" are IP protocol
// numbers named from /etc/protocols ("ipproto-N" when unknown). A live loop
// passes a CachePolicy (TTL, size bound) so edits to /etc/services are seen
// and memory stays flat; the default keeps every answer for the run.
#pragma once

#include <cstdint>
#include <string>

#include "enrich/expiring_cache.hpp"

namespace sw {

struct PortRange {
  int lo = 1024;  // ss's fallback when ip_local_port_range is unreadable
  int hi = 4999;
  bool contains(int p) const { return p >= lo && p <= hi; }
};

// Parses "lo hi" text (the content of ip_local_port_range); fallback as ss.
PortRange parse_port_range(const std::string& text);
// Reads the file; ss's fallback 1024-4999 when missing or unparsable.
PortRange read_port_range(const std::string& path);

class ServiceNames {
 public:
  explicit ServiceNames(PortRange ephemeral, CachePolicy policy = {}, MonoClock clock = {})
      : ephemeral_(ephemeral),
        tcp_(policy, clock),
        udp_(policy, clock),
        any_(policy, clock),
        proto_(policy, clock) {}
  // The name, or empty when there is none (the caller prints the number).
  // proto nullptr: any protocol (getservbyport with NULL).
  const std::string& lookup(uint16_t port, const char* proto);
  // getprotobynumber name, or "ipproto-N".
  const std::string& protocol_name(int proto);
  const PortRange& ephemeral() const { return ephemeral_; }

 private:
  PortRange ephemeral_;
  ExpiringCache<uint32_t, std::string> tcp_, udp_, any_, proto_;
};

}  // namespace sw
