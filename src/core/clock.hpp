// Clock: the time seam for long-lived state (name caches, the live engine).
// A monotonic clock in milliseconds, injectable so tests drive expiry with a
// fake; the default reads CLOCK_MONOTONIC (steady_clock). Owns nothing else.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace sw {

using Clock = std::function<int64_t()>;  // monotonic milliseconds

inline int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline Clock steady_clock_ms() { return monotonic_ms; }

}  // namespace sw
