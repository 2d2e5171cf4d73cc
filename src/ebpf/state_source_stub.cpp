// The StateSource of a binary built without eBPF (SOCKWATCH_EBPF=OFF, or clang,
// bpftool, libbpf or the kernel BTF missing at configure time): open() says so
// and why, so the user knows a rebuild, not a privilege, is what is missing.
#include "ebpf/state_source.hpp"

#ifndef SW_EBPF_DISABLED_REASON
#define SW_EBPF_DISABLED_REASON "unknown reason"
#endif

namespace sw {

struct StateSource::Impl {};

StateSource::StateSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateSource::~StateSource() = default;

Expected<std::unique_ptr<StateSource>> StateSource::open(const StateSourceOptions&) {
  return Error{std::string("eBPF state source: this binary was built without eBPF (") +
               SW_EBPF_DISABLED_REASON + ")"};
}

int StateSource::fd() const { return -1; }
Expected<size_t> StateSource::drain(const std::function<void(const TcpStateChange&)>&) {
  return size_t{0};
}
uint64_t StateSource::drops() const { return 0; }
std::string_view StateSource::attach_kind() const { return ""; }
std::string_view StateSource::task_context_method() const { return ""; }
uint64_t StateSource::context_fallbacks() const { return 0; }

}  // namespace sw
