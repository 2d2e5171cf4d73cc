// SocketKey: the identity of one socket across ticks (netns inode + socket
// cookie, or a 5-tuple hash when the source has no cookie). Its own header so
// events (core/socket_event.hpp) can carry it without the snapshot types.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>

namespace sw {

struct SocketKey {
  uint64_t netns = 0;
  uint64_t cookie = 0;
  // Only when cookie == 0: a hash of the 5-tuple (or of the inode for
  // non-inet sockets). Kept as a hash so a key stays 24 bytes.
  uint64_t tuple = 0;
  uint8_t table = 0;  // Table numbering

  auto operator<=>(const SocketKey&) const = default;
  bool operator==(const SocketKey&) const = default;
  // "<netns>-<cookie>" in hex: what events carry as socket_id.
  std::string id() const;
};

struct SocketKeyHash {
  size_t operator()(const SocketKey& k) const noexcept;
};

}  // namespace sw
