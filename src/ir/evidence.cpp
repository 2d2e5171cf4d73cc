#include "ir/evidence.hpp"

#include <algorithm>

namespace sw {

const ProcessEvidence* Evidence::process(int32_t pid) const {
  auto it = std::lower_bound(processes.begin(), processes.end(), pid,
                             [](const ProcessEvidence& p, int32_t v) { return p.pid < v; });
  return it != processes.end() && it->pid == pid ? &*it : nullptr;
}

std::vector<Evidence::Holder> Evidence::holders(uint64_t inode) const {
  std::vector<Holder> out;
  if (inode == 0) return out;
  for (const auto& p : processes)
    for (const auto& s : p.sockets)
      if (s.inode == inode) out.push_back({&p, s.fd});
  return out;
}

}  // namespace sw
