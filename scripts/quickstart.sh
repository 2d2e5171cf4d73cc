#!/usr/bin/env bash
# Installs what is missing, builds a release sockwatch and shows this machine's
# TCP/UDP sockets with their processes (sockwatch's main job).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOCKWATCH_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)"
echo "+ build/release/app/sockwatch -tunap"
exec build/release/app/sockwatch -tunap
