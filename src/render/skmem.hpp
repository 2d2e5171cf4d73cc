// " skmem:(r..,rb..,t..,tb..,f..,w..,o..[,bl..][,d..])" as ss's print_skmeminfo,
// shared by every family that reports SK_MEMINFO_* arrays.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sw {

// Appends nothing when the array is shorter than the seven mandatory fields.
void append_skmem(std::string& out, const std::vector<uint32_t>& skmem);

}  // namespace sw
