# Shared by bench/run.sh, metrics.sh and live.sh (sourced, not run): the root
# check, building what a benchmark runs, its private network namespace with
# cleanup on exit, the load generator and medians. The caller defines die()
# and sets root, build (and churn, 0 when unset) before using these.

# Exits 77 (CTest's skip) without root, ip or ss.
bench_need_root() {
  if [[ $(id -u) -ne 0 ]] || ! command -v ip >/dev/null || ! command -v ss >/dev/null; then
    echo "skipped: needs root, ip and ss" >&2
    exit 77
  fi
}

# Builds the targets (app/sockwatch, bench/sw_*) unless all are there.
bench_build() {
  local t missing=0
  for t in "$@"; do
    if [[ $t == sockwatch ]]; then [[ -x $build/app/sockwatch ]] || missing=1
    else [[ -x $build/bench/$t ]] || missing=1; fi
  done
  ((missing)) || return 0
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOCKWATCH_TESTS=OFF \
      >/dev/null || die "cmake configure failed"
  fi
  cmake --build "$build" -j 2 --target "$@" >/dev/null || die "build failed"
}

# A namespace named PREFIX<pid> with lo up, and $tmp; both removed on exit
# (with the load generator, if one runs).
bench_netns() {
  ns="$1$$"
  tmp=$(mktemp -d)
  gen_pid=""
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  ip netns add "$ns" || die "ip netns add $ns failed"
  ip -n "$ns" link set lo up || die "cannot bring lo up in $ns"
}
stop_gen() {
  if [[ -n "$gen_pid" ]]; then
    kill "$gen_pid" 2>/dev/null
    wait "$gen_pid" 2>/dev/null
    gen_pid=""
  fi
}
bench_cleanup() {
  stop_gen
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}

# start_gen SIZE [UDP [UNIX]]: SIZE TCP sockets (SIZE/2 pairs, half v4, half
# v6), UDP (10) bound UDP sockets and UNIX (10) unix pairs in the namespace,
# $churn connections/s; returns once the generator says ready.
start_gen() {
  local pairs=$(($1 / 2)) waited=0
  ip netns exec "$ns" "$build/bench/sw_loadgen" --tcp-pairs "$pairs" --udp "${2:-10}" \
    --unix "${3:-10}" --churn "${churn:-0}" >"$tmp/gen.out" 2>"$tmp/gen.err" &
  gen_pid=$!
  until grep -q '^ready' "$tmp/gen.out"; do
    kill -0 "$gen_pid" 2>/dev/null || { gen_pid=""; die "loadgen failed: $(cat "$tmp/gen.err")"; }
    ((waited++ < 6000)) || die "loadgen not ready after 600 s"
    sleep 0.1
  done
}

# The median of the numbers on stdin, one per line ("n/a" for none).
median() {
  sort -g | awk '{v[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print v[(NR+1)/2];
                 else printf "%.4f\n", (v[NR/2]+v[NR/2+1])/2}'
}
