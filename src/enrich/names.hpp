// Small name caches the renderer needs: interface index -> name (if_indextoname,
// "if%u" when gone, as iproute2's ll_index_to_name), reverse DNS for -r (one
// lookup per unique address, misses cached), netlink protocol names
// (/etc/iproute2/nl_protos over a built-in table), and a process's comm read
// from <proc>/<pid>/stat for netlink socket owners, user names.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "core/socket_record.hpp"

namespace sw {

class InterfaceNames {
 public:
  const std::string& name(uint32_t ifindex);
  // Every interface of the current network namespace, read now, for rows
  // formatted later from elsewhere (-E --all-netns). Unknown indexes then
  // print as "if%u" instead of being looked up in the wrong namespace.
  static InterfaceNames snapshot();

 private:
  std::unordered_map<uint32_t, std::string> cache_;
  bool frozen_ = false;
};

class HostNames {
 public:
  // The resolved name, or empty when the address has none. v4-mapped v6
  // addresses are looked up as IPv4, as iproute2's resolve_address does.
  const std::string& lookup(const IpAddr& a);

 private:
  std::map<std::pair<uint8_t, std::array<uint8_t, 16>>, std::string> cache_;
};

class NetlinkProtocols {
 public:
  explicit NetlinkProtocols(const std::string& table_path = "/etc/iproute2/nl_protos");
  // Name, or the decimal number when unknown or numeric.
  std::string name(int proto, bool numeric) const;

 private:
  std::array<std::string, 256> names_;
};

// uid -> user name (getpwuid_r, so NSS sources such as LDAP count); misses
// cached too. Empty when the uid has no name.
class UserNames {
 public:
  const std::string& name(uint32_t uid);

 private:
  std::unordered_map<uint32_t, std::string> cache_;
};

// Text between "(" and the first ")" of <proc_root>/<pid>/stat, as ss's
// "%*d (%[^)])" reads it; empty when unreadable.
std::string read_proc_comm(const std::string& proc_root, int pid);

}  // namespace sw
