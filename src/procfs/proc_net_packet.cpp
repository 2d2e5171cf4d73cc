#include "procfs/proc_net_packet.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/files.hpp"

namespace sw {

namespace {

// Whitespace-separated fields of one line, read the way ss's sscanf reads them.
class Fields {
 public:
  explicit Fields(std::string_view line) : rest_(line) {}

  bool next(std::string_view& tok) {
    size_t b = rest_.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return false;
    rest_.remove_prefix(b);
    size_t e = rest_.find_first_of(" \t\r");
    tok = rest_.substr(0, e);
    rest_.remove_prefix(e == std::string_view::npos ? rest_.size() : e);
    return true;
  }
  // "%llx" / "%x": hex digits, an optional 0x prefix.
  bool hex(uint64_t& v) {
    std::string_view t;
    if (!next(t)) return false;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t.remove_prefix(2);
    return whole(std::from_chars(t.data(), t.data() + t.size(), v, 16), t);
  }
  // "%d" / "%u": decimal with an optional sign; %u wraps negatives as C does.
  bool dec(int64_t& v) {
    std::string_view t;
    if (!next(t)) return false;
    if (t.size() > 1 && t[0] == '+') t.remove_prefix(1);
    return whole(std::from_chars(t.data(), t.data() + t.size(), v, 10), t);
  }
  bool skip() {
    std::string_view t;
    return next(t);
  }

 private:
  static bool whole(std::from_chars_result r, std::string_view t) {
    return r.ec == std::errc{} && r.ptr == t.data() + t.size() && !t.empty();
  }
  std::string_view rest_;
};

// Calls fn(line, lineno, terminated) for every line after the header; a line
// fn refuses (returns a reason) is counted in `skips` and the rest still read.
template <typename Fn>
void for_each_line(std::string_view text, std::string_view name, LineSkips* skips, Fn&& fn) {
  size_t lineno = 0;
  LineSkips ignored;
  if (!skips) skips = &ignored;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    bool terminated = nl != std::string_view::npos;
    std::string_view line = text.substr(0, terminated ? nl : text.size());
    text.remove_prefix(terminated ? nl + 1 : text.size());
    if (++lineno == 1) continue;  // header
    if (const char* why = fn(line, terminated)) skips->add(std::string(name), lineno, why);
  }
}

Expected<std::string> slurp(const std::string& path) {
  return read_file_bounded(path, kMaxProcTableBytes);
}

}  // namespace

Expected<std::vector<SocketRecord>> parse_proc_net_packet(std::string_view text,
                                                          std::string_view name, LineSkips* skips) {
  std::vector<SocketRecord> out;
  for_each_line(text, name, skips, [&](std::string_view line, bool terminated) -> const char* {
    // ss's generic_record_read stops at a line without its newline (a file
    // cut short mid-write) and keeps what it had; so do we.
    if (!terminated) return nullptr;
    // "%llx %*d %d %x %d %d %u %u %u": sk, refcnt, type, proto, iface, running, rmem, uid, ino
    Fields f(line);
    uint64_t sk = 0, proto = 0;
    int64_t type = 0, iface = 0, running = 0, rmem = 0, uid = 0, ino = 0;
    if (!f.hex(sk) || !f.skip() || !f.dec(type) || !f.hex(proto) || !f.dec(iface) ||
        !f.dec(running) || !f.dec(rmem) || !f.dec(uid) || !f.dec(ino))
      return "expected \"sk RefCnt Type Proto Iface R Rmem User Inode\"";
    if (proto > 0xffff) return "protocol out of range";
    SocketRecord r;
    r.family = AF_PACKET;
    r.table = type == SOCK_RAW ? Table::PacketRaw : Table::PacketDgram;
    r.state = kClose;  // ss overrides the R column: packet sockets are always UNCONN
    r.rqueue = static_cast<int32_t>(rmem);
    r.uid = static_cast<uint32_t>(uid);
    r.inode = static_cast<uint32_t>(ino);
    r.ifindex = static_cast<uint32_t>(iface);
    r.lport = static_cast<uint16_t>(iface);
    r.proc_sk = sk;  // a pointer, not a cookie: cookie stays 0
    r.from_proc = true;
    auto& p = r.ensure_packet();
    p.type = static_cast<uint8_t>(type);
    p.protocol = static_cast<uint16_t>(proto);
    out.push_back(std::move(r));
    return nullptr;
  });
  return out;
}

Expected<std::vector<SocketRecord>> parse_proc_net_netlink(std::string_view text,
                                                           std::string_view name,
                                                           LineSkips* skips) {
  std::vector<SocketRecord> out;
  for_each_line(text, name, skips, [&](std::string_view line, bool) -> const char* {
    // "%llx %d %d %x %d %d %llx %d": sk, proto, pid, groups, rmem, wmem, dump, locks
    Fields f(line);
    uint64_t sk = 0, groups = 0, cb = 0;
    int64_t proto = 0, pid = 0, rmem = 0, wmem = 0, locks = 0;
    if (!f.hex(sk) || !f.dec(proto) || !f.dec(pid) || !f.hex(groups) || !f.dec(rmem) ||
        !f.dec(wmem) || !f.hex(cb) || !f.dec(locks))
      return "expected \"sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode\"";
    if (proto < 0 || proto > 255) return "protocol out of range";
    SocketRecord r;
    r.family = AF_NETLINK;
    r.table = Table::Netlink;
    r.state = 0;  // ss passes state 0: never shown as connected from /proc
    r.rqueue = static_cast<int32_t>(rmem);
    r.wqueue = static_cast<int32_t>(wmem);
    r.proc_sk = sk;  // a pointer, not a cookie: cookie stays 0
    r.from_proc = true;
    int64_t drops = 0, ino = 0;
    if (f.dec(drops) && f.dec(ino)) r.inode = static_cast<uint64_t>(ino);
    auto& n = r.ensure_netlink();
    n.protocol = static_cast<uint8_t>(proto);
    n.portid = static_cast<uint32_t>(pid);
    n.groups.push_back(static_cast<uint32_t>(groups));
    n.cb = cb;
    out.push_back(std::move(r));
    return nullptr;
  });
  return out;
}

Expected<std::vector<SocketRecord>> read_proc_net_packet(const std::string& path,
                                                         LineSkips* skips) {
  auto text = slurp(path);
  if (!text) return text.error();
  return parse_proc_net_packet(*text, path, skips);
}

Expected<std::vector<SocketRecord>> read_proc_net_netlink(const std::string& path,
                                                          LineSkips* skips) {
  auto text = slurp(path);
  if (!text) return text.error();
  return parse_proc_net_netlink(*text, path, skips);
}

}  // namespace sw
