#include "render/output.hpp"

#include <unistd.h>

#include <cerrno>

namespace sw {

bool Writer::flush() {
  if (errno_) {
    buf_.clear();
    return false;
  }
  size_t off = 0;
  while (off < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      errno_ = errno;
      buf_.clear();
      return false;
    }
    off += static_cast<size_t>(n);
  }
  buf_.clear();
  return true;
}

}  // namespace sw
