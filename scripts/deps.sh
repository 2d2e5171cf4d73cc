#!/usr/bin/env bash
# Installs the Debian 12 packages sockwatch needs to build, test and benchmark.
# Only what is missing is installed; apt-get update runs first on a fresh machine.
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config libmnl-dev libfmt-dev nlohmann-json3-dev libcli11-dev
      libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev libncurses-dev
      nettle-dev scdoc iproute2 net-tools lsof procps util-linux
      clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libcpp-httplib-dev)
if [[ "${1:-}" == "--test" ]]; then
  # python3-jsonschema: the log schema tests; jq: bench/live.sh reads the NDJSON;
  # tmux: the curses backend's e2e test (tests/tui/curses_smoke_test.sh); prometheus
  # (prometheus and promtool): the metrics netns test checks and scrapes the exposition
  pkgs+=(clang libclang-rt-14-dev dpkg-dev zsh python3-jsonschema jq tmux prometheus)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
