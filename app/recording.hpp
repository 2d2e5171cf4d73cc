// Writers of raw kernel dumps: --record (every table, with markers) and -D
// (the TCP dump, as ss writes it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "render/output.hpp"
#include "ss_options.hpp"

namespace sw {

// --record FILE: every dump's raw replies, each table announced by a marker.
class Recording {
 public:
  // Creates FILE safely (create_file_safely: no symlink followed, no device,
  // FIFO or hard-linked file overwritten); false (after saying why on
  // stderr) when it cannot.
  bool open(const std::string& path);
  void write(const uint8_t* p, size_t n) {
    writer_->append(std::string_view(reinterpret_cast<const char*>(p), n));
  }
  // Writes the end-of-recording marker, flushes and closes; false (after
  // saying why, with the path) on an error.
  bool close();

 private:
  int fd_ = -1;
  std::unique_ptr<Writer> writer_;
};

// -D FILE: the raw TCP dump, as ss writes it, before any expression is parsed.
int write_tcp_dump(const SsOptions& o);

}  // namespace sw
