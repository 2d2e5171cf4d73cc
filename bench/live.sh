#!/usr/bin/env bash
# Benchmark of the live engine (`sockwatch log`), measured from outside, in a private
# network namespace swlive<PID>:
#
#  1. Steady state: N established TCP sockets (sw_loadgen, idle), `sockwatch log -t
#     --interval 1` for DURATION seconds, its CPU (utime+stime, plus waited-for
#     children, from /proc/PID/stat) and memory (VmRSS, VmHWM) sampled every few
#     seconds. CPU per tick is compared with the kernel's floor for the same poll:
#     `sw_dump_floor --info --loop` (the TCP dump with tcp_info, CPU per dump).
#  2. Churn: with the N sockets still up, sw_churn opens and closes RATE connections a
#     second for SECONDS while `sockwatch log -t` runs, once with eBPF and once with
#     --no-ebpf. Once sockwatch has caught up, the client-side close events (peer port
#     = the churn port) must number exactly what sw_churn counted; the share of them
#     with an owner is reported, as are the server-side closes (local port = churn
#     port, the listener itself left out) and how many name the churn server process.
#
#   sudo bash bench/live.sh [--sockets N] [--duration S] [--churn-rate C]
#                           [--churn-seconds T] [--churn-fork N] [--churn-v6]
#                           [--sample S] [--floor-loops L] [--build DIR]
#                           [--sockwatch CMD] [--out FILE] [--keep] [--check]
#
# --sockets        TCP sockets to hold (2 per established pair; default 100000).
# --duration       seconds of steady-state logging (default 600; the first tick counts).
# --churn-rate     churn connections per second (default 1000; 0 = no churn runs).
# --churn-seconds  how long the churn runs (default 30).
# --churn-fork N   a fresh sw_churn client process every N connections (default: no).
# --churn-v6       every other churn connection over ::1.
# --sample         seconds between CPU/memory samples (default 5).
# --floor-loops    dumps in each floor measurement, 1 s apart (default 10).
# --build          CMake build dir with app/sockwatch and bench/sw_* (default
#                  build/release; configured as Release and built if empty).
# --sockwatch CMD  the sockwatch command (words split on blanks), e.g. a stand-in;
#                  default BUILD/app/sockwatch. CMD log --help must succeed (else 77).
# --out            markdown file; the new dated section goes on top of the
#                  "## Live engine" part (default docs/performance.md). With --check,
#                  FILE gets only the tables.
# --keep           keep the NDJSON logs and samples (their directory is printed).
# --check          smoke mode: 2,000 sockets, 10 s, churn 200/s for 5 s (unless given);
#                  asserts only that the pipeline works and that every churn connection
#                  has its client-side close event. No timing is asserted.
# Needs root (network namespace), ip and jq; exits 77 otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
argv_text="bench/live.sh $*"
die() { echo "bench/live.sh: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

check=0
for a in "$@"; do [[ "$a" == --check ]] && check=1; done
if ((check)); then
  sockets=2000 duration=10 churn_rate=200 churn_secs=5 sample=1 floor_loops=3
else
  sockets=100000 duration=600 churn_rate=1000 churn_secs=30 sample=5 floor_loops=10
fi
churn_fork=0 churn_v6=0 keep=0
build="$root/build/release"
out="$root/docs/performance.md"
sw_cmd=""
interval=1
while (($#)); do
  case "$1" in
    --sockets) sockets=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --churn-rate) churn_rate=${2:?}; shift 2 ;;
    --churn-seconds) churn_secs=${2:?}; shift 2 ;;
    --churn-fork) churn_fork=${2:?}; shift 2 ;;
    --churn-v6) churn_v6=1; shift ;;
    --sample) sample=${2:?}; shift 2 ;;
    --floor-loops) floor_loops=${2:?}; shift 2 ;;
    --build) build=${2:?}; shift 2 ;;
    --sockwatch) sw_cmd=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    --check) shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
sockets=$(echo "$sockets" | sed 's/^\([0-9]\+\)[kK]$/\1000/')
for v in sockets duration churn_rate churn_secs churn_fork sample floor_loops; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "bad --${v//_/-} '${!v}'"
done
((sockets >= 2)) || die "--sockets must be at least 2"
((duration >= 3 && sample >= 1 && floor_loops >= 1)) || die "--duration ≥ 3, --sample ≥ 1"
if [[ $(id -u) -ne 0 ]] || ! command -v ip >/dev/null; then
  echo "skipped: needs root and ip" >&2
  exit 77
fi
if ! command -v jq >/dev/null; then
  echo "skipped: needs jq (bash scripts/deps.sh --test)" >&2
  exit 77
fi

targets_bin=(sw_loadgen sw_dump_floor sw_churn)
[[ -z "$sw_cmd" ]] && targets_bin+=(sockwatch)
need_build=0
for t in "${targets_bin[@]}"; do
  [[ $t == sockwatch ]] && f="$build/app/sockwatch" || f="$build/bench/$t"
  [[ -x "$f" ]] || need_build=1
done
if ((need_build)); then
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOCKWATCH_TESTS=OFF \
      >/dev/null || die "cmake configure failed"
  fi
  cmake --build "$build" -j 2 --target "${targets_bin[@]}" >/dev/null || die "build failed"
fi
if [[ -n "$sw_cmd" ]]; then
  read -r -a SW <<<"$sw_cmd"
  sw_shown="$sw_cmd (stand-in given with --sockwatch)"
else
  SW=("$build/app/sockwatch")
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)
  sw_shown="sockwatch, ${build_type:-unknown} build"
fi
if ! "${SW[@]}" log --help >/dev/null 2>&1; then
  echo "skipped: '${SW[*]} log --help' fails (no live engine in this build)" >&2
  exit 77
fi
B="$build/bench"
HZ=$(getconf CLK_TCK)

ns="swlive$$"
tmp=$(mktemp -d /tmp/swlive.XXXXXX)
gen_pid="" sw_pid="" churn_pid=""
stop_pid() {  # pid [seconds]: SIGTERM, wait up to the bound, then SIGKILL
  local p=$1 n=$((${2:-30} * 10))
  [[ -n "$p" ]] || return 0
  kill -TERM "$p" 2>/dev/null
  while kill -0 "$p" 2>/dev/null && ((n-- > 0)); do sleep 0.1; done
  kill -KILL "$p" 2>/dev/null
  wait "$p" 2>/dev/null
}
cleanup() {
  stop_pid "$churn_pid" 5
  stop_pid "$sw_pid" 5
  stop_pid "$gen_pid" 10
  # Anything still inside our namespace was started by us (through ip netns exec).
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  ip netns del "$ns" 2>/dev/null
  if ((keep)); then echo "logs kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns" || die "ip netns add $ns failed"
ip -n "$ns" link set lo up || die "cannot bring lo up in $ns"

now() { date +%s.%N; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
fmt() { awk -v x="$1" -v f="$2" 'BEGIN { printf f, x }'; }
proc_cpu() {  # pid -> clock ticks of CPU (utime+stime+cutime+cstime), empty if gone
  local s f
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }  # after the command name, which may hold blanks
  read -r -a f <<<"$s"
  echo $((f[11] + f[12] + f[13] + f[14]))
}
proc_mem() {  # pid -> "VmRSS_kB VmHWM_kB"
  awk '/^VmRSS:/ {r = $2} /^VmHWM:/ {h = $2} END {print r + 0, h + 0}' "/proc/$1/status" \
    2>/dev/null
}
count_type() {  # type file -> lines of that type (0 before the file exists)
  [[ -f "$2" ]] || { echo 0; return; }
  grep -cE "\"type\": *\"$1\"" "$2"
}
# Client-side closes of the churn port (peer port = P), from the text: a cheap progress
# count while waiting; the exact figures come from jq at the end.
count_client_closes() {
  [[ -f "$2" ]] || { echo 0; return; }
  grep -E '"type": *"close"' "$2" | grep -cE "\"peer\": *\\{[^}]*\"port\": *$1[,} ]"
}

# The steady population: TCP only (bench/lib.sh's generator, no churn of its own).
start_steady() {
  churn=0 start_gen "$sockets" 0 0
  population=$(awk '/^ready/ {print $2}' "$tmp/gen.out")
}

floor() {  # [--info] -> floor_us (CPU µs per dump), floor_n (sockets)
  ip netns exec "$ns" "$B/sw_dump_floor" "$@" --loop "$floor_loops" \
    --interval-ms $((interval * 1000)) >"$tmp/floor.out" 2>"$tmp/floor.err" ||
    die "sw_dump_floor failed: $(cat "$tmp/floor.err")"
  floor_us=$(sed -n 's/.*cpu_us_per_dump=\([0-9.]*\).*/\1/p' "$tmp/floor.out")
  floor_n=$(sed -n 's/.* sockets=\([0-9]*\).*/\1/p' "$tmp/floor.out")
  [[ -n "$floor_us" ]] || die "no result from sw_dump_floor: $(cat "$tmp/floor.out")"
}

start_sw() {  # file [extra args...]: sockwatch log in the namespace, pid in sw_pid
  local file=$1
  shift
  ip netns exec "$ns" "${SW[@]}" log -t --interval "$interval" --output "$file" "$@" \
    2>"$file.err" &
  sw_pid=$!  # ip netns exec execs the command: this is sockwatch's own pid
  sw_t0=$(now)
}
# Waits until the first tick has logged the population (or the opens stopped growing
# for 5 s, or none came in 30 s, or 600 s passed); sets warm_note when it was not the
# population. Output sockwatch still buffers only delays this wait: every count in
# the tables is read from the final file, after SIGTERM.
wait_first_tick() {  # file
  local n last=-1 same=0 waited=0
  warm_note=""
  while :; do
    kill -0 "$sw_pid" 2>/dev/null || die "sockwatch exited during its first tick: $(tail -3 "$1.err")"
    n=$(count_type open "$1")
    ((n >= population)) && return 0
    if ((n == last)); then  # 5 s without a new open (30 s while there is none)
      ((++same >= (n > 0 ? 10 : 60))) &&
        { warm_note="first tick logged $n opens of $population sockets"; return 0; }
    else
      same=0
    fi
    last=$n
    ((waited++ < 1200)) || { warm_note="first tick not done after 600 s ($n opens)"; return 0; }
    sleep 0.5
  done
}
stop_sw() {  # -> sw_exit
  kill -TERM "$sw_pid" 2>/dev/null
  local n=300
  while kill -0 "$sw_pid" 2>/dev/null && ((n-- > 0)); do sleep 0.1; done
  if kill -0 "$sw_pid" 2>/dev/null; then
    kill -KILL "$sw_pid"
    wait "$sw_pid" 2>/dev/null
    sw_exit="killed: no exit 30 s after SIGTERM"
  else
    wait "$sw_pid"
    sw_exit=$?
  fi
  sw_pid=""
}
# Counts by type of a stream of NDJSON lines: "open close state overrun health invalid".
type_counts() {
  jq -nrR 'reduce (inputs | (fromjson? // {type: "invalid"})) as $e ({};
             .[($e.type // "untyped") | tostring] += 1)
           | [.open, .close, .state, .overrun, .health, .invalid] | map(. // 0) | @tsv'
}
last_health() {  # file -> "ticks tick_cpu_us" of the last health line (n/a when absent)
  grep -E '"type": *"health"' "$1" | tail -1 |
    jq -rR 'fromjson? | [(.ticks // "n/a"), (.tick_cpu_us // "n/a")] | @tsv' 2>/dev/null
}

start_steady
echo "live: $population TCP sockets in $ns" >&2

# Floors first, on the idle population, at the tick interval.
floor --info
floor_info_us=$floor_us floor_sockets=$floor_n
floor
floor_plain_us=$floor_us
echo "live: dump floor with tcp_info $floor_info_us µs/dump ($floor_sockets sockets)," \
  "without $floor_plain_us µs" >&2

# ---- 1. Steady state ----
steady="$tmp/steady.ndjson"
samples="$tmp/steady-samples.tsv"  # t_rel cpu_ticks rss_kb hwm_kb lines
: >"$samples"
start_sw "$steady"
wait_first_tick "$steady"
t_warm=$(now)
cpu_warm=$(proc_cpu "$sw_pid") || die "sockwatch gone after its first tick"
read -r rss_warm _ < <(proc_mem "$sw_pid")
lines_warm=$(wc -l <"$steady")
warm_s=$(fsub "$t_warm" "$sw_t0")
echo "live: first tick done after ${warm_s} s ($lines_warm lines)" >&2
# The run lasts DURATION from the start, and at least 3 ticks after the first one.
end_at=$(awk -v a="$sw_t0" -v d="$duration" -v w="$t_warm" -v i="$interval" \
  'BEGIN { e = a + d; if (e < w + 3 * i) e = w + 3 * i; printf "%.3f", e }')
rss_1min="" sw_died=""
while :; do
  t=$(now)
  awk -v t="$t" -v e="$end_at" 'BEGIN { exit !(t >= e) }' && break
  if ! c=$(proc_cpu "$sw_pid"); then sw_died=1; break; fi
  read -r rss hwm < <(proc_mem "$sw_pid")
  rel=$(fsub "$t" "$sw_t0")
  echo "$rel $c $rss $hwm $(wc -l <"$steady")" >>"$samples"
  [[ -z "$rss_1min" ]] && awk -v r="$rel" 'BEGIN { exit !(r >= 60) }' && rss_1min=$rss
  left=$(fsub "$end_at" "$(now)")
  sleep "$(awk -v l="$left" -v s="$sample" 'BEGIN { print (l < s ? (l > 0 ? l : 0) : s) }')"
done
t_end=$(now)
cpu_end=$(proc_cpu "$sw_pid") || sw_died=1
[[ -n "$sw_died" ]] && die "sockwatch exited during the steady run: $(tail -3 "$steady.err")"
read -r rss_end hwm_end < <(proc_mem "$sw_pid")
stop_sw
steady_exit=$sw_exit
read -r s_open _ _ _ s_health s_bad < <(type_counts <"$steady")
read -r f_open f_close f_state _ < <(head -n "$lines_warm" "$steady" | type_counts)
read -r a_open a_close a_state a_over _ < <(tail -n +"$((lines_warm + 1))" "$steady" | type_counts)
read -r h_ticks h_tick_cpu < <(last_health "$steady")
total_s=$(fsub "$t_end" "$sw_t0")
steady_s=$(fsub "$t_end" "$t_warm")
# Ticks elapsed: one at the start, then one per interval.
ticks_all=$(awk -v t="$total_s" -v i="$interval" 'BEGIN { printf "%d", int(t / i) + 1 }')
cpu_tick_all_ms=$(awk -v c="$cpu_end" -v hz="$HZ" -v n="$ticks_all" \
  'BEGIN { printf "%.2f", c / hz * 1000 / n }')
cpu_tick_ms=$(awk -v c1="$cpu_warm" -v c2="$cpu_end" -v hz="$HZ" -v s="$steady_s" -v i="$interval" \
  'BEGIN { printf "%.2f", (c2 - c1) / hz * 1000 / (s / i) }')
floor_ms=$(awk -v u="$floor_info_us" 'BEGIN { printf "%.2f", u / 1000 }')
floor_plain_ms=$(awk -v u="$floor_plain_us" 'BEGIN { printf "%.2f", u / 1000 }')
cpu_ratio=$(awk -v a="$cpu_tick_ms" -v b="$floor_ms" \
  'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
[[ -z "$rss_1min" ]] && rss_base=$rss_warm || rss_base=$rss_1min
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
verdict_le() {  # value limit -> "met" | "**MISSED** ⚠"
  awk -v v="$1" -v l="$2" 'BEGIN { if (v != "n/a" && v + 0 <= l + 0) print "met"; else print "**MISSED** ⚠" }'
}
growth_kb=$((rss_end - rss_base))
# No growth: at most 2 % (or 1 MiB) more at the end than at 1 min. A run shorter than
# a minute is judged on the 64 MiB only: its first samples are still settling.
rss_ok=$(awk -v e="$rss_end" -v b="$rss_base" -v g="$growth_kb" -v m="${rss_1min:-short}" \
  'BEGIN { tol = b * 0.02; if (tol < 1024) tol = 1024;
           if (e > 65536) print "**MISSED** ⚠";
           else if (m == "short") print "met for 64 MiB, growth not judged under 1 min";
           else if (g > tol) print "**MISSED** ⚠ (grew " sprintf("%.1f", g / 1024) " MiB)";
           else print "met" }')
echo "live: steady $cpu_tick_ms ms CPU/tick (floor $floor_ms ms, ${cpu_ratio}×)," \
  "RSS $(mib "$rss_end") MiB at the end" >&2

steady_table="$tmp/steady.md"
{
  echo "| steady state ($population sockets, ${total_s} s, interval ${interval} s) | measured | target |"
  echo "|---|---|---|"
  echo "| CPU per tick after the first tick (${steady_s} s) | $cpu_tick_ms ms | ≤ 1.5× floor |"
  echo "| dump floor with tcp_info (\`sw_dump_floor --info\`), CPU per dump | $floor_ms ms ($floor_sockets sockets) | |"
  echo "| CPU per tick ÷ floor | ${cpu_ratio}× | $(verdict_le "$cpu_ratio" 1.5) |"
  echo "| dump floor without tcp_info, CPU per dump | $floor_plain_ms ms | |"
  echo "| CPU per tick, first tick included ($ticks_all ticks, $(fmt "$((cpu_end))" '%d') clock ticks of CPU at $HZ Hz) | $cpu_tick_all_ms ms | |"
  echo "| first tick: time to log the population | ${warm_s} s${warm_note:+ ($warm_note)} | |"
  echo "| first tick: opens logged | $f_open (of $population sockets; $f_close closes, $f_state state changes) | |"
  echo "| after the first tick: opens / closes / state changes / overruns | $a_open / $a_close / $a_state / $a_over | 0 (idle population) $( ((a_open + a_close)) && echo '⚠') |"
  if [[ -n "$rss_1min" ]]; then
    echo "| RSS at 1 min / at the end | $(mib "$rss_1min") / $(mib "$rss_end") MiB | ≤ 64 MiB, no growth: $rss_ok |"
  else
    echo "| RSS after the first tick / at the end (run shorter than 1 min) | $(mib "$rss_warm") / $(mib "$rss_end") MiB | ≤ 64 MiB, no growth: $rss_ok |"
  fi
  echo "| peak RSS (VmHWM) | $(mib "$hwm_end") MiB | |"
  echo "| lines logged: health / unparsable | $s_health / $s_bad | |"
  echo "| engine's own count (last health line): ticks / tick_cpu_us | ${h_ticks:-n/a} / ${h_tick_cpu:-n/a} | (not relied on; $ticks_all by the wall clock) |"
  echo "| exit status after SIGTERM | $steady_exit | 0 |"
} >"$steady_table"

# ---- 2. Churn ----
churn_table="$tmp/churn.md"
churn_fail=""
churn_cmds=()
churn_run() {  # name port [sockwatch args...]
  local name=$1 port=$2
  shift 2
  local file="$tmp/churn-$name.ndjson" cargs=(--rate "$churn_rate" --duration "$churn_secs"
    --port "$port")
  ((churn_v6)) && cargs+=(--v6)
  ((churn_fork)) && cargs+=(--fork-per-conn "$churn_fork")
  churn_cmds+=("sockwatch log -t --interval $interval${*:+ $*} --output FILE" "sw_churn ${cargs[*]}")
  start_sw "$file" "$@"
  wait_first_tick "$file"
  local c0 t0 c1 t1 line n last=-1 same=0 waited=0
  c0=$(proc_cpu "$sw_pid") || die "sockwatch ($name) exited: $(tail -3 "$file.err")"
  t0=$(now)
  ip netns exec "$ns" "$B/sw_churn" "${cargs[@]}" >"$tmp/churn-$name.out" \
    2>"$tmp/churn-$name.err" &
  churn_pid=$!
  wait "$churn_pid"
  churn_pid=""
  line=$(grep '^churn:' "$tmp/churn-$name.out") || die "sw_churn failed: $(cat "$tmp/churn-$name.err")"
  kv() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$line"; }
  local conns rate failed spid
  conns=$(kv connections) rate=$(kv achieved_rate) failed=$(kv failed) spid=$(kv server_pid)
  echo "live: $name: $line" >&2
  # Caught up: every client-side close logged, or no new one for 5 s (at most 120 s).
  while :; do
    kill -0 "$sw_pid" 2>/dev/null || break
    n=$(count_client_closes "$port" "$file")
    ((n >= conns)) && break
    if ((n == last)); then ((++same >= 10)) && break; else same=0; fi
    last=$n
    ((waited++ < 240)) || break
    sleep 0.5
  done
  c1=$(proc_cpu "$sw_pid") || c1=""
  t1=$(now)
  read -r rss _ < <(proc_mem "$sw_pid")
  stop_sw
  local cpu_pct="n/a"
  [[ -n "$c1" ]] && cpu_pct=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" -v s="$(fsub "$t1" "$t0")" \
    'BEGIN { printf "%.0f %%", (b - a) / hz / s * 100 }')
  local stats cc co cids sc so ss ov src reasons opens
  stats=$(jq -nrR --argjson p "$port" --argjson spid "${spid:-0}" '
    reduce (inputs | fromjson?) as $e (
      {cc: 0, co: 0, cids: {}, sc: 0, so: 0, ss: 0, ov: 0, op: 0, src: {}, why: {}};
      if $e.type == "close" and $e.peer.port == $p then
        .cc += 1 | .cids[$e.socket_id | tostring] = 1 | .src[$e.source // "none" | tostring] += 1
        | if $e.owner != null then .co += 1
          else .why[$e.owner_reason // "no reason" | tostring] += 1 end
      elif $e.type == "close" and $e.local.port == $p and $e.peer.port != 0 then
        .sc += 1 | (if $e.owner != null then .so += 1 else . end)
        | (if any($e.owner | .. | numbers; . == $spid) then .ss += 1 else . end)
      elif $e.type == "open" and $e.peer.port == $p then .op += 1
      elif $e.type == "overrun" then .ov += 1
      else . end)
    | [.cc, .co, (.cids | length), .sc, .so, .ss, .ov, .op,
       (.src | to_entries | map("\(.key) \(.value)") | join(", ") | if . == "" then "-" else . end),
       (.why | to_entries | sort_by(-.value) | .[0:3] | map("\(.key) (\(.value))") | join("; ")
        | if . == "" then "-" else . end)]
    | @tsv' <"$file")
  IFS=$'\t' read -r cc co cids sc so ss ov opens src reasons <<<"$stats"
  pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f %%", 100 * a / b; else print "n/a" }'; }
  local eq="yes"
  if ((cc != conns)); then
    eq="**NO** ⚠ ($((cc - conns)))"
    churn_fail+="$name: $cc client-side closes logged for $conns connections; "
  fi
  ((cids != cc)) && eq="$eq; **duplicate socket_ids** ⚠"
  local own
  own="$(pct "$co" "$cc")"
  if [[ $name == ebpf ]]; then
    own="$(pct "$co" "$cc"): $(awk -v a="$co" -v b="$cc" 'BEGIN { print (b > 0 && a / b >= 0.95) ? "met" : "**MISSED** ⚠" }') (≥ 95 %)"
  fi
  echo "| $name | $conns (${rate}/s, $failed failed) | $cc | $cids | $eq | $own | $reasons | $src | $opens | $sc | $(pct "$so" "$sc") | $(pct "$ss" "$sc") | $ov | $cpu_pct | $(mib "${rss:-0}") | $sw_exit |" \
    >>"$churn_table"
  echo "live: $name: $cc of $conns client-side closes, $(pct "$co" "$cc") with owner" >&2
}
if ((churn_rate > 0)); then
  {
    echo "| churn run | connections (sw_churn) | client-side closes logged | distinct socket_ids | equal | with owner | top reasons for no owner | close sources | client-side opens logged | server-side closes | with owner | owner = churn server | overruns | sockwatch CPU during churn | RSS MiB at the end | exit |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  } >"$churn_table"
  churn_run ebpf 18500
  churn_run no-ebpf 18501 --no-ebpf
fi

stop_pid "$gen_pid" 10
gen_pid=""

if ((check)); then
  { cat "$steady_table"; echo; [[ -f "$churn_table" ]] && cat "$churn_table"; } >"$out"
  ((f_open >= 1)) || die "the first tick logged no opens: see $out"
  [[ "$steady_exit" == 0 ]] || die "sockwatch log exited $steady_exit after SIGTERM: see $out"
  [[ -z "$churn_fail" ]] || die "close events missing: $churn_fail(see $out)"
  echo "live smoke: $s_open opens, $s_health health lines in the steady run;" \
    "$(grep -c '^| [a-z-]*ebpf' "$churn_table" 2>/dev/null || echo 0) churn runs with every close logged"
  exit 0
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | grep -q . &&
  echo " (with uncommitted changes)")
section="$tmp/section.md"
{
  echo "### $(date -u '+%Y-%m-%d %H:%M UTC') — commit $commit$dirty"
  echo
  echo "Machine: $(nproc) CPUs ($cpu), $mem RAM, kernel $(uname -r), load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg) at the end. $sw_shown. $population TCP sockets from" \
    "\`sw_loadgen --tcp-pairs $((sockets / 2)) --udp 0 --unix 0\` in a private namespace;" \
    "CPU of the sockwatch process (utime+stime from /proc/PID/stat) sampled every $sample s."
  echo
  cat "$steady_table"
  echo
  if [[ -f "$churn_table" ]]; then
    dest="127.0.0.1"
    ((churn_v6)) && dest="127.0.0.1 and ::1"
    ((churn_fork)) && dest="$dest, a new client process every $churn_fork connections"
    echo "Churn: $churn_rate connections/s for $churn_secs s to $dest, with the $population" \
      "sockets still up; counted after sockwatch caught up."
    echo
    cat "$churn_table"
    echo
  fi
  echo "Commands (inside \`ip netns exec $ns\`; \`$argv_text\` ran them):"
  echo
  echo '```sh'
  echo "sw_loadgen --tcp-pairs $((sockets / 2)) --udp 0 --unix 0"
  echo "sw_dump_floor --info --loop $floor_loops --interval-ms $((interval * 1000))"
  echo "sw_dump_floor --loop $floor_loops --interval-ms $((interval * 1000))"
  echo "sockwatch log -t --interval $interval --output FILE    # $duration s, SIGTERM"
  for c in "${churn_cmds[@]}"; do echo "$c"; done
  echo '```'
  echo
} >"$section"

# Insert on top of the live part: after the "## Live engine" heading and its intro,
# before its first dated section (or before the next "## " part, or at the end).
if [[ -f "$out" ]] && grep -q '^## Live engine' "$out"; then
  at=$(awk '/^## Live engine/ { live = NR; next }
            live && /^### [0-9]/ { print NR; exit }
            live && /^## / { print NR; exit }' "$out")
  if [[ -n "$at" ]]; then
    { head -n $((at - 1)) "$out"; cat "$section"; tail -n +"$at" "$out"; } >"$tmp/new.md"
  else
    { cat "$out"; echo; cat "$section"; } >"$tmp/new.md"
  fi
else
  { [[ -f "$out" ]] && cat "$out" && echo
    echo "## Live engine"; echo; echo "Produced by \`bench/live.sh\`; newest first."; echo
    cat "$section"; } >"$tmp/new.md"
fi
cp "$tmp/new.md" "$out"
echo "wrote $out" >&2
