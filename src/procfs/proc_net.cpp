#include "procfs/proc_net.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace sw {

namespace {

// "0100007F:1F90" (v4) or 32 hex digits + ":PORT" (v6) into addr/port. The
// kernel prints each 32-bit word of the address in host byte order.
bool parse_endpoint(const char* s, int family, IpAddr& a, uint16_t& port) {
  a.family = static_cast<uint8_t>(family);
  unsigned p = 0;
  if (family == AF_INET) {
    uint32_t w;
    if (std::sscanf(s, "%8" SCNx32 ":%x", &w, &p) != 2) return false;
    std::memcpy(a.bytes.data(), &w, 4);
  } else {
    uint32_t w[4];
    if (std::sscanf(s, "%8" SCNx32 "%8" SCNx32 "%8" SCNx32 "%8" SCNx32 ":%x", &w[0], &w[1], &w[2],
                    &w[3], &p) != 5)
      return false;
    std::memcpy(a.bytes.data(), w, 16);
  }
  if (p > 0xffff) return false;
  port = static_cast<uint16_t>(p);
  return true;
}

}  // namespace

void LineSkips::add(const std::string& name, size_t lineno, const char* why) {
  if (count++ == 0) first = fmt::format("{}: line {}: {}", name, lineno, why);
}

Expected<std::vector<SocketRecord>> parse_proc_inet(const std::string& text,
                                                    const std::string& name, Table table,
                                                    int family, int user_hz, LineSkips* skips) {
  std::vector<SocketRecord> out;
  LineSkips ignored;
  if (!skips) skips = &ignored;
  auto bad_line = [&](size_t n, const char* why) { skips->add(name, n, why); };
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  if (!std::getline(in, line)) return out;  // header (or empty file)
  ++lineno;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    // "  sl: local remote data..." — split like ss's proc_inet_split_line.
    auto colon = line.find(':');
    if (colon == std::string::npos) {
      bad_line(lineno, "no slot field");
      continue;
    }
    std::istringstream ls(line.substr(colon + 1));
    std::string loc, rem;
    if (!(ls >> loc >> rem)) {
      bad_line(lineno, "missing addresses");
      continue;
    }
    SocketRecord r;
    r.table = table;
    r.family = static_cast<uint8_t>(family);
    r.from_proc = true;
    if (!parse_endpoint(loc.c_str(), family, r.local, r.lport) ||
        !parse_endpoint(rem.c_str(), family, r.peer, r.rport)) {
      bad_line(lineno, "malformed address");
      continue;
    }
    std::string data;
    std::getline(ls, data);
    auto start = data.find_first_not_of(' ');
    data = start == std::string::npos ? "" : data.substr(start);
    unsigned st = 0, wq = 0, rq = 0, timer = 0, when = 0, retrans = 0, uid = 0, probes = 0;
    unsigned long long ino = 0, sk = 0;
    int refcnt = 0, rto = 0, ato = 0, qack = 0, ssthresh = 0;
    unsigned cwnd = 0;
    char opt[256] = {};
    if (table == Table::Tcp) {
      int n =
          std::sscanf(data.c_str(), "%x %x:%x %x:%x %x %u %u %llu %d %llx %d %d %d %u %d %255[^\n]",
                      &st, &wq, &rq, &timer, &when, &retrans, &uid, &probes, &ino, &refcnt, &sk,
                      &rto, &ato, &qack, &cwnd, &ssthresh, opt);
      if (n < 11) {
        bad_line(lineno, "too few fields");
        continue;
      }
      if (n < 17) opt[0] = 0;
      if (n < 12) {  // old kernels: ss's defaults
        rto = 0;
        cwnd = 2;
        ssthresh = -1;
        ato = qack = 0;
      }
      r.timer = static_cast<uint8_t>(timer);
      // ss: the retransmit count is the "probes" column unless the timer is a
      // retransmit timer.
      r.retrans = static_cast<uint8_t>(timer != 1 ? probes : retrans);
      r.expires = static_cast<uint32_t>((static_cast<uint64_t>(when) * 1000 + user_hz - 1) /
                                        static_cast<uint64_t>(user_hz));
      SocketRecord::ProcTcp t;
      t.ato = static_cast<double>(ato) / user_hz;
      t.qack = qack / 2;
      t.rto = rto != 3 * user_hz ? static_cast<double>(rto) / user_hz : 0;
      t.cwnd = cwnd;
      t.ssthresh = ssthresh == -1 ? 0 : ssthresh;
      r.proc_tcp = t;
    } else {
      int n = std::sscanf(data.c_str(), "%x %x:%x %*x:%*x %*x %u %*d %llu %d %llx %255[^\n]", &st,
                          &wq, &rq, &uid, &ino, &refcnt, &sk, opt);
      if (n < 7) {
        bad_line(lineno, "too few fields");
        continue;
      }
      // ss's dgram_show_line clears opt unless sscanf returned 9 of its 8
      // conversions, so the trailing "drops" column never shows: keep it so.
      opt[0] = 0;
    }
    if (st >= kStateMax) {
      bad_line(lineno, "unknown state");
      continue;
    }
    r.state = static_cast<uint8_t>(st);
    r.wqueue = wq;
    r.rqueue = rq;
    r.uid = uid;
    r.inode = ino;
    r.proc_sk = sk;  // a pointer, not a cookie: cookie stays 0
    r.proc_opt = opt;
    out.push_back(std::move(r));
  }
  return out;
}

Expected<std::vector<SocketRecord>> parse_proc_unix(const std::string& text,
                                                    const std::string& name, LineSkips* skips) {
  std::vector<SocketRecord> out;
  LineSkips ignored;
  if (!skips) skips = &ignored;
  auto bad_line = [&](size_t n, const char* why) { skips->add(name, n, why); };
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  if (!std::getline(in, line)) return out;
  ++lineno;
  // ss maps the kernel's SS_* socket states (1..4) onto TCP state numbers.
  static constexpr uint8_t kStateMap[] = {kClose, kSynSent, kEstablished, kClosing};
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    unsigned long long num = 0, ino = 0;
    unsigned ref = 0, proto = 0, flags = 0, type = 0, state = 0;
    char path[256] = {};
    int n = std::sscanf(line.c_str(), "%llx: %x %x %x %x %x %llu %255s", &num, &ref, &proto, &flags,
                        &type, &state, &ino, path);
    if (n < 7) {
      bad_line(lineno, "too few fields");
      continue;
    }
    SocketRecord r;
    r.family = AF_UNIX;
    r.from_proc = true;
    r.table = type == SOCK_STREAM      ? Table::UnixStream
              : type == SOCK_SEQPACKET ? Table::UnixSeq
                                       : Table::UnixDgram;
    r.inode = ino;
    if (flags & (1u << 16)) {
      r.state = kListen;  // __SO_ACCEPTCON
    } else if (state > 0 && state <= std::size(kStateMap)) {
      r.state = kStateMap[state - 1];
      // ss reads the first column (the kernel pointer, never 0 for root) as
      // the peer, so every unconnected datagram socket shows as ESTAB on this
      // path. ss keeps only the low 32 bits (%x into an int).
      if (type == SOCK_DGRAM && r.state == kClose && (num & 0xffffffffu)) r.state = kEstablished;
    } else if (state < kStateMax) {
      r.state = static_cast<uint8_t>(state);  // SS_FREE (0): ss prints UNKNOWN
    } else {
      {
        bad_line(lineno, "unknown state");
        continue;
      }
    }
    auto& u = r.ensure_unix();
    if (n >= 8 && path[0]) {
      u.has_name = true;
      u.path = path;
    }
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const SocketRecord& a, const SocketRecord& b) {
    auto ta = a.table == Table::UnixStream ? SOCK_STREAM
              : a.table == Table::UnixSeq  ? SOCK_SEQPACKET
                                           : SOCK_DGRAM;
    auto tb = b.table == Table::UnixStream ? SOCK_STREAM
              : b.table == Table::UnixSeq  ? SOCK_SEQPACKET
                                           : SOCK_DGRAM;
    // ss compares inodes as int (sscanf %d), so inodes past 2^31 sort first.
    auto ia = static_cast<int32_t>(a.inode), ib = static_cast<int32_t>(b.inode);
    return ta != tb ? ta < tb : ia < ib;
  });
  return out;
}

}  // namespace sw
