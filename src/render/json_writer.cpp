#include "render/json_writer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "render/numfmt.hpp"

namespace sw {

std::string base64(std::string_view b) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < b.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(b[i])) << 16 |
                 static_cast<uint32_t>(static_cast<unsigned char>(b[i + 1])) << 8 |
                 static_cast<unsigned char>(b[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < b.size()) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(b[i])) << 16;
    if (i + 1 < b.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(b[i + 1])) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < b.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

void JsonWriter::sep() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_->push_back(',');
    first_.back() = false;
  }
}

void JsonWriter::begin_object() {
  sep();
  out_->push_back('{');
  first_.push_back(true);
}
void JsonWriter::end_object() {
  out_->push_back('}');
  first_.pop_back();
}
void JsonWriter::begin_array() {
  sep();
  out_->push_back('[');
  first_.push_back(true);
}
void JsonWriter::end_array() {
  out_->push_back(']');
  first_.pop_back();
}

void JsonWriter::key(std::string_view k) {
  sep();
  // Keys are our own snake_case ASCII: one append, no escaping.
  char b[64];
  if (k.size() + 3 <= sizeof b) {
    b[0] = '"';
    std::memcpy(b + 1, k.data(), k.size());
    b[k.size() + 1] = '"';
    b[k.size() + 2] = ':';
    out_->append(b, k.size() + 3);
  } else {
    out_->push_back('"');
    out_->append(k);
    out_->append("\":");
  }
  after_key_ = true;
}

namespace {
// Bytes JSON carries as they are: printable ASCII other than '"' and '\\'.
bool plain(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }
}  // namespace

void JsonWriter::string_body(std::string_view s) {
  out_->push_back('"');
  for (size_t i = 0; i < s.size();) {
    // A run of plain bytes goes in one append (addresses, names, states:
    // nearly every string); push_back per byte was -tanj's largest cost.
    size_t j = i;
    while (j < s.size() && plain(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) {
      out_->append(s.data() + i, j - i);
      i = j;
      continue;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Strict RFC 3629 (core/utf8.hpp): a lenient check let surrogates and
      // overlongs through, which JSON parsers reject as invalid text.
      char32_t cp;
      size_t n = utf8_decode(s, i, cp);
      if (!n) {
        out_->append("\xEF\xBF\xBD");  // U+FFFD; text() adds the exact bytes as _b64
        ++i;
      } else if (is_control(cp)) {
        // C1 controls are legal raw in JSON but act on a terminal that shows
        // the output (U+009B is CSI): write them as \u escapes, same value.
        fmt::format_to(std::back_inserter(*out_), "\\u{:04x}", static_cast<uint32_t>(cp));
        i += n;
      } else {
        out_->append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out_->append("\\\"");
        break;
      case '\\':
        out_->append("\\\\");
        break;
      case '\n':
        out_->append("\\n");
        break;
      case '\t':
        out_->append("\\t");
        break;
      case '\r':
        out_->append("\\r");
        break;
      default:
        if (c < 0x20 || c == 0x7f)
          fmt::format_to(std::back_inserter(*out_), "\\u{:04x}", c);
        else
          out_->push_back(static_cast<char>(c));
    }
    ++i;
  }
  out_->push_back('"');
}

void JsonWriter::value(std::string_view s) {
  sep();
  string_body(s);
}
// Integers without fmt's run-time format parsing (render/numfmt).
void JsonWriter::value(uint64_t v) {
  sep();
  num::u(*out_, v);
}
void JsonWriter::value(int64_t v) {
  sep();
  num::i(*out_, v);
}
void JsonWriter::value(double v) {
  sep();
  if (!std::isfinite(v)) {
    out_->append("null");
    return;
  }
  fmt::format_to(std::back_inserter(*out_), "{}", v);
}
void JsonWriter::value(bool v) {
  sep();
  out_->append(v ? "true" : "false");
}
void JsonWriter::null() {
  sep();
  out_->append("null");
}

void JsonWriter::text(std::string_view k, std::string_view bytes) {
  key(k);
  value(bytes);
  if (!valid_utf8(bytes)) {
    std::string b64key(k);
    b64key += "_b64";
    key(b64key);
    value(base64(bytes));
  }
}

}  // namespace sw
