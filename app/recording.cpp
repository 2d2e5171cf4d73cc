#include "recording.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/files.hpp"
#include "netlink/dump_file.hpp"
#include "netlink/source.hpp"
#include "plan.hpp"

namespace sw {

bool Recording::open(const std::string& path) {
  // Unlike ss -D (kept as ss for compatibility), --record never follows a
  // symlink planted at its path nor writes into a device or FIFO.
  auto fd = create_file_safely(path);
  if (!fd) {
    std::fprintf(stderr, "sockwatch: --record %s\n", fd.error().message.c_str());
    return false;
  }
  fd_ = *fd;
  writer_ = std::make_unique<Writer>(fd_, path);
  return true;
}

bool Recording::close() {
  // The end marker says the recording is whole; --replay refuses a file with
  // table markers and no end marker as truncated.
  auto end = end_of_recording_marker();
  write(end.data(), end.size());
  bool ok = writer_->flush();
  if (!ok)
    std::fprintf(stderr, "sockwatch: writing %s: %s\n", writer_->name().c_str(),
                 std::strerror(writer_->error()));
  writer_.reset();
  if (::close(fd_) != 0 && ok) {
    std::fprintf(stderr, "sockwatch: closing recording: %s\n", std::strerror(errno));
    ok = false;
  }
  return ok;
}

int write_tcp_dump(const SsOptions& o) {
  if (!has_table(o, Table::Tcp)) {
    std::fputs("ss: tcpdiag dump requested and no tcp in filter.\n", stderr);
    return 0;
  }
  int fd = STDOUT_FILENO;
  if (o.dump_file != "-") {
    fd = ::open(o.dump_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::fprintf(stderr, "sockwatch: %s: %s\n", o.dump_file.c_str(), std::strerror(errno));
      return 1;
    }
  }
  Writer w(fd, o.dump_file == "-" ? "stdout" : o.dump_file);
  int family = o.preferred_family == AF_INET6 ? AF_INET6 : AF_INET;
  int status = 0;
  for (;;) {
    // A socket per family, as ss opens one per request: each request is then
    // the socket's first, with ss's sequence number, so the file has ss's bytes.
    LiveSource live;
    live.set_recorder([&](const uint8_t* p, size_t n) {
      w.append(std::string_view(reinterpret_cast<const char*>(p), n));
    });
    DumpRequest req;
    req.table = Table::Tcp;
    req.family = family;
    req.states = o.states;
    req.inet_ext = inet_ext_bits(o);
    auto res = live.dump(req, [](SocketRecord&&) { return true; });
    if (!res) {
      std::fprintf(stderr, "sock_diag dump (tcp): %s\n", res.error().message.c_str());
      status = 1;
      break;
    }
    if (family == AF_INET && o.preferred_family != AF_INET) {
      family = AF_INET6;
      continue;
    }
    break;
  }
  if (!w.flush() && !w.broken_pipe()) {
    std::fprintf(stderr, "sockwatch: writing %s: %s\n", w.name().c_str(), std::strerror(w.error()));
    status = 1;
  }
  if (fd != STDOUT_FILENO) ::close(fd);
  return status;
}

}  // namespace sw
