#!/usr/bin/env bash
# Benchmark: sockwatch against ss, netstat, lsof and the kernel's own floor, side
# by side on the same sockets in a private network namespace. For each size and
# mode it runs every tool once to warm up, then REPS times alternating tools, and
# reports medians of wall time, CPU time (user+sys) and peak RSS, plus the median
# of the per-pair ratio sockwatch/other.
#
#   bash bench/run.sh [--sizes "1000 10000 100000"] [--reps 5] [--build DIR]
#                     [--out FILE] [--check]
#
# --out defaults to docs/performance.md, where a new dated section goes on top of
# the previous ones. --check verifies every mode produced a row (CI smoke test).
# Needs root (network namespace); exits 77 otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sizes="1000 10000 100000"
reps=5
build="$root/build/release"
out="$root/docs/performance.md"
check=0
while (($#)); do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --check) check=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ $(id -u) -ne 0 ]] || ! command -v ip >/dev/null; then
  echo "skipped: needs root and iproute2" >&2
  exit 77
fi
if [[ ! -x "$build/app/sockwatch" || ! -x "$build/bench/sw_loadgen" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOCKWATCH_TESTS=OFF >/dev/null
  cmake --build "$build" --target sockwatch sw_loadgen sw_dump_floor sw_procfd_floor sw_measure >/dev/null
fi
SW="$build/app/sockwatch"
MEASURE="$build/bench/sw_measure"
ns="swbench$$"
tmp=$(mktemp -d)
gen_pid=""
cleanup() {
  [[ -n "$gen_pid" ]] && kill "$gen_pid" 2>/dev/null && wait "$gen_pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up

# MODE | sockwatch args | other tool | other args   ("-" = the tool takes no args)
modes() {
  local big=$1
  cat <<EOM
-tan|-tan|ss|-tan
-tan|-tan|netstat|-tan
-tan|-tan|floor:dump|-
-tanp|-tanp|ss|-tanp
-tanp|-tanp|floor:procfd|-
-tani|-tani|ss|-tani
-tanm|-tanm|ss|-tanm
-s|-s|ss|-s
selective|-tn dport = :19999|ss|-tn dport = :19999
selective -p|-tnp dport = :19999|ss|-tnp dport = :19999
dev filter|-tn dev lo and dport = :19999|ss|-tn dev lo and dport = :19999
-tanj|-tanj|ss|-tan
EOM
  if ((big <= 10000)); then
    echo "-tanp|-tanp|netstat|-tanp"
    echo "-tanp|-tanp|lsof|-i -n -P"
  fi
}

run_one() {  # tool args... -> "wall cpu rss exit"
  local tool=$1; shift
  case "$tool" in
    sockwatch) ip netns exec "$ns" "$MEASURE" "$SW" "$@" ;;
    floor:dump) ip netns exec "$ns" "$MEASURE" "$build/bench/sw_dump_floor" ;;
    floor:procfd) ip netns exec "$ns" "$MEASURE" "$build/bench/sw_procfd_floor" ;;
    *) ip netns exec "$ns" "$MEASURE" "$tool" "$@" ;;
  esac
}

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print v[(NR+1)/2]; else printf "%.4f\n", (v[NR/2]+v[NR/2+1])/2}'; }

table="$tmp/table.md"
{
  echo "| sockets | mode | other tool | sockwatch wall s | other wall s | wall ratio | sockwatch cpu s | other cpu s | sockwatch RSS MB | other RSS MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$table"

for size in $sizes; do
  pairs=$(( (size + 1) / 2 ))
  mkfifo "$tmp/ready"
  ip netns exec "$ns" "$build/bench/sw_loadgen" --tcp-pairs "$pairs" --udp 10 --unix 10 > "$tmp/ready" &
  gen_pid=$!
  read -r line < "$tmp/ready"
  rm -f "$tmp/ready"
  [[ "$line" == ready* ]] || { echo "loadgen failed: $line" >&2; exit 1; }
  while IFS='|' read -r mode swargs tool oargs; do
    # shellcheck disable=SC2206
    sa=($swargs)
    oa=()
    [[ "$oargs" != "-" ]] && read -r -a oa <<< "$oargs"
    probe=$(run_one sockwatch "${sa[@]}")
    if [[ "${probe##* }" != 0 ]]; then
      echo "| $size | $mode | $tool | n/a (unsupported) | | | | | | |" >> "$table"
      continue
    fi
    run_one "$tool" "${oa[@]}" >/dev/null  # warm-up
    : > "$tmp/a"; : > "$tmp/b"; : > "$tmp/r"
    for ((i = 0; i < reps; i++)); do
      a=$(run_one sockwatch "${sa[@]}")
      b=$(run_one "$tool" "${oa[@]}")
      echo "$a" >> "$tmp/a"
      echo "$b" >> "$tmp/b"
      awk -v x="${a%% *}" -v y="${b%% *}" 'BEGIN { if (y > 0) printf "%.4f\n", x / y }' >> "$tmp/r"
    done
    wa=$(cut -d' ' -f1 "$tmp/a" | median); wb=$(cut -d' ' -f1 "$tmp/b" | median)
    ca=$(cut -d' ' -f2 "$tmp/a" | median); cb=$(cut -d' ' -f2 "$tmp/b" | median)
    ra=$(cut -d' ' -f3 "$tmp/a" | median); rb=$(cut -d' ' -f3 "$tmp/b" | median)
    ratio=$(median < "$tmp/r")
    mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
    printf '| %s | %s | %s %s | %s | %s | %s | %s | %s | %s | %s |\n' "$size" "$mode" "$tool" \
      "$oargs" "$wa" "$wb" "$ratio" "$ca" "$cb" "$(mb "$ra")" "$(mb "$rb")" >> "$table"
  done < <(modes "$size")
  kill "$gen_pid"; wait "$gen_pid" 2>/dev/null || true; gen_pid=""
done

if ((check)); then
  cp "$table" "$out"
  for m in -tan -tanp -tani -tanm -s selective "selective -p" "dev filter" -tanj; do
    grep -qF "| $m |" "$out" || { echo "missing row for mode $m" >&2; exit 1; }
  done
  echo "bench smoke: $(($(wc -l < "$out") - 2)) rows"
  exit 0
fi

{
  echo "## $(date -u +%Y-%m-%d) — commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'). ss: $(ss -V). Reps: $reps, medians; ratio = median over pairs of sockwatch wall / other wall (below 1 is faster)."
  echo
  cat "$table"
  echo
} > "$tmp/section.md"
if [[ -f "$out" ]]; then
  # New section on top, previous tables kept below it.
  head -n "$(grep -n '^## ' "$out" | head -1 | cut -d: -f1 | awk '{print $1-1}')" "$out" > "$tmp/new.md" 2>/dev/null || true
  cat "$tmp/section.md" >> "$tmp/new.md"
  sed -n "$(grep -n '^## ' "$out" | head -1 | cut -d: -f1),\$p" "$out" >> "$tmp/new.md"
  cp "$tmp/new.md" "$out"
else
  { echo "# Performance"; echo; echo "Produced by \`bash bench/run.sh\`."; echo; cat "$tmp/section.md"; } > "$out"
fi
echo "wrote $out"
