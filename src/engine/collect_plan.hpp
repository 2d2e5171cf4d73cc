// CollectPlan: what one collection reads — tables, families, states, the
// netlink extensions the consumer needs, the filter, and whether matching
// sockets are destroyed (-K). Built by a consumer (ss mode from its flags, the
// live modes from theirs); the Collector only follows it. CollectReport: what
// happened, as values (the app decides what to print).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tables.hpp"

namespace sw {

class Filter;

struct CollectPlan {
  uint64_t tables = 0;        // table_bit(Table) set
  uint64_t families = 0;      // 1 << AF_* set
  uint32_t states = 0;        // TcpState bitmask, sent to the kernel
  int preferred_family = 0;   // the last -4/-6/-f: which inet family is asked first (or alone)
  uint8_t inet_ext = 0;       // idiag_ext bits (1 << (INET_DIAG_x - 1))
  bool unix_mem = false;      // UDIAG_SHOW_MEMINFO
  bool unix_details = false;  // UDIAG_SHOW_VFS | UDIAG_SHOW_ICONS
  const Filter* filter = nullptr;
  // Compile the filter to inet_diag bytecode so the kernel drops what does not
  // match (false leaves all of it to user space; the tests compare the two).
  bool kernel_bytecode = true;
  bool kill = false;  // SOCK_DESTROY every matching inet socket (ss -K)
  // Roll back and retry a dump the kernel flagged NLM_F_DUMP_INTR (needs a
  // consumer that can undo what it received; see Collector::set_rollback).
  int dump_retries = 2;
  // Read an inet table's dumps on other threads while they are parsed, v6
  // ahead while v4 is (SocketSource::prefetch): the kernel's walks, most of a
  // large listing's time, run beside the parsing. A one-shot listing's wall
  // time, for a little more CPU; a live tick, which counts CPU, leaves it off.
  bool parallel_dumps = false;

  bool has_table(Table t) const { return tables & table_bit(t); }
  bool has_family(int af) const { return families & (uint64_t{1} << af); }
};

// One thing a collection wants the user to know. `text` is the whole line
// as ss (or sockwatch) words it, without the newline.
struct Diagnostic {
  enum class Kind : uint8_t {
    Failure,  // a dump or a file could not be read: the exit status becomes 1
    Kernel,   // the kernel refused a request ("RTNETLINK answers: ...")
    Warning,  // advisory ("sockwatch: ..."), status unchanged
  };
  Kind kind = Kind::Warning;
  std::string text;
};

struct CollectReport {
  int status = 0;                 // ss's exit status for what happened (0 or 1)
  uint64_t records = 0;           // records delivered to the sink
  uint64_t dumps = 0;             // kernel dumps requested
  uint64_t interrupted = 0;       // dumps still flagged NLM_F_DUMP_INTR after the retries
  uint64_t retried = 0;           // dumps rolled back and asked again
  uint64_t kill_unsupported = 0;  // -K: destroys the kernel refused as unsupported
  uint64_t killed = 0;
  std::vector<Diagnostic> diagnostics;
};

}  // namespace sw
