// A fake /proc tree in a temp dir for scanner tests: pid directories with
// stat, fd links, tasks, and the files ProcessDetails reads.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sw {

class FakeProc {
 public:
  FakeProc() {
    char tmpl[] = "/tmp/sw_fakeproc_XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  ~FakeProc() {
    std::error_code ec;  // never throw from a destructor
    std::filesystem::remove_all(root_, ec);
  }
  const std::string& root() const { return root_; }

  void process(int pid, const std::string& comm, std::string dir = "") {
    if (dir.empty()) dir = root_ + "/" + std::to_string(pid);
    std::filesystem::create_directories(dir + "/fd");
    std::ofstream(dir + "/stat") << pid << " (" << comm << ") S 1 1 1 0 -1 4194560\n";
  }
  void fd(int pid, int fd, const std::string& target, std::string dir = "") {
    if (dir.empty()) dir = root_ + "/" + std::to_string(pid);
    std::filesystem::create_symlink(target, dir + "/fd/" + std::to_string(fd));
  }
  // Any file under the pid directory (status, cmdline, cgroup, ...).
  void file(int pid, const std::string& name, const std::string& text) {
    std::ofstream(root_ + "/" + std::to_string(pid) + "/" + name) << text;
  }
  void link(int pid, const std::string& name, const std::string& target) {
    std::filesystem::create_symlink(target, root_ + "/" + std::to_string(pid) + "/" + name);
  }
  void thread(int pid, int tid, const std::string& comm) {
    std::string dir = root_ + "/" + std::to_string(pid) + "/task/" + std::to_string(tid);
    process(tid, comm, dir);
  }

 private:
  std::string root_;
};

}  // namespace sw
