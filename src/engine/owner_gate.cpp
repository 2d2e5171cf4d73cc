#include "engine/owner_gate.hpp"

#include <algorithm>

namespace sw {

void OwnerGate::scan_all() {
  if (scanned_) return;
  OwnerScanOptions o = opt_;
  o.targets = nullptr;
  index_ = OwnerIndex::scan(o);
  scanned_ = true;
}

void OwnerGate::release() {
  for (auto& r : held_)
    if (!stopped_ && !emit_(std::move(r))) stopped_ = true;
  held_.clear();
  held_.shrink_to_fit();
}

bool OwnerGate::add(SocketRecord&& r) {
  if (stopped_) return false;
  if (!scanned_) {
    if (held_.size() < limit_) {
      held_.push_back(std::move(r));
      return true;
    }
    scan_all();
    release();
    if (stopped_) return false;
  }
  if (!emit_(std::move(r))) stopped_ = true;
  return !stopped_;
}

void OwnerGate::finish() {
  if (!scanned_) {
    std::vector<uint64_t> inodes;
    inodes.reserve(held_.size());
    for (const auto& r : held_)
      if (r.inode) inodes.push_back(r.inode);
    std::sort(inodes.begin(), inodes.end());
    inodes.erase(std::unique(inodes.begin(), inodes.end()), inodes.end());
    OwnerScanOptions o = opt_;
    o.targets = &inodes;
    // Nothing to attribute (TIME-WAIT rows, an empty result): no scan at all.
    if (!inodes.empty()) index_ = OwnerIndex::scan(o);
    scanned_ = true;
  }
  release();
}

}  // namespace sw
