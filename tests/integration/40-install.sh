#!/usr/bin/env bash
# 40-install: "make install" into a temporary DESTDIR with PREFIX=/usr puts
# every file where docs/INSTALL.md says, with sane modes; the installed
# hotlined and hotline run; the man pages render without warnings and
# document every command and option the binaries print; the systemd units
# pass systemd-analyze verify (SKIPPED without systemd-analyze); the default
# PREFIX and SYSTEMDUNITDIR work; "make uninstall" removes every file.
# Needs $HOTLINE_BUILD and $HOTLINE_ROOT (set by scripts/run-tests.sh); the
# build must be complete (make all), nothing is rebuilt.
set -u
root=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${HOTLINE_BUILD:-$root/build}
tmp=$(mktemp -d /tmp/hotline-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS - $*"; }
fail() { echo "not ok - $*"; exit 1; }
skip() { echo "ok - SKIPPED: $*"; }
# make without the parent make's flags (jobserver, SANITIZER=...): the build
# is up to date, so install only copies.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$root" BUILD="$build" "$@"; }

d=$tmp/dest
mk PREFIX=/usr DESTDIR="$d" install >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; fail "make install"; }
ok "make install PREFIX=/usr DESTDIR=..."

# path mode
expected="usr/sbin/hotlined 755
usr/bin/hotline 755
usr/share/man/man1/hotline.1 644
usr/share/man/man5/hotline.conf.5 644
usr/share/man/man8/hotlined.8 644
usr/lib/systemd/system/hotlined.service 644
usr/lib/systemd/system/hotlined@.service 644
usr/share/doc/hotline/README.md 644
usr/share/doc/hotline/LICENSE 644
usr/share/doc/hotline/INSTALL.md 644
usr/share/doc/hotline/CONFIG.md 644
usr/share/doc/hotline/CLI.md 644
usr/share/doc/hotline/SECURITY.md 644"
for f in "$root"/docs/*.md; do
	expected="$expected
usr/share/doc/hotline/$(basename "$f") 644"
done
expected=$(echo "$expected" | sort -u)
while read -r path mode; do
	[ -f "$d/$path" ] || fail "$path not installed"
	m=$(stat -c %a "$d/$path")
	[ "$m" = "$mode" ] || fail "$path has mode $m, expected $mode"
done <<<"$expected"
ok "all $(echo "$expected" | wc -l) files installed with the expected modes"
extra=$(cd "$d" && find . -type f | sed 's|^\./||' | sort | comm -23 - <(echo "$expected" | cut -d' ' -f1))
[ -z "$extra" ] || fail "unexpected files installed: $extra"
ok "nothing else installed"
bad=$(find "$d" \( -perm -o+w -o -perm -g+w -o -perm -4000 -o -perm -2000 \) -print)
[ -z "$bad" ] || fail "group/world-writable or set-id: $bad"
bad=$(find "$d" -type d ! -perm 755 -print)
[ -z "$bad" ] || fail "directories not 0755: $bad"
ok "no writable-by-others, set-id or odd-mode entries"

v=$("$d/usr/sbin/hotlined" --version) || fail "installed hotlined --version failed"
echo "$v" | grep -Eq '^hotlined [0-9]+\.[0-9]+' || fail "hotlined --version printed '$v'"
ok "installed hotlined --version: $v"
v=$("$d/usr/bin/hotline" --version) || fail "installed hotline --version failed"
echo "$v" | grep -Eq '^hotline [0-9]+\.[0-9]+' || fail "hotline --version printed '$v'"
ok "installed hotline --version: $v"
"$d/usr/sbin/hotlined" --help >/dev/null || fail "hotlined --help"
"$d/usr/bin/hotline" --help >/dev/null || fail "hotline --help"
ok "installed binaries print their help"

unit=$d/usr/lib/systemd/system/hotlined.service
grep -qx 'ExecStart=/usr/sbin/hotlined -c /etc/hotline/node.conf' "$unit" || fail "ExecStart not rewritten to /usr/sbin"
grep -qx 'ExecStartPre=/usr/sbin/hotlined -n -c /etc/hotline/node.conf' "$unit" || fail "ExecStartPre wrong"
for k in Type=simple User=hotline StateDirectory=hotline NoNewPrivileges=yes ProtectSystem=strict \
	ProtectHome=yes PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes \
	ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes ProtectClock=yes \
	ProtectHostname=yes 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' RestrictNamespaces=yes \
	LockPersonality=yes MemoryDenyWriteExecute=yes RestrictRealtime=yes RestrictSUIDSGID=yes \
	SystemCallArchitectures=native SystemCallFilter=@system-service CapabilityBoundingSet= \
	UMask=0077 ReadWritePaths=/var/lib/hotline Restart=on-failure; do
	grep -qx -- "$k" "$unit" || fail "hotlined.service lacks '$k'"
done
grep -q '^DynamicUser' "$unit" && fail "hotlined.service uses DynamicUser"
ok "hotlined.service: ExecStart paths and every hardening setting present"

# man pages: render without warnings (groff -ww; man --warnings)
if command -v groff >/dev/null 2>&1; then
	for m in man1/hotline.1 man5/hotline.conf.5 man8/hotlined.8; do
		groff -man -ww -z "$d/usr/share/man/$m" 2>"$tmp/groff.err" || fail "groff failed on $m"
		[ -s "$tmp/groff.err" ] && { cat "$tmp/groff.err"; fail "groff warnings in $m"; }
	done
	ok "man pages render with groff -man -ww without warnings"
else
	skip "groff not installed: man pages not rendered"
fi
if command -v man >/dev/null 2>&1; then
	for m in man1/hotline.1 man5/hotline.conf.5 man8/hotlined.8; do
		MANWIDTH=80 man --warnings -l "$d/usr/share/man/$m" >"$tmp/$(basename "$m").txt" 2>"$tmp/man.err" ||
			fail "man failed on $m"
		[ -s "$tmp/man.err" ] && { cat "$tmp/man.err"; fail "man --warnings: $m"; }
	done
	ok "man pages render with man --warnings without warnings"
	# every command and option the CLI documents in its help is in hotline(1)
	txt=$tmp/hotline.1.txt
	cmds=$("$d/usr/bin/hotline" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z]*\( [a-z][a-z]*\)\{0,1\}\) .*/\1/p')
	[ "$(echo "$cmds" | wc -l)" -ge 9 ] || fail "could not read the command list from hotline --help: $cmds"
	for c in $(echo "$cmds" | tr ' ' '_'); do
		c=${c//_/ }
		grep -q "^   $c\b" "$txt" || fail "hotline(1) has no section for '$c'"
		[ "$c" = help ] && continue
		for o in $("$d/usr/bin/hotline" help $c | grep -o -- '--[a-z][a-z+-]*' | sort -u); do
			grep -q -- "$o" "$txt" || fail "hotline(1) does not mention $o of '$c'"
		done
	done
	for e in HOTLINE_CONF HOTLINE_USER HOTLINE_PASSWORD HOTLINE_API "EXIT STATUS"; do
		grep -q "$e" "$txt" || fail "hotline(1) does not mention $e"
	done
	ok "hotline(1) covers every command and option of hotline help, the environment and exit status"
	txt=$tmp/hotlined.8.txt
	for o in $("$d/usr/sbin/hotlined" --help | grep -o -- '-[a-z-]\+' | sort -u) --version SIGTERM SIGHUP FILES; do
		grep -q -- "$o" "$txt" || fail "hotlined(8) does not mention $o"
	done
	ok "hotlined(8) covers every option hotlined --help prints, signals and files"
	txt=$tmp/hotline.conf.5.txt
	# every key of docs/CONFIG.md: the first column of each "| key |" table,
	# "`a`, `b`" naming two; the man page must have it as a tag (a line at
	# the tag indent, possibly "a, b" or "a (required)")
	keys=$(awk -F'|' '/^\| key \|/ { t = 1; next }
		t && /^\|/ { c = $2; while (match(c, /`[a-z_0-9]+`/)) {
			print substr(c, RSTART + 1, RLENGTH - 2); c = substr(c, RSTART + RLENGTH) }; next }
		{ t = 0 }' "$root/docs/CONFIG.md" | sort -u)
	nk=$(echo "$keys" | wc -w)
	[ "$nk" -ge 40 ] || fail "only $nk keys read from docs/CONFIG.md's tables"
	for k in $keys; do
		grep -Eq "^       ([a-z_0-9]+, )*$k(,|\b)" "$txt" || fail "hotline.conf(5) does not describe key '$k'"
	done
	nsec=0
	while IFS= read -r sec; do
		grep -qF "SECTION [$sec]" "$txt" || fail "hotline.conf(5) has no SECTION [$sec]"
		nsec=$((nsec + 1))
	done < <(sed -n 's/^## \[\(.*\)\]$/\1/p' "$root/docs/CONFIG.md")
	[ "$nsec" -ge 7 ] || fail "only $nsec sections read from docs/CONFIG.md"
	ok "hotline.conf(5) describes every key ($nk) and section ($nsec) of docs/CONFIG.md"
else
	skip "man not installed: man pages not checked"
fi

# systemd units: systemd-analyze verify. ExecStart must name an existing
# executable, so verify copies whose paths point into DESTDIR; the man:
# pages of Documentation= are looked up in DESTDIR's man tree.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$tmp/verify"
	for u in hotlined.service hotlined@.service; do
		sed "s#/usr/sbin/hotlined#$d/usr/sbin/hotlined#g" "$d/usr/lib/systemd/system/$u" >"$tmp/verify/$u"
	done
	MANPATH=$d/usr/share/man systemd-analyze verify "$tmp/verify/hotlined.service" \
		"$tmp/verify/hotlined@.service" >"$tmp/verify.log" 2>&1 ||
		{ cat "$tmp/verify.log"; fail "systemd-analyze verify"; }
	[ -s "$tmp/verify.log" ] && { cat "$tmp/verify.log"; fail "systemd-analyze verify printed warnings"; }
	ok "systemd-analyze verify: hotlined.service and hotlined@.service clean (man pages found)"
	exposure=$(systemd-analyze security --offline=yes "$tmp/verify/hotlined.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for hotlined.service: \([0-9.]*\).*/\1/p')
	if [ -n "$exposure" ]; then
		awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "systemd-analyze security exposure $exposure > 2.0"
		ok "systemd-analyze security: exposure $exposure (<= 2.0)"
	fi
else
	skip "systemd-analyze not installed: units not verified"
fi

mk PREFIX=/usr DESTDIR="$d" uninstall >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; fail "make uninstall"; }
left=$(find "$d" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
ok "make uninstall removes every installed file"

# default PREFIX=/usr/local; SYSTEMDUNITDIR override
d2=$tmp/dest2
mk DESTDIR="$d2" SYSTEMDUNITDIR=/lib/systemd/system install >"$tmp/make.log" 2>&1 ||
	{ cat "$tmp/make.log"; fail "make install (default PREFIX)"; }
[ -x "$d2/usr/local/sbin/hotlined" ] && [ -x "$d2/usr/local/bin/hotline" ] &&
	[ -f "$d2/usr/local/share/man/man8/hotlined.8" ] &&
	[ -f "$d2/usr/local/share/doc/hotline/INSTALL.md" ] || fail "default PREFIX is not /usr/local"
grep -qx 'ExecStart=/usr/local/sbin/hotlined -c /etc/hotline/node.conf' "$d2/lib/systemd/system/hotlined.service" ||
	fail "SYSTEMDUNITDIR or the ExecStart rewrite for /usr/local"
ok "default PREFIX=/usr/local, SYSTEMDUNITDIR honoured, unit names /usr/local/sbin/hotlined"
# leave the build's generated units as a default install would make them
mk install-units-gen >/dev/null 2>&1
echo "# 40-install: $CHECKS checks passed"
