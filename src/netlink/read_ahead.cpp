#include "netlink/read_ahead.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <unistd.h>

#include <cerrno>

namespace sw {

namespace {
bool holds_end(const uint8_t* p, ssize_t n, uint32_t seq, uint32_t portid) {
  auto remaining = static_cast<int>(n);
  for (auto* h = reinterpret_cast<const nlmsghdr*>(p); NLMSG_OK(h, remaining);
       h = NLMSG_NEXT(h, remaining)) {
    if (h->nlmsg_seq == seq && h->nlmsg_pid == portid &&
        (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR))
      return true;
  }
  return false;
}

uint64_t count_messages(const ReadAhead::Buffer& b) {
  if (b.n <= 0) return 0;
  uint64_t c = 0;
  auto remaining = static_cast<int>(b.n);
  for (auto* h = reinterpret_cast<const nlmsghdr*>(b.data.data()); NLMSG_OK(h, remaining);
       h = NLMSG_NEXT(h, remaining))
    ++c;
  return c;
}
}  // namespace

bool ReadAhead::worth_it() {
  static const bool many = ::sysconf(_SC_NPROCESSORS_ONLN) > 1;
  return many;
}

ReadAhead::ReadAhead(mnl_socket* sock, uint32_t seq, uint32_t portid, size_t buffer_size)
    : sock_(sock), seq_(seq), portid_(portid) {
  for (auto& s : slots_) s.data.resize(buffer_size);
  thread_ = std::thread([this] { run(); });
}

ReadAhead::~ReadAhead() {
  uint64_t unread;
  bool end;
  stop(unread, end);
}

void ReadAhead::run() {
  size_t tail = 0;
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return filled_ < kSlots || stop_; });
      if (stop_) break;
    }
    // slots_[tail] is free: next() sees it only after filled_ counts it.
    Buffer& b = slots_[tail];
    ssize_t n;
    do {
      n = mnl_socket_recvfrom(sock_, b.data.data(), b.data.size());
    } while (n < 0 && errno == EINTR);
    b.n = n;
    b.err = n < 0 ? errno : 0;
    bool end = n <= 0 || holds_end(b.data.data(), n, seq_, portid_);
    {
      std::lock_guard lk(mu_);
      ++filled_;
      if (end) {
        ended_ = true;
        read_end_ = n >= 0;  // a failed read leaves the dump's rest queued
      }
    }
    cv_.notify_all();
    if (end) break;
    tail = (tail + 1) % kSlots;
  }
}

const ReadAhead::Buffer& ReadAhead::next() {
  std::unique_lock lk(mu_);
  if (holding_) {
    head_ = (head_ + 1) % kSlots;
    --filled_;
    holding_ = false;
    cv_.notify_all();
  }
  cv_.wait(lk, [&] { return filled_ > 0; });
  holding_ = true;
  return slots_[head_];
}

void ReadAhead::stop(uint64_t& unread_messages, bool& read_end) {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  // A reader inside recvfrom comes back: a running dump always has its next
  // skb queued (the kernel queues one per read) until its DONE.
  if (thread_.joinable()) thread_.join();
  unread_messages = 0;
  size_t first = holding_ ? 1 : 0;
  for (size_t i = first; i < filled_; ++i)
    unread_messages += count_messages(slots_[(head_ + i) % kSlots]);
  read_end = read_end_;
}

}  // namespace sw
