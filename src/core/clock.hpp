// MonoClock: the time seam for long-lived caches (names, users, cgroups).
// A monotonic clock in milliseconds, injectable so tests drive expiry with a
// fake; the default reads CLOCK_MONOTONIC (steady_clock). Owns nothing else.
// (The engine's Clock interface, engine/watch.hpp, adapts in one lambda:
// [&c] { return c.mono_us() / 1000; }.)
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace sw {

using MonoClock = std::function<int64_t()>;  // monotonic milliseconds

inline int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline MonoClock steady_clock_ms() { return monotonic_ms; }

}  // namespace sw
