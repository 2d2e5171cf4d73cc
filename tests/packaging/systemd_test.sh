#!/usr/bin/env bash
# The systemd units in dist/systemd: systemd-analyze verify accepts each with
# no warning at all (verify exits 0 even for an unknown setting, so any output
# fails), every option an ExecStart= gives is in its subcommand's options
# table, and each timer has its service. sockwatch-log keeps its own checks
# (LogsDirectory, SIGHUP reload).
# Usage: systemd_test.sh SOURCE_DIR SOCKWATCH
set -uo pipefail
src=$1 bin=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# verify checks that ExecStart's program exists: point it at the built binary.
for unit in "$src"/dist/systemd/*.service "$src"/dist/systemd/*.timer; do
  sed "s|^ExecStart=/usr/bin/sockwatch |ExecStart=$bin |" "$unit" >"$tmp/$(basename "$unit")"
done
for unit in "$src"/dist/systemd/*.service "$src"/dist/systemd/*.timer; do
  name=$(basename "$unit")
  out=$(cd "$tmp" && systemd-analyze verify --man=no "$tmp/$name" 2>&1)
  st=$?
  ((st == 0)) || bad "$name: systemd-analyze verify exited $st"
  [[ -z $out ]] || bad "$name: systemd-analyze verify: $out"
  if [[ $name == *.timer ]]; then
    [[ -e $src/dist/systemd/${name%.timer}.service ]] || bad "$name has no ${name%.timer}.service"
    continue
  fi
  exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
  sub=$(awk '{print $2}' <<<"$exec_start")
  [[ $exec_start == "/usr/bin/sockwatch $sub"* ]] || bad "$name: ExecStart does not run sockwatch: $exec_start"
  table="k$(tr '[:lower:]' '[:upper:]' <<<"${sub:0:1}")${sub:1}Options"
  grep -q "const OptionDoc $table\[\] = {" "$src/app/subcommands.cpp" || bad "$name: no options table $table"
  for o in $(grep -o -- ' --[a-z-]*' <<<"$exec_start"); do
    grep -qF "\"${o#--}\"" <(sed -n "/const OptionDoc $table\[\] = {/,/^};/p" "$src/app/subcommands.cpp") ||
      bad "$name: ExecStart uses $o, which sockwatch $sub does not document"
  done
  echo "unit ok: $name: $exec_start"
done
log=$src/dist/systemd/sockwatch-log.service
grep -q '^LogsDirectory=sockwatch$' "$log" || bad "sockwatch-log: no LogsDirectory=sockwatch"
grep -q '^ExecReload=.*-HUP' "$log" || bad "sockwatch-log: ExecReload does not send SIGHUP"
exit $fail
