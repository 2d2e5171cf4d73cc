// Text of the extra inet fields that ss 6.1 appends after the peer port, in
// ss's exact order and formatting: timers (-o), details (-e), --tos,
// --cgroup, --inet-sockopt, then "\n\t" (or " " with -O) + skmem (-m) and
// tcp_info (-i). Pure: reads a SocketRecord, appends bytes to a string.
#pragma once

#include <string>

#include "core/socket_record.hpp"
#include "render/render_options.hpp"

namespace sw {

class CgroupNames;  // enrich/cgroup_names.hpp

// ss's print_ms_timer(): "119min", "1min30sec", "9.373sec" (6.1 printed the
// wrong "9.373ms"; we print sec, a documented deviation), "200ms", "" for 0.
std::string format_ms_timer(uint32_t ms);
void append_ms_timer(std::string& out, uint32_t ms);

// ss's sprint_bw(): bits per second, "%.0f" with -n, else 3 significant
// digits with k/M/G/T.
std::string format_bw(double bps, bool numeric);
void append_bw(std::string& out, double bps, bool numeric);

// Appends everything that follows the users:(...) text for one inet socket.
void append_inet_ext(std::string& out, const SocketRecord& r, const RenderOptions& opt,
                     const CgroupNames* cgroups);
// The length of what append_inet_ext would append, without copying the
// tcp_info text (`scratch` holds the rest of it, formatted).
size_t inet_ext_length(const SocketRecord& r, const RenderOptions& opt, const CgroupNames* cgroups,
                       std::string& scratch);

}  // namespace sw
