// The /proc/net text fallbacks ss uses when sock_diag cannot answer (raw_diag
// absent, PROC_* overrides set): read the file(s) named by the environment and
// hand the parsed records to `sink`, filtered by the state mask as ss does.
#pragma once

#include <functional>

#include "core/socket_record.hpp"
#include "env.hpp"
#include "ss_options.hpp"

namespace sw {

using Sink = std::function<void(SocketRecord&&)>;

void fallback_inet(const SsEnv& env, const SsOptions& o, Table t, const Sink& sink);
void fallback_unix(const SsEnv& env, const SsOptions& o, const Sink& sink);
void fallback_packet(const SsEnv& env, const SsOptions& o, const Sink& sink);
void fallback_netlink(const SsEnv& env, const SsOptions& o, const Sink& sink);

}  // namespace sw
