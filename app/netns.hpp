// -N NAME: enter a named network namespace the way iproute2's netns_switch()
// does (setns, private mount namespace, a /sys that describes the new netns,
// /etc/netns/NAME/* bind-mounted over /etc), so output matches ss run there.
#pragma once

#include <string>

#include "core/expected.hpp"

namespace sw {

Expected<void> switch_netns(const std::string& name);

}  // namespace sw
