#include "netlink/dump_prefetch.hpp"

#include <cstring>
#include <exception>
#include <utility>

namespace sw {

namespace {
// Messages are copied into chunks of about this size: one handover (a lock and
// maybe a wakeup) per ~450 TCP replies rather than per message.
constexpr size_t kChunk = 64 * 1024;
}  // namespace

DumpPrefetch::DumpPrefetch(DiagSocket& sock, std::vector<uint8_t> req, size_t cap)
    : sock_(&sock), req_(std::move(req)), cap_(cap < kChunk ? kChunk : cap) {
  reader_ = std::thread([this] { run(); });
}

DumpPrefetch::~DumpPrefetch() {
  {
    std::lock_guard lock(mu_);
    cancel_ = true;
  }
  cv_.notify_all();
  if (reader_.joinable()) reader_.join();
}

void DumpPrefetch::push(std::vector<uint8_t>&& chunk) {
  std::unique_lock lock(mu_);
  // The bound: a reader far ahead of its consumer waits here (or gives up
  // when the consumer is gone).
  cv_.wait(lock, [&] { return queued_ < cap_ || cancel_; });
  if (cancel_) return;
  queued_ += chunk.size();
  chunks_.push_back(std::move(chunk));
  lock.unlock();
  cv_.notify_all();
}

void DumpPrefetch::run() {
  Expected<DumpStatus> res{DumpStatus{}};
  try {
    std::vector<uint8_t> chunk;
    chunk.reserve(kChunk);
    res = sock_->dump_stoppable(req_.data(), req_.size(), [&](const nlmsghdr& h) {
      if (cancel_.load(std::memory_order_relaxed)) return DumpControl::kStop;
      const auto* p = reinterpret_cast<const uint8_t*>(&h);
      chunk.insert(chunk.end(), p, p + h.nlmsg_len);
      chunk.resize(NLMSG_ALIGN(chunk.size()), 0);
      if (chunk.size() >= kChunk - 4096) {
        push(std::move(chunk));
        chunk = {};
        chunk.reserve(kChunk);
      }
      return DumpControl::kContinue;
    });
    if (!chunk.empty()) push(std::move(chunk));
  } catch (const std::exception& e) {  // bad_alloc: an error, not std::terminate
    res = Error{std::string("sock_diag dump (second reader): ") + e.what(), ENOMEM};
  }
  {
    std::lock_guard lock(mu_);
    result_ = std::move(res);
    done_ = true;
  }
  cv_.notify_all();
}

Expected<DumpStatus> DumpPrefetch::consume(const DiagSocket::StoppableMessageFn& on_msg) {
  for (;;) {
    std::vector<uint8_t> chunk;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !chunks_.empty() || done_; });
      if (chunks_.empty()) break;  // done, and everything handed out
      chunk = std::move(chunks_.front());
      chunks_.pop_front();
      queued_ -= chunk.size();
    }
    cv_.notify_all();
    auto remaining = static_cast<int>(chunk.size());
    for (auto* h = reinterpret_cast<const nlmsghdr*>(chunk.data()); NLMSG_OK(h, remaining);
         h = NLMSG_NEXT(h, remaining)) {
      if (on_msg(*h) == DumpControl::kStop) {
        std::lock_guard lock(mu_);
        cancel_ = true;
        DumpStatus st = result_ ? *result_ : DumpStatus{};
        st.stopped = true;
        return st;
      }
    }
  }
  std::lock_guard lock(mu_);
  return result_;
}

}  // namespace sw
