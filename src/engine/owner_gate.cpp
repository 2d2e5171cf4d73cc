#include "engine/owner_gate.hpp"

#include <algorithm>

namespace sw {

OwnerScanOptions OwnerGate::full_scan() const {
  OwnerScanOptions o = opt_;
  o.targets = nullptr;
  return o;
}

void OwnerGate::scan_ahead() {
  if (scanned_ || ahead_.joinable()) return;
  cancel_ahead_ = false;
  ahead_ = std::thread([this] {
    OwnerScanOptions o = full_scan();
    o.cancel = &cancel_ahead_;
    ahead_index_ = OwnerIndex::scan(o);
  });
}

bool OwnerGate::take_ahead() {
  if (!ahead_.joinable()) return false;
  ahead_.join();
  index_ = std::move(ahead_index_);
  return true;
}

void OwnerGate::drop_ahead() {
  if (!ahead_.joinable()) return;
  cancel_ahead_ = true;
  ahead_.join();
  ahead_index_ = OwnerIndex{};
}

void OwnerGate::scan_all() {
  if (scanned_) return;
  if (take_ahead()) {
    scanned_ = true;
    return;
  }
  index_ = OwnerIndex::scan(full_scan());
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
    if (inodes.empty())
      drop_ahead();
    else if (!take_ahead())
      index_ = OwnerIndex::scan(o);
    scanned_ = true;
  }
  release();
}

}  // namespace sw
