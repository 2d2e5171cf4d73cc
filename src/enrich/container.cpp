#include "enrich/container.hpp"

#include <vector>

namespace sw {

namespace {

bool is_hex_id(std::string_view s) {
  if (s.size() < 12) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// "docker-<id>.scope" with prefix "docker-" -> "<id>", else empty.
std::string_view scope_id(std::string_view comp, std::string_view prefix) {
  if (!starts_with(comp, prefix) || !ends_with(comp, ".scope")) return {};
  auto id = comp.substr(prefix.size(), comp.size() - prefix.size() - 6);
  return is_hex_id(id) ? id : std::string_view{};
}

std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto c = path.substr(0, slash);
    if (!c.empty()) out.push_back(c);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// "kubepods-burstable-pod1b2c_3d4e.slice" or "pod1b2c-3d4e" -> the pod uid
// with dashes ("1b2c-3d4e"), else empty.
std::string pod_uid(std::string_view comp) {
  auto at = comp.rfind("pod");
  if (at == std::string_view::npos) return {};
  if (at != 0 && comp[at - 1] != '-') return {};
  auto uid = comp.substr(at + 3);
  if (ends_with(uid, ".slice")) uid.remove_suffix(6);
  if (uid.size() < 32) return {};
  std::string out(uid);
  for (char& c : out)
    if (c == '_') c = '-';
  return out;
}

}  // namespace

std::string ContainerRef::short_label() const {
  if (runtime.empty()) return {};
  bool hex = is_hex_id(id);
  return runtime + ":" + (hex ? id.substr(0, 12) : id);
}

ContainerRef classify_cgroup(std::string_view path) {
  ContainerRef ref;
  auto comps = components(path);
  bool kubepods = false;
  for (size_t i = 0; i < comps.size(); ++i) {
    std::string_view c = comps[i];
    if (ends_with(c, ".service") || ends_with(c, ".scope")) ref.unit = std::string(c);
    if (starts_with(c, "kubepods")) kubepods = true;
    if (kubepods && ref.pod.empty()) ref.pod = pod_uid(c);
    std::string_view id;
    // systemd cgroup driver: one scope per container, named by the engine.
    if (!(id = scope_id(c, "docker-")).empty()) {
      ref.runtime = "docker";
    } else if (!(id = scope_id(c, "libpod-conmon-")).empty() ||
               !(id = scope_id(c, "libpod-")).empty()) {
      ref.runtime = "podman";
    } else if (!(id = scope_id(c, "cri-containerd-")).empty() ||
               !(id = scope_id(c, "nerdctl-")).empty()) {
      ref.runtime = "containerd";
    } else if (!(id = scope_id(c, "crio-conmon-")).empty() ||
               !(id = scope_id(c, "crio-")).empty()) {
      ref.runtime = "cri-o";
    } else if (i + 1 < comps.size() && is_hex_id(comps[i + 1]) &&
               (c == "docker" || c == "libpod_parent" || starts_with(c, "libpod-"))) {
      // cgroupfs driver: /docker/<id>, /libpod_parent/libpod-<id>.
      ref.runtime = c == "docker" ? "docker" : "podman";
      id = comps[++i];
    } else if (starts_with(c, "libpod-") && is_hex_id(c.substr(7))) {
      ref.runtime = "podman";
      id = c.substr(7);
    } else if (kubepods && is_hex_id(c) && c.size() == 64) {
      // cgroupfs driver under kubelet: /kubepods/<qos>/pod<uid>/<id>; the
      // path does not say which engine runs it.
      ref.runtime = "kubernetes";
      id = c;
    } else if (starts_with(c, "lxc.payload.")) {
      ref.runtime = "lxc";
      id = c.substr(12);
    } else if ((c == "lxc" || c == "lxc.payload") && i + 1 < comps.size()) {
      ref.runtime = "lxc";
      id = comps[++i];
    } else if (starts_with(c, "systemd-nspawn@") && ends_with(c, ".service")) {
      ref.runtime = "systemd-nspawn";
      id = c.substr(15, c.size() - 15 - 8);
    } else if (starts_with(c, "machine-") && ends_with(c, ".scope")) {
      ref.runtime = "systemd-nspawn";
      id = c.substr(8, c.size() - 8 - 6);
    } else {
      continue;
    }
    ref.id = std::string(id);
    // The outermost container wins: a nested engine's scopes live inside it.
    if (!ref.id.empty()) {
      for (size_t j = i + 1; j < comps.size(); ++j)
        if (ends_with(comps[j], ".service") || ends_with(comps[j], ".scope"))
          ref.unit = std::string(comps[j]);
      return ref;
    }
  }
  ref.runtime.clear();
  return ref;
}

}  // namespace sw
