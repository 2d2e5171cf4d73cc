#include "netns.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sw {

namespace {

// Bind-mount every entry of /etc/netns/NAME over its /etc counterpart;
// failures are ignored as iproute2's bind_etc() only warns.
void bind_etc(const std::string& name) {
  std::string dir = "/etc/netns/" + name;
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
    std::string src = dir + "/" + e->d_name;
    std::string dst = std::string("/etc/") + e->d_name;
    mount(src.c_str(), dst.c_str(), "none", MS_BIND, nullptr);
  }
  closedir(d);
}

}  // namespace

Expected<void> switch_netns(const std::string& name) {
  std::string path = "/var/run/netns/" + name;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Error{
        fmt::format("Cannot open network namespace \"{}\": {}", name, std::strerror(errno)), errno};
  if (setns(fd, CLONE_NEWNET) < 0) {
    int e = errno;
    ::close(fd);
    return Error{
        fmt::format("setting the network namespace \"{}\" failed: {}", name, std::strerror(e)), e};
  }
  ::close(fd);
  if (unshare(CLONE_NEWNS) < 0)
    return Error{fmt::format("unshare failed: {}", std::strerror(errno)), errno};
  if (mount("", "/", "none", MS_SLAVE | MS_REC, nullptr))
    return Error{fmt::format("\"mount --make-rslave /\" failed: {}", std::strerror(errno)), errno};
  unsigned long flags = 0;
  if (umount2("/sys", MNT_DETACH) < 0) {
    struct statvfs st {};
    if (statvfs("/sys", &st) == 0 && (st.f_flag & ST_RDONLY)) flags = MS_RDONLY;
  }
  if (mount(name.c_str(), "/sys", "sysfs", flags, nullptr) < 0)
    return Error{fmt::format("mount of /sys failed: {}", std::strerror(errno)), errno};
  bind_etc(name);
  return {};
}

}  // namespace sw
