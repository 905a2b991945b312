#!/usr/bin/env bash
# What `cmake --install` puts on a machine, installed into a temporary DESTDIR: the programs run,
# the config is the annotated example and chatd accepts it, a second install keeps an operator's
# edits, and systemd finds nothing wrong in the unit (with its paths pointed at the DESTDIR).
# usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1" source="$2"
root="$(mktemp -d "${TMPDIR:-/tmp}/chatd-install-XXXXXX")"
trap 'rm -rf "$root"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR="$root" cmake --install "$build" > "$root/install.log"
prefix="$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")"
[ "$prefix" = /usr ] && etc=/etc || etc="$prefix/etc"
bin="$root$prefix/bin" conf="$root$etc/chatd/chatd.conf"
unit="$root$prefix/lib/systemd/system/chatd.service"

for f in "$bin/chatd" "$bin/chatreplay"; do [ -x "$f" ] || fail "$f is not installed"; done
for f in chatd.conf.example operations.md accounts.md; do
  [ -f "$root$prefix/share/doc/chatd/$f" ] || fail "doc $f is not installed"
done
cmp -s "$conf" "$source/chatd.conf.example" || fail "$conf is not chatd.conf.example"
"$bin/chatd" --version | grep -Eq '^chatd [0-9]+\.[0-9]+\.[0-9]+ \(log schema [0-9]+\)$' || fail "--version"
(cd "$root" && "$bin/chatd" --check-config --config "$conf") | grep -qx 'config ok' || fail "the installed config is refused"
"$bin/chatreplay" --help > /dev/null || fail "chatreplay does not run"

# An operator's edit survives a reinstall.
echo 'max-connections = 100' >> "$conf"
DESTDIR="$root" cmake --install "$build" > "$root/install2.log"
grep -q '^Kept: ' <(sed 's/^-- //' "$root/install2.log") || fail "the second install did not say it kept the config"
tail -1 "$conf" | grep -qx 'max-connections = 100' || fail "the second install overwrote the config"

# The unit: the keys the packaging promises, and systemd's own check with no complaint at all.
for key in 'Type=notify' 'DynamicUser=yes' 'StateDirectory=chatd' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
           'PrivateTmp=yes' 'CapabilityBoundingSet=' "ExecStart=$prefix/bin/chatd --config $etc/chatd/chatd.conf"; do
  grep -qx "$key" "$unit" || fail "the unit lacks $key"
done
if command -v systemd-analyze > /dev/null; then
  sed "s|$prefix/bin/|$bin/|g; s|$etc/chatd/|$root$etc/chatd/|g" "$unit" > "$root/chatd.service"
  out="$(systemd-analyze verify "$root/chatd.service" 2>&1)" || fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
else
  fail "systemd-analyze is missing (scripts/install-deps.sh installs systemd)"
fi
echo "install ok: $prefix"
