// Line sinks for `sockwatch log`: where formatted events go, one line each.
// Owns the durability rules of the event stream: every line is handed to the
// kernel with one write(2) as soon as it is formatted (no user-space buffer,
// so a SIGKILL leaves every line already written complete), short writes and
// EINTR are retried, errors come back as values with errno in Error::code
// (EPIPE for a reader that went away, ENOSPC/EIO for a full or failing disk).
// It does not format events (render/event_json.hpp) and never prints or exits.
//
// The process must ignore SIGPIPE (the app does) for EPIPE to come back here
// rather than killing it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace sw {

class LineWriter {
 public:
  virtual ~LineWriter() = default;
  // Appends `json_without_newline` and a '\n'.
  virtual Expected<void> write_line(std::string_view json_without_newline) = 0;
  // SIGHUP: start writing to the configured destination afresh (logrotate
  // moved the file away). A no-op where there is nothing to reopen.
  virtual Expected<void> reopen() = 0;
};

// An fd the writer does not own (stdout). `name` is the "what" of errors.
class FdWriter final : public LineWriter {
 public:
  explicit FdWriter(int fd, std::string name = "stdout") : fd_(fd), name_(std::move(name)) {}
  Expected<void> write_line(std::string_view line) override;
  Expected<void> reopen() override { return {}; }

 private:
  int fd_;
  std::string name_;
  std::string buf_;  // line + '\n', reused: one write(2) per line
};

// A file that rotates by size: when the current size plus the next line would
// pass `rotate_size` bytes, path.(keep-1) -> path.keep, ..., path -> path.1,
// and a fresh `path` is created. rotate_size 0: never rotate. keep 0: no
// history, the file is truncated and starts again. A single line longer than
// rotate_size still goes whole into a file of its own: lines are never split.
// An existing file is appended to and its size counts toward the limit; if
// it ends in a partial line (a run killed mid-write), a '\n' ends that line
// first, so the next event never merges with it.
// Opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC|O_NOFOLLOW, mode 0640 (less the
// umask): the final component must not be a symbolic link, so a link planted
// in a shared directory cannot redirect a root daemon's writes.
class RotatingFileWriter final : public LineWriter {
 public:
  static Expected<std::unique_ptr<RotatingFileWriter>> open(std::string path, uint64_t rotate_size,
                                                            unsigned keep);
  ~RotatingFileWriter() override;
  RotatingFileWriter(const RotatingFileWriter&) = delete;
  RotatingFileWriter& operator=(const RotatingFileWriter&) = delete;

  Expected<void> write_line(std::string_view line) override;
  Expected<void> reopen() override;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }  // bytes in the current file
  uint64_t rotations() const { return rotations_; }

 private:
  RotatingFileWriter(std::string path, uint64_t rotate_size, unsigned keep)
      : path_(std::move(path)), rotate_size_(rotate_size), keep_(keep) {}
  Expected<void> open_file();
  Expected<void> rotate();
  std::string path_;
  uint64_t rotate_size_;
  unsigned keep_;
  int fd_ = -1;
  bool regular_ = true;
  uint64_t size_ = 0;
  uint64_t rotations_ = 0;
  std::string buf_;
};

// "100", "64K", "10M", "2G" (also lower case): bytes, 1024-based. "0" is 0.
// Error code EINVAL for text that is not a size, ERANGE past 2^64 - 1.
Expected<uint64_t> parse_size(std::string_view text);

}  // namespace sw
