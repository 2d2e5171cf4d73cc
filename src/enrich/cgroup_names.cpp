#include "enrich/cgroup_names.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace sw {

namespace {

// The cgroup v2 id of a directory: the 8-byte file handle the kernel gives for
// it (what iproute2's get_cgroup2_id reads), which is also its kernfs inode.
uint64_t cgroup_id_of(const char* path) {
  alignas(file_handle) unsigned char buf[sizeof(file_handle) + sizeof(uint64_t)] = {};
  auto* fh = reinterpret_cast<file_handle*>(buf);
  fh->handle_bytes = sizeof(uint64_t);
  int mount_id = 0;
  if (name_to_handle_at(AT_FDCWD, path, fh, &mount_id, 0) != 0) return 0;
  uint64_t id = 0;
  std::memcpy(&id, buf + sizeof(file_handle), sizeof id);
  return id;
}

std::string find_cgroup2_mount(const std::string& mounts_path) {
  std::ifstream in(mounts_path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string dev, dir, type;
    if (ls >> dev >> dir >> type && type == "cgroup2") return dir;
  }
  return {};
}

// nftw has no user pointer; the walk runs once, single-threaded.
std::unordered_map<uint64_t, std::string>* g_names = nullptr;
size_t g_mount_len = 0;

int visit(const char* path, const struct stat*, int type, FTW*) {
  if (type != FTW_D) return 0;
  uint64_t id = cgroup_id_of(path);
  if (!id) return 0;
  const char* rel = path + g_mount_len;
  g_names->emplace(id, std::string(*rel ? rel : "/"));
  return 0;
}

}  // namespace

CgroupNames::CgroupNames(std::string mounts_path) : mounts_path_(std::move(mounts_path)) {}

void CgroupNames::load() {
  loaded_ = true;
  std::string mnt = find_cgroup2_mount(mounts_path_);
  if (mnt.empty()) {
    mount_missing_ = true;
    return;
  }
  g_names = &names_;
  g_mount_len = mnt.size();
  nftw(mnt.c_str(), visit, 64, FTW_MOUNT | FTW_PHYS);
  g_names = nullptr;
}

const std::string& CgroupNames::path_of(uint64_t id) {
  if (!loaded_) load();
  auto it = names_.find(id);
  if (it != names_.end()) return it->second;
  // Created after the walk, or not visible here: cached so a miss costs once
  // (ss re-reads /proc/mounts and prints an error for every socket).
  return names_.emplace(id, fmt::format("unreachable:{:x}", id)).first->second;
}

uint64_t cgroup_id_of_path(const std::string& path, const std::string& mounts_path) {
  if (path.empty()) return 0;
  // As ss 6.1 resolves it (checked with strace): a path starting with '/' or
  // '.' is a file system path from the current directory; anything else is
  // relative to the cgroup2 mount.
  if (path[0] == '/' || path[0] == '.') return cgroup_id_of(path.c_str());
  std::string mnt = find_cgroup2_mount(mounts_path);
  if (!mnt.empty()) return cgroup_id_of((mnt + "/" + path).c_str());
  // No cgroup2 mount visible (e.g. under `ip netns exec`, which remounts /sys).
  // ss mounts one at /var/run/cgroup2 and leaves it; a detached mount (new
  // mount API) gives the same ids without touching the mount table.
  int fs = static_cast<int>(syscall(SYS_fsopen, "cgroup2", 0));
  if (fs < 0) return 0;
  uint64_t id = 0;
  if (syscall(SYS_fsconfig, fs, 6 /* FSCONFIG_CMD_CREATE */, nullptr, nullptr, 0) == 0) {
    int m = static_cast<int>(syscall(SYS_fsmount, fs, 0, 0));
    if (m >= 0) {
      const std::string& rel = path;
      alignas(file_handle) unsigned char buf[sizeof(file_handle) + sizeof(uint64_t)] = {};
      auto* fh = reinterpret_cast<file_handle*>(buf);
      fh->handle_bytes = sizeof(uint64_t);
      int mount_id = 0;
      if (name_to_handle_at(m, rel.empty() ? "" : rel.c_str(), fh, &mount_id,
                            rel.empty() ? AT_EMPTY_PATH : 0) == 0)
        std::memcpy(&id, buf + sizeof(file_handle), sizeof id);
      close(m);
    }
  }
  close(fs);
  return id;
}

}  // namespace sw
