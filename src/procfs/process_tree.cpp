#include "procfs/process_tree.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <string_view>

#include "procfs/pid_sockets.hpp"

namespace sw {

namespace {

// comm and ppid of one stat line; false when it does not parse.
bool parse_stat(std::string_view s, std::string& comm, int32_t& ppid) {
  auto open = s.find('('), close_p = s.rfind(')');
  if (open == std::string_view::npos || close_p == std::string_view::npos || close_p < open)
    return false;
  comm.assign(s.substr(open + 1, close_p - open - 1));
  // ") S PPID ...": the state, then the parent, after the LAST ')'.
  std::string_view rest = s.substr(close_p + 1);
  auto at = rest.find_first_not_of(' ');
  if (at == std::string_view::npos) return false;
  rest.remove_prefix(at);
  auto sp = rest.find(' ');
  if (sp == std::string_view::npos) return false;
  rest.remove_prefix(sp + 1);
  auto r = std::from_chars(rest.data(), rest.data() + rest.size(), ppid);
  return r.ec == std::errc() && r.ptr != rest.data();
}

bool read_stat(const std::string& proc_root, int32_t pid, std::string& comm, int32_t& ppid) {
  std::string path = proc_root + "/" + std::to_string(pid) + "/stat";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n <= 0) return false;
  return parse_stat(std::string_view(buf, static_cast<size_t>(n)), comm, ppid);
}

}  // namespace

std::optional<ProcessNow> read_process_now(const std::string& proc_root, int32_t pid) {
  int proc_fd = open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd < 0) return std::nullopt;
  ProcessNow p;
  bool ok = read_pid_facts(proc_fd, pid, p.comm, p.details);
  close(proc_fd);
  if (!ok) return std::nullopt;
  return p;
}

std::vector<ProcessLink> parent_chain(const std::string& proc_root, int32_t pid, size_t max_depth) {
  std::vector<ProcessLink> chain;
  std::vector<int32_t> seen{pid};
  std::string comm;
  int32_t ppid = 0;
  if (pid <= 1 || !read_stat(proc_root, pid, comm, ppid)) return chain;
  while (ppid > 0 && chain.size() < max_depth) {
    if (std::find(seen.begin(), seen.end(), ppid) != seen.end()) break;
    seen.push_back(ppid);
    int32_t next = 0;
    if (!read_stat(proc_root, ppid, comm, next)) break;
    chain.push_back({ppid, comm});
    if (ppid == 1) break;
    ppid = next;
  }
  return chain;
}

}  // namespace sw
