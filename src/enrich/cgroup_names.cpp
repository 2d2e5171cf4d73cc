#include "enrich/cgroup_names.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/files.hpp"

namespace sw {

namespace {

// The kernel's handle type for cgroupfs (FILEID_INO32_GEN in linux/exportfs.h,
// not a uapi header); iproute2 uses the same constant to open by handle.
constexpr int kFileIdIno32Gen = 1;

// A file_handle with room for the 8-byte cgroup id (file_handle ends in a
// flexible array, so it cannot simply be a struct member).
struct Handle {
  alignas(file_handle) unsigned char buf[sizeof(file_handle) + sizeof(uint64_t)] = {};
  file_handle* fh() { return reinterpret_cast<file_handle*>(buf); }
  unsigned char* bytes() { return buf + sizeof(file_handle); }
};

// /proc/mounts escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_field(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

uint64_t id_at(int dirfd, const char* path) {
  Handle h;
  h.fh()->handle_bytes = sizeof(uint64_t);
  int mount_id = 0;
  if (name_to_handle_at(dirfd, path, h.fh(), &mount_id, 0) != 0) return 0;
  // ss rejects handles of any other size ("Invalid size of cgroup2 ID").
  if (h.fh()->handle_bytes != sizeof(uint64_t)) return 0;
  uint64_t id = 0;
  std::memcpy(&id, h.bytes(), sizeof id);
  return id;
}

// Depth-first walk of the directories below `dir` that live on device `dev`
// (nftw's FTW_MOUNT); `rel` is the path relative to the mount.
void walk(const std::string& dir, const std::string& rel, dev_t dev,
          ExpiringCache<uint64_t, std::string>& names, int depth) {
  if (depth > 256) return;  // cgroupfs nesting is bounded; guard against loops anyway
  // The first path seen for an id wins, as the map's emplace did.
  if (uint64_t id = id_at(AT_FDCWD, dir.c_str()); id && !names.find(id))
    names.put(id, rel.empty() ? "/" : rel);
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> subdirs;
  while (dirent* ent = readdir(d)) {
    std::string_view n = ent->d_name;
    if (n == "." || n == "..") continue;
    if (ent->d_type != DT_DIR && ent->d_type != DT_UNKNOWN) continue;
    struct stat st;
    std::string child = dir + "/" + ent->d_name;
    if (lstat(child.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_dev != dev) continue;
    subdirs.emplace_back(ent->d_name);
  }
  closedir(d);
  for (const auto& s : subdirs) walk(dir + "/" + s, rel + "/" + s, dev, names, depth + 1);
}

// iproute2's get_cgroup2_path(id, false): open the cgroup by handle and read
// back its path from /proc/self/fd; "" when that fails (no privilege, gone).
std::string path_by_handle(const std::string& mount, uint64_t id) {
  int mnt_fd = open(mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (mnt_fd < 0) return {};
  Handle h;
  h.fh()->handle_bytes = sizeof(uint64_t);
  h.fh()->handle_type = kFileIdIno32Gen;
  std::memcpy(h.bytes(), &id, sizeof id);
  int fd = open_by_handle_at(mnt_fd, h.fh(), O_RDONLY | O_CLOEXEC);
  close(mnt_fd);
  if (fd < 0) return {};
  char link[PATH_MAX];
  std::string fd_path = fmt::format("/proc/self/fd/{}", fd);
  ssize_t n = readlink(fd_path.c_str(), link, sizeof link - 1);
  close(fd);
  if (n < 0) return {};
  std::string full(link, static_cast<size_t>(n));
  if (full.compare(0, mount.size(), mount) != 0) return {};
  std::string rel = full.substr(mount.size());
  // The root resolves to the mount itself; ss would print "" here, the walk "/".
  return rel.empty() ? "/" : rel;
}

}  // namespace

std::string find_cgroup2_mount(const std::string& mounts_path) {
  // Bounded: a mount table is text the size of the mounts, and a hostile
  // PROC_ROOT may put anything there. (16 MiB: a container host with
  // tens of thousands of mounts still fits.)
  auto text = read_file_bounded(mounts_path, uint64_t{16} << 20);
  std::istringstream in(text ? *text : std::string());
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string dev, dir, type;
    if (ls >> dev >> dir >> type && type == "cgroup2") return unescape_mount_field(dir);
  }
  return {};
}

uint64_t cgroup_dir_id(const std::string& path) { return id_at(AT_FDCWD, path.c_str()); }

CgroupNames::CgroupNames(std::string mounts_path, CachePolicy policy, MonoClock clock)
    : mounts_path_(std::move(mounts_path)), names_(policy, std::move(clock)) {}

void CgroupNames::load() const {
  loaded_ = true;
  mount_ = find_cgroup2_mount(mounts_path_);
  if (mount_.empty()) return;
  struct stat st;
  if (stat(mount_.c_str(), &st) != 0) return;
  // "/" as a mount point: relative paths start right after it.
  std::string base = mount_ == "/" ? "" : mount_;
  walk(base.empty() ? "/" : base, "", st.st_dev, names_, 0);
}

bool CgroupNames::mount_missing() const { return mount_point().empty(); }

const std::string& CgroupNames::mount_point() const {
  if (!loaded_) load();
  return mount_;
}

const std::string& CgroupNames::path_of(uint64_t id) const {
  if (!loaded_) load();
  return names_.get(id, [&](uint64_t key) {
    std::string path;
    if (key && !mount_.empty()) path = path_by_handle(mount_, key);
    if (path.empty()) path = fmt::format("unreachable:{:x}", key);
    return path;
  });
}

Expected<uint64_t> cgroup_id_of_path(const std::string& path, const std::string& mounts_path) {
  // As ss 6.1 resolves it (checked with strace): a path starting with '/' or
  // '.' is first tried as a file system path from the current directory; then
  // (and for anything else) relative to the cgroup2 mount. With no mount
  // visible (ip netns exec remounts /sys) that fails; nothing is mounted.
  if (!path.empty() && (path[0] == '/' || path[0] == '.')) {
    if (uint64_t id = cgroup_dir_id(path)) return id;
  }
  std::string mnt = find_cgroup2_mount(mounts_path);
  if (mnt.empty()) return Error{"Failed to find cgroup2 mount", ENOENT};
  std::string full = mnt + "/" + path;
  errno = 0;
  uint64_t id = cgroup_dir_id(full);
  if (!id) {
    int e = errno ? errno : EINVAL;
    return Error{fmt::format("Failed to get cgroup2 ID: {}", std::strerror(e)), e};
  }
  return id;
}

}  // namespace sw
