#include "render/skmem.hpp"

#include <fmt/format.h>
#include <linux/sock_diag.h>

namespace sw {

void append_skmem(std::string& out, const std::vector<uint32_t>& m) {
  if (m.size() <= SK_MEMINFO_OPTMEM) return;
  auto it = std::back_inserter(out);
  fmt::format_to(it, " skmem:(r{},rb{},t{},tb{},f{},w{},o{}", m[SK_MEMINFO_RMEM_ALLOC],
                 m[SK_MEMINFO_RCVBUF], m[SK_MEMINFO_WMEM_ALLOC], m[SK_MEMINFO_SNDBUF],
                 m[SK_MEMINFO_FWD_ALLOC], m[SK_MEMINFO_WMEM_QUEUED], m[SK_MEMINFO_OPTMEM]);
  if (m.size() > SK_MEMINFO_BACKLOG) fmt::format_to(it, ",bl{}", m[SK_MEMINFO_BACKLOG]);
  if (m.size() > SK_MEMINFO_DROPS) fmt::format_to(it, ",d{}", m[SK_MEMINFO_DROPS]);
  out.push_back(')');
}

}  // namespace sw
