// Text for top's cells: endpoints as ss prints them (v6 in brackets, "*" for
// the wildcard, v4-mapped shown as v4), byte counts and rates with binary
// suffixes, ages, and the state names. Locale-free; nothing here allocates
// more than the string it returns.
#pragma once

#include <cstdint>
#include <string>

#include "core/socket_record.hpp"

namespace sw::tui {

std::string addr_text(const IpAddr& a);
// "addr:port" ("*:port", "[v6]:port"); `port_name` replaces the number when set.
std::string endpoint_text(const IpAddr& a, uint16_t port, const std::string& port_name = {});
// 0 -> "0", 1536 -> "1.5K", 3.2 MiB -> "3.2M" (powers of 1024).
std::string bytes_text(double bytes);
// Rates: "" when unknown (< 0), else bytes_text + "/s".
std::string rate_text(double bps);
// 42 s -> "42s", 5 min -> "5m", 3 h -> "3h", 2 d -> "2d".
std::string age_text(int64_t us);
// RTT in µs -> "0.4ms", "12ms", "1.2s"; "" for 0.
std::string rtt_text(uint32_t us);
// ss's state names ("ESTAB", "LISTEN", "UNCONN" ...).
std::string state_text(int state);
std::string proto_text(int table, int family);

}  // namespace sw::tui
