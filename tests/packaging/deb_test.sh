#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` in the build tree, its control file
# (dependencies from dpkg-shlibdeps, all installed here), its contents (binary,
# man page, completions, docs), then the unpacked binary runs: -V names
# sockwatch, -tan prints ss's header (and, as root in a fresh network
# namespace, exactly what ss prints there).
# Usage: deb_test.sh BUILD_DIR
set -uo pipefail
build=$1
command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null || {
  echo "dpkg-dev is not installed"
  exit 77
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log"; echo "FAIL: cpack"; exit 1; }
deb=$(ls "$tmp"/out/sockwatch_*.deb 2>/dev/null | head -1)
[[ -f $deb ]] || { cat "$tmp/cpack.log"; echo "FAIL: no .deb"; exit 1; }
echo "package: $(basename "$deb")"

field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == sockwatch ]] || bad "Package: $(field Package)"
[[ -n $(field Version) ]] || bad "no Version"
[[ $(field Architecture) == "$(dpkg --print-architecture)" ]] || bad "Architecture: $(field Architecture)"
deps=$(field Depends)
echo "Depends: $deps"
names=$(tr ',' '\n' <<<"$deps" | sed 's/(.*//; s/|.*//' | tr -d ' ')
for need in libc6 libstdc++6 libmnl0 libfmt9; do
  grep -qxF "$need" <<<"$names" || bad "Depends lacks $need (dpkg-shlibdeps)"
done
# Every dependency is satisfiable on this (Debian) machine.
for d in $names; do
  dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "install ok installed" || bad "$d not installed here"
done

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/sockwatch ./usr/share/man/man8/sockwatch.8.gz \
  ./usr/share/bash-completion/completions/sockwatch ./usr/share/zsh/vendor-completions/_sockwatch \
  ./usr/share/doc/sockwatch/README.md ./usr/share/doc/sockwatch/json-schema.md \
  ./usr/share/doc/sockwatch/filter-language.md ./usr/share/doc/sockwatch/known_diffs.md \
  ./usr/share/man/man8/sockwatch-log.8.gz ./usr/share/doc/sockwatch/log.md \
  ./usr/share/doc/sockwatch/schema/log-event.schema.json \
  ./usr/share/doc/sockwatch/schema/log-event-ecs.schema.json \
  ./usr/lib/systemd/system/sockwatch-log.service ./usr/lib/sockwatch/sockwatch-http.so \
  ./usr/share/doc/sockwatch/examples/sockwatch-log.logrotate; do
  grep -qxF "$f" <<<"$contents" || bad "package lacks $f"
done
grep -q '^\./usr/local' <<<"$contents" && bad "files under /usr/local"

root=$tmp/root
dpkg-deb -x "$deb" "$root" || bad "dpkg-deb -x"
sw=$root/usr/bin/sockwatch
v=$("$sw" -V) || bad "installed sockwatch -V exited $?"
[[ $v =~ ^ss\ utility,\ iproute2-6\.1\.0\ \(sockwatch\ $(field Version)\)$ ]] || bad "-V: $v"
gzip -t "$root/usr/share/man/man8/sockwatch.8.gz" || bad "man page is not gzip"
out=$("$sw" -tan) || bad "installed sockwatch -tan exited $?"
[[ $(head -1 <<<"$out") == "$(ss -tan | head -1)" ]] || bad "-tan header: $(head -1 <<<"$out")"
if [[ $(id -u) == 0 ]] && unshare -n true 2>/dev/null; then
  a=$(unshare -n sh -c 'ip link set lo up; ss -tan') b=$(unshare -n sh -c "ip link set lo up; '$sw' -tan")
  [[ $a == "$b" ]] || bad "-tan in an empty namespace differs from ss"
  # metrics --listen loads its HTTP module from the package's lib/sockwatch/:
  # one scrape of the installed binary, in an empty namespace.
  cat >"$tmp/listen.sh" <<'EOS'
ip link set lo up
"$1" metrics --this-netns --no-findings --listen 127.0.0.1:9100 2>"$2" &
pid=$!
for ((i = 0; i < 600; i++)); do
  exec 3<>/dev/tcp/127.0.0.1/9100 && break
  kill -0 $pid || break
  sleep 0.1
done 2>/dev/null
printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && grep -c '^sockwatch_scrapes_total' <&3
kill $pid
wait $pid
EOS
  m=$(unshare -n bash "$tmp/listen.sh" "$sw" "$tmp/listen.err" 2>/dev/null)
  [[ $m == 1 ]] || bad "installed metrics --listen served no exposition: $(cat "$tmp/listen.err")"
fi
((fail == 0)) && echo "package ok: $(wc -l <<<"$contents") entries"
exit $fail
