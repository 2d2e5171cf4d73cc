// HostInfo: which machine and which boot an event or a piece of evidence
// comes from (ECS host.id / host.name, and the boot id that makes pids and
// socket ids unique). One type for log, check and baseline; filled by
// read_host_info() (src/procfs/host_info.hpp). Plain data.
#pragma once

#include <cstdint>
#include <string>

namespace sw {

struct HostInfo {
  std::string hostname;    // gethostname / uname nodename: host.name
  std::string boot_id;     // /proc/sys/kernel/random/boot_id, "" when unreadable
  std::string machine_id;  // /etc/machine-id, "" when none: host.id
  std::string os_kernel;   // uname release, e.g. "6.1.0-18-amd64"
  int64_t taken_us = 0;    // wall clock of the look (evidence), 0 when not one
  // net.ipv4.ip_local_port_range: where automatic binds land.
  uint16_t ephemeral_low = 32768, ephemeral_high = 60999;
};

}  // namespace sw
