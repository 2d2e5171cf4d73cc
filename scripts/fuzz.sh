#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a bounded
# time on a corpus seeded from the test fixtures. Any crash, leak or sanitizer
# report fails (UBSan is made fatal: by default it only prints and goes on).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
build=${SW_FUZZ_BUILD:-build/fuzz}  # CI: inside the repo; override for a private build
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSOCKWATCH_FUZZ=ON -DSOCKWATCH_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_filter fuzz_nlmsg fuzz_procnet \
  fuzz_dumpfile fuzz_text fuzz_evidence >/dev/null
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Seeds: the filter corpus, the recorded dumps (with a table byte in front), /proc fixtures;
# for dumpfile the whole files with a mode byte in front (0: --replay, 1: TCPDIAG_FILE).
mkdir -p "$work/filter" "$work/nlmsg" "$work/procnet" "$work/dumpfile" "$work/text" "$work/evidence"
i=0
while IFS= read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  printf '%s' "${line#*| }" | tr ' ' '\n' > "$work/filter/seed$((i++))"
done < tests/fixtures/filters/corpus.txt
# Deep and long shapes (issue 12), small enough for -max_len: nesting, 'not'
# chains, flat or/and chains. The full-size ones are regressions below.
{ printf '(\n%.0s' {1..900}; printf 'dport\n=\n1\n'; printf ')\n%.0s' {1..900}; } \
  > "$work/filter/deep-parens"
printf 'not\n%.0s' {1..1000} > "$work/filter/deep-nots"; printf 'dport\n=\n1' >> "$work/filter/deep-nots"
for op in or and; do
  for j in $(seq 1 200); do printf 'dst\n10.0.0.%d\n%s\n' $((j % 250)) "$op"; done \
    > "$work/filter/chain-$op"
  printf 'sport\n=\n1' >> "$work/filter/chain-$op"
done
for d in tests/golden/dumps/*.dump; do
  { printf '\x00'; cat "$d"; } > "$work/nlmsg/$(basename "$d")"
done
{ printf '\x06'; cat tests/golden/dumps/all_families.rec; } > "$work/nlmsg/unix.rec"
# vsock, tipc, xdp answers (byte fixtures from tests/unit/family_fixture.hpp), with the
# table byte of Table::VsockStream, Tipc, Xdp.
{ printf '\x0c'; cat tests/fixtures/families/vsock.bin; } > "$work/nlmsg/vsock.bin"
{ printf '\x0e'; cat tests/fixtures/families/tipc.bin; } > "$work/nlmsg/tipc.bin"
{ printf '\x0f'; cat tests/fixtures/families/xdp.bin; } > "$work/nlmsg/xdp.bin"
{ printf '\x02'; cat tests/fixtures/families/families.rec; } > "$work/dumpfile/replay-families.rec"
for d in tests/golden/dumps/*.dump; do
  { printf '\x00'; cat "$d"; } > "$work/dumpfile/replay-$(basename "$d")"
  { printf '\x03'; cat "$d"; } > "$work/dumpfile/tcpdiag-$(basename "$d")"
done
for d in tests/golden/dumps/*.rec; do
  { printf '\x02'; cat "$d"; } > "$work/dumpfile/replay-$(basename "$d")"
done
cp tests/fixtures/packet/proc_*.txt "$work/procnet/" 2>/dev/null || true
for f in /proc/net/tcp /proc/net/unix /proc/net/sockstat /proc/net/snmp; do
  cp "$f" "$work/procnet/$(basename "$f")" 2>/dev/null || true
done

# Text: each invalid class RFC 3629 names, a C1 control, and plain names.
printf 'sw\xed\xa0\x80s' > "$work/text/surrogate"
printf 'sw\xc0\xafo' > "$work/text/overlong"
printf 'sw\xf4\x90\x80\x80x' > "$work/text/above"
printf 'a\xc2\x9b2J' > "$work/text/c1"
printf 'caf\xc3\xa9 /run/x.sock' > "$work/text/plain"

# Evidence payloads: the sample the codec's unit test encodes (a process with
# every fd kind, a namespace with a cross-view), kept as a seed file.
cp tests/fixtures/evidence/*.cbor "$work/evidence/"

status=0
for t in filter nlmsg procnet dumpfile text evidence; do
  # Every input that once crashed stays a regression test.
  if compgen -G "fuzz/regressions/$t/*" >/dev/null; then
    "$build/fuzz/fuzz_$t" -timeout=10 -rss_limit_mb=2048 fuzz/regressions/$t/* \
      >"$work/$t.regress.log" 2>&1 ||
      { echo "fuzz_$t: regression input fails"; tail -20 "$work/$t.regress.log"; status=1; }
  fi
  # Whole recordings are 3-16 KB; the message parsers are happy with 4 KB.
  max_len=4096
  [[ $t == dumpfile ]] && max_len=20000
  # SW_FUZZ_SEED fixes libFuzzer's random walk, so CI's short run follows the
  # same path every time (the /proc seeds still come from the machine); unset,
  # every run explores anew.
  if "$build/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=$max_len -timeout=10 \
      ${SW_FUZZ_SEED:+-seed=$SW_FUZZ_SEED} \
      -artifact_prefix="$work/$t-" "$work/$t" >"$work/$t.log" 2>&1; then
    runs=$(grep -oE 'Done [0-9]+ runs' "$work/$t.log" | tail -1)
    echo "fuzz_$t: ${runs:-done} in ${secs}s, no crash"
  else
    echo "fuzz_$t: FAILED"; tail -30 "$work/$t.log"
    ls "$work"/"$t"-* 2>/dev/null && cp "$work"/"$t"-* . 2>/dev/null || true
    status=1
  fi
done
exit $status
