// Finding: one triage result of `sockwatch check` — the rule that fired, its
// severity, a one-line explanation, the evidence (the socket, its owner, the
// owner's parent chain, for pipe findings the process at the other end) and
// the MITRE ATT&CK technique where one fits. Plain data, copied out of the
// Evidence so it outlives it; metrics (later) count findings by rule and
// severity. Strings are raw bytes: escape before a terminal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sw {

enum class Severity : uint8_t { Info = 0, Low, Medium, High, Critical };

const char* severity_name(Severity s);  // "info", "low", "medium", "high", "critical"
std::optional<Severity> parse_severity(std::string_view name);

// The owner (or another process of the evidence) as the finding shows it.
struct ProcessSummary {
  int32_t pid = 0;
  int32_t ppid = 0;
  std::string comm;
  std::string exe;  // without " (deleted)"
  bool exe_deleted = false;
  std::string cmdline;
  std::optional<uint32_t> uid;
  std::string user;
  std::string container;
  bool operator==(const ProcessSummary&) const = default;
};

struct SocketSummary {
  std::string proto;  // "tcp", "udp", "raw", "packet", "unix", ... (ss's netid)
  uint8_t family = 0;
  std::string local, peer;  // "addr:port" ("[v6]:port"); for packet: "proto:ifindex"
  std::string local_addr, peer_addr;
  uint16_t local_port = 0, peer_port = 0;
  std::string state;  // ss's state text ("ESTAB", "LISTEN", "UNCONN")
  uint64_t inode = 0;
  uint64_t netns = 0;
  std::string netns_name;  // "" ours
  std::string interface;   // name, or the index as text when no name is known ("" none)
  bool operator==(const SocketSummary&) const = default;
};

struct Finding {
  std::string rule_id;
  std::string detector;
  Severity severity = Severity::Info;
  std::string explanation;       // one line, about this socket and process
  std::string rule_description;  // the rule's `explain` (what it looks for, why it matters)
  std::string technique_id, technique_name;  // "" when none fits
  std::optional<SocketSummary> socket;
  std::optional<ProcessSummary> process;       // the owner, when known
  std::vector<ProcessSummary> parents;         // owner's parent, grandparent, ... up to pid 1
  std::optional<ProcessSummary> peer_process;  // the other end of a pipe (shell-pipe)
  // Detector-specific facts, in order ("protocol" "0x0003", "bpf_filter" "6 instructions").
  std::vector<std::pair<std::string, std::string>> details;
  bool operator==(const Finding&) const = default;
};

}  // namespace sw
