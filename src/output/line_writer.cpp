#include "output/line_writer.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace sw {

namespace {

std::string errstr(int e) { return std::strerror(e); }

// One write(2) for the whole buffer; retried only for what a signal or a
// short write left, so lines stay whole for a reader of a pipe or file.
// Returns the number of bytes written before an error, and the errno (0: ok).
std::pair<size_t, int> write_all(int fd, std::string_view b) {
  size_t done = 0;
  while (done < b.size()) {
    ssize_t n = ::write(fd, b.data() + done, b.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return {done, errno};
    }
    if (n == 0) return {done, EIO};  // no progress on a regular file or pipe: give up
    done += static_cast<size_t>(n);
  }
  return {done, 0};
}

// Whether the file `st` describes ends in '\n'. The write fd cannot read, so
// a read-only fd of the same path is opened (and must be the same inode); a
// file sockwatch may not read is taken as ending well.
bool ends_with_newline(const std::string& path, const struct stat& st, uint64_t size) {
  int rfd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (rfd < 0) return true;
  struct stat rst {};
  char last = '\n';
  bool same = ::fstat(rfd, &rst) == 0 && rst.st_dev == st.st_dev && rst.st_ino == st.st_ino;
  if (same && ::pread(rfd, &last, 1, static_cast<off_t>(size - 1)) != 1) last = '\n';
  ::close(rfd);
  return last == '\n';
}

}  // namespace

Expected<void> FdWriter::write_line(std::string_view line) {
  buf_.assign(line);
  buf_ += '\n';
  auto [done, err] = write_all(fd_, buf_);
  (void)done;
  if (err) return Error{name_ + ": " + errstr(err), err};
  return {};
}

Expected<std::unique_ptr<RotatingFileWriter>> RotatingFileWriter::open(std::string path,
                                                                       uint64_t rotate_size,
                                                                       unsigned keep) {
  if (path.empty()) return Error{"log file: empty path", EINVAL};
  std::unique_ptr<RotatingFileWriter> w(new RotatingFileWriter(std::move(path), rotate_size, keep));
  if (auto r = w->open_file(); !r) return r.error();
  return w;
}

RotatingFileWriter::~RotatingFileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Expected<void> RotatingFileWriter::open_file() {
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) {
    int e = errno;
    std::string why = errstr(e);
    if (e == ELOOP) {
      why = "is a symbolic link, which sockwatch does not follow (give the link's target)";
    } else if (e == ENOENT) {
      auto slash = path_.rfind('/');
      std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash ? slash : 1);
      why += " (does the directory " + dir + " exist?)";
    }
    return Error{path_ + ": " + why, e};
  }
  struct stat st {};
  if (::fstat(fd, &st) < 0) {
    int e = errno;
    ::close(fd);
    return Error{path_ + ": " + errstr(e), e};
  }
  regular_ = S_ISREG(st.st_mode);
  if (!regular_ && rotate_size_ > 0) {
    ::close(fd);
    return Error{path_ + ": not a regular file, so it cannot be rotated (drop --rotate-size)",
                 EINVAL};
  }
  uint64_t size = regular_ ? static_cast<uint64_t>(st.st_size) : 0;
  // A previous run killed mid-write may have left a partial last line: end it
  // so the next event starts a line of its own. The bytes stay (evidence is
  // not deleted); only that one line is incomplete.
  if (size > 0 && !ends_with_newline(path_, st, size)) {
    auto [done, err] = write_all(fd, "\n");
    if (err) {
      ::close(fd);
      return Error{path_ + ": " + errstr(err), err};
    }
    size += done;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  size_ = size;
  return {};
}

Expected<void> RotatingFileWriter::rotate() {
  if (keep_ == 0) {
    // No history wanted: start the same file again.
    if (::ftruncate(fd_, 0) < 0) {
      int e = errno;
      return Error{path_ + ": truncate for rotation: " + errstr(e), e};
    }
    size_ = 0;
    ++rotations_;
    return {};
  }
  // Oldest first, so each rename moves onto a name already vacated; the
  // rename onto path.keep drops the oldest file.
  for (unsigned i = keep_ - 1; i >= 1; --i) {
    std::string from = path_ + "." + std::to_string(i);
    std::string to = path_ + "." + std::to_string(i + 1);
    if (::rename(from.c_str(), to.c_str()) < 0 && errno != ENOENT) {
      int e = errno;
      return Error{from + ": rotate to " + to + ": " + errstr(e), e};
    }
  }
  std::string first = path_ + ".1";
  if (::rename(path_.c_str(), first.c_str()) < 0 && errno != ENOENT) {
    int e = errno;
    return Error{path_ + ": rotate to " + first + ": " + errstr(e), e};
  }
  ++rotations_;
  return open_file();
}

Expected<void> RotatingFileWriter::write_line(std::string_view line) {
  if (fd_ < 0) return Error{path_ + ": not open", EBADF};
  uint64_t n = line.size() + 1;
  if (regular_ && rotate_size_ > 0 && size_ > 0 && size_ + n > rotate_size_) {
    if (auto r = rotate(); !r) return r;
  }
  buf_.assign(line);
  buf_ += '\n';
  auto [done, err] = write_all(fd_, buf_);
  if (err) {
    // A disk that filled mid-line leaves part of it: cut it off again so the
    // file still holds only whole lines (best effort; the error stands).
    if (done > 0 && regular_) {
      if (::ftruncate(fd_, static_cast<off_t>(size_)) == 0) done = 0;
    }
    size_ += done;
    return Error{path_ + ": " + errstr(err), err};
  }
  size_ += done;
  return {};
}

Expected<void> RotatingFileWriter::reopen() { return open_file(); }

Expected<uint64_t> parse_size(std::string_view text) {
  auto bad = [&] {
    return Error{"size \"" + std::string(text) +
                     "\": expected a number of bytes with an optional K, M or G suffix",
                 EINVAL};
  };
  if (text.empty()) return bad();
  uint64_t v = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    auto d = static_cast<uint64_t>(text[i] - '0');
    if (v > (UINT64_MAX - d) / 10)
      return Error{"size \"" + std::string(text) + "\": too large", ERANGE};
    v = v * 10 + d;
  }
  if (i == 0) return bad();
  unsigned shift = 0;
  if (i < text.size()) {
    switch (text[i]) {
      case 'K':
      case 'k':
        shift = 10;
        break;
      case 'M':
      case 'm':
        shift = 20;
        break;
      case 'G':
      case 'g':
        shift = 30;
        break;
      default:
        return bad();
    }
    if (++i != text.size()) return bad();
  }
  if (shift && v > (UINT64_MAX >> shift))
    return Error{"size \"" + std::string(text) + "\": too large", ERANGE};
  return v << shift;
}

}  // namespace sw
