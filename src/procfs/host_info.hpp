// Reads which machine and boot this is: hostname, boot id, machine id,
// kernel release and the ephemeral port range. Unreadable parts stay empty
// (or at the kernel's defaults); never an error.
#pragma once

#include <string>

#include "core/host_info.hpp"

namespace sw {

// `proc_root` for boot_id and ip_local_port_range; `machine_id_path` is
// /etc/machine-id on a real host.
HostInfo read_host_info(const std::string& proc_root = "/proc",
                        const std::string& machine_id_path = "/etc/machine-id");

}  // namespace sw
