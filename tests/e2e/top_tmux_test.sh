#!/usr/bin/env bash
# sockwatch top in a real terminal (tmux), in a private network namespace:
# connections opened and closed show up (new, then closed rows), a filter typed
# with / narrows the table, K closes a connection that the peer sees as a
# reset, ? shows the help, and q leaves the terminal as it was.
#   top_tmux_test.sh SOCKWATCH_BINARY
# Skips (77) without root, tmux or python3.
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
command -v tmux >/dev/null || { echo "SKIP: tmux missing"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }

ns=swtop$$
sess=swtop$$
tmp=$(mktemp -d)
pids=()
cleanup() {
  tmux kill-session -t "$sess" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- screen ---"
  tmux capture-pane -p -t "$sess" 2>/dev/null
  exit 1
}
screen() { tmux capture-pane -p -t "$sess"; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT (generous: a loaded machine).
wait_for() {
  local deadline=$((SECONDS + ${2:-60}))
  while ((SECONDS < deadline)); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.2
  done
  return 1
}
# rows: the table's lines (gutter, then the protocol), not the header's totals.
rows() { screen | grep -E '^[ +!]tcp'; }
wait_row() {
  local deadline=$((SECONDS + ${2:-60}))
  while ((SECONDS < deadline)); do
    rows | grep -qF -- "$1" && return 0
    sleep 0.2
  done
  return 1
}
wait_gone() {
  local deadline=$((SECONDS + ${2:-60}))
  while ((SECONDS < deadline)); do
    screen | grep -qF -- "$1" || return 0
    sleep 0.2
  done
  return 1
}
wait_file() {
  local deadline=$((SECONDS + ${2:-60}))
  while ((SECONDS < deadline)); do
    [[ -s $1 ]] && return 0
    sleep 0.2
  done
  return 1
}

ip netns add "$ns" || { echo "SKIP: cannot create a namespace"; exit 77; }
ip -n "$ns" link set lo up
ip netns exec "$ns" python3 "$here/top_peer.py" server 7001 7002 &
pids+=($!)

# The pane prints a marker, runs top, then says how it ended; the marker must be
# back on screen after top leaves the alternate screen.
tmux new-session -d -s "$sess" -x 160 -y 50 \
  "echo before-top-marker; ip netns exec $ns $bin top -d 0.3 --linger 60; echo EXIT=\$?; sleep 600"
wait_for "sockwatch top" || fail "top did not start"
wait_for "127.0.0.1:7001" || fail "the listener on 7001 is not shown"

# A new connection appears.
ip netns exec "$ns" python3 "$here/top_peer.py" client 7001 "$tmp/c1" &
c1=$!
pids+=($c1)
wait_row "ESTAB" || fail "no ESTAB row for the new connection"
wait_row "ESTAB" && rows | grep "ESTAB" | grep -qF "python3/" || fail "the connection's owner is not shown"

# Closed: the client goes away; its row turns CLOSED and lingers.
kill "$c1"
wait_row "CLOSED" || fail "the closed connection is not shown as CLOSED"

# A filter typed with /: only the 7002 listener and its connections.
ip netns exec "$ns" python3 "$here/top_peer.py" client 7002 "$tmp/c2" &
pids+=($!)
tmux send-keys -t "$sess" / 
tmux send-keys -t "$sess" -l "sport = :7002 or dport = :7002"
tmux send-keys -t "$sess" Enter
wait_for "filter: sport = :7002 or dport = :7002" || fail "the filter is not in the header"
wait_gone "127.0.0.1:7001 " || fail "the filter left 7001 rows on screen"
wait_row "ESTAB" || fail "the 7002 connection is not shown under the filter"

# A bad filter shows the caret and what is wrong, and Esc restores the good one.
tmux send-keys -t "$sess" /
tmux send-keys -t "$sess" C-u
tmux send-keys -t "$sess" -l "dport = :nosuchservice"
wait_for "^" 20 || fail "no caret under a bad filter"
tmux send-keys -t "$sess" Escape
wait_for "filter: sport = :7002 or dport = :7002" || fail "Esc did not restore the filter"

# K on the server side of the 7002 connection: the client, its peer, must see
# a reset. Narrow to the server's socket (sport 7002), select it, confirm.
tmux send-keys -t "$sess" /
tmux send-keys -t "$sess" C-u
tmux send-keys -t "$sess" -l "state established sport = :7002"
tmux send-keys -t "$sess" Enter
wait_for "filter: state established sport = :7002" || fail "the kill filter is not applied"
wait_row "ESTAB" || fail "no row to close"
tmux send-keys -t "$sess" Home
tmux send-keys -t "$sess" K
wait_for "Close tcp ESTAB 127.0.0.1:7002 -> 127.0.0.1:" || fail "no confirmation naming the socket"
screen | grep -F "Close tcp ESTAB" | grep -qF "of python3 (pid" || fail "the confirmation does not name the process"
tmux send-keys -t "$sess" y
wait_file "$tmp/c2" || fail "the client never saw its connection end"
[[ $(cat "$tmp/c2") == RESET ]] || fail "the client saw '$(cat "$tmp/c2")', not a reset"
wait_for "closed: the kernel reset the connection" 20 || fail "no message after the close"

# The details pane of the selected socket (the 7002 listener, under this filter
# only the listener is left... so widen the filter to the listeners first).
tmux send-keys -t "$sess" /
tmux send-keys -t "$sess" C-u
tmux send-keys -t "$sess" -l "sport = :7002"
tmux send-keys -t "$sess" Enter
wait_row "LISTEN" || fail "the 7002 listener is not shown"
tmux send-keys -t "$sess" Home
tmux send-keys -t "$sess" Enter
wait_for "Details (Enter closes)" || fail "no details pane"
wait_for "congestion" || fail "the details pane has no tcp_info fields"
wait_for "command line" || fail "the details pane has no process section"
# A long interpreter path (pyenv on CI) wraps the command line within its column:
# join the left column's lines without their indentation before looking for it.
screen | sed -n '/command line/,$p' | cut -c1-55 | tr -d ' \n' | grep -q "top_peer" ||
  fail "the details pane does not show the command line"
tmux send-keys -t "$sess" Enter
wait_gone "Details (Enter closes)" || fail "Enter did not close the details pane"

# Export the view to a file: a JSON document with the listener in it.
tmux send-keys -t "$sess" e
wait_for "export JSON to file>" || fail "no export prompt"
tmux send-keys -t "$sess" C-u
tmux send-keys -t "$sess" -l "$tmp/export.json"
tmux send-keys -t "$sess" Enter
wait_file "$tmp/export.json" || fail "the export file was not written"
python3 - "$tmp/export.json" <<'PY' || fail "the export is not the view as sockwatch/1 JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "sockwatch/1", d
ports = [s["local"]["port"] for s in d["sockets"]]
assert 7002 in ports and 7001 not in ports, ports
PY

# The help screen lists the keys; any key closes it.
tmux send-keys -t "$sess" '?'
wait_for "sockwatch top: keys" || fail "no help screen"
screen | grep -qF "close the selected connection" || fail "the help does not list K"
tmux send-keys -t "$sess" x
wait_gone "sockwatch top: keys" || fail "the help did not close"

# q: top ends with 0 and the terminal is as it was (the marker printed before
# top is back: the alternate screen was left; the cursor is visible again).
tmux send-keys -t "$sess" q
wait_for "EXIT=0" || fail "top did not exit with 0 on q"
screen | grep -qF before-top-marker || fail "the screen was not restored (alternate screen still on)"
[[ $(tmux display -p -t "$sess" '#{cursor_flag}') == 1 ]] || fail "the cursor is still hidden"
[[ $(tmux display -p -t "$sess" '#{alternate_on}') == 0 ]] || fail "the alternate screen is still on"
# SIGTERM: the same clean end.
tmux kill-session -t "$sess"
tmux new-session -d -s "$sess" -x 100 -y 30 \
  "echo before-top-marker; ip netns exec $ns sh -c 'echo \$\$ > $tmp/pid; exec $bin top'; echo EXIT=\$?; sleep 600"
wait_for "sockwatch top" || fail "top did not start (second run)"
kill -TERM "$(cat "$tmp/pid")"
wait_for "EXIT=0" || fail "top did not exit with 0 on SIGTERM"
screen | grep -qF before-top-marker || fail "the screen was not restored after SIGTERM"
[[ $(tmux display -p -t "$sess" '#{alternate_on}') == 0 ]] || fail "alternate screen still on after SIGTERM"

# A closed terminal (SIGHUP): top goes away instead of spinning.
tmux kill-session -t "$sess"
tmux new-session -d -s "$sess" -x 100 -y 30 \
  "ip netns exec $ns sh -c 'echo \$\$ > $tmp/pid; exec $bin top'"
wait_for "sockwatch top" || fail "top did not start (third run)"
toppid=$(cat "$tmp/pid")
tmux kill-session -t "$sess"
# Exited, zombie or not: the pane that was its parent is gone, and whoever
# inherits it (pid 1 of a container) may reap it late.
alive() { [[ -r /proc/$1/stat ]] && [[ $(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1) != Z ]]; }
deadline=$((SECONDS + 60))
while alive "$toppid" && ((SECONDS < deadline)); do sleep 0.2; done
alive "$toppid" && fail "top still runs after its terminal closed"

echo "PASS: top in tmux: new, closed, filter, caret, close with reset, help, clean exit"
