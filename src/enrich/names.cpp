#include "enrich/names.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/files.hpp"

namespace sw {

const std::string& InterfaceNames::name(uint32_t ifindex) {
  return cache_.get(ifindex, [&](uint32_t i) {
    char buf[IF_NAMESIZE + 1] = {};
    return !frozen_ && if_indextoname(i, buf) ? std::string(buf) : "if" + std::to_string(i);
  });
}

InterfaceNames InterfaceNames::snapshot() {
  InterfaceNames names;  // default policy: a snapshot never expires
  names.frozen_ = true;
  if (struct if_nameindex* all = if_nameindex()) {
    for (struct if_nameindex* i = all; i->if_index != 0; ++i)
      names.cache_.put(i->if_index, i->if_name);
    if_freenameindex(all);
  }
  return names;
}

size_t IpAddrHash::operator()(const IpAddr& a) const {
  // FNV-1a over the family and the 16 address bytes.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint8_t b) { h = (h ^ b) * 1099511628211ull; };
  mix(a.family);
  for (uint8_t b : a.bytes) mix(b);
  return static_cast<size_t>(h);
}

namespace {
// v4-mapped v6 addresses are looked up as IPv4, as iproute2's resolve_address.
struct LookupAddr {
  const void* addr;
  socklen_t len;
  int af;
};
LookupAddr lookup_addr(const IpAddr& a) {
  if (a.is_v4_mapped()) return {a.bytes.data() + 12, 4, AF_INET};
  return {a.bytes.data(), static_cast<socklen_t>(a.family == AF_INET ? 4 : 16), a.family};
}
}  // namespace

const std::string& HostNames::lookup(const IpAddr& a) {
  return cache_.get(a, [](const IpAddr& k) {
    std::string name;
    LookupAddr l = lookup_addr(k);
    if (hostent* he = gethostbyaddr(l.addr, l.len, l.af)) name = he->h_name;
    return name;
  });
}

std::string reverse_lookup(const IpAddr& a) {
  LookupAddr l = lookup_addr(a);
  sockaddr_storage ss{};
  socklen_t sl = 0;
  if (l.af == AF_INET) {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    std::memcpy(&s4->sin_addr, l.addr, 4);
    sl = sizeof *s4;
  } else if (l.af == AF_INET6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    std::memcpy(&s6->sin6_addr, l.addr, 16);
    sl = sizeof *s6;
  } else {
    return {};
  }
  char host[NI_MAXHOST] = {};
  if (getnameinfo(reinterpret_cast<sockaddr*>(&ss), sl, host, sizeof host, nullptr, 0,
                  NI_NAMEREQD) != 0)
    return {};
  return host;
}

AsyncHostNames::AsyncHostNames(Options opt) : opt_(std::move(opt)), done_(opt_.policy, opt_.clock) {
  if (!opt_.resolver) opt_.resolver = reverse_lookup;
  worker_ = std::thread([this] { run(); });
}

AsyncHostNames::~AsyncHostNames() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  // A resolution in flight finishes first (getnameinfo cannot be cancelled);
  // the destructor is the one place that may wait for it.
  worker_.join();
}

AsyncHostNames::Answer AsyncHostNames::lookup(const IpAddr& a) {
  std::lock_guard<std::mutex> lock(mu_);
  if (const std::string* name = done_.find(a))
    return name->empty() ? Answer{State::kNoName, {}} : Answer{State::kResolved, *name};
  if (!queued_.count(a)) {
    if (queue_.size() >= opt_.max_queued) {
      ++stats_.dropped;  // asked again on a later lookup
    } else {
      queue_.push_back(a);
      queued_.insert(a);
      wake_.notify_one();
    }
  }
  return Answer{};
}

void AsyncHostNames::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    IpAddr a = queue_.front();
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    std::string name = opt_.resolver(a);  // the slow part, without the lock
    lock.lock();
    done_.put(a, std::move(name));
    queued_.erase(a);
    busy_ = false;
    ++stats_.resolved;
    if (queue_.empty()) idle_.notify_all();
  }
}

void AsyncHostNames::wait_idle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [&] { return stop_ || (queue_.empty() && !busy_); });
}

AsyncHostNames::Stats AsyncHostNames::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

NetlinkProtocols::NetlinkProtocols(const std::string& table_path) {
  static const char* const kBuiltin[] = {
      "rtnl",  "unused", "usersock",   "fw",        "tcpdiag", "nflog", "xfrm",   "selinux",
      "iscsi", "audit",  "fiblookup",  "connector", "nft",     "ip6fw", "dec-rt", "uevent",
      "genl",  nullptr,  "scsi-trans", "ecryptfs",  "rdma",    "crypto"};
  for (size_t i = 0; i < std::size(kBuiltin); ++i)
    if (kBuiltin[i]) names_[i] = kBuiltin[i];
  // A bounded read: the table path is a setting, and may name anything.
  auto text = read_file_bounded(table_path, kMaxSmallFileBytes);
  std::istringstream in(text ? *text : std::string());
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    int id = -1;
    std::string n;
    if (line.empty() || line[0] == '#') continue;
    if (ls >> id >> n && id >= 0 && id < 256 && n[0] != '#') names_[static_cast<size_t>(id)] = n;
  }
}

std::string NetlinkProtocols::name(int proto, bool numeric) const {
  if (!numeric && proto >= 0 && proto < 256 && !names_[static_cast<size_t>(proto)].empty())
    return names_[static_cast<size_t>(proto)];
  return std::to_string(proto);
}

std::string read_proc_comm(const std::string& proc_root, int pid) {
  std::string path = proc_root + "/" + std::to_string(pid) + "/stat";
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return {};
  char buf[512];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* open = std::strchr(buf, '(');
  if (!open) return {};
  const char* close = std::strchr(open + 1, ')');
  if (!close || close == open + 1) return {};
  return std::string(open + 1, close);
}

const std::string& UserNames::name(uint32_t uid) {
  return cache_.get(uid, [](uint32_t u) {
    std::string name;
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (getpwuid_r(u, &pw, buf.data(), buf.size(), &found) == 0 && found && pw.pw_name)
      name = pw.pw_name;
    return name;
  });
}

}  // namespace sw
