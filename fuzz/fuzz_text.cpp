// Fuzzes the UTF-8 decoder, the terminal escaper and the JSON writer's text
// path against their invariants and against glibc's decoder (mbrtowc in
// C.UTF-8): any disagreement or broken invariant aborts, which libFuzzer
// reports as a crash with the input saved.
#include <locale.h>
#include <wchar.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "core/escape.hpp"
#include "core/utf8.hpp"
#include "render/json_writer.hpp"

namespace {

locale_t utf8_locale() {
  static locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return l;
}

// glibc's length of the sequence at s[i] (0: invalid or truncated), with its
// one quirk undone: it still decodes forms above U+10FFFF, RFC 3629 does not.
size_t glibc_decode(std::string_view s, size_t i, char32_t& cp) {
  mbstate_t st{};
  wchar_t wc = 0;
  size_t n = mbrtowc(&wc, s.data() + i, s.size() - i, &st);
  if (n == 0) n = 1;
  if (n == static_cast<size_t>(-1) || n == static_cast<size_t>(-2)) return 0;
  if (static_cast<uint32_t>(wc) > 0x10FFFF) return 0;
  cp = static_cast<char32_t>(wc);
  return n;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  locale_t loc = utf8_locale();
  locale_t old = loc ? uselocale(loc) : nullptr;
  bool all_valid = true;
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t a = 0, b = 0;
    size_t na = sw::utf8_decode(s, i, a);
    if (loc) {
      size_t nb = glibc_decode(s, i, b);
      check(na == nb && (na == 0 || a == b));
    }
    check(na <= 4);
    if (na == 0) all_valid = false;
    if (na) i += na - 1;
  }
  if (loc) uselocale(old);
  check(all_valid == sw::valid_utf8(s));

  // The escaper's output is valid UTF-8 without a single control, and is
  // the input unchanged when nothing needed escaping.
  std::string esc;
  sw::append_escaped(esc, s);
  check(sw::valid_utf8(esc));
  for (size_t i = 0; i < esc.size();) {
    char32_t cp = 0;
    size_t n = sw::utf8_decode(esc, i, cp);
    check(n && !sw::is_control(cp));
    i += n;
  }
  check(sw::needs_escape(s) || esc == s);

  // JSON: a strict parser accepts it, and the text survives exactly (as the
  // string when valid, else in the _b64 sibling).
  std::string doc;
  sw::JsonWriter w(doc);
  w.begin_object();
  w.text("t", s);
  w.end_object();
  auto j = nlohmann::json::parse(doc, nullptr, false);
  check(!j.is_discarded());
  if (all_valid)
    check(j["t"].get<std::string>() == s && !j.contains("t_b64"));
  else
    check(j["t_b64"].get<std::string>() == sw::base64(s));
  return 0;
}
