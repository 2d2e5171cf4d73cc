#include "enrich/names.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
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
  auto it = cache_.find(ifindex);
  if (it != cache_.end()) return it->second;
  char buf[IF_NAMESIZE + 1] = {};
  std::string n =
      !frozen_ && if_indextoname(ifindex, buf) ? std::string(buf) : "if" + std::to_string(ifindex);
  return cache_.emplace(ifindex, std::move(n)).first->second;
}

InterfaceNames InterfaceNames::snapshot() {
  InterfaceNames names;
  names.frozen_ = true;
  if (struct if_nameindex* all = if_nameindex()) {
    for (struct if_nameindex* i = all; i->if_index != 0; ++i)
      names.cache_[i->if_index] = i->if_name;
    if_freenameindex(all);
  }
  return names;
}

const std::string& HostNames::lookup(const IpAddr& a) {
  auto key = std::make_pair(a.family, a.bytes);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  std::string name;
  const void* addr = a.bytes.data();
  socklen_t len = a.family == AF_INET ? 4 : 16;
  int af = a.family;
  if (a.is_v4_mapped()) {
    addr = a.bytes.data() + 12;
    len = 4;
    af = AF_INET;
  }
  if (hostent* he = gethostbyaddr(addr, len, af)) name = he->h_name;
  return cache_.emplace(key, std::move(name)).first->second;
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
  auto it = cache_.find(uid);
  if (it != cache_.end()) return it->second;
  std::string name;
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found && pw.pw_name)
    name = pw.pw_name;
  return cache_.emplace(uid, std::move(name)).first->second;
}

}  // namespace sw
