#include "ir/evidence_codec.hpp"

#include <fmt/format.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>

namespace sw {

namespace {

using json = nlohmann::json;

// The payload nests at most five levels (root, processes, a process, its
// fds, an fd); anything deeper is not ours and could exhaust the stack of a
// recursive reader.
constexpr size_t kMaxDepth = 8;

// nlohmann's DOM builder behind a depth guard: the SAX interface lets us stop
// before the reader recurses any further.
class GuardedSax {
 public:
  explicit GuardedSax(json& out) : dom_(out, false) {}
  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const std::string& s) {
    return dom_.number_float(v, s);
  }
  bool string(json::string_t& v) { return dom_.string(v); }
  bool binary(json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return enter() && dom_.start_object(n); }
  bool key(json::string_t& k) { return dom_.key(k); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return enter() && dom_.start_array(n); }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception& e) {
    error_ = fmt::format("byte {}: {}", pos, e.what());
    return false;
  }
  const std::string& error() const { return error_; }
  bool too_deep() const { return too_deep_; }

 private:
  bool enter() {
    if (++depth_ > kMaxDepth) {
      too_deep_ = true;
      return false;
    }
    return true;
  }
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  size_t depth_ = 0;
  bool too_deep_ = false;
  std::string error_;
};

json fd_json(const FdRef& f) {
  json j = json::array({static_cast<int>(f.kind), f.fd, f.inode, f.dev});
  if (!f.path.empty()) j.push_back(f.path);
  return j;
}

json process_json(const ProcessEvidence& p) {
  json j;
  j["pid"] = p.pid;
  j["ppid"] = p.ppid;
  j["comm"] = p.comm;
  j["exe"] = p.exe;
  j["exe_deleted"] = p.exe_deleted;
  j["cmdline"] = p.cmdline;
  if (p.uid) j["uid"] = *p.uid;
  if (p.euid) j["euid"] = *p.euid;
  j["user"] = p.user;
  j["start_ticks"] = p.start_ticks;
  j["start_us"] = p.start_us;
  j["cgroup"] = p.cgroup;
  j["container"] = p.container;
  j["netns"] = p.netns;
  j["fds_denied"] = p.fds_denied;
  json stdio = json::array();
  for (const auto& f : p.stdio) stdio.push_back(fd_json(f));
  j["stdio"] = std::move(stdio);
  json socks = json::array();
  for (const auto& f : p.sockets) socks.push_back(fd_json(f));
  j["sockets"] = std::move(socks);
  json pipes = json::array();
  for (const auto& f : p.pipes) pipes.push_back(fd_json(f));
  j["pipes"] = std::move(pipes);
  return j;
}

json namespace_json(const NamespaceEvidence& ns) {
  json j;
  j["inode"] = ns.inode;
  j["name"] = ns.name;
  j["entered"] = ns.entered;
  j["records"] = ns.sockets.size();  // the loader checks the dumps give as many
  const CrossView& c = ns.cross_view;
  json cv;
  cv["done"] = c.done;
  cv["why"] = c.not_done_why;
  cv["diag_only"] = c.diag_only;
  cv["proc_net_only"] = c.proc_net_only;
  json orphans = json::array();
  for (const auto& o : c.fd_only) orphans.push_back(json::array({o.pid, o.fd, o.inode}));
  cv["fd_only"] = std::move(orphans);
  cv["kernel_owned"] = c.kernel_owned;
  j["cross_view"] = std::move(cv);
  json ifs = json::array();
  for (const auto& [idx, name] : ns.interfaces) ifs.push_back(json::array({idx, name}));
  j["interfaces"] = std::move(ifs);
  return j;
}

// ---- decoding: every access checked, errors name the field ----------------

struct Bad {
  std::string what;
};

const json& member(const json& obj, const char* key) {
  if (!obj.is_object()) throw Bad{fmt::format("{}: not in an object", key)};
  auto it = obj.find(key);
  if (it == obj.end()) throw Bad{fmt::format("'{}' is missing", key)};
  return *it;
}

template <typename T>
T get_int(const json& v, const char* what) {
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max()))
      throw Bad{fmt::format("'{}' is out of range", what)};
    return static_cast<T>(u);
  }
  if (v.is_number_integer()) {
    auto s = v.get<int64_t>();
    if constexpr (std::is_unsigned_v<T>) {
      if (s < 0) throw Bad{fmt::format("'{}' is negative", what)};
      return static_cast<T>(s);
    } else {
      if (s < std::numeric_limits<T>::min() || s > std::numeric_limits<T>::max())
        throw Bad{fmt::format("'{}' is out of range", what)};
      return static_cast<T>(s);
    }
  }
  throw Bad{fmt::format("'{}' is not an integer", what)};
}

template <typename T>
T int_of(const json& obj, const char* key) {
  return get_int<T>(member(obj, key), key);
}

std::string str_of(const json& obj, const char* key) {
  const json& v = member(obj, key);
  if (!v.is_string()) throw Bad{fmt::format("'{}' is not a string", key)};
  return v.get<std::string>();
}

bool bool_of(const json& obj, const char* key) {
  const json& v = member(obj, key);
  if (!v.is_boolean()) throw Bad{fmt::format("'{}' is not a boolean", key)};
  return v.get<bool>();
}

const json& array_of(const json& obj, const char* key) {
  const json& v = member(obj, key);
  if (!v.is_array()) throw Bad{fmt::format("'{}' is not an array", key)};
  return v;
}

FdRef fd_of(const json& v, const char* what) {
  if (!v.is_array() || v.size() < 4 || v.size() > 5)
    throw Bad{fmt::format("an fd in '{}' is not [kind, fd, inode, dev, path?]", what)};
  FdRef f;
  auto kind = get_int<int>(v[0], what);
  if (kind < 0 || kind > static_cast<int>(FdRef::Kind::Other))
    throw Bad{fmt::format("an fd in '{}' has an unknown kind {}", what, kind)};
  f.kind = static_cast<FdRef::Kind>(kind);
  f.fd = get_int<int32_t>(v[1], what);
  f.inode = get_int<uint64_t>(v[2], what);
  f.dev = get_int<uint64_t>(v[3], what);
  if (v.size() == 5) {
    if (!v[4].is_string()) throw Bad{fmt::format("an fd path in '{}' is not a string", what)};
    f.path = v[4].get<std::string>();
  }
  return f;
}

std::vector<uint64_t> inodes_of(const json& obj, const char* key) {
  std::vector<uint64_t> out;
  for (const auto& v : array_of(obj, key)) out.push_back(get_int<uint64_t>(v, key));
  return out;
}

ProcessEvidence process_of(const json& j) {
  ProcessEvidence p;
  p.pid = int_of<int32_t>(j, "pid");
  p.ppid = int_of<int32_t>(j, "ppid");
  p.comm = str_of(j, "comm");
  p.exe = str_of(j, "exe");
  p.exe_deleted = bool_of(j, "exe_deleted");
  p.cmdline = str_of(j, "cmdline");
  if (j.contains("uid")) p.uid = int_of<uint32_t>(j, "uid");
  if (j.contains("euid")) p.euid = int_of<uint32_t>(j, "euid");
  p.user = str_of(j, "user");
  p.start_ticks = int_of<uint64_t>(j, "start_ticks");
  p.start_us = int_of<int64_t>(j, "start_us");
  p.cgroup = str_of(j, "cgroup");
  p.container = str_of(j, "container");
  p.netns = int_of<uint64_t>(j, "netns");
  p.fds_denied = bool_of(j, "fds_denied");
  const json& stdio = array_of(j, "stdio");
  if (stdio.size() != 3) throw Bad{"'stdio' does not hold three fds"};
  for (size_t i = 0; i < 3; ++i) p.stdio[i] = fd_of(stdio[i], "stdio");
  for (const auto& f : array_of(j, "sockets")) p.sockets.push_back(fd_of(f, "sockets"));
  for (const auto& f : array_of(j, "pipes")) p.pipes.push_back(fd_of(f, "pipes"));
  return p;
}

NamespaceEvidence namespace_of(const json& j, uint64_t& records) {
  NamespaceEvidence ns;
  ns.inode = int_of<uint64_t>(j, "inode");
  ns.name = str_of(j, "name");
  ns.entered = bool_of(j, "entered");
  records = int_of<uint64_t>(j, "records");
  const json& cv = member(j, "cross_view");
  ns.cross_view.done = bool_of(cv, "done");
  ns.cross_view.not_done_why = str_of(cv, "why");
  ns.cross_view.diag_only = inodes_of(cv, "diag_only");
  ns.cross_view.proc_net_only = inodes_of(cv, "proc_net_only");
  for (const auto& o : array_of(cv, "fd_only")) {
    if (!o.is_array() || o.size() != 3) throw Bad{"an 'fd_only' entry is not [pid, fd, inode]"};
    ns.cross_view.fd_only.push_back({get_int<int32_t>(o[0], "fd_only"),
                                     get_int<int32_t>(o[1], "fd_only"),
                                     get_int<uint64_t>(o[2], "fd_only")});
  }
  ns.cross_view.kernel_owned = inodes_of(cv, "kernel_owned");
  for (const auto& i : array_of(j, "interfaces")) {
    if (!i.is_array() || i.size() != 2 || !i[1].is_string())
      throw Bad{"an 'interfaces' entry is not [index, name]"};
    ns.interfaces.emplace_back(get_int<uint32_t>(i[0], "interfaces"), i[1].get<std::string>());
  }
  return ns;
}

}  // namespace

std::string encode_evidence_payload(const Evidence& ev) {
  json j;
  j["version"] = kEvidencePayloadVersion;
  json h;
  h["hostname"] = ev.host.hostname;
  h["boot_id"] = ev.host.boot_id;
  h["machine_id"] = ev.host.machine_id;
  h["os_kernel"] = ev.host.os_kernel;
  h["taken_us"] = ev.host.taken_us;
  h["ephemeral_low"] = ev.host.ephemeral_low;
  h["ephemeral_high"] = ev.host.ephemeral_high;
  j["host"] = std::move(h);
  json nss = json::array();
  for (const auto& ns : ev.namespaces) nss.push_back(namespace_json(ns));
  j["namespaces"] = std::move(nss);
  json procs = json::array();
  for (const auto& p : ev.processes) procs.push_back(process_json(p));
  j["processes"] = std::move(procs);
  const Visibility& v = ev.visibility;
  json vis;
  vis["fd_dirs_denied"] = v.fd_dirs_denied;
  vis["pids_vanished"] = v.pids_vanished;
  vis["namespaces_not_entered"] = v.namespaces_not_entered;
  vis["netlink_errors"] = v.netlink_errors;
  vis["notes"] = v.notes;
  j["visibility"] = std::move(vis);
  auto bytes = json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

Expected<void> decode_evidence_payload(std::string_view payload, Evidence& ev,
                                       std::vector<uint64_t>& records) {
  json j;
  GuardedSax sax(j);
  bool ok = false;
  try {
    ok = json::sax_parse(payload.begin(), payload.end(), &sax,
                         nlohmann::detail::input_format_t::cbor, true);
  } catch (const json::exception& e) {
    return Error{fmt::format("evidence payload is not CBOR: {}", e.what()), 0};
  }
  if (sax.too_deep())
    return Error{fmt::format("evidence payload nests deeper than {} levels", kMaxDepth), 0};
  if (!ok || !sax.error().empty())
    return Error{fmt::format("evidence payload is not CBOR: {}", sax.error()), 0};
  try {
    if (!j.is_object()) throw Bad{"not a map"};
    int version = int_of<int>(j, "version");
    if (version != kEvidencePayloadVersion)
      throw Bad{
          fmt::format("version {} (this sockwatch reads {})", version, kEvidencePayloadVersion)};
    const json& h = member(j, "host");
    ev.host.hostname = str_of(h, "hostname");
    ev.host.boot_id = str_of(h, "boot_id");
    ev.host.machine_id = str_of(h, "machine_id");
    ev.host.os_kernel = str_of(h, "os_kernel");
    ev.host.taken_us = int_of<int64_t>(h, "taken_us");
    ev.host.ephemeral_low = int_of<uint16_t>(h, "ephemeral_low");
    ev.host.ephemeral_high = int_of<uint16_t>(h, "ephemeral_high");
    ev.namespaces.clear();
    records.clear();
    for (const auto& n : array_of(j, "namespaces")) {
      uint64_t n_records = 0;
      ev.namespaces.push_back(namespace_of(n, n_records));
      records.push_back(n_records);
    }
    if (ev.namespaces.empty()) throw Bad{"'namespaces' is empty"};
    ev.processes.clear();
    for (const auto& p : array_of(j, "processes")) ev.processes.push_back(process_of(p));
    for (size_t i = 1; i < ev.processes.size(); ++i)
      if (ev.processes[i - 1].pid >= ev.processes[i].pid)
        throw Bad{"'processes' are not sorted by pid"};
    const json& v = member(j, "visibility");
    ev.visibility.fd_dirs_denied = int_of<uint64_t>(v, "fd_dirs_denied");
    ev.visibility.pids_vanished = int_of<uint64_t>(v, "pids_vanished");
    ev.visibility.namespaces_not_entered = int_of<uint64_t>(v, "namespaces_not_entered");
    ev.visibility.netlink_errors = int_of<uint64_t>(v, "netlink_errors");
    ev.visibility.notes.clear();
    for (const auto& n : array_of(v, "notes")) {
      if (!n.is_string()) throw Bad{"a 'notes' entry is not a string"};
      ev.visibility.notes.push_back(n.get<std::string>());
    }
  } catch (const Bad& b) {
    return Error{"evidence payload: " + b.what, 0};
  } catch (const json::exception& e) {
    return Error{fmt::format("evidence payload: {}", e.what()), 0};
  }
  return {};
}

}  // namespace sw
