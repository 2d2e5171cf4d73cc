#include "fallback.hpp"

namespace sw {

void fallback_inet(const SsEnv&, const SsOptions&, Table, const Sink&) {}
void fallback_unix(const SsEnv&, const SsOptions&, const Sink&) {}
void fallback_packet(const SsEnv&, const SsOptions&, const Sink&) {}
void fallback_netlink(const SsEnv&, const SsOptions&, const Sink&) {}

}  // namespace sw
