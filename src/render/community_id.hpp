// Community ID flow hashing, version 1 (corelight/community-id-spec), so that
// sockwatch's connection events join with Zeek, Suricata and Elastic records
// of the same flow. Owns only the hash of a 5-tuple; choosing which events
// have a flow at all (a connected inet socket) is the formatter's job.
// SHA-1 and base64 come from nettle: never a hand-written digest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/socket_record.hpp"  // IpAddr

namespace sw {

// IANA protocol numbers the spec hashes with ports.
inline constexpr uint8_t kIanaTcp = 6, kIanaUdp = 17, kIanaDccp = 33, kIanaSctp = 132;

// "1:<base64 of SHA-1>" for the flow between (a, a_port) and (b, b_port);
// the order of the two endpoints does not matter (the spec orders them by
// address, then port). Without ports (nullopt) only addresses and protocol
// are hashed, as the spec does for protocols that have none. The two
// addresses must be of one family (AF_INET or AF_INET6); else "".
std::string community_id_v1(const IpAddr& a, std::optional<uint16_t> a_port, const IpAddr& b,
                            std::optional<uint16_t> b_port, uint8_t proto, uint16_t seed = 0);

}  // namespace sw
