// Internal: the lexer of the ss filter language (ssfilter.y's yylex). Splits
// argv words and -F lines into blank-separated tokens with their source offset
// in the joined expression, and classifies keywords. Knows nothing about
// operands: the parser gives a word its meaning from the keyword before it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sw {

enum class Tok {
  End,
  Not,     // ! not
  And,     // & && and
  Or,      // | || or
  LParen,  // (
  RParen,  // )
  Dst,
  Src,
  Dport,
  Sport,
  Dev,
  Fwmark,
  Cgroup,
  Autobound,
  Geq,   // >= ge geq
  Leq,   // <= le leq
  Neq,   // != ne neq
  Eq,    // = == eq
  Gt,    // > gt
  Lt,    // < lt
  Word,  // any other token: an operand
};

struct Token {
  Tok kind = Tok::End;
  std::string text;  // escapes removed
  size_t pos = 0;    // offset in TokenStream::expr
  size_t len = 0;    // length of the raw text in expr
};

struct TokenStream {
  std::string expr;         // words, then file lines, joined by one blank
  std::vector<Token> toks;  // always ends with one Tok::End at expr.size()
};

// ss's keyword table; anything else is Tok::Word.
Tok classify(std::string_view word);

// Re-splits every word and line on blanks and tabs (a backslash escapes the
// next character, blank included, and is removed), then classifies.
TokenStream lex_filter(const std::vector<std::string>& words,
                       const std::vector<std::string>& file_lines);

}  // namespace sw
