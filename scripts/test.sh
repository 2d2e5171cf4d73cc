#!/usr/bin/env bash
# Installs what is missing, then runs every test suite: bounded fuzzing, the whole
# CTest suite under ASan+UBSan, and the whole suite again in the normal build
# (warnings as errors). Tests that need root or network namespaces skip (77)
# where those are unavailable.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test

# Bounded fuzzing (clang + libFuzzer, ASan/UBSan) of the filter, netlink and /proc
# parsers, including every saved crash input.
# A fixed seed keeps this step reproducible: new random exploration belongs to
# longer campaigns (bash scripts/fuzz.sh SECONDS), whose findings become
# regression inputs that this step replays.
SW_FUZZ_SEED=${SW_FUZZ_SEED:-1} bash scripts/fuzz.sh "${SW_FUZZ_SECONDS:-15}"

# The suite under AddressSanitizer + UndefinedBehaviorSanitizer (preset "asan").
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$(nproc)"
ctest --preset asan -j1 "$@"

# The suite in the normal build; its summary is the closing line.
cmake --preset test >/dev/null
cmake --build --preset test -j"$(nproc)"
ctest --preset test -j1 "$@"
