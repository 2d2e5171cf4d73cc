// Environment variables ss honours, read once here (libraries never read the
// environment): PROC_ROOT, PROC_NET_* overrides, TCPDIAG_FILE, plus
// sockwatch's test knobs.
#pragma once

#include "engine/source_paths.hpp"

namespace sw {

SourcePaths source_paths_from_environment();
// SW_NO_BYTECODE=1 leaves all filtering to user space: the tests use it to
// show the kernel program and the evaluator select the same sockets.
bool kernel_bytecode_from_environment();

}  // namespace sw
