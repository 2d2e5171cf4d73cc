#!/bin/sh
# Re-records tests/golden/dumps/ from the sockpop population (run as root, by
# hand; the tests only read the results):
#   tests/golden/record.sh BUILD_DIR      (BUILD_DIR has sw_sockpop and sockwatch built)
# then regenerate the expected outputs from the real ss and review the diff:
#   SW_UPDATE_GOLDEN=1 BUILD_DIR/tests/golden/sw_golden
#
# tcp_*.dump are written by the real ss 6.1 (`ss -D`). ss writes one netlink dump
# per family, each ending in NLMSG_DONE, and TCPDIAG_FILE replay stops at the
# first DONE: so v4 and v6 are recorded separately and joined with the v4 DONE
# cut off, and a replay shows both families. all_families.rec is
# `sockwatch --record` (every table, with markers), for --replay only.
# sockpop runs with --volatile: the recordings also hold a TIME-WAIT socket and a
# send queue behind a closed window (persist timer), which a live test cannot
# keep still. ss runs under `ip netns exec`, which hides the cgroup2 mount, so
# nothing in the files depends on this host's cgroup layout.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
out="$here/dumps"
ns=swgoldrec$$
tmp=$(mktemp -d)
ip netns add $ns
trap 'kill $pop 2>/dev/null || true; wait 2>/dev/null || true; ip netns del $ns; rm -rf "$tmp"' EXIT
ip -n $ns link set lo up
ip netns exec $ns "$build/tests/fixtures/sw_sockpop" --volatile > "$tmp/pop.out" & pop=$!
for i in $(seq 100); do grep -q ready "$tmp/pop.out" && break; sleep 0.1; done
grep -q ready "$tmp/pop.out" || { echo "sockpop did not start" >&2; exit 1; }
x="ip netns exec $ns"

# record NAME FLAGS...: ss -4 and ss -6 dumps joined without the first DONE.
record() {
  name=$1
  shift
  $x ss -4 "$@" -D "$tmp/v4" 2>/dev/null
  $x ss -6 "$@" -D "$tmp/v6" 2>/dev/null
  # The last message of the v4 file must be NLMSG_DONE: 20 bytes, type 3.
  last=$(tail -c 20 "$tmp/v4" | od -An -tu4 -N8 | tr -s ' ')
  case "$last" in
    " 20 "*) ;;
    *) echo "$name: v4 dump does not end in a 20-byte message ($last)" >&2; exit 1 ;;
  esac
  type=$(tail -c 16 "$tmp/v4" | od -An -tu2 -N2 | tr -d ' ')
  [ "$type" = 3 ] || { echo "$name: v4 dump does not end in NLMSG_DONE" >&2; exit 1; }
  size=$(wc -c < "$tmp/v4")
  head -c $((size - 20)) "$tmp/v4" > "$out/$name.dump"
  cat "$tmp/v6" >> "$out/$name.dump"
  echo "$name.dump: ss $* ($(wc -c < "$out/$name.dump") bytes)"
}

record tcp_plain -tan
record tcp_info -tani
record tcp_mem -tanm
record tcp_eo -taneo
record tcp_all_ext -taneoim --tos --cgroup --inet-sockopt
$x "$build/app/sockwatch" --record "$out/all_families.rec" -an -eimo > /dev/null 2>&1
echo "all_families.rec: sockwatch --record -an -eimo ($(wc -c < "$out/all_families.rec") bytes)"
