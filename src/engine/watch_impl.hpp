// Watch's private parts, shared by the files that implement it (watch.cpp:
// the loop; watch_actions.cpp: inspecting and destroying one socket). Not for
// consumers: include engine/watch.hpp.
#pragma once

#include <unistd.h>

#include <memory>
#include <set>
#include <string>

#include "ebpf/state_source.hpp"
#include "engine/collector.hpp"
#include "engine/namespace_walk.hpp"
#include "engine/watch.hpp"
#include "netlink/events.hpp"
#include "netlink/source.hpp"

namespace sw {

struct Watch::Ns {
  uint64_t inode = 0;
  std::string name;
  std::string container;
  LiveSource src;
  std::unique_ptr<EventListener> events;
  std::set<std::string> reported;  // diagnostics already said for this namespace
};

struct Watch::Impl {
  std::unique_ptr<StateSource> ebpf;
  uint64_t ebpf_drops_seen = 0;
  std::unique_ptr<NamespaceWalk> walk;
  std::unique_ptr<Collector> collector;
  LiveSource placeholder;  // the collector's source until the first namespace
  int epfd = -1;
  ~Impl() {
    if (epfd >= 0) ::close(epfd);
  }
};

}  // namespace sw
