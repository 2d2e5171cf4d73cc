// SocketSource: where socket records come from. LiveSource asks the kernel
// (sock_diag); ReplaySource reads a recorded dump file. Both hand out parsed
// SocketRecords, so everything downstream is the same for tests and real runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "core/socket_record.hpp"
#include "netlink/diag_socket.hpp"
#include "netlink/dump_prefetch.hpp"

namespace sw {

struct DumpRequest {
  Table table = Table::Tcp;
  int family = 0;          // AF_INET, AF_INET6 for inet tables; ignored otherwise
  uint32_t states = 0;     // TcpState bitmask, sent to the kernel
  uint8_t inet_ext = 0;    // idiag_ext bits (1 << (INET_DIAG_x - 1))
  uint32_t unix_show = 0;  // UDIAG_SHOW_* bits
  std::string bytecode;    // INET_DIAG_REQ_BYTECODE, empty for none
};

struct DumpResult {
  int kernel_error = 0;      // errno the kernel answered with (table unsupported...)
  bool interrupted = false;  // NLM_F_DUMP_INTR persisted after retries
  bool stopped = false;      // the sink asked to stop before the end
};

// The one seam records travel through, from parsers to every consumer. It
// returns false to stop the producer early (-K after a failed destroy, a
// selective consumer that has what it needs); the rest of that dump is not
// delivered.
using RecordSink = std::function<bool(SocketRecord&&)>;
using BufferSink = std::function<void(const uint8_t*, size_t)>;

class SocketSource {
 public:
  virtual ~SocketSource() = default;
  virtual Expected<DumpResult> dump(const DumpRequest& req, const RecordSink& sink) = 0;
  // A hint: `req` will be dumped soon. A source that can read it meanwhile
  // (LiveSource, on another thread) starts now, holding at most `max_queued`
  // bytes of replies unread; dump(req) then hands out what it read. Several
  // may be pending. The caller drops those it will not use with
  // cancel_prefetch() (their replies would be stale by a later dump).
  virtual void prefetch(const DumpRequest& /*req*/, size_t /*max_queued*/) {}
  virtual void cancel_prefetch() {}
};

// Bounds for prefetch(): a dump read while it is being consumed needs only a
// few chunks of slack; one read ahead of another dump's consumer holds more
// so that its kernel walk is not stopped early (at 100k TCP sockets a v6 dump
// is ~6 MB of replies; -tani's ~13 MB).
constexpr size_t kPrefetchStreaming = 256u << 10;
constexpr size_t kPrefetchAhead = 2u << 20;

// The sdiag_protocol a dump of table `t` asks for (IPPROTO_TCP, ... 262 for
// MPTCP); 0 for tables that are not inet.
int table_protocol(Table t);

// Builds the request bytes for one dump (exposed for tests and the recorder).
std::vector<uint8_t> build_dump_request(const DumpRequest& req);

// Records stream to the sink as they arrive (holding a whole dump would cost
// ~250 bytes per socket). A dump the kernel flagged NLM_F_DUMP_INTR comes back
// with `interrupted` set: the caller rolls back what it emitted and retries.
class LiveSource : public SocketSource {
 public:
  LiveSource() = default;
  // Not movable: a running prefetch points at its slot's socket.
  LiveSource(const LiveSource&) = delete;
  LiveSource& operator=(const LiveSource&) = delete;
  Expected<DumpResult> dump(const DumpRequest& req, const RecordSink& sink) override;
  // Each on a socket of its own (in the first one's namespace), read by a
  // thread of its own (netlink/dump_prefetch); at most kMaxPrefetch pending,
  // later ones are ignored. Nothing while a recorder is set: a recording
  // keeps the kernel's order.
  void prefetch(const DumpRequest& req, size_t max_queued) override;
  void cancel_prefetch() override;
  static constexpr size_t kMaxPrefetch = 2;
  // Opens the netlink socket now: it belongs to the network namespace the
  // thread is in at this moment, wherever later dumps are asked from.
  Expected<void> open();
  // Every recvmsg buffer of later dumps is also given to `recorder` (ss -D).
  // A prefetch already running is dropped: its replies would miss the recording.
  void set_recorder(BufferSink recorder) {
    cancel_prefetch();
    recorder_ = std::move(recorder);
  }
  // The socket itself, for requests that are not dumps (an exact one-socket
  // query, SOCK_DESTROY) in this source's namespace. Call open() first: an
  // unopened source would open here, in the thread's namespace of the moment.
  Expected<DiagSocket*> diag_socket() { return socket(); }

 private:
  Expected<DiagSocket*> socket();
  std::unique_ptr<DiagSocket> sock_;
  // Prefetch sockets, opened when first needed and kept for later ones.
  struct Slot {
    std::unique_ptr<DiagSocket> sock;
    std::unique_ptr<DumpPrefetch> pending;  // declared after sock: destroyed first
  };
  std::vector<Slot> slots_;
  bool no_more_slots_ = false;  // a socket could not be opened (or not in sock_'s netns)
  BufferSink recorder_;
};

}  // namespace sw
