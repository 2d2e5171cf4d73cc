// TextTable: ss's column layout (misc/ss.c render_calc_width/render), computed
// over the WHOLE output instead of ss's 5 MB batches, so alignment never
// drifts part-way through a long listing (a documented deviation).
// Cells are stored in one arena with 16-bit lengths, so 100k rows cost two
// allocations, not a million small strings, and ~2 bytes of index per cell. Owns layout only:
// callers decide what goes in each cell.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sw {

class Writer;

enum Col : uint8_t {
  kColNetns = 0,  // --all-netns only: the namespace a row belongs to
  kColNetid,
  kColState,
  kColRecvQ,
  kColSendQ,
  kColLocalAddr,
  kColLocalPort,
  kColPeerAddr,
  kColPeerPort,
  kColProcess,
  kColCount
};

class TextTable {
 public:
  TextTable();
  void disable(Col c) { enabled_[c] = false; }
  void enable(Col c) { enabled_[c] = true; }
  bool enabled(Col c) const { return enabled_[c]; }

  // Adds the header row ("Netid", "State", ... "Process"; "Netns" first
  // when that column is enabled).
  void add_header();
  // Cells for every column, enabled or not (disabled ones are dropped).
  void add_row(const std::array<std::string_view, kColCount>& cells);
  size_t rows() const { return rows_; }
  bool empty() const { return rows_ == 0; }

  // Renders every row. screen_width < 0: compact mode (stdout not a tty),
  // every column exactly as wide as its widest cell; otherwise ss's tty
  // layout that spreads spare width and wraps by padding.
  void render(Writer& out, int screen_width) const;
  // Renders and forgets the rows, keeping the widths measured so far (-E).
  void clear_rows();
  // Drops the rows added after the first `rows` (a dump that must be retried).
  // Widths measured from them stay: at worst a column is wider than needed.
  void truncate(size_t rows);

 private:
  void compute_widths(int screen_width, std::array<int, kColCount>& width) const;
  std::array<bool, kColCount> enabled_{};
  std::array<int, kColCount> max_len_{};
  // ss measures a cell when its field is flushed, which for the Process cell
  // happens when the next row starts: the last row's Process cell never counts
  // (and under -E, no event's does). Held here until the next row arrives.
  int pending_process_len_ = -1;
  // Cell bytes in 1 MiB chunks, never reallocated: a growing std::string would
  // need old + new buffers at once (peak RSS twice the output).
  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t used = 0;
  };
  static constexpr size_t kChunk = 1 << 20;
  std::vector<Chunk> chunks_;
  std::deque<uint16_t> lens_;  // length of each stored cell (ss caps a cell at 65535)
  size_t rows_ = 0;
  int ncols_ = 0;  // enabled columns, fixed at the first row
};

}  // namespace sw
