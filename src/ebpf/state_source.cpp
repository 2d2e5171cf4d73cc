// Loader for sock_state.bpf.c: opens the embedded skeleton, fills .rodata from
// the kernel BTF, loads and attaches one of its two programs, and reads the ring
// buffer. libbpf's diagnostics are captured into the Error, never printed.
#include "ebpf/state_source.hpp"

#include <linux/types.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

extern "C" {
#include <bpf/btf.h>
#include <bpf/libbpf.h>
}

// The generated skeleton is C from bpftool; its style is not ours to fix, and
// varies with the bpftool version.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "sock_state.skel.h"
#pragma GCC diagnostic pop

extern "C" {
#include "sock_state_event.h"
}

namespace sw {
namespace {

static_assert(sizeof(sw_sock_state_event) == 96, "BPF and C++ disagree on the event layout");

constexpr const char* kWhat = "eBPF state source: ";
constexpr const char* kNotPermitted = "not permitted (needs CAP_BPF+CAP_PERFMON or root)";

// libbpf prints through one process-wide callback. A library must not print, so
// the callback only keeps the messages of the open() running on this thread
// (thread_local: two threads opening at once do not mix their logs) and drops
// everything else.
thread_local std::vector<std::string>* t_capture = nullptr;

int capture_print(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG || t_capture == nullptr) return 0;
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n <= 0) return 0;
  // A verifier log can be megabytes; the Error only ever quotes a few lines.
  std::string text(static_cast<size_t>(std::min(n, 64 * 1024)) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), fmt, args);
  text.resize(text.size() - 1);
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    if (nl > start) t_capture->push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (t_capture->size() > 4000)
    t_capture->erase(t_capture->begin(), t_capture->end() - 2000);  // keep the recent ones
  return 0;
}

void silence_libbpf() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(capture_print); });
}

// Captures libbpf's messages for the lifetime of one attempt.
class Capture {
 public:
  Capture() : prev_(t_capture) { t_capture = &lines_; }
  ~Capture() { t_capture = prev_; }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  std::vector<std::string>& lines() { return lines_; }

 private:
  std::vector<std::string> lines_;
  std::vector<std::string>* prev_;
};

// The verifier's reason: the first lines of the program load log (what it
// started on) and its last lines (where it gave up, usually the reason).
std::string verifier_excerpt(const std::vector<std::string>& lines) {
  std::vector<std::string> log;
  bool in = false;
  for (const auto& l : lines) {
    if (l.find("-- BEGIN PROG LOAD LOG --") != std::string::npos) {
      in = true;
      log.clear();
      continue;
    }
    if (l.find("-- END PROG LOAD LOG --") != std::string::npos) {
      in = false;
      continue;
    }
    if (in) log.push_back(l);
  }
  if (log.empty()) return "";
  std::string out;
  auto add = [&](size_t i) {
    if (!out.empty()) out += " | ";
    out += log[i];
  };
  constexpr size_t kHead = 3, kTail = 4;
  if (log.size() <= kHead + kTail) {
    for (size_t i = 0; i < log.size(); ++i) add(i);
  } else {
    for (size_t i = 0; i < kHead; ++i) add(i);
    out += " | ...";
    for (size_t i = log.size() - kTail; i < log.size(); ++i) add(i);
  }
  return out;
}

std::string last_message(const std::vector<std::string>& lines) {
  for (auto it = lines.rbegin(); it != lines.rend(); ++it)
    if (it->find("LOAD LOG --") == std::string::npos && !it->empty()) return *it;
  return "";
}

// Kernel lockdown in confidentiality mode refuses BPF reads of kernel memory
// even to root: EPERM too, but no capability fixes it, so it is named.
bool locked_down() {
  FILE* f = std::fopen("/sys/kernel/security/lockdown", "re");
  if (f == nullptr) return false;
  char buf[128] = {};
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  return std::string_view(buf, n).find("[confidentiality]") != std::string_view::npos;
}

// Turns a failed libbpf step into the cause a user can act on.
Error explain(const char* step, int err, const std::vector<std::string>& lines) {
  err = err < 0 ? -err : err;
  if (err == EPERM && locked_down())
    return Error{std::string(kWhat) +
                     "not permitted: the kernel is locked down "
                     "(/sys/kernel/security/lockdown: confidentiality)",
                 err};
  if (err == EPERM) return Error{std::string(kWhat) + kNotPermitted, err};
  std::string verifier = verifier_excerpt(lines);
  if (!verifier.empty())
    return Error{std::string(kWhat) + "the kernel's verifier rejected the program: " + verifier,
                 err};
  std::string msg = std::string(kWhat) + step + ": " + std::strerror(err);
  std::string last = last_message(lines);
  if (!last.empty()) msg += " (" + last + ")";
  return Error{msg, err};
}

size_t round_ring(size_t want) {
  long page = sysconf(_SC_PAGESIZE);
  size_t size = page > 0 ? static_cast<size_t>(page) : 4096;
  while (size < want && size < (size_t{1} << 30)) size <<= 1;
  return size;
}

// Distances inside the per-cpu area, from the kernel BTF's .data..percpu
// DATASEC (offsets there are section-relative, so their differences are address
// differences whatever the per-cpu base). See sock_state.bpf.c's top comment.
struct PercpuAnchor {
  bool ok = false;
  int64_t preempt_count_from_rq = 0;
  int64_t current_task_from_rq = 0;
};

PercpuAnchor find_percpu_anchor() {
  PercpuAnchor a;
  struct btf* btf = btf__load_vmlinux_btf();
  if (btf == nullptr) return a;
  int id = btf__find_by_name_kind(btf, ".data..percpu", BTF_KIND_DATASEC);
  if (id > 0) {
    const struct btf_type* sec = btf__type_by_id(btf, static_cast<__u32>(id));
    const struct btf_var_secinfo* vsi = btf_var_secinfos(sec);
    int64_t rq = -1, pc = -1, ct = -1;
    for (unsigned i = 0; i < btf_vlen(sec); ++i, ++vsi) {
      const struct btf_type* var = btf__type_by_id(btf, vsi->type);
      if (var == nullptr) continue;
      std::string_view name = btf__name_by_offset(btf, var->name_off);
      if (name == "runqueues") rq = vsi->offset;
      if (name == "__preempt_count" && vsi->size == 4) pc = vsi->offset;
      if (name == "current_task" && vsi->size == 8) ct = vsi->offset;
    }
    if (rq >= 0 && pc >= 0 && ct >= 0) {
      a.ok = true;
      a.preempt_count_from_rq = pc - rq;
      a.current_task_from_rq = ct - rq;
    }
  }
  btf__free(btf);
  return a;
}

}  // namespace

struct StateSource::Impl {
  sock_state_bpf* skel = nullptr;
  ring_buffer* rb = nullptr;
  std::string_view kind;
  std::string_view ctx_method;
  // Set only during drain(): the consumer and what it threw.
  const std::function<void(const TcpStateChange&)>* fn = nullptr;
  std::exception_ptr thrown;
  size_t delivered = 0;

  ~Impl() {
    if (rb != nullptr) ring_buffer__free(rb);
    if (skel != nullptr) sock_state_bpf::destroy(skel);
  }
};

namespace {

int on_sample(void* ctx, void* data, size_t size) {
  auto* impl = static_cast<StateSource::Impl*>(ctx);
  if (size < sizeof(sw_sock_state_event)) return 0;  // not ours to interpret
  sw_sock_state_event raw;
  std::memcpy(&raw, data, sizeof raw);
  TcpStateChange ev;
  ev.ktime_ns = raw.ktime_ns;
  ev.pid = static_cast<int32_t>(raw.pid);
  ev.tid = static_cast<int32_t>(raw.tid);
  ev.comm.assign(raw.comm, strnlen(raw.comm, sizeof raw.comm));
  ev.task_context = raw.task_context != 0;
  ev.netns = raw.netns;
  ev.cookie = raw.cookie;
  ev.skaddr = raw.skaddr;
  ev.family = static_cast<uint8_t>(raw.family);
  ev.old_state = raw.old_state;
  ev.new_state = raw.new_state;
  size_t alen = raw.family == AF_INET6 ? 16 : 4;
  ev.saddr.family = ev.daddr.family = ev.family;
  std::memcpy(ev.saddr.bytes.data(), raw.saddr, alen);
  std::memcpy(ev.daddr.bytes.data(), raw.daddr, alen);
  ev.sport = raw.sport;
  ev.dport = raw.dport;
  try {
    (*impl->fn)(ev);
  } catch (...) {
    impl->thrown = std::current_exception();
    return -ECANCELED;  // stops ring_buffer__consume; drain() rethrows
  }
  ++impl->delivered;
  return 0;
}

// One load-and-attach attempt with one of the two programs.
Expected<sock_state_bpf*> try_attach(bool raw_tp, size_t ring_bytes, size_t wakeup_bytes,
                                     const PercpuAnchor& anchor) {
  Capture cap;
  sock_state_bpf* skel = sock_state_bpf::open();
  if (skel == nullptr) return explain("open the BPF object", errno, cap.lines());
  auto fail = [&](const char* step, int err) {
    Error e = explain(step, err, cap.lines());
    sock_state_bpf::destroy(skel);
    return e;
  };
  int err = bpf_map__set_max_entries(skel->maps.events, static_cast<__u32>(ring_bytes));
  if (err != 0) return fail("size the ring buffer", err);
  skel->rodata->wakeup_bytes = wakeup_bytes;
  skel->rodata->have_percpu_anchor = anchor.ok ? 1 : 0;
  skel->rodata->preempt_count_from_rq = anchor.preempt_count_from_rq;
  skel->rodata->current_task_from_rq = anchor.current_task_from_rq;
  bpf_program* use = raw_tp ? skel->progs.sw_sock_state_raw : skel->progs.sw_sock_state_tp;
  bpf_program* skip = raw_tp ? skel->progs.sw_sock_state_tp : skel->progs.sw_sock_state_raw;
  bpf_program__set_autoload(skip, false);
  err = sock_state_bpf::load(skel);
  if (err != 0) return fail("load", err);
  bpf_link* link = bpf_program__attach(use);
  if (link == nullptr) return fail("attach", errno);
  if (raw_tp)
    skel->links.sw_sock_state_raw = link;
  else
    skel->links.sw_sock_state_tp = link;  // destroy() detaches it
  return skel;
}

}  // namespace

StateSource::StateSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateSource::~StateSource() = default;

Expected<std::unique_ptr<StateSource>> StateSource::open(const StateSourceOptions& opt) {
  silence_libbpf();
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    int e = errno;
    return Error{std::string(kWhat) + "no kernel BTF (/sys/kernel/btf/vmlinux: " +
                     std::strerror(e) + "; the kernel needs CONFIG_DEBUG_INFO_BTF=y)",
                 e};
  }
  size_t ring = round_ring(opt.ring_bytes);
  PercpuAnchor anchor = find_percpu_anchor();
  auto impl = std::make_unique<Impl>();
  impl->ctx_method = anchor.ok ? "preempt_count" : "transition";

  // The raw tracepoint first: it needs no tracefs and its arguments are the
  // tracepoint's prototype. The classic tracepoint is the fallback for kernels
  // that refuse it; it needs tracefs for the event id (mounted if missing).
  // Not being permitted ends the search: the fallback would fail the same way,
  // and an unprivileged caller must not try to mount anything.
  Expected<sock_state_bpf*> got = Error{};
  std::string raw_why;
  if (opt.attach != StateAttach::tracepoint) {
    got = try_attach(true, ring, opt.wakeup_bytes, anchor);
    if (got) impl->kind = "raw_tp";
    if (!got && (got.error().code == EPERM || opt.attach == StateAttach::raw_tp))
      return got.error();
    if (!got) raw_why = got.error().message + "; tracepoint fallback: ";
  }
  if (impl->kind.empty()) {
    Expected<bool> tracefs = ensure_tracefs();
    if (!tracefs) {
      int code = tracefs.error().code;
      return Error{(raw_why.empty() ? std::string(kWhat) : raw_why) +
                       "tracefs not mounted and could not be mounted (" + tracefs.error().message +
                       ")",
                   code};
    }
    got = try_attach(false, ring, opt.wakeup_bytes, anchor);
    if (!got) {
      std::string why = got.error().message;
      if (!raw_why.empty()) why = raw_why + why.substr(std::strlen(kWhat));
      return Error{why, got.error().code};
    }
    impl->kind = "tracepoint";
  }
  impl->skel = *got;

  Capture cap;
  impl->rb = ring_buffer__new(bpf_map__fd(impl->skel->maps.events), on_sample, impl.get(), nullptr);
  if (impl->rb == nullptr) return explain("ring buffer", errno, cap.lines());
  return std::unique_ptr<StateSource>(new StateSource(std::move(impl)));
}

int StateSource::fd() const { return ring_buffer__epoll_fd(impl_->rb); }

Expected<size_t> StateSource::drain(const std::function<void(const TcpStateChange&)>& fn) {
  impl_->fn = &fn;
  impl_->delivered = 0;
  impl_->thrown = nullptr;
  Capture cap;
  int n = ring_buffer__consume(impl_->rb);
  impl_->fn = nullptr;
  if (impl_->thrown) std::rethrow_exception(std::exchange(impl_->thrown, nullptr));
  if (n < 0) return explain("read the ring buffer", n, cap.lines());
  return impl_->delivered;
}

uint64_t StateSource::drops() const {
  return __atomic_load_n(&impl_->skel->bss->drops, __ATOMIC_RELAXED);
}

std::string_view StateSource::attach_kind() const { return impl_->kind; }
std::string_view StateSource::task_context_method() const { return impl_->ctx_method; }
uint64_t StateSource::context_fallbacks() const {
  return __atomic_load_n(&impl_->skel->bss->ctx_fallbacks, __ATOMIC_RELAXED);
}

}  // namespace sw
