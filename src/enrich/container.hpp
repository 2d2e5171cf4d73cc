// What a cgroup path says about where a process runs: the container runtime
// and container id (Docker, Podman, containerd/Kubernetes, CRI-O, LXC,
// systemd-nspawn) and the systemd unit. Pure string work on the path from
// /proc/PID/cgroup, so it is testable without any of those runtimes.
#pragma once

#include <string>
#include <string_view>

namespace sw {

struct ContainerRef {
  // "docker", "podman", "containerd", "cri-o", "kubernetes" (a kubelet
  // cgroupfs path, engine unknown), "lxc", "systemd-nspawn";
  // empty when the path names no container.
  std::string runtime;
  std::string id;    // full container id (hex), or the LXC / nspawn machine name
  std::string pod;   // Kubernetes pod uid, when the path is under kubepods
  std::string unit;  // innermost systemd unit (*.service / *.scope), if any
  bool is_container() const { return !runtime.empty(); }
  // "docker:3f2a9c1b2d4e" (ids cut to 12 characters, as docker ps shows them).
  std::string short_label() const;
};

// Classifies a cgroup path such as "/system.slice/docker-<id>.scope" or
// "/kubepods/burstable/pod<uid>/<id>".
ContainerRef classify_cgroup(std::string_view path);

}  // namespace sw
