#include "enrich/cgroup_names.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

Expected<uint64_t> cgroup_id_of_path(const std::string& path, const std::string& mounts_path) {
  // As ss 6.1 resolves it (checked with strace): a path starting with '/' or
  // '.' is first tried as a file system path from the current directory; then
  // (and for anything else) relative to the cgroup2 mount. With no mount
  // visible (ip netns exec remounts /sys) that fails; nothing is mounted.
  if (!path.empty() && (path[0] == '/' || path[0] == '.')) {
    if (uint64_t id = cgroup_id_of(path.c_str())) return id;
  }
  std::string mnt = find_cgroup2_mount(mounts_path);
  if (mnt.empty()) return Error{"Failed to find cgroup2 mount", ENOENT};
  std::string full = mnt + "/" + path;
  errno = 0;
  uint64_t id = cgroup_id_of(full.c_str());
  if (!id) {
    int e = errno ? errno : EINVAL;
    return Error{fmt::format("Failed to get cgroup2 ID: {}", std::strerror(e)), e};
  }
  return id;
}

}  // namespace sw
