#include "plan.hpp"

#include <linux/inet_diag.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

#include "env.hpp"

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

CollectPlan collect_plan(const SsOptions& o, const Filter* filter) {
  CollectPlan p;
  p.tables = o.dbs;
  p.families = o.families;
  p.states = o.states;
  p.preferred_family = o.preferred_family;
  p.inet_ext = inet_ext_bits(o);
  p.unix_mem = o.render.show_mem;
  p.unix_details = o.render.show_details;
  p.filter = filter;
  p.kernel_bytecode = kernel_bytecode_from_environment();
  p.kill = o.kill;
  return p;
}

void print_diagnostic(const Diagnostic& d) { std::fprintf(stderr, "%s\n", d.text.c_str()); }

int visit_namespaces(NamespaceWalk& walk, const std::function<void(const NetnsLabel&)>& each) {
  int st = walk.visit(each);
  if (st) std::fprintf(stderr, "%s\n", walk.fatal_error().c_str());
  return st;
}

void report_namespaces(NamespaceWalk& walk) {
  if (auto msg = walk.report()) std::fprintf(stderr, "%s\n", msg->c_str());
}

}  // namespace sw
