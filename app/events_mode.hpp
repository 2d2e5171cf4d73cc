// -E: follow the kernel's socket-destroy multicast groups and print each
// closed socket as it is reported.
#pragma once

#include "engine/namespace_walk.hpp"
#include "filter/filter.hpp"
#include "render/json_rows.hpp"
#include "render/ss_rows.hpp"
#include "render/text_table.hpp"
#include "ss_options.hpp"

namespace sw {

// Runs until interrupted or stdout closes; returns the exit status. `json`
// set: one NDJSON object per event instead of text rows.
// With a walk (--all-netns): every namespace at once, rows labelled.
int follow_events(const SsOptions& o, NamespaceWalk* walk, const Filter* filter, TextTable& table,
                  SsRowFormatter& fmt, JsonSocketFormatter* json);

}  // namespace sw
