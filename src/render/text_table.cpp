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

TextTable::TextTable() {
  enabled_.fill(true);
  enabled_[kColNetns] = false;
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
  max_len_[kColProcess] = std::max(max_len_[kColProcess], pending_process_len_);
  pending_process_len_ = -1;
  for (size_t i = 0; i < kColCount; ++i) {
    if (!enabled_[i]) continue;
    // ss stores a field length in 16 bits; longer text is cut there.
    auto text = cells[i].substr(0, std::min<size_t>(cells[i].size(), 65535));
    // A row's cells may span chunks; a cell never does.
    if (chunks_.empty() || chunks_.back().used + text.size() > kChunk)
      chunks_.push_back({std::make_unique<char[]>(kChunk), 0});
    Chunk& c = chunks_.back();
    std::memcpy(c.data.get() + c.used, text.data(), text.size());
    c.used += text.size();
    lens_.push_back(static_cast<uint16_t>(text.size()));
    if (i == kColProcess)
      pending_process_len_ = static_cast<int>(text.size());
    else
      max_len_[i] = std::max(max_len_[i], static_cast<int>(text.size()));
  }
  ++rows_;
}

void TextTable::truncate(size_t rows) {
  if (rows >= rows_) return;
  size_t per_row = static_cast<size_t>(std::count(enabled_.begin(), enabled_.end(), true));
  size_t keep_cells = rows * per_row;
  // Replay the chunk filling to find where the kept cells end.
  size_t chunk = 0, used = 0;
  for (size_t i = 0; i < keep_cells; ++i) {
    if (used + lens_[i] > kChunk) {
      ++chunk;
      used = 0;
    }
    used += lens_[i];
  }
  if (keep_cells == 0)
    chunks_.clear();
  else {
    chunks_.resize(chunk + 1);
    chunks_.back().used = used;
  }
  lens_.resize(keep_cells);
  rows_ = rows;
}

void TextTable::clear_rows() {
  pending_process_len_ = -1;
  chunks_.clear();
  lens_.clear();
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
  size_t cell = 0;
  size_t chunk = 0, start = 0;
  for (size_t r = 0; r < rows_; ++r) {
    w_out.maybe_flush();
    std::string& out = w_out.buf();
    bool started = false;
    for (size_t c = 0; c < kColCount; ++c) {
      if (!enabled_[c]) continue;
      size_t len = lens_[cell++];
      if (start + len > kChunk || (chunk < chunks_.size() && start + len > chunks_[chunk].used)) {
        ++chunk;
        start = 0;
      }
      std::string_view text(len ? chunks_[chunk].data.get() + start : "", len);
      start += len;
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
      if (!kCols[c].right && w) {
        int s = w - printed;
        if (s > 0) out.append(static_cast<size_t>(s), ' ');
      }
    }
    out.push_back('\n');
  }
}

}  // namespace sw
