#!/usr/bin/env bash
# sockwatch top -b in a private namespace: JSON frames carry a pumping
# connection with its owner and a payload rate, text frames fit --width, and
# usage errors exit 2.
#   top_batch_test.sh SOCKWATCH_BINARY
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
ns=swtopb$$
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Usage errors first (no namespace needed).
"$bin" top -n 3 >/dev/null 2>"$tmp/err"; st=$?
[[ $st == 2 ]] && grep -q "needs -b" "$tmp/err" || fail "-n without -b: status $st, $(cat "$tmp/err")"
"$bin" top -b -d abc >/dev/null 2>"$tmp/err"; st=$?
[[ $st == 2 ]] && grep -q "not a number of seconds" "$tmp/err" || fail "-d abc: status $st"
"$bin" top -b -n 1 'dport = :nosuch' >/dev/null 2>"$tmp/err"; st=$?
[[ $st == 2 ]] && grep -q "filter" "$tmp/err" || fail "bad filter: status $st, $(cat "$tmp/err")"
"$bin" top </dev/null >/dev/null 2>"$tmp/err"; st=$?
[[ $st == 1 ]] && grep -q "needs a terminal" "$tmp/err" || fail "no terminal: status $st"

ip netns add "$ns" || { echo "SKIP: cannot create a namespace"; exit 77; }
ip -n "$ns" link set lo up
ip netns exec "$ns" python3 "$here/top_peer.py" server 7101 &
pids+=($!)
ip netns exec "$ns" python3 "$here/top_peer.py" pump 7101 &
pids+=($!)

# Until the connection shows a rate (the pump starts at once; a loaded machine
# may need several frames), at most 60 frames.
ip netns exec "$ns" "$bin" top -b -j -d 0.5 -n 60 >"$tmp/frames" 2>"$tmp/err" &
top=$!
pids+=($top)
ok=0
deadline=$((SECONDS + 120))
while ((SECONDS < deadline)); do
  if python3 - "$tmp/frames" <<'PY'
import json, sys
ok = False
for line in open(sys.argv[1]):
    try:
        f = json.loads(line)
    except ValueError:
        continue  # a frame still being written
    assert f["schema"] == "sockwatch-top/1"
    for r in f["rows"]:
        t = r["top"]
        if r["peer"]["port"] == 7101 and r["state"] == "established" and (t["tx_bps"] or 0) > 0:
            o = r["owners"]
            assert o and o[0]["comm"] == "python3", o
            ok = True
sys.exit(0 if ok else 1)
PY
  then ok=1; break; fi
  sleep 0.5
done
kill "$top" 2>/dev/null
((ok)) || { head -c 2000 "$tmp/frames"; cat "$tmp/err"; fail "no frame shows the pump's rate and owner"; }

# Text frames: every line within --width, the header and the connection there.
ip netns exec "$ns" "$bin" top -b -n 2 -d 0.3 --width 80 >"$tmp/text" 2>"$tmp/err" ||
  fail "text frames: status $?: $(cat "$tmp/err")"
# (characters, not bytes: the sparkline and the sort arrow are UTF-8)
python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > 80 for l in open(sys.argv[1], encoding="utf-8")))' "$tmp/text" ||
  fail "a text line is wider than 80 columns"
[[ $(grep -c '^sockwatch top' "$tmp/text") == 2 ]] || fail "not two frames"
grep -q "127.0.0.1:7101" "$tmp/text" || fail "the connection is not in the text frame"
# A listener view sorted by local address, and a reader that goes away early.
ip netns exec "$ns" "$bin" top -b -n 1 --view listeners --sort local >"$tmp/l" || fail "listeners view"
grep -q "wildcard\|loopback\|specific" "$tmp/l" || fail "no scope in the listeners view"
ip netns exec "$ns" "$bin" top -b -d 0.1 | head -1 >/dev/null
st=${PIPESTATUS[0]}
[[ $st == 0 ]] || fail "a closed pipe ended top with $st, not 0"
# Without root: the sockets are there, and the status line says what is missing.
if command -v setpriv >/dev/null; then
  ip netns exec "$ns" setpriv --reuid 65534 --regid 65534 --clear-groups \
    "$bin" top -b -n 2 -d 0.3 --width 300 >"$tmp/nobody" 2>"$tmp/nobody.err" ||
    fail "top as nobody: status $?: $(cat "$tmp/nobody.err")"
  grep -q "127.0.0.1:7101" "$tmp/nobody" || fail "as nobody, the connection is not shown"
  grep -q "not root: owners of other users' processes are hidden" "$tmp/nobody" ||
    fail "as nobody, the status line does not say owners are hidden: $(tail -3 "$tmp/nobody")"
fi
echo "PASS: top -b: JSON rates and owners, text within the width, usage errors, closed pipe"
