#!/usr/bin/env bash
# Benchmark: the cost of one `sockwatch metrics` scrape (stdout mode: the
# socket tables, every owner from /proc, the aggregation and the rendering)
# against `sockwatch -tan`, `ss -tan` and the owner-reading `-tanp` of both,
# side by side on the same sockets in a private network namespace, with the
# load generator bench/run.sh uses. Medians of REPS runs (after a warm-up) of
# wall time, CPU time (user+sys) and peak RSS (sw_measure's wait4 rusage), and
# the median per-run ratio against `sockwatch -tan`. Then the steady state of a
# long-running `metrics --listen` (owners cached, as under Prometheus): wall time
# of each HTTP scrape and the server's CPU time for it (/proc/PID/stat, 10 ms
# ticks), after one warm-up scrape. Writes a markdown table.
#
#   sudo bash bench/metrics.sh [--sizes "10000 100000"] [--reps 5] [--build DIR] [--out FILE]
#
# --sizes  socket counts (TCP sockets = 2 x pairs); k suffix allowed; default 10k and 100k.
# --reps   measured runs of each command (default 5), interleaved round-robin.
# --build  CMake build directory with app/sockwatch, bench/sw_loadgen and bench/sw_measure
#          (default build/release, configured and built when it has none).
# --out    the markdown table (default stdout).
# Needs root (network namespace); exits 77 otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sizes="10000 100000"
reps=5
build="$root/build/release"
out=/dev/stdout
die() { echo "bench/metrics.sh: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
while (($#)); do
  case "$1" in
    --sizes) sizes=${2:?}; shift 2 ;;
    --reps) reps=${2:?}; shift 2 ;;
    --build) build=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
sizes=$(echo "$sizes" | tr ',' ' ' | sed 's/\([0-9]\+\)[kK]/\1000/g')
for s in $sizes; do [[ "$s" =~ ^[0-9]+$ && $s -ge 2 ]] || die "bad size '$s'"; done
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "bad --reps '$reps'"
bench_need_root
bench_build sockwatch sw_loadgen sw_measure
SW="$build/app/sockwatch"
MEASURE="$build/bench/sw_measure"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)

bench_netns swmetbench

# NAME|command (words split on ';'). The first is the reference of the ratios.
cmds() {
  cat <<EOM
sockwatch -tan|$SW;-tan
ss -tan|ss;-tan
sockwatch -tanp|$SW;-tanp
ss -tanp|ss;-tanp
metrics --no-findings|$SW;metrics;--this-netns;--no-findings
metrics (with findings)|$SW;metrics;--this-netns
EOM
}

{
  echo "| sockets | command | wall s | CPU s | RSS MB | wall vs sockwatch -tan | CPU vs sockwatch -tan |"
  echo "|---|---|---|---|---|---|---|"
} >"$tmp/table"
for size in $sizes; do
  start_gen "$size"
  echo "size $size: $(cat "$tmp/gen.out")" >&2
  mapfile -t lines < <(cmds)
  n=${#lines[@]}
  for ((k = 0; k < n; k++)); do
    IFS=';' read -r -a argv <<<"${lines[k]#*|}"
    ip netns exec "$ns" "$MEASURE" "${argv[@]}" >/dev/null  # warm-up
    : >"$tmp/r$k"
  done
  for ((i = 0; i < reps; i++)); do
    for ((j = 0; j < n; j++)); do
      k=$(((i + j) % n))  # a different command goes first each round
      IFS=';' read -r -a argv <<<"${lines[k]#*|}"
      ip netns exec "$ns" "$MEASURE" "${argv[@]}" >>"$tmp/r$k"
    done
  done
  for ((k = 0; k < n; k++)); do
    name=${lines[k]%%|*}
    bad=$(awk '$4 != 0' "$tmp/r$k" | wc -l)
    w=$(cut -d' ' -f1 "$tmp/r$k" | median)
    c=$(cut -d' ' -f2 "$tmp/r$k" | median)
    r=$(cut -d' ' -f3 "$tmp/r$k" | median)
    rw=$(paste -d' ' "$tmp/r$k" "$tmp/r0" | awk '$5 > 0 {printf "%.2f\n", $1 / $5}' | median)
    rc=$(paste -d' ' "$tmp/r$k" "$tmp/r0" | awk '$6 > 0 {printf "%.2f\n", $2 / $6}' | median)
    note=""
    ((bad)) && note=" ($bad runs failed)"
    printf '| %s | %s%s | %s | %s | %.1f | %s | %s |\n' "$size" "$name" "$note" "$w" "$c" \
      "$(awk -v k="$r" 'BEGIN {print k / 1024}')" "$rw" "$rc" >>"$tmp/table"
    echo "  $name: wall $w s (x$rw)" >&2
  done
  # --listen, steady: one process, scraped REPS times after a warm-up.
  port=19567
  ip netns exec "$ns" "$SW" metrics --this-netns --listen ":$port" --check-interval 0 \
    >"$tmp/listen.log" 2>&1 &
  lpid=$!
  scrape() {  # -> wall seconds of one GET /metrics, or nothing on failure
    ip netns exec "$ns" bash -c '
      s=$(date +%s%N)
      exec 3<>/dev/tcp/127.0.0.1/'"$port"' || exit 1
      printf "GET /metrics HTTP/1.0\r\n\r\n" >&3
      cat <&3 >/dev/null
      e=$(date +%s%N)
      awk -v d=$((e - s)) "BEGIN {printf \"%.4f\n\", d / 1e9}"' 2>/dev/null
  }
  for ((w = 0; w < 600; w++)); do [[ -n $(scrape) ]] && break; sleep 0.1; done  # warm-up
  hz=$(getconf CLK_TCK)
  : >"$tmp/lw"; : >"$tmp/lc"
  for ((i = 0; i < reps; i++)); do
    c0=$(awk '{print $14 + $15}' "/proc/$lpid/stat")
    scrape >>"$tmp/lw"
    c1=$(awk '{print $14 + $15}' "/proc/$lpid/stat")
    awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN {printf "%.4f\n", (b - a) / hz}' >>"$tmp/lc"
  done
  lrss=$(awk '/VmHWM/ {print $2}' "/proc/$lpid/status")
  kill "$lpid"; wait "$lpid" 2>/dev/null
  w=$(median <"$tmp/lw") c=$(median <"$tmp/lc")
  w0=$(cut -d' ' -f1 "$tmp/r0" | median) c0=$(cut -d' ' -f2 "$tmp/r0" | median)
  printf '| %s | metrics --listen, steady scrape (owners cached) | %s | %s | %.1f | %s | %s |\n' \
    "$size" "$w" "$c" "$(awk -v k="$lrss" 'BEGIN {print k / 1024}')" \
    "$(awk -v a="$w" -v b="$w0" 'BEGIN {printf "%.2f", a / b}')" \
    "$(awk -v a="$c" -v b="$c0" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}')" \
    >>"$tmp/table"
  echo "  metrics --listen steady: wall $w s" >&2
  stop_gen
done
{
  echo "$(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs, build type ${build_type:-unknown}, $reps runs each:"
  echo
  cat "$tmp/table"
} >"$out"
