#!/usr/bin/env bash
# Benchmark: sockwatch against ss, netstat, lsof and the kernel's own floor, side
# by side on the same sockets in a private network namespace. For each size and
# mode it runs both tools once to warm up (the sockwatch run also tells whether
# the mode is supported), then REPS times alternating tools (and which goes
# first), and reports medians of wall time, CPU time (user+sys) and peak RSS
# (from wait4's rusage, see measure.cpp), plus the median of the per-pair ratios
# sockwatch/other. Targets of issues 6 and 11 are checked at 100k sockets; misses are
# flagged in the table.
#
#   sudo bash bench/run.sh [--sizes "1000 10000 100000"] [--reps 5] [--build DIR]
#                          [--out FILE] [--churn RATE] [--check]
#
# --sizes   socket counts (TCP sockets = 2 x pairs), space or comma separated,
#           k suffix allowed (1k,10k,100k); default all three.
# --reps    measured pairs of runs per mode after the warm-up (default 5).
# --build   CMake build directory holding app/sockwatch and bench/sw_* (default
#           build/release; configured as Release and built if it has no binaries).
# --out     markdown file; a new dated section goes on top of the previous ones
#           (default docs/performance.md). With --check, FILE gets the bare table.
# --churn   connections opened and closed per second while measuring (default 0).
# --check   smoke mode: write only the table to --out and verify every mode has a row.
# Needs root (network namespace); exits 77 otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sizes="1000 10000 100000"
reps=5
build="$root/build/release"
out="$root/docs/performance.md"
churn=0
check=0
die() { echo "bench/run.sh: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
while (($#)); do
  case "$1" in
    --sizes) sizes=${2:?}; shift 2 ;;
    --reps) reps=${2:?}; shift 2 ;;
    --build) build=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --churn) churn=${2:?}; shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
sizes=$(echo "$sizes" | tr ',' ' ' | sed 's/\([0-9]\+\)[kK]/\1000/g')
for s in $sizes; do [[ "$s" =~ ^[0-9]+$ && $s -ge 2 ]] || die "bad size '$s'"; done
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "bad --reps '$reps'"
[[ "$churn" =~ ^[0-9]+$ ]] || die "bad --churn '$churn'"
bench_need_root
bench_build sockwatch sw_loadgen sw_dump_floor sw_procfd_floor sw_measure
SW="$build/app/sockwatch"
MEASURE="$build/bench/sw_measure"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)

bench_netns swbench

kPort=19999  # sw_loadgen's selective listener: 3 connections, nothing else
# MODE | sockwatch args | other tool | other args ("-" = none).
# The filter modes pass the filter as one argument, as a user quoting it would.
modes() {
  cat <<EOM
-tan|-tan|ss|-tan
-tan|-tan|netstat|-tan
-tan|-tan|floor:dump|-
-tanp|-tanp|ss|-tanp
-tanp|-tanp|netstat|-tanp
-tanp|-tanp|lsof|-i;-n;-P
-tanp|-tanp|floor:procfd|-
-tani|-tani|ss|-tani
-tani|-tani|floor:dump-i|-
-tanm|-tanm|ss|-tanm
-tanm|-tanm|floor:dump-m|-
-tane|-tane|ss|-tane
-tano|-tano|ss|-tano
-tano|-tano|floor:dump|-
-tanoie|-tanoie|ss|-tanoie
-s|-s|ss|-s
selective|-tn;dport = :$kPort|ss|-tn;dport = :$kPort
selective -p|-tnp;dport = :$kPort|ss|-tnp;dport = :$kPort
selective -p|-tnp;dport = :$kPort|floor:procfd|-
dev filter|-tn;dev = lo and dport = :$kPort|ss|-tn;dev = lo and dport = :$kPort
-tanj|-tanj|ss|-tan
-tanj|-tanj|floor:dump|-
EOM
}
all_modes=(-tan -tanp -tani -tanm -tane -tano -tanoie -s selective "selective -p" "dev filter"
  -tanj)

# Target of issue 6 for (mode, other tool): "KIND LIMIT" lines, KIND wall|rss.
targets() {
  case "$1|$2" in
    "-tan|ss") echo "wall 0.65"; echo "rss 2" ;;
    "-tan|floor:dump") echo "wall 1.3" ;;
    "-tanj|floor:dump") echo "wall 1.5" ;;
    # Issue 11: exact owners (every holder of every socket) and still fast.
    "-tanp|ss") echo "wall 0.15"; echo "rss 1" ;;
    "selective -p|floor:procfd") echo "wall 1.2" ;;
    # Issue 11: detail modes at half of ss's time, every mode within 2x its memory.
    "-tani|ss"|"-tanm|ss"|"-tane|ss"|"-tano|ss"|"-tanoie|ss") echo "wall 0.5"; echo "rss 2" ;;
    "-tanj|ss") echo "rss 2" ;;
  esac
}
kTargetSize=100000

run_one() {  # tool args... -> "WALL CPU MAXRSS_KB EXIT"
  local tool=$1
  shift
  case "$tool" in
    sockwatch) ip netns exec "$ns" "$MEASURE" "$SW" "$@" ;;
    floor:dump) ip netns exec "$ns" "$MEASURE" "$build/bench/sw_dump_floor" ;;
    floor:dump-i) ip netns exec "$ns" "$MEASURE" "$build/bench/sw_dump_floor" --ext i ;;
    floor:dump-m) ip netns exec "$ns" "$MEASURE" "$build/bench/sw_dump_floor" --ext m ;;
    floor:procfd) ip netns exec "$ns" "$MEASURE" "$build/bench/sw_procfd_floor" ;;
    *) ip netns exec "$ns" "$MEASURE" "$tool" "$@" ;;
  esac
}
tool_name() {
  case "$1" in
    floor:dump) echo "sock_diag dump floor" ;;
    floor:dump-i) echo "sock_diag dump floor (-i attributes)" ;;
    floor:dump-m) echo "sock_diag dump floor (-m attributes)" ;;
    floor:procfd) echo "/proc fd floor (parallel walk)" ;;
    *) echo "$1 $2" ;;
  esac
}
col() { cut -d' ' -f"$1" "$2" | median; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (y > 0) printf "%.2f\n", x / y; else print "n/a" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }


rows="$tmp/rows.tsv"  # size mode tool shown wa wb wr ca cb cr ra rb status (wb empty: wa = why not)
: >"$rows"
for size in $sizes; do
  start_gen "$size"
  echo "size $size: $(cat "$tmp/gen.out")" >&2
  while IFS='|' read -r mode swargs tool oargs; do
    IFS=';' read -r -a sa <<<"$swargs"
    oa=()
    [[ "$oargs" != "-" ]] && IFS=';' read -r -a oa <<<"$oargs"
    shown="$(tool_name "$tool" "${oargs//;/ }")"
    probe=$(run_one sockwatch "${sa[@]}")
    code=${probe##* }
    if [[ "$code" != 0 ]]; then
      why="unsupported: exit $code"
      ((code > 128)) && why="crashed: signal $((code - 128))"
      ((code == 127)) && why="cannot run $SW"
      printf '%s\t%s\t%s\t%s\t%s\n' "$size" "$mode" "$tool" "$shown" "$why" >>"$rows"
      continue
    fi
    if [[ "$tool" != floor:* ]] && ! command -v "$tool" >/dev/null; then
      printf '%s\t%s\t%s\t%s\t%s not installed\n' "$size" "$mode" "$tool" "$shown" "$tool" \
        >>"$rows"
      continue
    fi
    warm=$(run_one "$tool" "${oa[@]}")
    if [[ "${warm##* }" != 0 ]]; then
      printf '%s\t%s\t%s\t%s\t%s failed (exit %s)\n' "$size" "$mode" "$tool" "$shown" "$tool" \
        "${warm##* }" >>"$rows"
      continue
    fi
    : >"$tmp/a"; : >"$tmp/b"; : >"$tmp/rw"; : >"$tmp/rc"
    for ((i = 0; i < reps; i++)); do
      if ((i % 2)); then
        b=$(run_one "$tool" "${oa[@]}"); a=$(run_one sockwatch "${sa[@]}")
      else
        a=$(run_one sockwatch "${sa[@]}"); b=$(run_one "$tool" "${oa[@]}")
      fi
      echo "$a" >>"$tmp/a"
      echo "$b" >>"$tmp/b"
      read -r aw ac _ <<<"$a"
      read -r bw bc _ <<<"$b"
      ratio "$aw" "$bw" >>"$tmp/rw"
      ratio "$ac" "$bc" >>"$tmp/rc"
    done
    bad=$(cat "$tmp/a" "$tmp/b" | awk '$4 != 0' | wc -l)
    status=ok
    ((bad)) && status="$bad runs failed"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$mode" "$tool" "$shown" \
      "$(col 1 "$tmp/a")" "$(col 1 "$tmp/b")" "$(median <"$tmp/rw")" \
      "$(col 2 "$tmp/a")" "$(col 2 "$tmp/b")" "$(median <"$tmp/rc")" \
      "$(col 3 "$tmp/a")" "$(col 3 "$tmp/b")" "$status" >>"$rows"
    echo "  $mode vs $shown: wall ratio $(median <"$tmp/rw")" >&2
  done < <(modes)
  stop_gen
done

# One target "KIND LIMIT" (KIND wall|rss) as text, and its verdict on a row's values.
target_text() { if [[ $1 == wall ]]; then echo "time ≤ $2× other"; else echo "RSS ≤ $2× other"; fi; }
verdict() {  # kind limit wall_ratio rss_a rss_b -> "met (0.63×)" | "**MISSED** (1.74×) ⚠"
  awk -v k="$1" -v lim="$2" -v wr="$3" -v ra="$4" -v rb="$5" 'BEGIN {
    v = (k == "wall") ? wr : (rb > 0 ? ra / rb : 0)
    if (v <= lim) printf "met (%.2f×)", v; else printf "**MISSED** (%.2f×) ⚠", v
  }'
}

table="$tmp/table.md"
{
  echo "| sockets | mode | compared with | sockwatch wall s | other wall s | wall ratio | sockwatch CPU s | other CPU s | CPU ratio | sockwatch RSS MB | other RSS MB | RSS ratio | target (at 100k) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r size mode tool shown wa wb wr ca cb cr ra rb status; do
    if [[ -z "$wb" ]]; then  # not measured: the 4th field says why
      echo "| $size | $mode | $shown | n/a ($wa) | | | | | | | | | |"
      continue
    fi
    tgt=""
    while read -r kind lim; do
      [[ -z "$kind" ]] && continue
      v=$(target_text "$kind" "$lim")
      if ((size >= kTargetSize)); then
        v="$v: $(verdict "$kind" "$lim" "$wr" "$ra" "$rb")"
      else
        v="($v at 100k)"
      fi
      tgt="${tgt:+$tgt; }$v"
    done < <(targets "$mode" "$tool")
    [[ "$status" != ok ]] && tgt="${tgt:+$tgt; }$status"
    echo "| $size | $mode | $shown | $wa | $wb | $wr | $ca | $cb | $cr | $(mb "$ra") | $(mb "$rb") | $(ratio "$ra" "$rb") | $tgt |"
  done <"$rows"
} >"$table"

# Summary of the targets at the largest size measured (if it reaches 100k).
summary="$tmp/summary.md"
largest=$(echo "$sizes" | tr ' ' '\n' | sort -n | tail -1)
{
  if ((largest >= kTargetSize)); then
    awk -F'\t' -v s="$largest" '$1 == s' "$rows" |
      while IFS=$'\t' read -r size mode tool shown wa wb wr ca cb cr ra rb status; do
        while read -r kind lim; do
          [[ -z "$kind" ]] && continue
          if [[ -z "$wb" ]]; then
            echo "| $mode | $shown | $(target_text "$kind" "$lim") | **MISSED**: not measured ($wa) ⚠ |"
          else
            echo "| $mode | $shown | $(target_text "$kind" "$lim") | $(verdict "$kind" "$lim" "$wr" "$ra" "$rb") |"
          fi
        done < <(targets "$mode" "$tool")
      done >"$tmp/targets.md"
    echo "Targets (issue 6) at $largest sockets: $(grep -c . "$tmp/targets.md") checked," \
      "$(grep -c 'MISSED' "$tmp/targets.md") missed."
    echo
    echo "| mode | compared with | target | measured |"
    echo "|---|---|---|---|"
    cat "$tmp/targets.md"
  else
    echo "Targets (issue 6) are set at 100k sockets; the largest size here is $largest: not evaluated."
  fi
} >"$summary"

if ((check)); then
  { cat "$table"; echo; cat "$summary"; } >"$out"
  for s in $sizes; do
    for m in "${all_modes[@]}"; do
      grep -qF "| $s | $m |" "$table" || die "missing row for mode '$m' at $s sockets"
    done
  done
  grep -qE 'runs failed|crashed|cannot run' "$table" && die "some runs failed: see $out"
  echo "bench smoke: $(($(wc -l <"$table") - 2)) rows, every mode present"
  exit 0
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (with uncommitted changes)")
{
  echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — commit $commit$dirty"
  echo
  echo "Machine: $(nproc) CPUs ($cpu), $mem RAM, kernel $(uname -r). $(ss -V 2>&1 | head -1)." \
    "sockwatch build: ${build_type:-unknown}. Sizes: $sizes TCP sockets (+ 10 UDP, 21 unix)," \
    "churn $churn/s. $reps measured pairs per row after a warm-up, tools alternating;" \
    "medians; ratios are medians of per-pair sockwatch/other (below 1 = sockwatch faster)." \
    "Peak RSS from wait4(). -tanj is compared with ss -tan (ss has no JSON output)."
  echo
  cat "$table"
  echo
  cat "$summary"
  echo
} >"$tmp/section.md"
if [[ -f "$out" ]] && grep -q '^## [0-9]' "$out"; then
  # New section above the previous dated ones (which are kept), below any intro.
  first=$(grep -n '^## [0-9]' "$out" | head -1 | cut -d: -f1)
  { head -n $((first - 1)) "$out"; cat "$tmp/section.md"; tail -n +"$first" "$out"; } >"$tmp/new.md"
else
  { [[ -f "$out" ]] && cat "$out" && echo
    [[ -f "$out" ]] || { echo "# Performance"; echo; echo "Produced by \`bench/run.sh\`."; echo; }
    cat "$tmp/section.md"; } >"$tmp/new.md"
fi
cp "$tmp/new.md" "$out"
echo "wrote $out" >&2
