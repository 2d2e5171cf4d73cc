// The evidence payload of a recording (check --record): everything an
// Evidence holds except the sockets themselves, which travel as the raw
// sock_diag dumps beside it and are parsed again on load. CBOR (RFC 8949,
// through nlohmann/json), versioned, strings as raw bytes so process names
// and paths that are not UTF-8 come back exactly. Decoding checks every type
// and bound and refuses nesting deeper than the format has: a corrupt or
// hostile payload is an Error naming what is wrong, never a crash.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"
#include "ir/evidence.hpp"

namespace sw {

// Schema version written into every payload; a newer one is refused.
constexpr int kEvidencePayloadVersion = 1;

std::string encode_evidence_payload(const Evidence& ev);

// Fills `ev`'s host, namespaces (without sockets), processes and visibility
// from `payload`; `records` gets how many socket records each namespace had
// when recorded (the loader checks the dumps give back as many).
Expected<void> decode_evidence_payload(std::string_view payload, Evidence& ev,
                                       std::vector<uint64_t>& records);

}  // namespace sw
