#include "render/ecs_text.hpp"

#include "core/utf8.hpp"
#include "render/json_writer.hpp"

namespace sw {

void EcsRawText::text(JsonWriter& w, std::string_view k, std::string_view bytes,
                      std::string_view raw_key) {
  w.field(k, bytes);  // invalid bytes become U+FFFD
  if (!valid_utf8(bytes)) raws_.push_back({raw_key, bytes});
}

void EcsRawText::write_b64(JsonWriter& w) const {
  if (raws_.empty()) return;
  w.key("b64");
  w.begin_object();
  for (const auto& r : raws_) w.field(r.key, std::string_view(base64(r.bytes)));
  w.end_object();
}

}  // namespace sw
