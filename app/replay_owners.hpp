// ss mode -p --replay: the owners an evidence recording (check --record)
// holds, as the OwnerIndex the formatters read, so a recording shows
// `users:((...))` as the live run did. Nothing of this host's /proc is read.
#pragma once

#include "core/expected.hpp"
#include "netlink/dump_file.hpp"
#include "procfs/owner_index.hpp"

namespace sw {

// An Error when the recording holds no evidence (ss-mode --record) or its
// payload does not decode.
Expected<OwnerIndex> owners_from_recording(const ReplaySource& src);

}  // namespace sw
