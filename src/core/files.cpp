#include "core/files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sw {

std::string format_bytes(uint64_t n) {
  if (n >= (uint64_t{1} << 30) && n % (uint64_t{1} << 30) == 0)
    return fmt::format("{} GiB", n >> 30);
  if (n >= (uint64_t{1} << 20) && n % (uint64_t{1} << 20) == 0)
    return fmt::format("{} MiB", n >> 20);
  if (n >= 1024 && n % 1024 == 0) return fmt::format("{} KiB", n >> 10);
  return fmt::format("{} bytes", n);
}

Expected<BoundedFile> BoundedFile::open(const std::string& path, uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{fmt::format("{}: {}", path, std::strerror(errno)), errno};
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Error{fmt::format("{}: {}", path, std::strerror(EISDIR)), EISDIR};
  }
  return BoundedFile(fd, true, path, max_bytes);
}

BoundedFile BoundedFile::borrow(int fd, std::string name, uint64_t max_bytes) {
  return BoundedFile(fd, false, std::move(name), max_bytes);
}

BoundedFile::BoundedFile(BoundedFile&& o) noexcept
    : fd_(o.fd_), owned_(o.owned_), name_(std::move(o.name_)), max_(o.max_), offset_(o.offset_) {
  o.fd_ = -1;
  o.owned_ = false;
}

BoundedFile& BoundedFile::operator=(BoundedFile&& o) noexcept {
  if (this != &o) {
    if (owned_ && fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    owned_ = o.owned_;
    name_ = std::move(o.name_);
    max_ = o.max_;
    offset_ = o.offset_;
    o.fd_ = -1;
    o.owned_ = false;
  }
  return *this;
}

BoundedFile::~BoundedFile() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

Expected<size_t> BoundedFile::read_some(void* buf, size_t n) {
  // Ask for one byte more than the bound allows, so that a file of exactly
  // max_bytes is accepted and one byte more is seen (and refused) at once.
  // (offset_ <= max_ holds: passing it is an error.)
  size_t want = static_cast<size_t>(std::min<uint64_t>(n, max_ - offset_ + 1));
  for (;;) {
    ssize_t got = ::read(fd_, buf, want);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Error{fmt::format("{}: {}", name_, std::strerror(errno)), errno};
    }
    offset_ += static_cast<uint64_t>(got);
    if (offset_ > max_)
      return Error{
          fmt::format("{}: larger than {}, the bound for this input", name_, format_bytes(max_)),
          EFBIG};
    return static_cast<size_t>(got);
  }
}

Expected<size_t> BoundedFile::read_full(void* buf, size_t n) {
  size_t done = 0;
  auto* p = static_cast<char*>(buf);
  while (done < n) {
    auto got = read_some(p + done, n - done);
    if (!got) return got.error();
    if (*got == 0) break;
    done += *got;
  }
  return done;
}

Expected<std::string> read_file_bounded(const std::string& path, uint64_t max_bytes) {
  auto f = BoundedFile::open(path, max_bytes);
  if (!f) return f.error();
  std::string out;
  char buf[65536];
  for (;;) {
    auto got = f->read_some(buf, sizeof buf);
    if (!got) return got.error();
    if (*got == 0) return out;
    out.append(buf, *got);
  }
}

Expected<int> create_file_safely(const std::string& path, mode_t mode) {
  // A new file: O_EXCL guarantees it is ours, whatever the directory holds.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd >= 0) return fd;
  if (errno != EEXIST) return Error{fmt::format("{}: {}", path, std::strerror(errno)), errno};
  struct stat before;
  if (lstat(path.c_str(), &before) != 0)
    return Error{fmt::format("{}: {}", path, std::strerror(errno)), errno};
  if (S_ISLNK(before.st_mode))
    return Error{fmt::format("{}: is a symbolic link; refusing to follow it (remove it, or name "
                             "the target itself)",
                             path),
                 ELOOP};
  if (!S_ISREG(before.st_mode))
    return Error{
        fmt::format("{}: exists and is not a regular file; refusing to overwrite it", path),
        EEXIST};
  if (before.st_nlink > 1)
    return Error{fmt::format("{}: has {} hard links; refusing to overwrite a file that other "
                             "names share",
                             path, before.st_nlink),
                 EMLINK};
  // O_NONBLOCK: should the name be swapped for a FIFO between lstat and open,
  // the open must not hang; the fstat below then refuses it.
  fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Error{fmt::format("{}: {}", path, std::strerror(errno)), errno};
  struct stat now;
  if (fstat(fd, &now) != 0 || !S_ISREG(now.st_mode) || now.st_dev != before.st_dev ||
      now.st_ino != before.st_ino || now.st_nlink > 1) {
    ::close(fd);
    return Error{
        fmt::format("{}: changed while it was being opened; refusing to overwrite it", path),
        EAGAIN};
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  if (ftruncate(fd, 0) != 0) {
    int e = errno;
    ::close(fd);
    return Error{fmt::format("{}: {}", path, std::strerror(e)), e};
  }
  return fd;
}

bool read_text_file(const std::string& path, std::string& out, uint64_t max_bytes,
                    std::string* why) {
  auto r = read_file_bounded(path, max_bytes);
  if (!r) {
    if (why) *why = r.error().message;
    errno = r.error().code;
    return false;
  }
  out = std::move(*r);
  return true;
}

}  // namespace sw
