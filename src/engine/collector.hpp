// Collector: one pass over the tables a CollectPlan selects, in ss's fixed
// order (netlink, packet, unix, raw, udp, tcp, dccp, sctp, vsock, tipc, xdp,
// mptcp), from a SocketSource, with ss's /proc fallbacks, the filter, -K, and
// retries of dumps the kernel flagged as interrupted. Records go to one
// RecordSink (which may stop the pass); what went wrong comes back in the
// CollectReport (and, as it happens, to an optional DiagnosticSink, so a
// consumer can keep ss's order of stderr lines).
//
// A Collector lives as long as its consumer: the kill socket and what it has
// learned about the kernel (bytecode refused) carry over between passes.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/expected.hpp"
#include "core/socket_record.hpp"
#include "engine/collect_plan.hpp"
#include "engine/fallback.hpp"
#include "engine/source_paths.hpp"
#include "netlink/diag_socket.hpp"
#include "netlink/source.hpp"

namespace sw {

class Collector {
 public:
  explicit Collector(SocketSource& src) : src_(&src) {}

  CollectReport collect(const CollectPlan& plan, const SourcePaths& paths, const RecordSink& sink);

  // Another source for later passes (--all-netns: one per namespace).
  void set_source(SocketSource& src) { src_ = &src; }
  // Diagnostics as they happen (they are in the report as well).
  void set_diagnostics(DiagnosticSink fn) { on_diag_ = std::move(fn); }
  // Called before each kernel dump with the table it is for (--record markers).
  void set_before_dump(std::function<void(Table)> fn) { before_dump_ = std::move(fn); }
  // How to undo the records delivered since a checkpoint, for a dump the
  // kernel flagged NLM_F_DUMP_INTR. Without it (streamed output) such a dump
  // is kept and reported.
  void set_rollback(std::function<size_t()> checkpoint, std::function<void(size_t)> rollback) {
    checkpoint_ = std::move(checkpoint);
    rollback_ = std::move(rollback);
  }

 private:
  bool wanted(const SocketRecord& r) const;
  bool emit(SocketRecord&& r);
  bool deliver(SocketRecord&& r);
  void netlink();
  void packet();
  void unix_tables();
  void inet(Table t, const char* proc_env);
  void vsock();
  void tipc();
  void xdp();
  void other_family(const DumpRequest& req, const RecordSink& sink, const char* what);
  bool kill(const SocketRecord& r);
  Expected<DumpResult> dump(const DumpRequest& req, const RecordSink& sink);
  void fail(const std::string& what, const Error& e);
  void note(Diagnostic::Kind kind, std::string text);
  RecordSink fallback_sink();
  DiagnosticSink on_note();

  SocketSource* src_;
  DiagnosticSink on_diag_;
  std::function<void(Table)> before_dump_;
  std::function<size_t()> checkpoint_;
  std::function<void(size_t)> rollback_;
  std::unique_ptr<DiagSocket> kill_sock_;
  bool no_bytecode_ = false;  // the kernel refused our bytecode once: filter in user space

  // One pass.
  const CollectPlan* plan_ = nullptr;
  const SourcePaths* paths_ = nullptr;
  const RecordSink* sink_ = nullptr;
  CollectReport* report_ = nullptr;
  bool stopped_ = false;  // the sink asked to stop
  bool killed_ = false;
  bool nocookie_warned_ = false;
};

}  // namespace sw
