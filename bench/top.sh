#!/usr/bin/env bash
# Benchmark of `sockwatch top`, measured from outside, beside the tools it replaces, on
# one population in a private network namespace swtop<PID>:
#
#  * N established TCP sockets (sw_loadgen, idle) plus a few loopback connections that
#    carry traffic (a small python3 pump: TRAFFIC connections, each ~1 MB/s one way and
#    ~128 KB/s back), so the rate tools have something to show.
#  * The kernel floor: `sw_dump_floor --info --loop L` (one TCP dump with tcp_info of the
#    same sockets, CPU per dump).
#  * `sockwatch top -b -d 1 --width 160 >/dev/null` (every row printed: the worst case),
#    and `sockwatch top -b -d 1 --width 160 'sport = :1'` (the whole population collected
#    and filtered, a screenful or less printed: what an interactive refresh costs), each
#    for TOP_DURATION seconds: CPU (utime+stime from /proc/PID/stat) per refresh after a
#    warm-up, VmRSS sampled every SAMPLE s (its slope) and VmHWM.
#  * `watch -n1 ss -tanpi`, measured as `ss -tanpi >/dev/null` run directly once a second
#    by a python3 driver (no watch, so no tty is needed): CPU per run and peak RSS of the
#    ss children (getrusage RUSAGE_CHILDREN).
#  * `nethogs -a -t -d 1 lo` and `iftop -t -i lo -n -N` in the namespace (installed with
#    apt-get when missing, unless --no-install or --check; their rows are skipped when
#    absent): CPU per second and RSS.
#  * `sockwatch log -t --interval 1 >/dev/null` on the same load, for its memory beside
#    top's (LOG_DURATION seconds; 0 = not run).
#  * sw_top_render (bench/top_render.cpp): keystroke and refresh cost of top's pure part
#    (filter key, search key, sort key, tick, render) on a synthetic population of N.
#
#   sudo bash bench/top.sh [--sockets N] [--duration S] [--top-duration S] [--long]
#                          [--warmup S] [--sample S] [--traffic K] [--floor-loops L]
#                          [--log-duration S] [--reps R] [--build DIR] [--out FILE]
#                          [--no-install] [--keep] [--check]
#
# --sockets       TCP sockets to hold (2 per established pair; default 100000).
# --duration      seconds each of ss, nethogs and iftop run (default 120).
# --top-duration  seconds each top run lasts (default: --duration).
# --long          top runs last 600 s with RSS sampled every 30 s (the "no growth over
#                 10 minutes" target).
# --warmup        seconds before CPU per refresh is counted (default 10): top's first
#                 refresh reads every owner.
# --sample        seconds between RSS samples (default 10; 30 with --long).
# --traffic       loopback connections with traffic (default 8; 0 = none).
# --floor-loops   dumps in the floor measurement, 1 s apart (default 10).
# --log-duration  seconds of `sockwatch log` for its memory (default 60; 0 = skip).
# --reps          repetitions per sw_top_render case (default 20).
# --build         CMake build dir with app/sockwatch and bench/sw_* (default build/release).
# --out           markdown file; the dated section goes on top of the "## top" part
#                 (default docs/performance.md). With --check, FILE gets the tables only.
# --no-install    never apt-get nethogs/iftop (skip their rows when missing).
# --keep          keep the scratch directory (printed).
# --check         smoke mode: 2,000 sockets, 4 s per tool, render at 2,000 rows, 3 reps;
#                 asserts only that frames were printed and every figure parsed.
# Needs root (network namespace), ip and python3; exits 77 otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
argv_text="bench/top.sh $*"
die() { echo "bench/top.sh: $*" >&2; exit 1; }

check=0 long=0
for a in "$@"; do
  [[ "$a" == --check ]] && check=1
  [[ "$a" == --long ]] && long=1
done
if ((check)); then
  sockets=2000 duration=4 top_duration="" warmup=1 sample=1 traffic=2 floor_loops=3
  log_duration=4 reps=3
else
  sockets=100000 duration=120 top_duration="" warmup=10 sample=10 traffic=8 floor_loops=10
  log_duration=60 reps=20
fi
((long)) && top_duration=600 sample=30
install=1 keep=0
((check)) && install=0
build="$root/build/release"
out="$root/docs/performance.md"
interval=1
while (($#)); do
  case "$1" in
    --sockets) sockets=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --top-duration) top_duration=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --sample) sample=${2:?}; shift 2 ;;
    --traffic) traffic=${2:?}; shift 2 ;;
    --floor-loops) floor_loops=${2:?}; shift 2 ;;
    --log-duration) log_duration=${2:?}; shift 2 ;;
    --reps) reps=${2:?}; shift 2 ;;
    --build) build=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --no-install) install=0; shift ;;
    --keep) keep=1; shift ;;
    --check | --long) shift ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
sockets=$(echo "$sockets" | sed 's/^\([0-9]\+\)[kK]$/\1000/')
[[ -z "$top_duration" ]] && top_duration=$duration
for v in sockets duration top_duration warmup sample traffic floor_loops log_duration reps; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "bad --${v//_/-} '${!v}'"
done
((sockets >= 2)) || die "--sockets must be at least 2"
((duration >= 2 && top_duration > warmup + 1 && sample >= 1 && floor_loops >= 1 && reps >= 1)) ||
  die "need --duration ≥ 2, --top-duration > --warmup + 1, --sample ≥ 1, --reps ≥ 1"
if [[ $(id -u) -ne 0 ]] || ! command -v ip >/dev/null || ! command -v python3 >/dev/null; then
  echo "skipped: needs root, ip and python3" >&2
  exit 77
fi

targets_bin=(sw_loadgen sw_dump_floor sw_top_render sockwatch)
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
  cmake --build "$build" -j 1 --target "${targets_bin[@]}" >/dev/null || die "build failed"
fi
SW="$build/app/sockwatch"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)
if ! "$SW" top --help >/dev/null 2>&1; then
  echo "skipped: '$SW top --help' fails (no top in this build)" >&2
  exit 77
fi
B="$build/bench"
HZ=$(getconf CLK_TCK)

# nethogs and iftop: Debian packages, installed on demand (never in --check).
tools_note=""
for t in nethogs iftop; do
  if ! command -v "$t" >/dev/null && ((install)) && command -v apt-get >/dev/null; then
    echo "top: $t missing: apt-get install -y $t" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$t" \
      >/dev/null 2>&1 || echo "top: could not install $t" >&2
  fi
  command -v "$t" >/dev/null || tools_note+="$t not installed: its row is skipped. "
done
[[ -n "$tools_note" ]] && echo "top: $tools_note" >&2

ns="swtop$$"
tmp=$(mktemp -d /tmp/swtop.XXXXXX)
gen_pid="" traffic_pid="" tool_pid="" holder_pid=""
stop_pid() {  # pid [seconds]: SIGTERM, wait up to the bound, then SIGKILL -> stopped_status
  local p=$1 n=$((${2:-30} * 10))
  stopped_status=""
  [[ -n "$p" ]] || return 0
  kill -TERM "$p" 2>/dev/null
  while kill -0 "$p" 2>/dev/null && ((n-- > 0)); do sleep 0.1; done
  if kill -0 "$p" 2>/dev/null; then
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
    stopped_status="killed"
  else
    wait "$p" 2>/dev/null
    stopped_status=$?
  fi
}
cleanup() {
  stop_pid "$tool_pid" 5
  stop_pid "$traffic_pid" 5
  stop_pid "$gen_pid" 10
  stop_pid "$holder_pid" 2
  # Anything still inside our namespace was started by us (through ip netns exec).
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  ip netns del "$ns" 2>/dev/null
  if ((keep)); then echo "scratch kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns" || die "ip netns add $ns failed"
ip -n "$ns" link set lo up || die "cannot bring lo up in $ns"

now() { date +%s.%N; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
mib() { awk -v k="$1" 'BEGIN { if (k == "" || k == "n/a") print "n/a"; else printf "%.1f", k / 1024 }'; }
proc_cpu() {  # pid -> clock ticks of CPU (utime+stime+cutime+cstime), fails if gone
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
sleep_until() {  # epoch seconds
  local left
  left=$(fsub "$1" "$(now)")
  awk -v l="$left" 'BEGIN { exit !(l > 0) }' && sleep "$left"
  return 0
}

# ---- population ----
ip netns exec "$ns" "$B/sw_loadgen" --tcp-pairs $((sockets / 2)) --udp 0 --unix 0 \
  >"$tmp/gen.out" 2>"$tmp/gen.err" &
gen_pid=$!
waited=0
until grep -qs '^ready' "$tmp/gen.out"; do
  kill -0 "$gen_pid" 2>/dev/null || { gen_pid=""; die "loadgen failed: $(cat "$tmp/gen.err")"; }
  ((waited++ < 6000)) || die "loadgen not ready after 600 s"
  sleep 0.1
done

# Traffic: TRAFFIC connections to 127.0.0.1:18600, the client side sending 32 KiB every
# 32 ms (~1 MB/s), the server side answering 4 KiB per 32 KiB read. One process, one
# thread (selectors); its own CPU is not anyone's measurement.
cat >"$tmp/traffic.py" <<'EOF'
import selectors, socket, sys, time
n = int(sys.argv[1])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 18600)); srv.listen(64)
cl = [socket.create_connection(("127.0.0.1", 18600)) for _ in range(n)]
sv = [srv.accept()[0] for _ in range(n)]
for s in cl + sv: s.setblocking(False)
sel = selectors.DefaultSelector()
for s in sv: sel.register(s, selectors.EVENT_READ, "srv")
for s in cl: sel.register(s, selectors.EVENT_READ, "cl")
print("ready", flush=True)
chunk, reply, nxt = b"x" * 32768, b"y" * 4096, time.monotonic()
got = {s: 0 for s in sv}
while True:
    if time.monotonic() >= nxt:
        for s in cl:
            try: s.send(chunk)
            except BlockingIOError: pass
        nxt += 0.032
    for key, _ in sel.select(max(0.0, nxt - time.monotonic())):
        s = key.fileobj
        try: data = s.recv(65536)
        except BlockingIOError: continue
        if key.data == "srv":
            got[s] += len(data)
            while got[s] >= 32768:
                got[s] -= 32768
                try: s.send(reply)
                except BlockingIOError: pass
EOF
if ((traffic > 0)); then
  ip netns exec "$ns" python3 "$tmp/traffic.py" "$traffic" >"$tmp/traffic.out" \
    2>"$tmp/traffic.err" &
  traffic_pid=$!
  waited=0
  until grep -qs '^ready' "$tmp/traffic.out"; do
    kill -0 "$traffic_pid" 2>/dev/null ||
      { traffic_pid=""; die "traffic pump failed: $(cat "$tmp/traffic.err")"; }
    ((waited++ < 300)) || die "traffic pump not ready after 30 s"
    sleep 0.1
  done
fi
population=$(ip netns exec "$ns" "$B/sw_dump_floor" 2>&1 >/dev/null | awk '{print $1; exit}')
[[ "$population" =~ ^[0-9]+$ ]] || population="n/a"
echo "top: $population TCP sockets in $ns ($traffic with traffic)" >&2

# ---- floor ----
ip netns exec "$ns" "$B/sw_dump_floor" --info --loop "$floor_loops" \
  --interval-ms $((interval * 1000)) >"$tmp/floor.out" 2>"$tmp/floor.err" ||
  die "sw_dump_floor failed: $(cat "$tmp/floor.err")"
floor_us=$(sed -n 's/.*cpu_us_per_dump=\([0-9.]*\).*/\1/p' "$tmp/floor.out")
floor_n=$(sed -n 's/.* sockets=\([0-9]*\).*/\1/p' "$tmp/floor.out")
[[ -n "$floor_us" ]] || die "no result from sw_dump_floor: $(cat "$tmp/floor.out")"
floor_ms=$(awk -v u="$floor_us" 'BEGIN { printf "%.2f", u / 1000 }')
echo "top: floor $floor_ms ms CPU per dump with tcp_info ($floor_n sockets)" >&2

# ---- one long-running tool, measured from outside ----
# measure NAME SECONDS WARMUP CMD... (run in the namespace, stdout to $tmp/NAME.out) ->
# m_cpu_ms (CPU per second after the warm-up), m_rss_end, m_hwm (kB), m_slope (kB/min over
# the samples after the warm-up), m_rss_first (first sample after the warm-up),
# m_status (exit after SIGTERM, or "exited N" when it ended by itself).
measure() {
  local name=$1 secs=$2 warm=$3
  shift 3
  local samples="$tmp/$name.samples" t0 tw cw t c rss hwm end_at died=""
  : >"$samples"
  ip netns exec "$ns" "$@" <"${m_stdin:-/dev/null}" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  tool_pid=$!  # ip netns exec execs the command: this is the tool's own pid
  t0=$(now)
  end_at=$(awk -v a="$t0" -v d="$secs" 'BEGIN { printf "%.3f", a + d }')
  sleep_until "$(awk -v a="$t0" -v w="$warm" 'BEGIN { printf "%.3f", a + w }')"
  cw=$(proc_cpu "$tool_pid") || died=1
  tw=$(now)
  m_cpu_ms="n/a" m_rss_end="n/a" m_hwm="n/a" m_slope="n/a" m_rss_first="n/a" m_status=""
  if [[ -z "$died" ]]; then
    while :; do
      t=$(now)
      awk -v t="$t" -v e="$end_at" 'BEGIN { exit !(t >= e) }' && break
      c=$(proc_cpu "$tool_pid") || { died=1; break; }
      read -r rss hwm < <(proc_mem "$tool_pid")
      echo "$(fsub "$t" "$t0") $c $rss $hwm" >>"$samples"
      sleep_until "$(awk -v t="$t" -v s="$sample" -v e="$end_at" \
        'BEGIN { x = t + s; if (x > e) x = e; printf "%.3f", x }')"
    done
  fi
  if [[ -z "$died" ]] && c=$(proc_cpu "$tool_pid"); then
    t=$(now)
    read -r rss hwm < <(proc_mem "$tool_pid")
    echo "$(fsub "$t" "$t0") $c $rss $hwm" >>"$samples"
    m_cpu_ms=$(awk -v a="$cw" -v b="$c" -v hz="$HZ" -v s="$(fsub "$t" "$tw")" \
      'BEGIN { printf "%.2f", (b - a) / hz * 1000 / s }')
    m_rss_end=$rss m_hwm=$hwm
    m_rss_first=$(awk 'NR == 1 {print $3}' "$samples")
    m_slope=$(awk '{ n++; sx += $1; sy += $3; sxx += $1 * $1; sxy += $1 * $3 }
      END { d = n * sxx - sx * sx; if (n >= 2 && d > 0) printf "%.1f", (n * sxy - sx * sy) / d * 60;
            else print "n/a" }' "$samples")
    stop_pid "$tool_pid" 30
    m_status=$stopped_status
  else
    wait "$tool_pid"
    m_status="exited $? early: $(tail -2 "$tmp/$name.err" | tr '\n' ' ')"
  fi
  tool_pid=""
  echo "top: $name: ${m_cpu_ms} ms CPU/s, RSS $(mib "$m_rss_end") MiB, peak $(mib "$m_hwm") MiB," \
    "slope ${m_slope} KiB/min, exit $m_status" >&2
}

rows_file="$tmp/rows.md"
: >"$rows_file"
ratio() { awk -v a="$1" -v b="$floor_ms" 'BEGIN { if (a != "n/a" && b > 0) printf "%.2f×", a / b; else print "n/a" }'; }
row() {  # tool cpu_ms rss_kb hwm_kb [note]
  echo "| $1 | $2 | $(ratio "$2") | $(mib "$3") | $(mib "$4") | ${5:-} |" >>"$rows_file"
}
echo "| kernel floor: \`sw_dump_floor --info\` (one TCP dump with tcp_info) | $floor_ms | 1.00× | | | $floor_n sockets, $floor_loops dumps |" \
  >>"$rows_file"

# top, every row printed (in --check to a file, so the frames can be counted).
full_out=/dev/null
((check)) && full_out="$tmp/top-full.txt"
top_args=(top -b -d "$interval" --width 160)
measure top-full "$top_duration" "$warmup" bash -c 'exec "$@" >"$0"' "$full_out" "$SW" "${top_args[@]}"
full=("$m_cpu_ms" "$m_rss_end" "$m_hwm" "$m_slope" "$m_rss_first" "$m_status")
row "\`sockwatch top -b -d 1 --width 160 >/dev/null\` (all $population rows printed)" \
  "$m_cpu_ms" "$m_rss_end" "$m_hwm" "RSS slope ${m_slope} KiB/min; exit ${m_status}"
# top, the population collected and filtered, a screenful printed.
measure top-filtered "$top_duration" "$warmup" "$SW" "${top_args[@]}" 'sport = :1'
filt=("$m_cpu_ms" "$m_rss_end" "$m_hwm" "$m_slope" "$m_rss_first" "$m_status")
filt_frames=$(grep -c '^sockwatch top' "$tmp/top-filtered.out")
row "\`sockwatch top -b -d 1 --width 160 'sport = :1'\` (all collected and filtered, no row printed)" \
  "$m_cpu_ms" "$m_rss_end" "$m_hwm" "RSS slope ${m_slope} KiB/min; exit ${m_status}"

# ss -tanpi once a second (what `watch -n1 ss -tanpi` runs), CPU of the ss children only.
cat >"$tmp/ss_loop.py" <<'EOF'
import resource, subprocess, sys, time
secs, interval = float(sys.argv[1]), float(sys.argv[2])
t0, n, wall = time.monotonic(), 0, 0.0
while time.monotonic() - t0 < secs:
    s = time.monotonic()
    subprocess.run(["ss", "-tanpi"], stdout=subprocess.DEVNULL, check=True)
    wall += time.monotonic() - s
    n += 1
    time.sleep(max(0.0, t0 + n * interval - time.monotonic()))
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("ss_loop: runs=%d cpu_ms_per_run=%.2f wall_ms_per_run=%.2f maxrss_kb=%d"
      % (n, (r.ru_utime + r.ru_stime) * 1000 / n, wall * 1000 / n, r.ru_maxrss))
EOF
ip netns exec "$ns" python3 "$tmp/ss_loop.py" "$duration" "$interval" >"$tmp/ss.out" \
  2>"$tmp/ss.err" || die "ss loop failed: $(cat "$tmp/ss.err")"
kvs() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" "$2"; }
ss_runs=$(kvs runs "$tmp/ss.out") ss_cpu=$(kvs cpu_ms_per_run "$tmp/ss.out")
ss_wall=$(kvs wall_ms_per_run "$tmp/ss.out") ss_rss=$(kvs maxrss_kb "$tmp/ss.out")
echo "top: ss: $ss_cpu ms CPU per run ($ss_runs runs), peak $(mib "$ss_rss") MiB" >&2
echo "| \`ss -tanpi >/dev/null\` once a second (what \`watch -n1 ss -tanpi\` runs; run directly, no tty) | $ss_cpu | $(ratio "$ss_cpu") | — | $(mib "$ss_rss") | $ss_runs runs, $ss_wall ms wall each; peak = largest ss child |" \
  >>"$rows_file"

nh_cpu="" if_cpu=""
if command -v nethogs >/dev/null; then
  # -a: nethogs ignores loopback without it ("No devices to monitor").
  measure nethogs "$duration" 2 stdbuf -oL nethogs -a -t -d "$interval" lo
  nh_cpu=$m_cpu_ms
  nh_lines=$(grep -c '^Refreshing' "$tmp/nethogs.out")
  row "\`nethogs -a -t -d 1 lo\` (CPU per second)" "$m_cpu_ms" "$m_rss_end" "$m_hwm" \
    "$nh_lines refreshes printed; exit $m_status"
else
  echo "| nethogs | skipped | | | | not installed |" >>"$rows_file"
fi
if command -v iftop >/dev/null; then
  # Without -s, text mode prints a report every 2 s until stopped (with -s S, one
  # report after S s): the same work, and a report to count. Its text mode polls stdin
  # for keys and spins at 100 % CPU when stdin is at end of file (/dev/null), so it
  # gets a FIFO nobody writes to, as a terminal where nobody types.
  mkfifo "$tmp/stdin.fifo" || die "mkfifo failed"
  sleep $((duration + 600)) >"$tmp/stdin.fifo" &
  holder_pid=$!
  m_stdin="$tmp/stdin.fifo"
  measure iftop "$duration" 2 stdbuf -oL iftop -t -i lo -n -N
  m_stdin=""
  stop_pid "$holder_pid" 2
  holder_pid=""
  if_cpu=$m_cpu_ms
  if_lines=$(grep -c '^Total send rate' "$tmp/iftop.out")
  row "\`iftop -t -i lo -n -N\` (CPU per second)" "$m_cpu_ms" "$m_rss_end" "$m_hwm" \
    "$if_lines reports printed; stdin a silent FIFO (at EOF it spins at 100 % CPU); exit $m_status"
else
  echo "| iftop | skipped | | | | not installed |" >>"$rows_file"
fi
if ((log_duration > 0)); then
  measure log "$log_duration" "$(((log_duration > warmup + 1) ? warmup : 1))" \
    bash -c 'exec "$0" log -t --interval "$1" >/dev/null' "$SW" "$interval"
  row "\`sockwatch log -t --interval 1 >/dev/null\` (${log_duration} s, same load)" \
    "$m_cpu_ms" "$m_rss_end" "$m_hwm" "exit $m_status"
fi

stop_pid "$traffic_pid" 5
traffic_pid=""
stop_pid "$gen_pid" 10
gen_pid=""

# ---- keystrokes and refreshes of top's pure part ----
"$B/sw_top_render" --sockets "$sockets" --reps "$reps" >"$tmp/render.out" 2>"$tmp/render.err" ||
  die "sw_top_render failed: $(cat "$tmp/render.err")"
render_table="$tmp/render.md"
{
  echo "| action at $(kvs sockets "$tmp/render.out" | head -1) rows (render 200×50) | median ms | max ms | min ms | target |"
  echo "|---|---|---|---|---|"
  while read -r line; do
    c=$(sed -n 's/.*case=\([^ ]*\).*/\1/p' <<<"$line")
    med=$(sed -n 's/.*median_ms=\([^ ]*\).*/\1/p' <<<"$line")
    mx=$(sed -n 's/.*max_ms=\([^ ]*\).*/\1/p' <<<"$line")
    mn=$(sed -n 's/.*min_ms=\([^ ]*\).*/\1/p' <<<"$line")
    case $c in
      filter-key-few) what="one character typed in the \`/\` filter prompt (\`dport = :3276\` → \`:32768\`: every row re-filtered, a few match) + render" ;;
      filter-key-all) what="one character typed in the \`/\` filter prompt (\`sport > :1\` → \`:10\`: every row matches and is sorted) + render" ;;
      search-key) what="one character typed in the \`\\\` free-text search prompt (\`127.0.3\` → \`127.0.3.\`) + render" ;;
      sort-key) what="\`>\` (next sort column, cycling) + render" ;;
      tick) what="a refresh: model on_tick (rates, marks) + view rebuild + render (snapshot built untimed)" ;;
      render) what="render alone" ;;
      *) what=$c ;;
    esac
    tgt=""
    [[ $c == filter-key-* ]] &&
      tgt=$(awk -v m="$mx" 'BEGIN { print (m + 0 < 50) ? "< 50 ms: met (max)" : "< 50 ms: **MISSED** ⚠ (max)" }')
    echo "| $what | $med | $mx | $mn | $tgt |"
  done < <(grep 'case=' "$tmp/render.out")
} >"$render_table"
render_cases=$(grep -c 'case=' "$tmp/render.out")

# ---- verdicts ----
verdict_ratio() {
  awk -v a="$1" -v b="$floor_ms" 'BEGIN { if (a == "n/a" || b <= 0) print "n/a";
    else if (a / b <= 1.5) printf "%.2f× floor: met", a / b; else printf "%.2f× floor: **MISSED** ⚠", a / b }'
}
verdict_mem() {  # rss_end_kb rss_first_kb slope secs -> text
  awk -v e="$1" -v f="$2" -v s="$3" -v d="$4" 'BEGIN {
    if (e == "n/a") { print "n/a"; exit }
    g = e - f; tol = f * 0.02; if (tol < 1024) tol = 1024
    m = (e <= 65536) ? "≤ 64 MiB: met" : "≤ 64 MiB: **MISSED** ⚠"
    if (d < 600) gr = "growth over " d " s (target: 10 min, run with --long)"; else gr = "growth over " d " s"
    printf "%s; %s: %+.1f MiB from the first sample after warm-up, slope %s KiB/min%s\n", m, gr, g / 1024, s,
      (g > tol) ? " **grew** ⚠" : " (none)" }'
}
targets="$tmp/targets.md"
{
  echo "| target (issue) | full print | filtered (screenful) |"
  echo "|---|---|---|"
  echo "| CPU per refresh ≤ 1.5× the floor ($floor_ms ms) | ${full[0]} ms: $(verdict_ratio "${full[0]}") | ${filt[0]} ms: $(verdict_ratio "${filt[0]}") |"
  echo "| RSS ≤ 64 MiB, no growth | $(mib "${full[1]}") MiB (peak $(mib "${full[2]}")): $(verdict_mem "${full[1]}" "${full[4]}" "${full[3]}" "$top_duration") | $(mib "${filt[1]}") MiB (peak $(mib "${filt[2]}")): $(verdict_mem "${filt[1]}" "${filt[4]}" "${filt[3]}" "$top_duration") |"
} >"$targets"

if ((check)); then
  { cat "$targets"; echo; echo "| tool | CPU per refresh (ms) | ratio to floor | RSS MiB | peak MiB | notes |"
    echo "|---|---|---|---|---|---|"; cat "$rows_file"; echo; cat "$render_table"; } >"$out"
  num() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
  full_frames=$(grep -c '^sockwatch top' "$full_out")
  full_rows=$(grep -cE 'ESTAB' "$full_out")
  ((full_frames >= 2)) || die "top (full) printed $full_frames frames: see $out"
  ((full_rows >= full_frames * (sockets / 2))) || die "top (full) printed only $full_rows ESTAB rows in $full_frames frames"
  ((filt_frames >= 2)) || die "top (filtered) printed $filt_frames frames: see $out"
  for v in "${full[0]}" "${full[1]}" "${full[2]}" "${filt[0]}" "${filt[1]}" "$floor_ms" "$ss_cpu" \
    "$ss_rss" ${nh_cpu:+"$nh_cpu"} ${if_cpu:+"$if_cpu"}; do
    num "$v" || die "a figure did not parse ('$v'): see $out"
  done
  [[ "${full[5]}" == 0 && "${filt[5]}" == 0 ]] ||
    die "top exited '${full[5]}' / '${filt[5]}' after SIGTERM: see $out"
  ((render_cases == 6)) || die "sw_top_render printed $render_cases cases: see $out"
  echo "top smoke: $full_frames full frames ($full_rows ESTAB rows), $filt_frames filtered frames," \
    "$ss_runs ss runs, $render_cases render cases${tools_note:+; $tools_note}"
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
    "$(cut -d' ' -f1-3 /proc/loadavg) at the end. sockwatch, ${build_type:-unknown} build." \
    "$population TCP sockets (\`sw_loadgen --tcp-pairs $((sockets / 2)) --udp 0 --unix 0\`" \
    "plus $traffic loopback connections with traffic) in a private namespace. top ran" \
    "$top_duration s per case (CPU counted after a $warmup s warm-up, RSS sampled every" \
    "$sample s); ss, nethogs and iftop $duration s each, one after the other, on the same load."
  echo
  cat "$targets"
  echo
  echo "| tool | CPU per refresh (ms) | ratio to floor | RSS MiB | peak MiB | notes |"
  echo "|---|---|---|---|---|---|"
  cat "$rows_file"
  echo
  cat "$render_table"
  echo
  echo "Command line: \`$argv_text\`; inside \`ip netns exec $ns\`:"
  echo
  echo '```sh'
  echo "sw_loadgen --tcp-pairs $((sockets / 2)) --udp 0 --unix 0"
  echo "python3 traffic.py $traffic      # bench/top.sh's pump on 127.0.0.1:18600"
  echo "sw_dump_floor --info --loop $floor_loops --interval-ms $((interval * 1000))"
  echo "sockwatch top -b -d 1 --width 160 >/dev/null              # $top_duration s, SIGTERM"
  echo "sockwatch top -b -d 1 --width 160 'sport = :1' >FILE       # $top_duration s, SIGTERM"
  echo "ss -tanpi >/dev/null                                       # once a second, $duration s"
  echo "nethogs -a -t -d 1 lo >FILE                                # $duration s, SIGTERM"
  echo "iftop -t -i lo -n -N >FILE                                 # $duration s, SIGTERM"
  ((log_duration > 0)) && echo "sockwatch log -t --interval 1 >/dev/null                   # $log_duration s, SIGTERM"
  echo "sw_top_render --sockets $sockets --reps $reps              # outside the namespace: no kernel"
  echo '```'
  echo
} >"$section"

# Insert on top of the "## top" part, after its heading and intro, before its first dated
# section (or before the next "## " part, or at the end); create the part before
# "## Live engine" when missing.
if [[ -f "$out" ]] && grep -q '^## top$' "$out"; then
  at=$(awk '/^## top$/ { t = NR; next }
            t && /^### [0-9]/ { print NR; exit }
            t && /^## / { print NR; exit }' "$out")
  if [[ -n "$at" ]]; then
    { head -n $((at - 1)) "$out"; cat "$section"; tail -n +"$at" "$out"; } >"$tmp/new.md"
  else
    { cat "$out"; echo; cat "$section"; } >"$tmp/new.md"
  fi
else
  part="$tmp/part.md"
  { echo "## top"; echo; echo "\`sockwatch top\` measured by \`bench/top.sh\`; newest first."; echo
    cat "$section"; } >"$part"
  if [[ -f "$out" ]] && grep -q '^## Live engine' "$out"; then
    at=$(grep -n '^## Live engine' "$out" | head -1 | cut -d: -f1)
    { head -n $((at - 1)) "$out"; cat "$part"; echo; tail -n +"$at" "$out"; } >"$tmp/new.md"
  else
    { [[ -f "$out" ]] && cat "$out" && echo; cat "$part"; } >"$tmp/new.md"
  fi
fi
cp "$tmp/new.md" "$out"
echo "wrote $out" >&2
