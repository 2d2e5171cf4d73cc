// Runner: one ss-mode pass over the selected tables, in ss's fixed order
// (netlink, packet, unix, raw, udp, tcp, dccp, sctp, vsock, tipc, xdp, mptcp), from a
// SocketSource, with /proc fallbacks, the filter, -K, and retries of dumps the
// kernel flagged as interrupted. Records go to an Emit callback.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/expected.hpp"
#include "core/socket_record.hpp"
#include "env.hpp"
#include "filter/filter.hpp"
#include "netlink/diag_socket.hpp"
#include "netlink/source.hpp"
#include "ss_options.hpp"

namespace sw {

class Runner {
 public:
  using Emit = std::function<void(SocketRecord&&)>;
  Runner(const SsOptions& o, const SsEnv& env, SocketSource& src, const Filter* filter, Emit emit)
      : o_(o), env_(env), src_(src), filter_(filter), emit_(std::move(emit)) {}

  void run();
  int status() const { return status_; }
  // Called before each kernel dump with the table it is for (--record markers).
  void set_before_dump(std::function<void(Table)> fn) { before_dump_ = std::move(fn); }
  // How to undo the rows emitted since a checkpoint, for a dump the kernel
  // flagged NLM_F_DUMP_INTR. Without it (streamed JSON) such a dump is kept
  // and reported.
  void set_rollback(std::function<size_t()> checkpoint, std::function<void(size_t)> rollback) {
    checkpoint_ = std::move(checkpoint);
    rollback_ = std::move(rollback);
  }
  // After the run: a hint when the kernel refused every destroy as unsupported.
  void report_kill() const;

 private:
  bool wanted(const SocketRecord& r) const { return !filter_ || filter_->matches(r); }
  void emit(SocketRecord&& r) {
    if (wanted(r)) emit_(std::move(r));
  }
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

  const SsOptions& o_;
  const SsEnv& env_;
  SocketSource& src_;
  const Filter* filter_;
  Emit emit_;
  std::function<void(Table)> before_dump_;
  std::function<size_t()> checkpoint_;
  std::function<void(size_t)> rollback_;
  std::unique_ptr<DiagSocket> kill_sock_;
  bool no_bytecode_ = false;
  bool killed_ = false;
  bool nocookie_warned_ = false;
  uint64_t kill_unsupported_ = 0;
  int status_ = 0;
};

}  // namespace sw
