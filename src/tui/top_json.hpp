// top's JSON: one frame of the current view as an NDJSON line (`top -b -j`)
// and the export document (`e`). Socket objects use sockwatch/1's names for
// what they share with `-j` (netid, family, state, recv_q, send_q, inode,
// local, peer, owners) and add a "top" member with what only top knows
// (rates, totals, RTT, age, marks). Untrusted text is carried losslessly
// (JsonWriter::text). Pure: returns strings.
#pragma once

#include <string>

#include "tui/top_app.hpp"

namespace sw::tui {

// {"schema":"sockwatch-top/1","time":...,"view":...,"totals":{...},"rows":[...]}
std::string frame_json(const TopApp& app, int64_t now_us);
// {"schema":"sockwatch/1","exported_by":"sockwatch top","time":...,"view":...,"sockets":[...]}
// (grouped views export their groups as "groups").
std::string export_json(const TopApp& app, int64_t now_us);

}  // namespace sw::tui
