// TextTable: ss's column layout (misc/ss.c render_calc_width/render), computed
// over the WHOLE output instead of ss's 5 MB batches, so alignment never
// drifts part-way through a long listing (a documented deviation).
// Rows are held until the widths are known, so they are held compactly: each
// row is stored as its difference from the row before (see the codec in
// text_table.cpp). Neighbouring sockets share most of their text (netid,
// state, queues, addresses, and in -i/-m/-e/-o the field names and most
// values), so 100k rows of -tani (~49 MB of text) fit in a few MB. Owns layout
// only: callers decide what goes in each cell.
// A row may end in a deferred tail: the caller gives the tail's text length
// (for the widths) and a byte image it can format again at render time (the
// -i/-m/-e/-o text is ~110 bytes a row even after the text codec; the record
// fields it comes from are a few changed words a row).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sw {

class Writer;

// Turns a deferred tail's image back into its text (the same bytes, so the
// widths measured from the length given to add_row hold).
class TailFormatter {
 public:
  virtual ~TailFormatter() = default;
  virtual void format_tail(std::string_view image, std::string& out) const = 0;
};

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
  // The same with a tail after the Process cell: `tail_len` bytes of text
  // that `fmt` makes from `image` (the cell and its tail at most 65535 bytes,
  // ss's field limit, which the caller checks). `fmt` must outlive render().
  void add_row(const std::array<std::string_view, kColCount>& cells, std::string_view image,
               size_t tail_len, const TailFormatter* fmt);
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
  // Encoded rows in chunks that are never reallocated (a growing buffer would
  // need old + new at once); a row never spans chunks.
  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t size = 0;
    size_t used = 0;
  };
  static constexpr size_t kChunk = 256 << 10;
  std::vector<Chunk> chunks_;
  // The previous row's fields (enabled cells, then the Process cell's
  // tokens), which the next row is encoded against.
  std::string prev_text_;
  std::vector<uint32_t> prev_ends_;
  std::string scratch_;                   // one row's encoding before it goes into a chunk
  std::vector<std::string_view> fields_;  // the row being added, split into fields
  std::string cur_text_;
  std::vector<uint32_t> cur_ends_;
  // The last row's tail image (padded to words), which the next tail is
  // encoded against; rows without a tail leave it as it was.
  std::string prev_tail_, cur_tail_;
  size_t prev_tail_len_ = 0;  // its unpadded length
  const TailFormatter* tail_fmt_ = nullptr;

  // Decoding state: after read_row, `cur` holds the row's fields back to back
  // (cur_ends their ends) and `prev` the row before.
  struct ReadState {
    size_t chunk = 0, pos = 0;
    std::string prev, cur;
    std::vector<uint32_t> prev_ends, cur_ends;
    std::string tail, prev_tail;  // the latest tail image (words), the one before
    size_t tail_len = 0;          // its byte length, 0: this row has no tail
    size_t last_tail = 0;         // the byte length of the latest tail
  };
  void read_row(ReadState& st) const;
  size_t cell_fields() const;  // enabled columns other than Process
  size_t rows_ = 0;
};

}  // namespace sw
