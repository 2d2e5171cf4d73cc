#include "filter_errors.hpp"

#include <algorithm>

#include "core/escape.hpp"

namespace sw {

std::string escape_for_terminal(std::string_view s, bool keep_newlines) {
  std::string out;
  size_t from = 0;
  for (size_t nl; keep_newlines && (nl = s.find('\n', from)) != std::string_view::npos;
       from = nl + 1) {
    append_escaped(out, s.substr(from, nl - from));
    out.push_back('\n');
  }
  append_escaped(out, s.substr(from));
  return out;
}

namespace {

bool utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// s[from, from + n), both ends moved back to a UTF-8 character boundary.
std::string_view cut(std::string_view s, size_t from, size_t n) {
  from = std::min(from, s.size());
  size_t to = std::min(s.size(), from + n);
  while (from > 0 && from < s.size() && utf8_continuation(s[from])) --from;
  while (to < s.size() && to > from && utf8_continuation(s[to])) --to;
  return s.substr(from, to - from);
}

// Terminal columns of already escaped text (one per character).
size_t columns(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += !utf8_continuation(c);
  return n;
}

}  // namespace

std::string caret_lines(const std::string& expr, size_t at, size_t len) {
  constexpr size_t kBefore = 60, kAfter = 60, kMaxCaret = 40;
  at = std::min(at, expr.size());
  size_t start = at > kBefore ? at - kBefore : 0;
  while (start < at && utf8_continuation(expr[start])) ++start;
  std::string_view head = std::string_view(expr).substr(start, at - start);
  std::string_view token = cut(expr, at, std::min(len, kMaxCaret));
  std::string_view tail = cut(expr, at + token.size(), kAfter);
  bool cut_before = head.data() != expr.data();
  bool cut_after = tail.data() + tail.size() != expr.data() + expr.size();
  std::string line = (cut_before ? "..." : "") + escape_for_terminal(head);
  size_t caret_col = columns(line);
  std::string tok = escape_for_terminal(token);
  line += tok + escape_for_terminal(tail) + (cut_after ? "..." : "");
  return "  " + line + "\n  " + std::string(caret_col, ' ') +
         std::string(std::max<size_t>(1, columns(tok)), '^') + "\n";
}

std::string format_filter_error(const FilterError& e, const char* usage) {
  std::string text = escape_for_terminal(e.ss_message, true);
  if (e.status == 255 && usage) text += usage;
  text += "sockwatch: filter: " + escape_for_terminal(cut(e.explanation, 0, 512)) + "\n";
  text += caret_lines(e.expression, e.caret_at, e.caret_len);
  return text;
}

}  // namespace sw
