// Writer: buffered output to a file descriptor with write(2), flushed in 64 KiB
// chunks. A closed pipe (EPIPE) is remembered, not fatal: `sockwatch | head -1`
// must end quietly with status 0. Other write errors (ENOSPC...) are kept so
// the caller can name the path and errno.
#pragma once

#include <string>

namespace sw {

class Writer {
 public:
  explicit Writer(int fd, std::string name = "stdout") : fd_(fd), name_(std::move(name)) {}
  ~Writer() { flush(); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  std::string& buf() { return buf_; }
  void append(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= kChunk) flush();
  }
  void maybe_flush() {
    if (buf_.size() >= kChunk) flush();
  }
  // Writes everything buffered; returns false on error (see error()).
  bool flush();
  bool broken_pipe() const { return errno_ == 32; }  // EPIPE
  int error() const { return errno_; }
  const std::string& name() const { return name_; }

 private:
  static constexpr size_t kChunk = 64 * 1024;
  int fd_;
  std::string name_;
  std::string buf_;
  int errno_ = 0;
};

}  // namespace sw
