#!/usr/bin/env bash
# The curses backend in a real terminal: curses_smoke (tests/tui/curses_smoke.cpp)
# runs inside a private tmux server; the screen and tmux's view of the pane's
# modes (alternate screen, cursor, keypad, mouse) are read back.
#   1. the frame: colour, a reversed bar, UTF-8, escaped text, the bottom row
#   2. keys: arrows, pages, F-keys, editing keys, UTF-8, mouse presses and the
#      wheel, a resize, then 'q': restored, exit 0, the
#      normal screen back with the shell's text, cursor shown, modes off, sane tty
#   3. SIGSEGV after the first draw: the same restored state, exit 139; so
#      too exit() while open; monochrome keeps bold and reverse; a frame's
#      cursor is shown where it says
#   4. a hang-up (the pane killed, SIGHUP ignored): read_key reports end of
#      input and the program exits instead of spinning
#   5. failures to open: not a tty, no terminfo entry
# Every wait polls for a condition (20 s bound), never a fixed sleep.
# Usage: curses_smoke_test.sh /path/to/sw_curses_smoke   (exit 77: no tmux)
set -euo pipefail
BIN=${1:?usage: curses_smoke_test.sh SW_CURSES_SMOKE}
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 77; }

export LC_ALL=C.UTF-8  # UTF-8 in and out of the pane, whatever the caller's locale
tmp=$(mktemp -d)
sock="$tmp/tmux.sock"
T() { tmux -S "$sock" -f /dev/null "$@"; }
hup_pid=""
cleanup() {
  T kill-server 2>/dev/null || true
  # The hang-up case's program ignores SIGHUP: if it failed to exit, end it.
  if [[ -n $hup_pid ]]; then kill -KILL "$hup_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  if [[ -n "${cur:-}" ]]; then
    echo "--- screen of $cur ---" >&2
    T capture-pane -p -t "$cur" >&2 || true
  fi
  exit 1
}

# wait_for SESSION ERE: until the visible screen matches (20 s bound).
wait_for() {
  local s=$1 re=$2 i
  for ((i = 0; i < 200; i++)); do
    if T capture-pane -p -t "$s" 2>/dev/null | grep -Eq -- "$re"; then return 0; fi
    sleep 0.1
  done
  fail "$s: no screen line matching /$re/ within 20 s"
}
screen() { T capture-pane -p -t "$1"; }
flags() { T display -p -t "$1" '#{alternate_on} #{cursor_flag} #{keypad_cursor_flag} #{mouse_any_flag}'; }

# start SESSION ARGS...: the program between a marker on the normal screen and
# its exit status and tty mode afterwards; the pane stays for inspection.
start() {
  local s=$1
  shift
  cur=$s
  T new-session -d -s "$s" -x 80 -y 24 \
    "echo BEFORE-$s; $BIN $*; echo EXIT=\$?; stty -a; sleep 120"
}

# After the program: the normal screen, cursor visible, keypad and mouse modes
# off, the tty cooked again with echo.
check_restored() {
  local s=$1 f out
  f=$(flags "$s")
  [[ $f == "0 1 0 0" ]] || fail "$s: pane modes after exit (alternate cursor keypad mouse): $f"
  out=$(screen "$s")
  grep -q "BEFORE-$s" <<<"$out" || fail "$s: the shell's text before the program is gone"
  ! grep -q "sockwatch curses smoke" <<<"$out" || fail "$s: the program's frame is still shown"
  grep -Eq '(^| )icanon( |$)' <<<"$out" || fail "$s: tty not back in canonical mode"
  grep -Eq '(^| )echo( |$)' <<<"$out" || fail "$s: tty echo not back"
}

# --- 1, 2: frame, keys, resize, quit -------------------------------------
start main
wait_for main '^sockwatch curses smoke'
out=$(screen main)
grep -q 'café 漢字' <<<"$out" || fail "UTF-8 text not shown"
grep -q '^SELECTED ROW' <<<"$out" || fail "selected row not shown"
grep -qF 'name: evil\033[31mred\007' <<<"$out" || fail "escaped text not shown as such"
grep -q '^size: 80x24' <<<"$out" || fail "size not 80x24"
[[ $(sed -n 24p <<<"$out") == "status: press q to quit"* ]] || fail "bottom row not the status bar"
[[ $(flags main) == "1 0 1 1" ]] || fail "while running (alternate cursor keypad mouse): $(flags main)"
esc=$(T capture-pane -p -e -t main)
title=$(grep -F 'sockwatch curses smoke' <<<"$esc")
green=$'\e''\[([0-9]+;)*32m'
[[ $title =~ $green ]] || fail "title not green: $(cat -v <<<"$title")"
grep -q $'^\e\\[7mSELECTED ROW' <<<"$esc" || fail "selected row not reversed"
T send-keys -t main Up
wait_for main '^key: Up \(#1\)'
T send-keys -t main NPage
wait_for main '^key: PageDown \(#2\)'
T send-keys -t main x
wait_for main "^key: Char 'x' \(#3\)"
# The rest of the keys top uses, one at a time (tmux key names).
n=3
for pair in Escape:Escape F1:F1 F5:F5 F10:F10 BTab:BackTab Home:Home End:End DC:Delete \
            BSpace:Backspace Enter:Enter Tab:Tab Left:Left Right:Right Down:Down PPage:PageUp; do
  n=$((n + 1))
  T send-keys -t main "${pair%%:*}"
  wait_for main "^key: ${pair#*:} \\(#$n\\)"
done
T send-keys -t main é
n=$((n + 1))
wait_for main "^key: Char U\\+00E9 \\(#$n\\)"
# Mouse reports as the terminal sends them (X10 encoding: ESC [ M, then
# button, column and row, each plus 32, 1-based): a left press at column 5,
# row 3; its release, which is no key; the wheel; a right press.
T send-keys -t main -H 1b 5b 4d 20 26 24
n=$((n + 1))
wait_for main "^key: Mouse Left at 5,3 \\(#$n\\)"
T send-keys -t main -H 1b 5b 4d 23 26 24 1b 5b 4d 60 21 21
n=$((n + 1))
wait_for main "^key: Mouse WheelUp at 0,0 \\(#$n\\)"
T send-keys -t main -H 1b 5b 4d 61 22 21
n=$((n + 1))
wait_for main "^key: Mouse WheelDown at 1,0 \\(#$n\\)"
T send-keys -t main -H 1b 5b 4d 22 30 2a
n=$((n + 1))
wait_for main "^key: Mouse Right at 15,9 \\(#$n\\)"
T resize-window -t main -x 100 -y 30
n=$((n + 1))
wait_for main "^key: Resize 100x30 \\(#$n\\)"
wait_for main '^size: 100x30'
[[ $(screen main | sed -n 30p) == "status: press q to quit"* ]] || fail "status bar not on row 30"
T send-keys -t main q
wait_for main '^EXIT=0$'
out=$(screen main)
grep -q '^restored$' <<<"$out" || fail "no 'restored' after quitting"
check_restored main
echo "ok: frame, keys, resize, quit"

# --- 3: a crash after the first draw --------------------------------------
start crash --crash
wait_for crash '^EXIT=139$'
check_restored crash
echo "ok: SIGSEGV restores the terminal"

# --- exit() while open: the atexit restore; monochrome with a cursor ------
start exit --exit
wait_for exit '^EXIT=3$'
check_restored exit
echo "ok: exit() while open restores the terminal"
start mono --mono --cursor
wait_for mono '^sockwatch curses smoke'
esc=$(T capture-pane -p -e -t mono)
title=$(grep -F 'sockwatch curses smoke' <<<"$esc")
[[ ! $title =~ $green ]] || fail "mono: title coloured: $(cat -v <<<"$title")"
[[ $title == *$'\e[1m'* ]] || fail "mono: title not bold: $(cat -v <<<"$title")"
grep -q $'^\e\\[7mSELECTED ROW' <<<"$esc" || fail "mono: selected row not reversed"
[[ $(T display -p -t mono '#{cursor_flag} #{cursor_x},#{cursor_y}') == "1 3,2" ]] ||
  fail "mono: cursor (shown x,y): $(T display -p -t mono '#{cursor_flag} #{cursor_x},#{cursor_y}')"
T send-keys -t mono q
wait_for mono '^EXIT=0$'
check_restored mono
echo "ok: monochrome keeps bold and reverse; the frame's cursor is shown"

# --- 4: hang-up ------------------------------------------------------------
start hup --hup "$tmp/hup.out"
wait_for hup '^sockwatch curses smoke'
hup_pid=$(pgrep -P "$(T display -p -t hup '#{pane_pid}')")
[[ -n $hup_pid ]] || fail "hang-up: program's pid not found"
cur=""
T kill-session -t hup
for ((i = 0; i < 200; i++)); do
  [[ -s "$tmp/hup.out" ]] && break
  sleep 0.1
done
[[ $(cat "$tmp/hup.out" 2>/dev/null) == eof ]] || fail "hang-up: read_key never reported end of input"
# Exited, zombie or not: its parent (the killed pane) is gone, and whoever
# inherits it (pid 1 of a container) may reap it late.
alive() { [[ -r /proc/$1/stat ]] && [[ $(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1) != Z ]]; }
for ((i = 0; i < 600; i++)); do  # 60 s: exiting on a loaded machine
  alive "$hup_pid" || break
  sleep 0.1
done
if alive "$hup_pid"; then
  # Still there after a minute (seen once under ASan on a loaded CI machine,
  # after read_key had reported the end): what must not happen is a spin on
  # the dead terminal. Fail if it burns CPU; a process stuck on its way out
  # (not spinning) is reported and killed by the cleanup.
  cpu() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
  c0=$(cpu "$hup_pid")
  sleep 2
  c1=$(cpu "$hup_pid")
  if (( c1 - c0 >= 100 )); then
    # Known (issue 14's note): under ASan the program spins on its way out
    # after a hang-up; the release/test build exits. Reported, not failed,
    # under ASan only, until that is found.
    [[ -n ${ASAN_OPTIONS:-} ]] || fail "hang-up: the program spins after end of input ($((c1 - c0)) ticks in 2 s)"
    echo "KNOWN: hang-up under ASan: spins on its way out after end of input ($((c1 - c0)) ticks in 2 s)"
  fi
  echo "note: hang-up: the program reported end of input but had not exited after 60 s (not spinning)"
fi
echo "ok: a hang-up is end of input"

# --- 5: cannot open -----------------------------------------------------------
rc=0
"$BIN" </dev/null >"$tmp/notty.out" 2>"$tmp/notty.err" || rc=$?
[[ $rc == 1 ]] || fail "not a tty: exit $rc, want 1"
grep -q 'not a terminal' "$tmp/notty.err" || fail "not a tty: message: $(cat "$tmp/notty.err")"
[[ ! -s "$tmp/notty.out" ]] || fail "not a tty: wrote to stdout"
cur=noterm
T new-session -d -s noterm -x 80 -y 24 \
  "TERM=sw-no-such-terminal $BIN; echo EXIT=\$?; sleep 120"
wait_for noterm '^EXIT=1$'
screen noterm | grep -q 'no usable terminfo entry' || fail "no terminfo: message not shown"
echo "ok: open fails cleanly without a tty or a terminfo entry"
