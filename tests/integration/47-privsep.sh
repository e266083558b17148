#!/usr/bin/env bash
# 47-privsep: privilege separation (docs/SECURITY.md, "Processes and
# privileges"). A 0644 key file stops the start; the node runs as a network
# process and a key keeper (as root: users hotline and hotline-keys, created
# here if missing), both under seccomp (Seccomp: 2); an envelope exchange
# goes through the keeper (sign + unwrap); the ML-DSA signing keys are listed
# and rotated through it; the network process's memory holds no KEM or ML-DSA
# secret key and not the signing key (node.key: links and the operator
# API use tls.key, whose seed the same scan does find); killing the keeper
# stops the node with a non-zero exit.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
root=0
[ "$(id -u)" = 0 ] && root=1
key=$FED/JPN/node.key
tlskey=$FED/JPN/tls.key
if [ "$root" = 1 ]; then
	for u in hotline hotline-keys; do
		getent passwd "$u" >/dev/null ||
			useradd --system --no-create-home --shell /usr/sbin/nologin "$u" ||
			fail "useradd $u"
	done
	# JPN drops for real (lib.sh set user = root for the other scenarios)
	sed -i '/^user = root$/d; /^keeper_user = root$/d' "$(conf JPN)"
	chown hotline-keys: "$key"
	chown hotline: "$tlskey"
fi

# 1. secret file checks
chmod 0644 "$key"
if "$HLD" -c "$(conf JPN)" >"$T/bad.log" 2>&1; then fail "started with a 0644 key"; fi
grep -q "node.key.*mode 0644" "$T/bad.log" ||
	fail "no clear error for a 0644 key: $(cat "$T/bad.log")"
ok "a 0644 node.key stops the start: $(grep -m1 'mode 0644' "$T/bad.log" | cut -c1-160)"
chmod 0600 "$key"
if [ "$root" = 1 ]; then
	chown root: "$key"
	if "$HLD" -c "$(conf JPN)" >"$T/bad.log" 2>&1; then fail "started with a root-owned key"; fi
	grep -q "node.key: secret file has mode 0600 and owner root (uid 0); expected mode 0600 or stricter and owner hotline-keys" "$T/bad.log" ||
		fail "no clear error for a key of the wrong owner: $(cat "$T/bad.log")"
	ok "a node.key not owned by hotline-keys stops the start: $(cut -c1-200 "$T/bad.log")"
	# hotlined -n says the same, before a start is tried
	if "$HLD" -n -c "$(conf JPN)" >"$T/bad.log" 2>&1; then fail "-n passed a root-owned key"; fi
	grep -q "node.key: secret file has mode 0600 and owner root (uid 0); expected mode 0600 or stricter and owner hotline-keys" "$T/bad.log" ||
		fail "-n: no clear error for a key of the wrong owner: $(cat "$T/bad.log")"
	ok "hotlined -n catches the wrong owner too"
	chown hotline-keys: "$key"
	# tls.key belongs to the network process's user, not to the keeper's
	chown hotline-keys: "$tlskey"
	if "$HLD" -c "$(conf JPN)" >"$T/bad.log" 2>&1; then fail "started with a tls.key of hotline-keys"; fi
	grep -q "tls.key: secret file has mode 0600 and owner hotline-keys (uid [0-9]*); expected mode 0600 or stricter and owner hotline (uid" "$T/bad.log" ||
		fail "no clear error for a tls.key of the wrong owner: $(cat "$T/bad.log")"
	ok "a tls.key not owned by hotline stops the start: $(cut -c1-200 "$T/bad.log")"
	chown hotline: "$tlskey"
fi
chmod 0640 "$tlskey"
if "$HLD" -c "$(conf JPN)" >"$T/bad.log" 2>&1; then fail "started with a 0640 tls.key"; fi
grep -q "tls.key.*mode 0640" "$T/bad.log" ||
	fail "no clear error for a 0640 tls.key: $(cat "$T/bad.log")"
ok "a 0640 tls.key stops the start"
chmod 0600 "$tlskey"
"$HLD" -n -c "$(conf JPN)" >"$T/n.log" 2>&1 || fail "hotlined -n refused good key files: $(cat "$T/n.log")"
grep -q "configuration OK" "$T/n.log" || fail "hotlined -n: $(cat "$T/n.log")"
ok "hotlined -n accepts the key files with the right modes and owners"

node_start JPN
node_start KOR
wait_link JPN KOR
net=${NODE_PID[JPN]}
keeper=$(pgrep -P "$net" | head -n 1)
[ -n "$keeper" ] || fail "no key keeper process under $net"
ok "JPN runs as network process $net and key keeper $keeper"

# 2. users and seccomp
nu=$(ps -o user= -p "$net" | tr -d ' ')
ku=$(ps -o user= -p "$keeper" | tr -d ' ')
if [ "$root" = 1 ]; then
	expect_eq "$nu" hotline "network process user"
	expect_eq "$ku" hotline-keys "key keeper user"
	grep -q "Groups:	$(id -g hotline)\s*$" "/proc/$net/status" || fail "network process groups"
	ok "no supplementary groups left in the network process"
else
	echo "# not root: no user change (both run as $nu)"
fi
if grep -q 'seccomp allow-list NOT installed: sanitizer or valgrind' "$T/JPN.log"; then
	# ASan/UBSan runtimes make calls the lists forbid: the node says so
	# (make test-sanitize); the plain build below must have both filters
	skip "sanitizer build: seccomp lists not installed (logged by both processes)"
else
	expect_eq "$(awk '/^Seccomp:/ {print $2}' "/proc/$net/status")" 2 "network process Seccomp"
	expect_eq "$(awk '/^Seccomp:/ {print $2}' "/proc/$keeper/status")" 2 "key keeper Seccomp"
	expect_eq "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$net/status")" 1 "network process NoNewPrivs"
fi

# 3. an exchange both ways: sign (envelope, receipt) and unwrap via the keeper
id=$(hl JPN send --to KOR --precedence flash --classification SECRET \
	--releasable-to JPN,KOR --tlp amber "privsep outbound") || fail "send JPN -> KOR"
wait_state JPN "$id" KOR delivered
id2=$(hl KOR send --to JPN --precedence immediate --classification SECRET \
	--releasable-to JPN,KOR --tlp amber "privsep inbound") || fail "send KOR -> JPN"
wait_state KOR "$id2" JPN delivered
hl JPN show "$id2" | grep -q "privsep inbound" || fail "JPN cannot open KOR's envelope"
ok "envelopes signed and opened through the key keeper, both ways"

# 3b. the ML-DSA signing keys live in the keeper: listed through it, and
# rotated by it under its seccomp list (a new sealed file renamed over the old)
sig_fp() { hl JPN keys list --json | jq -r ".signing_keys[] | select(.suite == \"$1\") | .sha256"; }
expect_eq "$(hl JPN keys list --json | jq '.signing_keys | length')" 2 "ML-DSA signing keys listed"
fp65=$(sig_fp ml-dsa-65)
fp87=$(sig_fp ml-dsa-87)
expect_match "$fp65" '^[0-9a-f]{64}$' "ml-dsa-65 fingerprint"
hl JPN keys rotate-sig --param 65 >"$T/rotsig.txt" || fail "keys rotate-sig: $(cat "$T/rotsig.txt")"
new65=$(sig_fp ml-dsa-65)
[ "$new65" != "$fp65" ] || fail "ml-dsa-65 key unchanged by rotate-sig"
expect_eq "$(sig_fp ml-dsa-87)" "$fp87" "ml-dsa-87 key untouched"
kill -0 "$keeper" 2>/dev/null || fail "the key keeper died rotating an ML-DSA key: $(tail -n 3 "$T/JPN.log")"
n=$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from audit where event='sig-key-rotated' and detail like '%$new65%'")
expect_eq "$n" 1 "sig-key-rotated audited with the new fingerprint"
head -c 8 "$FED/JPN/data/kem/mldsa65.key" | grep -q HLSEALED || fail "new mldsa65.key not sealed"
[ ! -e "$FED/JPN/data/kem/mldsa65.key.new" ] || fail "mldsa65.key.new left behind"
if [ "$root" = 1 ]; then
	expect_eq "$(stat -c %U:%a "$FED/JPN/data/kem/mldsa65.key")" hotline-keys:600 "new mldsa65.key owner and mode"
fi
ok "ML-DSA-65 key rotated in the keeper (seccomp), sealed, audited: $fp65 -> $new65"
# a KEM rotation, the same way (new files written by the keeper after its drop)
hl JPN keys rotate >/dev/null || fail "keys rotate"
kill -0 "$keeper" 2>/dev/null || fail "the key keeper died rotating the KEM keys: $(tail -n 3 "$T/JPN.log")"
expect_eq "$(hl JPN keys list --json | jq '.current_epoch')" 2 "KEM keys rotated in the keeper"

# 4. no KEM secret key and no signing key in the network process's memory, but
# its TLS key (the control: the scan does find a key it holds); root only,
# and not under ASan (its shadow mappings are terabytes of address space)
if grep -q 'seccomp allow-list NOT installed: sanitizer' "$T/JPN.log"; then
	skip "memory scan: sanitizer build (ASan shadow memory is too large to read)"
elif [ "$root" = 1 ]; then
	python3 - "$net" "$FED/JPN" "$key" "$tlskey" "$FED/seal/JPN.key" "$HOTLINE_ROOT/tests/tools" \
		>"$T/mem.txt" 2>&1 <<'EOF' || { cat "$T/mem.txt"; fail "memory scan"; }
import base64, glob, hashlib, os, re, subprocess, sys
pid, d, key, tlskey, sealkey = sys.argv[1:6]
sys.path.insert(0, sys.argv[6])
from unseal import unseal   # the key files are sealed (tests/tools/unseal.py)
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
material = open(sealkey, "rb").read()
def read_key(f):
    return unseal(material, open(f, "rb").read(), os.path.basename(f))
def raw_priv(pem):   # last 32 bytes of the PKCS#8 DER: the raw X25519/Ed25519 key
    der = subprocess.run(["openssl", "pkey", "-outform", "DER"], input=pem,
                         capture_output=True, check=True).stdout
    return der[-32:]
secrets = {}
for f in glob.glob(d + "/data/kem/*.key"):
    t = read_key(f)
    m = re.match(rb"HLMD\x01([\x41\x57])(.{32})\Z", t, re.S)
    if m:   # an ML-DSA key: its seed xi and the secret K of sk = rho || K || ...
        kl = (6, 5) if m.group(1) == b"\x41" else (8, 7)
        secrets[f + " (ML-DSA seed)"] = m.group(2)
        secrets[f + " (ML-DSA K)"] = hashlib.shake_256(m.group(2) + bytes(kl)).digest(128)[96:]
        continue
    pem = re.search(rb"-----BEGIN PRIVATE KEY-----.*?-----END PRIVATE KEY-----\n", t, re.S).group(0)
    secrets[f + " (X25519)"] = raw_priv(pem)
    m = re.search(rb"-----BEGIN HOTLINE ML-KEM SEED-----\n(.*?)\n-----END", t, re.S)
    if m:
        secrets[f + " (ML-KEM seed)"] = base64.b64decode(m.group(1))
mem = b""
with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as m:
    for line in maps:
        addr, perms = line.split()[:2]
        if "r" not in perms:
            continue
        lo, hi = (int(x, 16) for x in addr.split("-"))
        try:
            m.seek(lo)
            mem += m.read(hi - lo)
        except (OSError, ValueError, OverflowError):
            pass
print("scanned %d bytes, %d KEM and ML-DSA secrets" % (len(mem), len(secrets)))
bad = [n for n, s in secrets.items() if s in mem]
ed = raw_priv(read_key(key)) in mem
tls = raw_priv(read_key(tlskey)) in mem
# the seal key: neither its material nor the key derived from it stays in
# the network process once it has read its TLS key
kek = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"hotline seal key v1",
           info=b"key-encryption key").derive(material)
if kek in mem or material.strip() in mem:
    bad.append("the seal key")
print("seed of node.key (signing) in the network process: %s" % ("yes" if ed else "no"))
print("seed of tls.key (control) in the network process: %s" % ("yes" if tls else "no"))
if ed:
    bad.append("node.key (Ed25519 signing key)")
if bad or len(secrets) < 3 or not tls:
    print("FOUND: " + ", ".join(bad) + ("" if tls else "; control failed: tls.key not found"))
    sys.exit(1)
EOF
	ok "no KEM or ML-DSA secret key in the network process: $(head -n 1 "$T/mem.txt")"
	ok "no signing key in the network process: $(sed -n 2p "$T/mem.txt")"
	ok "no seal key in the network process (neither its file nor the derived key)"
	ok "control: the scan finds the TLS key it holds: $(sed -n 3p "$T/mem.txt")"
else
	skip "memory scan: not root"
fi

# 5. the keeper dies: the node stops with a non-zero exit
kill -9 "$keeper"
for i in $(seq 1 50); do kill -0 "$net" 2>/dev/null || break; sleep 0.1; done
kill -0 "$net" 2>/dev/null && fail "node still running after its keeper was killed"
wait "$net"
rc=$?
unset "NODE_PID[JPN]"
[ "$rc" -ne 0 ] || fail "node exited 0 after its keeper was killed"
grep -q "key keeper (pid $keeper) killed by signal 9" "$T/JPN.log" || fail "no log line for the keeper's death"
ok "keeper killed: node exits $rc and logs it"

# 6. restart (as systemd would): the files the first run created still pass the checks
node_start JPN
wait_link JPN KOR
expect_eq "$(sig_fp ml-dsa-65)" "$new65" "the rotated ML-DSA-65 key after the restart"
ok "node restarts with the key and store files it created"
echo "# $SCENARIO: $CHECKS checks passed"
