// -s text exactly as ss 6.1's print_summary(), and its JSON form.
#pragma once

#include <string>

#include "procfs/sockstat.hpp"
#include "render/json_writer.hpp"

namespace sw {

std::string format_summary(const SockStat& s);
void write_summary_json(JsonWriter& w, const SockStat& s);

}  // namespace sw
