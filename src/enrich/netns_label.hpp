// How a row names its network namespace under --all-netns: the /run/netns
// name if it has one, else the namespace inode; plus the container its
// processes run in, when their cgroup says.
#pragma once

#include <cstdint>
#include <string>

#include "core/escape.hpp"
#include "enrich/container.hpp"

namespace sw {

struct NetnsLabel {
  uint64_t inode = 0;
  std::string name;  // raw bytes from /run/netns (untrusted)
  ContainerRef container;
  bool is_self = false;

  // The Netns column: "blue", "4026532301", "4026532301(docker:3f2a9c1b2d4e)",
  // escaped for the terminal.
  std::string text() const {
    std::string out;
    if (!name.empty())
      append_escaped(out, name);
    else
      out = std::to_string(inode);
    if (container.is_container()) {
      out += '(';
      append_escaped(out, container.short_label());
      out += ')';
    }
    return out;
  }
};

}  // namespace sw
