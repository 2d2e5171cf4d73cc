// EcsRawText: untrusted text in an ECS document, kept losslessly (sockwatch/1
// rule 7). ECS fields are strings, so invalid UTF-8 is written with U+FFFD and
// the exact bytes go, base64, under sockwatch.b64.<key> (no non-ECS name in
// ECS's own field sets). Shared by `log --format ecs` and `check --ecs`.
#pragma once

#include <string_view>
#include <vector>

namespace sw {

class JsonWriter;

class EcsRawText {
 public:
  // Writes `k: bytes`; remembers the bytes under `raw_key` when they are not
  // valid UTF-8. Both views must outlive write_b64 (they are not copied).
  void text(JsonWriter& w, std::string_view k, std::string_view bytes, std::string_view raw_key);
  // "b64": {raw_key: base64, ...}, or nothing when every text was valid.
  void write_b64(JsonWriter& w) const;

 private:
  struct Raw {
    std::string_view key, bytes;
  };
  std::vector<Raw> raws_;
};

}  // namespace sw
