#include "render/skmem.hpp"

#include <linux/sock_diag.h>

#include "render/numfmt.hpp"

namespace sw {

void append_skmem(std::string& out, const std::vector<uint32_t>& m) {
  if (m.size() <= SK_MEMINFO_OPTMEM) return;
  num::kv(out, " skmem:(r", m[SK_MEMINFO_RMEM_ALLOC]);
  num::kv(out, ",rb", m[SK_MEMINFO_RCVBUF]);
  num::kv(out, ",t", m[SK_MEMINFO_WMEM_ALLOC]);
  num::kv(out, ",tb", m[SK_MEMINFO_SNDBUF]);
  num::kv(out, ",f", m[SK_MEMINFO_FWD_ALLOC]);
  num::kv(out, ",w", m[SK_MEMINFO_WMEM_QUEUED]);
  num::kv(out, ",o", m[SK_MEMINFO_OPTMEM]);
  if (m.size() > SK_MEMINFO_BACKLOG) num::kv(out, ",bl", m[SK_MEMINFO_BACKLOG]);
  if (m.size() > SK_MEMINFO_DROPS) num::kv(out, ",d", m[SK_MEMINFO_DROPS]);
  out.push_back(')');
}

}  // namespace sw
