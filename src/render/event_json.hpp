// Event formatting for `sockwatch log`: one SocketEvent -> one JSON object
// (no trailing newline), in sockwatch's native schema "sockwatch-log/1" or in
// Elastic Common Schema. docs/log.md is the contract for both and
// docs/schema/log-event{,-ecs}.schema.json check it (tests/unit/log_schema).
// Owns the field names and their mapping; it reads no clock, file or
// environment: the host's identity comes in as HostInfo, filled by the app.
//
// Untrusted text (comm, exe, cmdline, unix paths) is carried losslessly as
// sockwatch/1 rule 7 says: invalid UTF-8 is written with U+FFFD and the exact
// bytes go to a base64 sibling (native "<key>_b64"; ECS under sockwatch.b64,
// so that no non-ECS name lands in ECS's own field sets).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/host_info.hpp"
#include "core/socket_event.hpp"

namespace sw {

inline constexpr const char kLogSchema[] = "sockwatch-log/1";
inline constexpr const char kLogEcsSchema[] = "sockwatch-log-ecs/1";
// The ECS version the mapping follows (ecs.version in every ECS line).
inline constexpr const char kEcsVersion[] = "8.11.0";

std::string format_event_native(const SocketEvent& ev, const HostInfo& host);
std::string format_event_ecs(const SocketEvent& ev, const HostInfo& host);

// "2026-12-02T10:11:12.123456Z" for µs since the epoch (UTC, RFC 3339).
std::string rfc3339_us(int64_t us);
// ECS's host object (host.name, host.id, host.boot.id, host.os.kernel), as
// every ECS line carries it; shared with check --ecs.
class JsonWriter;
void write_ecs_host(JsonWriter& w, const HostInfo& host);

// The event type's name in the native "type" field ("open", "state", ...).
std::string_view event_type_name(EventType t);

}  // namespace sw
