// JsonWriter: a streaming JSON emitter into a std::string. Hand-written rather
// than building nlohmann::json trees because -tanj must cost no more than
// `ss -tan` on 100k sockets: a DOM per socket is millions of allocations.
// Strings are escaped per RFC 8259; text that is not valid UTF-8 is written
// with U+FFFD replacements and the exact bytes go to a "<key>_b64" sibling
// (docs/json-schema.md rule 7).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"  // valid_utf8

namespace sw {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(&out) {}
  void rebind(std::string& out) { out_ = &out; }

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  void key(std::string_view k);

  void value(std::string_view s);  // must be valid UTF-8 (or use text())
  void value(const char* s) { value(std::string_view(s)); }
  void value(uint64_t v);
  void value(int64_t v);
  void value(uint32_t v) { value(static_cast<uint64_t>(v)); }
  void value(int32_t v) { value(static_cast<int64_t>(v)); }
  void value(double v);
  void value(bool v);
  void null();

  // key + value for untrusted bytes: adds "<k>_b64" when not valid UTF-8.
  void text(std::string_view k, std::string_view bytes);

  template <typename T>
  void field(std::string_view k, T v) {
    key(k);
    value(v);
  }

 private:
  void sep();
  void string_body(std::string_view s);
  std::string* out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

std::string base64(std::string_view bytes);

}  // namespace sw
