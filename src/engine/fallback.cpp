#include "engine/fallback.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/files.hpp"
#include "procfs/proc_net.hpp"
#include "procfs/proc_net_packet.hpp"

namespace sw {

namespace {

struct InetFiles {
  const char* env4;
  const char* rel4;
  const char* env6;
  const char* rel6;
};

bool inet_files(Table t, InetFiles& f) {
  switch (t) {
    case Table::Tcp:
      f = {"PROC_NET_TCP", "net/tcp", "PROC_NET_TCP6", "net/tcp6"};
      return true;
    case Table::Udp:
      f = {"PROC_NET_UDP", "net/udp", "PROC_NET_UDP6", "net/udp6"};
      return true;
    case Table::Raw:
      f = {"PROC_NET_RAW", "net/raw", "PROC_NET_RAW6", "net/raw6"};
      return true;
    default:
      return false;  // DCCP, SCTP, MPTCP have no /proc table (ss: silently empty)
  }
}

// `states` filters as ss does for inet/unix lines; pass kAllStates for tables
// ss shows whole (packet, netlink: the CLOSE check happened before).
// Lines the parser left out are reported once per file; the rest is listed,
// as ss lists the sockets around a line it cannot read.
void warn(const DiagnosticSink& diag, std::string msg) {
  diag(Diagnostic{Diagnostic::Kind::Warning, "sockwatch: " + msg});
}

void emit_parsed(const Expected<std::vector<SocketRecord>>& parsed, const LineSkips& skips,
                 uint32_t states, const RecordSink& sink, const DiagnosticSink& diag) {
  if (skips.count)
    warn(diag, skips.first + " (" + std::to_string(skips.count) + " malformed line" +
                   (skips.count == 1 ? "" : "s") + " skipped)");
  if (!parsed) {
    warn(diag, parsed.error().message);
    return;
  }
  for (const auto& r : *parsed) {
    if (!(states & (1u << r.state))) continue;
    SocketRecord copy = r;
    if (!sink(std::move(copy))) return;
  }
}

// ss is silent when it cannot open these files; a file that is a directory or
// passes its bound was opened, and is named.
bool said_aloud(const Error& e) { return e.code == EISDIR || e.code == EFBIG; }

}  // namespace

void fallback_inet(const SourcePaths& env, uint64_t families, uint32_t states, Table t,
                   const RecordSink& sink, const DiagnosticSink& diag) {
  InetFiles f;
  if (!inet_files(t, f)) return;
  std::string text;
  if (families & (uint64_t{1} << AF_INET)) {
    std::string path = env.proc_path(f.env4, f.rel4);
    std::string why;
    if (!read_text_file(path, text, kMaxProcTableBytes, &why)) {
      warn(diag, why);
      return;
    }
    LineSkips skips;
    auto parsed = parse_proc_inet(text, path, t, AF_INET, 100, &skips);
    emit_parsed(parsed, skips, states, sink, diag);
  }
  if (families & (uint64_t{1} << AF_INET6)) {
    // ss skips a missing v6 file silently (kernels without IPv6).
    std::string path = env.proc_path(f.env6, f.rel6);
    std::string why;
    if (read_text_file(path, text, kMaxProcTableBytes, &why)) {
      LineSkips skips;
      auto parsed = parse_proc_inet(text, path, t, AF_INET6, 100, &skips);
      emit_parsed(parsed, skips, states, sink, diag);
    } else if (errno != ENOENT) {
      warn(diag, why);
    }
  }
}

void fallback_unix(const SourcePaths& env, uint32_t states, const RecordSink& sink,
                   const DiagnosticSink& diag) {
  std::string path = env.proc_path("PROC_NET_UNIX", "net/unix");
  std::string text, why;
  if (!read_text_file(path, text, kMaxProcTableBytes, &why)) {
    warn(diag, why);
    return;
  }
  LineSkips skips;
  auto parsed = parse_proc_unix(text, path, &skips);
  emit_parsed(parsed, skips, states, sink, diag);
}

// Packet and netlink: ss says nothing when the file cannot be opened.
void fallback_packet(const SourcePaths& env, const RecordSink& sink, const DiagnosticSink& diag) {
  LineSkips skips;
  auto recs = read_proc_net_packet(env.proc_path("PROC_NET_PACKET", "net/packet"), &skips);
  if (recs || said_aloud(recs.error())) emit_parsed(recs, skips, kAllStates, sink, diag);
}

void fallback_netlink(const SourcePaths& env, const RecordSink& sink, const DiagnosticSink& diag) {
  LineSkips skips;
  auto recs = read_proc_net_netlink(env.proc_path("PROC_NET_NETLINK", "net/netlink"), &skips);
  if (recs || said_aloud(recs.error())) emit_parsed(recs, skips, kAllStates, sink, diag);
}

}  // namespace sw
