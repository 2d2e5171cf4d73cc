#!/usr/bin/env bash
# The systemd unit of `sockwatch log`: systemd-analyze verify accepts it with
# no warning at all (verify exits 0 even for an unknown setting, so any output
# fails), and every option its ExecStart= gives is in the log options table.
# Usage: systemd_test.sh SOURCE_DIR SOCKWATCH
set -uo pipefail
src=$1 bin=$2
unit=$src/dist/systemd/sockwatch-log.service
command -v systemd-analyze >/dev/null || { echo "systemd-analyze is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# verify checks that ExecStart's program exists: point it at the built binary.
sed "s|^ExecStart=/usr/bin/sockwatch |ExecStart=$bin |" "$unit" >"$tmp/sockwatch-log.service"
out=$(systemd-analyze verify --man=no "$tmp/sockwatch-log.service" 2>&1)
st=$?
((st == 0)) || bad "systemd-analyze verify exited $st"
[[ -z $out ]] || bad "systemd-analyze verify: $out"

exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[[ $exec_start == "/usr/bin/sockwatch log "* ]] || bad "ExecStart does not run sockwatch log: $exec_start"
for o in $(grep -o -- ' --[a-z-]*' <<<"$exec_start"); do
  grep -qF "\"${o#--}\"" <(sed -n '/const OptionDoc kLogOptions\[\] = {/,/^};/p' "$src/app/subcommands.cpp") ||
    bad "ExecStart uses $o, which sockwatch log does not document"
done
grep -q '^LogsDirectory=sockwatch$' "$unit" || bad "no LogsDirectory=sockwatch"
grep -q '^ExecReload=.*-HUP' "$unit" || bad "ExecReload does not send SIGHUP"
((fail == 0)) && echo "unit ok: $exec_start"
exit $fail
