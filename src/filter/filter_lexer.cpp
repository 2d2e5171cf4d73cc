// Lexer of the ss filter language, and the -F FILE reader (ss's yylex reads
// the file line by line through a 1024-byte fgets buffer; its limits are kept).
#include "filter/filter_lexer.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

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

FilterFileResult read_filter_file(const std::string& path) {
  FilterFileResult r;
  std::istream* in = &std::cin;
  std::ifstream f;
  if (path != "-") {
    f.open(path);
    if (!f) {
      r.error = std::string("fopen filter file: ") + std::strerror(errno);
      return r;
    }
    in = &f;
  }
  // ss reads with fgets(buf, 1024): a chunk of 1023 bytes or more (the
  // newline counts) is "Too long line in filter"; a line whose first byte is
  // NUL is "Invalid line"; an embedded NUL ends the line.
  constexpr size_t kBuf = 1024;
  for (std::string line; std::getline(*in, line);) {
    bool had_newline = !in->eof();
    size_t nul = line.find('\0');
    if (line.size() + (had_newline ? 1 : 0) >= kBuf - 1 &&
        (nul == std::string::npos || nul >= kBuf - 1)) {
      r.error = "Too long line in filter";
      return r;
    }
    if (nul != std::string::npos) {
      if (nul == 0) {
        r.error = "Invalid line";
        return r;
      }
      line.resize(nul);
    }
    // Comment lines, and (a quirk kept for compatibility) lines starting with
    // the digit 0.
    if (!line.empty() && (line[0] == '#' || line[0] == '0')) continue;
    r.lines.push_back(line);
  }
  return r;
}

}  // namespace sw
