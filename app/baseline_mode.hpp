// `sockwatch baseline`: record what listens and who talks (save), compare
// now against it (diff, exit status like diff(1)), list/show/delete the
// saved ones and fold reviewed differences in (accept). Evidence comes from
// the live host (collect_evidence); baselines live in the SQLite store
// (src/store). Options come from the registry's table.
#pragma once

#include <string>
#include <vector>

namespace sw {

// Exit status: diff 0 equal, 1 different, 2 trouble; the other actions 0 ok,
// 1 runtime failure (no such baseline, the database), 2 usage error.
int run_baseline(const std::vector<std::string>& args);

}  // namespace sw
