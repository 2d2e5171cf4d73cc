#include "plan.hpp"

#include <linux/inet_diag.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace sw {

int screen_width() {
  if (!isatty(STDOUT_FILENO)) return -1;
  winsize w{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) != -1 && w.ws_col > 0) return w.ws_col;
  return -1;
}

uint8_t inet_ext_bits(const SsOptions& o) {
  uint8_t ext = 0;
  auto bit = [](int a) { return static_cast<uint8_t>(1u << (a - 1)); };  // idiag_ext bit
  if (o.render.show_mem)
    ext = static_cast<uint8_t>(ext | bit(INET_DIAG_MEMINFO) | bit(INET_DIAG_SKMEMINFO));
  if (o.render.show_tcpinfo)
    ext = static_cast<uint8_t>(ext | bit(INET_DIAG_INFO) | bit(INET_DIAG_VEGASINFO) |
                               bit(INET_DIAG_CONG));
  if (o.render.show_tos)
    ext = static_cast<uint8_t>(ext | bit(INET_DIAG_TOS) | bit(INET_DIAG_TCLASS));
  return ext;
}

void warn(const std::string& msg) { std::fprintf(stderr, "sockwatch: %s\n", msg.c_str()); }

}  // namespace sw
