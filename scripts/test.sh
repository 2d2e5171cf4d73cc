#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs every test
# suite (unit, golden, differential, netns, bench smoke). Tests that need root or
# network namespaces skip (status 77) where those are unavailable.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOCKWATCH_WERROR=ON >/dev/null
cmake --build build/test -j"$(nproc)"
# Bounded fuzzing (clang + libFuzzer, ASan/UBSan) of the filter, netlink and /proc
# parsers, including every saved crash input.
bash scripts/fuzz.sh "${SW_FUZZ_SECONDS:-15}"
cd build/test
ctest --output-on-failure -j1 "$@"
