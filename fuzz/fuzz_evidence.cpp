// Fuzzes the evidence payload decoder (check --replay reads it from files
// made elsewhere): any bytes must give an Error or an Evidence, never a
// crash, a hang or unbounded recursion; and what decodes must encode to a
// payload that decodes to the same encoding (the codec loses nothing).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ir/evidence_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  sw::Evidence ev;
  std::vector<uint64_t> records;
  if (!sw::decode_evidence_payload(in, ev, records)) return 0;
  std::string once = sw::encode_evidence_payload(ev);
  sw::Evidence again;
  std::vector<uint64_t> records2;
  if (!sw::decode_evidence_payload(once, again, records2)) std::abort();
  if (sw::encode_evidence_payload(again) != once) std::abort();
  return 0;
}
