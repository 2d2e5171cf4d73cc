// Lexer of the ss filter language, and the -F FILE reader (ss's yylex reads
// the file line by line through a 1024-byte fgets buffer; its limits are kept,
// and the whole file is bounded).
#include "filter/filter_lexer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/files.hpp"
#include "filter/filter.hpp"

namespace sw {

namespace {

// ss's get_token_from_line.
void split_line(const std::string& s, size_t base, std::vector<Token>& out) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= s.size()) break;
    Token t;
    t.pos = base + i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') {
      if (s[i] == '\\') {
        ++i;
        if (i >= s.size()) break;
      }
      t.text.push_back(s[i++]);
    }
    t.len = base + i - t.pos;
    out.push_back(std::move(t));
  }
}

}  // namespace

Tok classify(std::string_view w) {
  struct Entry {
    const char* word;
    Tok tok;
  };
  static const Entry kTable[] = {
      {"!", Tok::Not},         {"not", Tok::Not},
      {"&", Tok::And},         {"&&", Tok::And},
      {"and", Tok::And},       {"|", Tok::Or},
      {"||", Tok::Or},         {"or", Tok::Or},
      {"(", Tok::LParen},      {")", Tok::RParen},
      {"dst", Tok::Dst},       {"src", Tok::Src},
      {"dport", Tok::Dport},   {"sport", Tok::Sport},
      {"dev", Tok::Dev},       {"fwmark", Tok::Fwmark},
      {"cgroup", Tok::Cgroup}, {">=", Tok::Geq},
      {"ge", Tok::Geq},        {"geq", Tok::Geq},
      {"<=", Tok::Leq},        {"le", Tok::Leq},
      {"leq", Tok::Leq},       {"!=", Tok::Neq},
      {"ne", Tok::Neq},        {"neq", Tok::Neq},
      {"=", Tok::Eq},          {"==", Tok::Eq},
      {"eq", Tok::Eq},         {">", Tok::Gt},
      {"gt", Tok::Gt},         {"<", Tok::Lt},
      {"lt", Tok::Lt},         {"autobound", Tok::Autobound},
  };
  for (const auto& e : kTable)
    if (w == e.word) return e.tok;
  return Tok::Word;
}

TokenStream lex_filter(const std::vector<std::string>& words,
                       const std::vector<std::string>& file_lines) {
  TokenStream s;
  auto add = [&](const std::string& chunk) {
    if (!s.expr.empty()) s.expr.push_back(' ');
    size_t base = s.expr.size();
    s.expr += chunk;
    split_line(chunk, base, s.toks);
  };
  for (const auto& w : words) add(w);
  for (const auto& l : file_lines) add(l);
  for (auto& t : s.toks) t.kind = classify(t.text);
  Token end;
  end.kind = Tok::End;
  end.pos = s.expr.size();
  s.toks.push_back(end);
  return s;
}

Expected<std::vector<std::string>> read_filter_lines(const std::string& path) {
  std::vector<std::string> lines;
  Expected<BoundedFile> opened =
      path == "-" ? BoundedFile::borrow(STDIN_FILENO, "-F -", kMaxFilterFileBytes)
                  : BoundedFile::open(path, kMaxFilterFileBytes);
  if (!opened) {
    // ss's own words for what fopen refuses; ss reads a directory as an empty
    // filter (fgets fails, which it takes for the end), we name it instead.
    int e = opened.error().code;
    if (e == EISDIR) return Error{"-F " + opened.error().message, e};
    return Error{std::string("fopen filter file: ") + std::strerror(e), e};
  }
  BoundedFile& in = *opened;
  // ss reads with fgets(buf, 1024): a chunk is at most 1,023 bytes, through
  // the newline. A chunk whose strlen is 1,023 is "Too long line in filter";
  // one that starts with NUL is "Invalid line"; an embedded NUL ends the line.
  constexpr size_t kChunk = 1023;
  char buf[65536];
  size_t have = 0, pos = 0;
  std::string chunk;
  for (;;) {
    chunk.clear();
    bool eof = false;
    while (chunk.size() < kChunk) {
      if (pos == have) {
        auto got = in.read_some(buf, sizeof buf);
        if (!got) {
          return Error{path == "-" ? got.error().message : "-F " + got.error().message,
                       got.error().code};
        }
        have = *got;
        pos = 0;
        if (have == 0) {
          eof = true;
          break;
        }
      }
      char c = buf[pos++];
      chunk.push_back(c);
      if (c == '\n') break;
    }
    if (chunk.empty() && eof) break;
    size_t len = std::strlen(chunk.c_str());
    if (len == kChunk) {
      return Error{"Too long line in filter", EINVAL};
    }
    if (len == 0) {
      return Error{"Invalid line", EINVAL};
    }
    chunk.resize(len);
    if (chunk.back() == '\n') chunk.pop_back();
    // Comment lines, and (a quirk kept for compatibility) lines starting with
    // the digit 0.
    if (!chunk.empty() && (chunk[0] == '#' || chunk[0] == '0')) continue;
    lines.push_back(chunk);
    if (eof) break;
  }
  return lines;
}

FilterFileResult read_filter_file(const std::string& path) {
  FilterFileResult r;
  auto lines = read_filter_lines(path);
  if (lines)
    r.lines = std::move(*lines);
  else
    r.error = lines.error().message;
  return r;
}

}  // namespace sw
