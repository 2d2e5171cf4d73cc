// The built-in detectors a rule can name. Each looks at one Evidence with
// its rule's parameters and appends findings (not yet allowlisted) or says
// why it could not run. Internal to src/rules (check.cpp runs them;
// rule_set.cpp validates rule files against the parameter lists).
#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "rules/check.hpp"

namespace sw {

struct DetectorOutput {
  std::vector<Finding> findings;
  std::vector<std::string> not_run;  // reasons; the rule did not run (or only in part)
};

// Built once per evaluation: every socket record by inode, and which ports
// listen in each namespace (to tell an inbound connection's service port
// from an outbound one's).
struct EvidenceIndex {
  struct Where {
    const NamespaceEvidence* ns = nullptr;
    const SocketRecord* rec = nullptr;
  };
  std::unordered_map<uint64_t, Where> by_inode;
  std::set<std::tuple<uint64_t, uint8_t, uint16_t>> listening;  // netns, Table, port
  explicit EvidenceIndex(const Evidence& ev);
  const Where* find(uint64_t inode) const;
  bool is_listening(uint64_t netns, Table t, uint16_t port) const;
};

struct DetectorInfo {
  std::string_view name;
  std::string_view summary;
  std::span<const std::string_view> params;  // accepted parameter names
  void (*run)(const Evidence&, const EvidenceIndex&, const Rule&, const CheckContext&,
              DetectorOutput&);
};

std::span<const DetectorInfo> detectors();
const DetectorInfo* find_detector(std::string_view name);

// Helpers shared by the detectors (detectors.cpp, detectors_net.cpp).
ProcessSummary summarize(const ProcessEvidence& p);
SocketSummary summarize(const SocketRecord& r, const NamespaceEvidence& ns,
                        const CheckContext& ctx);
std::vector<ProcessSummary> parent_chain(const Evidence& ev, const ProcessEvidence& p);
// A finding with the rule's identity, the socket and its first owner filled in.
Finding make_finding(const Rule& rule, const Evidence& ev, const ProcessEvidence* owner,
                     const SocketRecord* sock, const NamespaceEvidence* ns,
                     const CheckContext& ctx);
std::string ip_text(const IpAddr& a);
// Is `p` one of `names`? Globs against comm and the basename of exe.
bool program_matches(const ProcessEvidence& p, const std::vector<std::string>& names);

}  // namespace sw
