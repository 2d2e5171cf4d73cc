// cgroup id -> path, as ss's cg_map: walk the cgroup2 mount once, cache every
// directory's id (its inode, via name_to_handle_at); unknown ids print as
// "unreachable:<hex id>". Unlike ss, a miss is cached and reported once.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "core/expected.hpp"

namespace sw {

class CgroupNames {
 public:
  // mounts_path: normally /proc/self/mounts (a seam for tests).
  explicit CgroupNames(std::string mounts_path = "/proc/self/mounts");
  // Path relative to the cgroup2 mount ("/" for the root), or "unreachable:<hex>".
  const std::string& path_of(uint64_t id);
  // True if no cgroup2 mount was visible (ss prints one error per miss then).
  bool mount_missing() const { return mount_missing_; }

 private:
  void load();
  std::string mounts_path_;
  bool loaded_ = false;
  bool mount_missing_ = false;
  std::unordered_map<uint64_t, std::string> names_;
};

// iproute2's get_cgroup2_id: the id of a directory given as a file system path
// ("/..." or "./...") or a path relative to the cgroup2 mount; 0 when missing.
// The error message is the line ss prints ("Failed to find cgroup2 mount").
Expected<uint64_t> cgroup_id_of_path(const std::string& path,
                                     const std::string& mounts_path = "/proc/self/mounts");

}  // namespace sw
