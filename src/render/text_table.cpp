#include "render/text_table.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

#include "render/output.hpp"

namespace sw {

namespace {
struct ColSpec {
  std::string_view header;
  std::string_view ldelim;
  bool right;
};
// ss 6.1's column table; "Process" holds everything after the peer port.
// Netid's delimiter only shows when the Netns column precedes it.
constexpr std::array<ColSpec, kColCount> kCols = {{{"Netns", "", false},
                                                   {"Netid", " ", false},
                                                   {"State", " ", false},
                                                   {"Recv-Q", " ", false},
                                                   {"Send-Q", " ", false},
                                                   {"Local Address:", " ", true},
                                                   {"Port", "", false},
                                                   {"Peer Address:", " ", true},
                                                   {"Port", "", false},
                                                   {"Process", "", false}}};
}  // namespace

// Row codec. A row is a list of fields: each enabled cell but Process, then
// the Process cell cut into tokens (a token ends before a blank or after a
// comma, so " rtt:0.02/0.01" or "fd=5))" are tokens). Field i is compared with
// field i of the row before:
//   varint ntokens
//   repeated until every field is accounted for:
//     varint skip               fields equal to the previous row's
//     varint prefix, varint n   (if fields remain) the next field: the first
//     n bytes                   `prefix` bytes of the previous row's field, then these
// An unchanged field costs under a bit on average, a changed number a few
// bytes; a row that shares nothing costs its text plus two bytes per field.
// Then the deferred tail:
//   varint L                  0: none; 1: as long as the last tail; else length + 2
//   repeated over its 32-bit words (the last one zero-padded), against the
//   last tail's words (zero past its end):
//     varint skip               words equal to the last tail's
//     varint zigzag(delta)      (if words remain) the next word minus the last's
// A counter that moved or a timer that ticked costs two or three bytes.
namespace {

void put_varint(std::string& out, size_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

size_t get_varint(const char*& p) {
  size_t v = 0;
  for (int shift = 0;; shift += 7) {
    auto b = static_cast<unsigned char>(*p++);
    v |= static_cast<size_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
}

// Word i of a tail image (whole words: images are padded), 0 past its end. A
// fixed 4-byte copy: a variable-length one became a byte loop and a
// store-forwarding stall that cost a third of add_row.
uint32_t load_word(std::string_view s, size_t i) {
  uint32_t w = 0;
  if ((i + 1) * 4 <= s.size()) std::memcpy(&w, s.data() + i * 4, 4);
  return w;
}

// `prev` and `cur` hold whole words; `prev` may be shorter or longer.
void encode_words(std::string& out, std::string_view prev, std::string_view cur) {
  size_t n = cur.size() / 4, skip = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t p = load_word(prev, i), c = load_word(cur, i);
    if (p == c) {
      ++skip;
      continue;
    }
    put_varint(out, skip);
    skip = 0;
    auto d = static_cast<int32_t>(c - p);
    put_varint(out, (static_cast<uint32_t>(d) << 1) ^ static_cast<uint32_t>(d >> 31));
  }
  if (skip) put_varint(out, skip);
}

// Decodes `n` words against `prev` into `cur` (resized to n words).
void decode_words(const char*& p, std::string_view prev, std::string& cur, size_t n) {
  cur.resize(n * 4);
  for (size_t i = 0; i < n;) {
    size_t skip = get_varint(p);
    for (size_t k = 0; k < skip && i < n; ++k, ++i) {
      uint32_t w = load_word(prev, i);
      std::memcpy(cur.data() + i * 4, &w, 4);
    }
    if (i >= n) break;
    auto z = static_cast<uint32_t>(get_varint(p));
    uint32_t d = (z >> 1) ^ (0u - (z & 1));
    uint32_t w = load_word(prev, i) + d;
    std::memcpy(cur.data() + i * 4, &w, 4);
    ++i;
  }
}

void split_tokens(std::string_view s, std::vector<std::string_view>& out) {
  size_t start = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ' || s[i - 1] == ',') {
      out.push_back(s.substr(start, i - start));
      start = i;
    }
  }
  if (start < s.size()) out.push_back(s.substr(start));
}

}  // namespace

TextTable::TextTable() {
  enabled_.fill(true);
  enabled_[kColNetns] = false;
}

size_t TextTable::cell_fields() const {
  size_t n = 0;
  for (size_t i = 0; i < kColCount; ++i)
    if (enabled_[i] && i != kColProcess) ++n;
  return n;
}

void TextTable::add_header() {
  std::array<std::string_view, kColCount> cells;
  for (size_t i = 0; i < kColCount; ++i) cells[i] = kCols[i].header;
  add_row(cells);
  // ss's print_header flushes every header field, "Process" included.
  max_len_[kColProcess] = std::max(max_len_[kColProcess], pending_process_len_);
  pending_process_len_ = -1;
}

void TextTable::add_row(const std::array<std::string_view, kColCount>& cells) {
  add_row(cells, {}, 0, nullptr);
}

void TextTable::add_row(const std::array<std::string_view, kColCount>& cells,
                        std::string_view image, size_t tail_len, const TailFormatter* fmt) {
  max_len_[kColProcess] = std::max(max_len_[kColProcess], pending_process_len_);
  pending_process_len_ = -1;
  fields_.clear();
  std::string_view process;
  for (size_t i = 0; i < kColCount; ++i) {
    if (!enabled_[i]) continue;
    // ss stores a field length in 16 bits; longer text is cut there.
    auto text = cells[i].substr(0, std::min<size_t>(cells[i].size(), 65535));
    if (i == kColProcess) {
      process = text;
      pending_process_len_ = static_cast<int>(text.size() + (fmt ? tail_len : 0));
    } else {
      fields_.push_back(text);
      max_len_[i] = std::max(max_len_[i], static_cast<int>(text.size()));
    }
  }
  size_t ncells = fields_.size();
  split_tokens(process, fields_);

  scratch_.clear();
  put_varint(scratch_, fields_.size() - ncells);
  size_t prev_n = prev_ends_.size();
  size_t skip = 0;
  for (size_t i = 0; i < fields_.size(); ++i) {
    std::string_view f = fields_[i];
    std::string_view p;
    if (i < prev_n) {
      size_t start = i ? prev_ends_[i - 1] : 0;
      p = std::string_view(prev_text_).substr(start, prev_ends_[i] - start);
    }
    if (i < prev_n && p == f) {
      ++skip;
      continue;
    }
    size_t common = 0, lim = std::min(p.size(), f.size());
    while (common < lim && p[common] == f[common]) ++common;
    put_varint(scratch_, skip);
    skip = 0;
    put_varint(scratch_, common);
    put_varint(scratch_, f.size() - common);
    scratch_.append(f.substr(common));
  }
  if (skip) put_varint(scratch_, skip);

  if (!fmt) {
    put_varint(scratch_, 0);
  } else {
    tail_fmt_ = fmt;
    size_t last_len = prev_tail_len_;
    put_varint(scratch_, image.size() == last_len && last_len ? 1 : image.size() + 2);
    cur_tail_.assign(image);
    if (size_t r = cur_tail_.size() % 4) cur_tail_.append(4 - r, '\0');
    encode_words(scratch_, prev_tail_, cur_tail_);
    prev_tail_.swap(cur_tail_);
    prev_tail_len_ = image.size();
  }

  cur_text_.clear();
  cur_ends_.clear();
  for (std::string_view f : fields_) {
    cur_text_.append(f);
    cur_ends_.push_back(static_cast<uint32_t>(cur_text_.size()));
  }
  prev_text_.swap(cur_text_);
  prev_ends_.swap(cur_ends_);

  if (chunks_.empty() || chunks_.back().used + scratch_.size() > chunks_.back().size) {
    size_t size = std::max(kChunk, scratch_.size());
    // Not value-initialised: pages are touched only as rows fill them.
    chunks_.push_back({std::make_unique_for_overwrite<char[]>(size), size, 0});
  }
  Chunk& c = chunks_.back();
  std::memcpy(c.data.get() + c.used, scratch_.data(), scratch_.size());
  c.used += scratch_.size();
  ++rows_;
}

void TextTable::read_row(ReadState& st) const {
  st.prev.swap(st.cur);
  st.prev_ends.swap(st.cur_ends);
  st.cur.clear();
  st.cur_ends.clear();
  if (st.pos == chunks_[st.chunk].used) {
    ++st.chunk;
    st.pos = 0;
  }
  const char* base = chunks_[st.chunk].data.get();
  const char* p = base + st.pos;
  size_t n = cell_fields() + get_varint(p);
  size_t prev_n = st.prev_ends.size();
  auto prev_field = [&](size_t i) {
    size_t start = i ? st.prev_ends[i - 1] : 0;
    return std::string_view(st.prev).substr(start, st.prev_ends[i] - start);
  };
  for (size_t i = 0; i < n;) {
    size_t skip = get_varint(p);
    for (size_t k = 0; k < skip && i < prev_n; ++k, ++i) {
      st.cur.append(prev_field(i));
      st.cur_ends.push_back(static_cast<uint32_t>(st.cur.size()));
    }
    if (i >= n) break;
    size_t common = get_varint(p);
    size_t len = get_varint(p);
    if (i < prev_n) st.cur.append(prev_field(i).substr(0, common));
    st.cur.append(p, len);
    p += len;
    st.cur_ends.push_back(static_cast<uint32_t>(st.cur.size()));
    ++i;
  }
  size_t l = get_varint(p);
  st.tail_len = l == 0 ? 0 : l == 1 ? st.last_tail : l - 2;
  if (l) {
    st.prev_tail.swap(st.tail);
    decode_words(p, st.prev_tail, st.tail, (st.tail_len + 3) / 4);
    st.last_tail = st.tail_len;
  }
  st.pos = static_cast<size_t>(p - base);
}

void TextTable::truncate(size_t rows) {
  if (rows >= rows_) return;
  ReadState st;
  for (size_t r = 0; r < rows; ++r) read_row(st);
  if (rows == 0) {
    chunks_.clear();
  } else {
    chunks_.resize(st.chunk + 1);
    chunks_.back().used = st.pos;
  }
  prev_text_ = std::move(st.cur);
  prev_ends_ = std::move(st.cur_ends);
  prev_tail_ = std::move(st.tail);
  prev_tail_len_ = st.last_tail;
  rows_ = rows;
}

void TextTable::clear_rows() {
  pending_process_len_ = -1;
  chunks_.clear();
  prev_text_.clear();
  prev_ends_.clear();
  prev_tail_.clear();
  prev_tail_len_ = 0;
  rows_ = 0;
}

void TextTable::compute_widths(int screen_width, std::array<int, kColCount>& width) const {
  bool compact = screen_width < 0;
  int screen = compact ? INT_MAX : screen_width;
  bool first = true;
  for (size_t i = 0; i < kColCount; ++i) {
    width[i] = 0;
    if (!enabled_[i]) continue;
    int w = max_len_[i];
    if (!first && w) w += static_cast<int>(kCols[i].ldelim.size());
    width[i] = std::min(w, screen);
    if (width[i]) first = false;
  }
  if (compact) return;

  // Second pass (ss's render_calc_width): break into screen lines and spread
  // the spare space over the columns of each line, remainder to the right.
  int len = 0, linecols = 0;
  int eol = -1;
  for (int c = 0; c < kColCount; ++c) {
    if (!width[static_cast<size_t>(c)]) continue;
    ++linecols;
    len += width[static_cast<size_t>(c)];
    bool last = true;
    for (int t = c + 1; t < kColCount; ++t)
      if (width[static_cast<size_t>(t)]) {
        last = false;
        break;
      }
    if (!last && len < screen) continue;
    if (len != screen) {
      if (len > screen) {
        len -= width[static_cast<size_t>(c)];
        --c;
        --linecols;
      }
      int pad = screen - len;
      int spacing = linecols ? pad / linecols : 0;
      int rem = linecols ? pad % linecols : 0;
      for (int t = c; t > eol; --t) {
        if (!width[static_cast<size_t>(t)]) continue;
        width[static_cast<size_t>(t)] += spacing;
        if (rem) {
          ++width[static_cast<size_t>(t)];
          --rem;
        }
      }
    }
    eol = c;
    len = 0;
    linecols = 0;
  }
}

void TextTable::render(Writer& w_out, int screen_width) const {
  std::array<int, kColCount> width{};
  compute_widths(screen_width, width);
  ReadState st;
  size_t ncells = cell_fields();
  for (size_t r = 0; r < rows_; ++r) {
    read_row(st);
    w_out.maybe_flush();
    std::string& out = w_out.buf();
    bool started = false;
    size_t field = 0;
    for (size_t c = 0; c < kColCount; ++c) {
      if (!enabled_[c]) continue;
      std::string_view text;
      if (c == kColProcess) {  // its tokens, back to back after the cells
        size_t start = ncells ? st.cur_ends[ncells - 1] : 0;
        text = std::string_view(st.cur).substr(start);
      } else {
        size_t start = field ? st.cur_ends[field - 1] : 0;
        text = std::string_view(st.cur).substr(start, st.cur_ends[field] - start);
        ++field;
      }
      int printed = 0;
      if (started) {
        out.append(kCols[c].ldelim);
        printed = static_cast<int>(kCols[c].ldelim.size());
      }
      started = true;
      int w = width[c];
      if (kCols[c].right && w) {
        int s = w - static_cast<int>(text.size()) - printed;
        if (s > 0) {
          out.append(static_cast<size_t>(s), ' ');
          printed += s;
        }
      }
      out.append(text);
      printed += static_cast<int>(text.size());
      if (c == kColProcess && st.tail_len) {
        size_t before = out.size();
        tail_fmt_->format_tail(std::string_view(st.tail).substr(0, st.tail_len), out);
        printed += static_cast<int>(out.size() - before);
      }
      if (!kCols[c].right && w) {
        int s = w - printed;
        if (s > 0) out.append(static_cast<size_t>(s), ' ');
      }
    }
    out.push_back('\n');
  }
}

}  // namespace sw
