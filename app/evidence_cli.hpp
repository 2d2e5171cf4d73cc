// What `baseline` and `check` share about evidence: one look (live, live and
// recorded with --record, or read back with --replay), the lines of what it
// could not see on stderr, and the JSON of the host and the visibility.
#pragma once

#include <string>

#include "core/expected.hpp"
#include "ir/evidence.hpp"
#include "render/json_writer.hpp"

namespace sw {

struct LookOptions {
  bool this_netns = false;
  std::string record;  // --record FILE ("" none)
  std::string replay;  // --replay FILE ("" live)
};

// The evidence, or an Error worded for "sockwatch SUB: <message>".
Expected<Evidence> look_at_host(const LookOptions& o);

// Each visibility note on stderr, "sockwatch SUB: note", escaped.
void report_visibility(const Evidence& ev, const char* sub);

void json_host(JsonWriter& w, const HostInfo& h);
void json_visibility(JsonWriter& w, const Visibility& v);

}  // namespace sw
