// Files named by the user or by the environment: reading them with a size
// bound checked while reading (a /dev/zero, a FIFO fed by `yes`, a directory
// or a huge file gets an error naming it, never unbounded memory), and
// creating output files without following a planted symlink or clobbering a
// device, FIFO or hard-linked file. Never prints; errors read "PATH: why".
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/expected.hpp"

namespace sw {

// Bounds of the files read whole (docs/reliability.md, "Input bounds").
// /proc/net/{tcp,udp,raw,unix,packet,netlink} (or their PROC_NET_* override):
// ~150 bytes a socket, so 256 MiB is well over a million sockets.
constexpr uint64_t kMaxProcTableBytes = uint64_t{256} << 20;
// Small text files: sockstat, snmp, ip_local_port_range, mounts, tables.
constexpr uint64_t kMaxSmallFileBytes = uint64_t{1} << 20;

// "16 MiB", "1 GiB", "512 bytes": how bounds are named in messages.
std::string format_bytes(uint64_t n);

// A file opened for bounded reading. A directory is refused at open (read(2)
// on one fails with EISDIR only later, and iostreams turn that into an
// exception without the name). Reading past `max_bytes` is an error.
class BoundedFile {
 public:
  static Expected<BoundedFile> open(const std::string& path, uint64_t max_bytes);
  // An already open descriptor (stdin), named `name` in messages; not closed.
  static BoundedFile borrow(int fd, std::string name, uint64_t max_bytes);
  BoundedFile(BoundedFile&& o) noexcept;
  BoundedFile& operator=(BoundedFile&& o) noexcept;
  BoundedFile(const BoundedFile&) = delete;
  BoundedFile& operator=(const BoundedFile&) = delete;
  ~BoundedFile();

  // Up to `n` bytes; 0 at the end of the file. Retries EINTR.
  Expected<size_t> read_some(void* buf, size_t n);
  // Exactly `n` bytes unless the file ends first; returns how many were read.
  Expected<size_t> read_full(void* buf, size_t n);
  const std::string& name() const { return name_; }
  uint64_t offset() const { return offset_; }
  uint64_t max_bytes() const { return max_; }

 private:
  BoundedFile(int fd, bool owned, std::string name, uint64_t max)
      : fd_(fd), owned_(owned), name_(std::move(name)), max_(max) {}
  int fd_ = -1;
  bool owned_ = false;
  std::string name_;
  uint64_t max_ = 0;
  uint64_t offset_ = 0;
};

// The whole file, at most `max_bytes` of it (more is an error, not a cut).
Expected<std::string> read_file_bounded(const std::string& path, uint64_t max_bytes);

// read_file_bounded in the shape the /proc readers use: false with errno set
// when the file cannot be read, `why` then says why, naming the file.
bool read_text_file(const std::string& path, std::string& out, uint64_t max_bytes,
                    std::string* why = nullptr);

// Creates (or truncates) a regular file for writing, safely: the last path
// component is never followed if it is a symlink (O_NOFOLLOW), and an
// existing file that is not a regular file (device, FIFO, socket,
// directory) or that has other hard links is left untouched and refused.
// Returns the open descriptor (O_CLOEXEC); the caller closes it.
Expected<int> create_file_safely(const std::string& path, mode_t mode = 0644);

}  // namespace sw
