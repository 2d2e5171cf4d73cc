// cgroup id -> path, as ss's cg_map: on first use find the cgroup2 mount in a
// mounts file, walk it once (not crossing into other mounts) and remember each
// directory's id (the 8-byte file handle, = its kernfs inode) with its path
// relative to the mount ("/" for the root). An id the walk did not see (a
// cgroup created later) is opened by handle, as ss's get_cgroup2_path does;
// what still cannot be resolved prints as "unreachable:<hex id>". Unlike ss,
// a miss is cached and costs (and is reported) once. Not thread-safe.
// A live loop passes a CachePolicy: entries older than the TTL (a cgroup
// removed and its id reused, a miss that may since resolve) are looked up by
// handle again, and the size bound keeps memory flat on hosts that create
// and remove thousands of cgroups; the one walk is never repeated.
#pragma once

#include <cstdint>
#include <string>

#include "core/expected.hpp"
#include "enrich/expiring_cache.hpp"

namespace sw {

class CgroupNames {
 public:
  // mounts_path: normally /proc/self/mounts (a seam for tests).
  explicit CgroupNames(std::string mounts_path = "/proc/self/mounts", CachePolicy policy = {},
                       MonoClock clock = {});
  // Path relative to the cgroup2 mount ("/" for the root), or "unreachable:<hex>".
  // Logically const: loads and fills the cache on demand.
  const std::string& path_of(uint64_t id) const;
  // True if no cgroup2 mount was visible (ss prints one error per miss then).
  bool mount_missing() const;
  // The cgroup2 mount point found ("" if none); loads on first call.
  const std::string& mount_point() const;

 private:
  void load() const;
  std::string mounts_path_;
  mutable bool loaded_ = false;
  mutable std::string mount_;
  mutable ExpiringCache<uint64_t, std::string> names_;
};

// First cgroup2 mount point listed in a /proc/mounts-format file (octal
// escapes such as \040 decoded); "" if none.
std::string find_cgroup2_mount(const std::string& mounts_path);

// The cgroup2 id of a directory (its 8-byte file handle); 0 when it has none.
uint64_t cgroup_dir_id(const std::string& path);

// iproute2's get_cgroup2_id: the id of a directory given as a file system path
// ("/..." or "./...") or a path relative to the cgroup2 mount; 0 when missing.
// The error message is the line ss prints ("Failed to find cgroup2 mount").
Expected<uint64_t> cgroup_id_of_path(const std::string& path,
                                     const std::string& mounts_path = "/proc/self/mounts");

}  // namespace sw
