#!/bin/bash
# t/probe_live.sh - the live STARTTLS probe (common/probe) against real
# servers, TAP on stdout.
#
# Inside a loopback-only network namespace of its own, each server on its own
# 127.0.0.x address (port 25, the production default):
#   127.0.0.10  aiosmtpd, STARTTLS, REQUIRETLS after STARTTLS (test CA, chain)
#   ::1         the same, over IPv6
#   127.0.0.11  aiosmtpd without STARTTLS
#   127.0.0.12  accepts, never sends a banner
#   127.0.0.13  EHLO reply with a 100 KB line
#   127.0.0.14  resets the connection after EHLO
#   127.0.0.15  says 220 to STARTTLS, then nothing (TLS handshake stall)
#   127.0.0.16  454 to STARTTLS
#   127.0.0.17  resets the connection right after the banner
#   127.0.0.18  resets the connection right after its 220 to STARTTLS
#   127.0.0.19  accept queue full: SYNs dropped (connect timeout)
#   127.0.0.20  answers like a web server
#   127.0.0.21  554 banner
#   127.0.0.22  plaintext glued behind its 220 to STARTTLS (injection)
#   127.0.0.23  closes the connection right after its 220 to STARTTLS
#   127.0.0.99  nothing listens (connection refused)
#   127.0.0.1   a private Postfix (STARTTLS, no REQUIRETLS) on a test port
# and drives them with t/probe_driver: PKIX (right name, wrong name, other
# CA, default store), DANE (TLSA 3 1 1 / 2 0 1 / unusable / mismatching),
# faults bounded by their deadline, several addresses, several threads.
# Needs root, util-linux, iproute2, openssl, postfix, python3-aiosmtpd.

# make check may start this with sh: continue in bash
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TP_SRCDIR=${TP_SRCDIR:-$(cd "$HERE/.." && pwd)}
TP_BUILDDIR=${TP_BUILDDIR:-$(pwd)}
# shellcheck source=t/integration/lib.sh
. "$TP_SRCDIR/t/integration/lib.sh"

DRIVER=$TP_BUILDDIR/t/probe_driver
PY=/usr/bin/python3             # Debian's python3 has aiosmtpd; one earlier on PATH may not
SERVER=$TP_SRCDIR/t/probe_server.py
FAULT_MS=2000                   # deadline of each fault probe
SLACK_MS=1000                   # generous: a loaded machine, but never "hangs"
# "at once" means well before the fault deadline: a sanitizer build on a
# loaded 2-core machine can take a second for a refused connection
ONCE_MS=$((FAULT_MS - 300))

[ "$(id -u)" = 0 ] || tp_die "must run as root (network namespace, port 25, Postfix)"
for c in unshare nsenter ip ss openssl postfix postconf; do
	command -v "$c" >/dev/null 2>&1 || tp_die "missing program: $c"
done
[ -x "$DRIVER" ] || tp_die "$DRIVER not built (make check builds it)"
"$PY" -c 'import aiosmtpd' 2>/dev/null || tp_die "$PY cannot import aiosmtpd (Debian package python3-aiosmtpd)"

tp_init probe-live
tp_ns_start
PKI=$TP_TMP/pki
tp_ca_make "$PKI"
cat "$PKI/server.crt" "$PKI/ca.crt" >"$PKI/chain.pem"   # the CA in the chain, for DANE-TA(2)

# hashes for TLSA records
spki_sha256() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
spki_sha512() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha512 -r | cut -d' ' -f1; }
cert_sha256() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
SRV_SPKI=$(spki_sha256 "$PKI/server.crt")
SRV_SPKI512=$(spki_sha512 "$PKI/server.crt")
OTHER_SPKI=$(spki_sha256 "$PKI/partner.crt")
CA_CERT=$(cert_sha256 "$PKI/ca.crt")
[ ${#SRV_SPKI} = 64 ] && [ ${#SRV_SPKI512} = 128 ] && [ ${#CA_CERT} = 64 ] || tp_die "cannot hash the test certificates"

# server MODE ADDR: start t/probe_server.py in the namespace, wait for "ready"
server() {
	local mode=$1 addr=$2 out=$TP_TMP/server-$1-${2//:/_}.log
	nsenter -t "$TP_NS" -n "$PY" "$SERVER" "$mode" "$addr" 25 "$PKI/chain.pem" "$PKI/server.key" >"$out" 2>&1 &
	tp_track $! "probe_server $mode $addr"
	tp_wait_for 10 grep -qs '^ready' "$out" || { cat "$out"; tp_die "probe_server $mode on $addr did not start"; }
}
server requiretls 127.0.0.10
server requiretls ::1
server plain 127.0.0.11
server silent 127.0.0.12
server bigline 127.0.0.13
server reset 127.0.0.14
server tlsstall 127.0.0.15
server starttls454 127.0.0.16
server earlyreset 127.0.0.17
server tlsreset 127.0.0.18
server blackhole 127.0.0.19
server garbage 127.0.0.20
server banner554 127.0.0.21
server inject 127.0.0.22
server tlsclose 127.0.0.23
PF_PORT=$(tp_port 25)
tp_postfix_start "$TP_TMP/postfix" "$PF_PORT" none "$(tp_port 27)" "$PKI"

N=0
# probe ARGS...: run the driver in the namespace; OUT = its output file,
# WALL = wall-clock milliseconds, RC = exit status
probe() {
	N=$((N + 1))
	OUT=$TP_TMP/probe-$N.out
	local t0 t1
	t0=$(date +%s%3N)
	tp_ns "$DRIVER" "$@" >"$OUT" 2>&1
	RC=$?
	t1=$(date +%s%3N)
	WALL=$((t1 - t0))
	printf '# args: %s\n' "$*" >>"$OUT"
}
# val KEY: KEY's value in the first block of OUT
val() { sed -n "/^--\$/q; s/^$1=//p" "$OUT" | head -n 1; }

# check DESCR KEY=ERE...: one test point over the last probe's output
check() {
	local kv
	tp_begin "$1"; shift
	for kv in "$@"; do
		tp_expect_match "${kv%%=*}" "$(val "${kv%%=*}")" "${kv#*=}"
	done
	# the driver exits 0 when the probe ran, 1 for a refused request;
	# a sanitizer report (build-san) fails the point too
	[ "$RC" = "$([ "$(val rc)" = 0 ] && echo 0 || echo 1)" ] || tp_fail_msg "driver exit status $RC"
	! grep -qE 'Sanitizer|runtime error:' "$OUT" || tp_fail_msg "sanitizer report"
	tp_attach "$OUT"
	tp_end
}
# within DESCR MIN MAX: the last probe's wall time lies in [MIN, MAX] ms
within() {
	tp_begin "$1 (took ${WALL} ms, bound [$2, $3])"
	[ "$WALL" -ge "$2" ] && [ "$WALL" -le "$3" ] || tp_fail_msg "wall time $WALL ms outside [$2, $3]"
	tp_end
}

GOOD=(--mx mx.example.test --addr 127.0.0.10)
CA=(--ca "$PKI/ca.crt")
OTHERCA=(--ca "$PKI/partner-ca.crt")

# ---- (a) PKIX against a server that announces REQUIRETLS
probe "${GOOD[@]}" "${CA[@]}"
check "REQUIRETLS server, right certificate: feasible by pkix" rc='^0$' status='^feasible$' verified='^pkix$' \
	addr='^127\.0\.0\.10$' tried='^1$' dane_unusable='^0$' tls_version='^TLSv1\.[23]$' cipher='.' \
	subject='CN=mx\.example\.test' issuer='CN=tlspolicy Test CA'
probe --mx mx.example.test --addr ::1 "${CA[@]}"
check "the same over IPv6: feasible" status='^feasible$' addr='^::1$' verified='^pkix$'
probe --mx MX.Example.Test. --addr 127.0.0.10 "${CA[@]}"
check "MX name in upper case with a trailing dot: feasible" status='^feasible$'
probe --mx wrong.example.test --addr 127.0.0.10 "${CA[@]}"
check "wrong name: infeasible" status='^infeasible$' verified='^none$' \
	reason='^certificate not valid for wrong\.example\.test: .*hostname mismatch' subject='CN=mx\.example\.test'
probe "${GOOD[@]}" "${OTHERCA[@]}"
check "certificate of another CA: infeasible" status='^infeasible$' \
	reason='^certificate not valid for mx\.example\.test: (unable to get local issuer certificate|self-signed certificate in certificate chain)' \
	issuer='CN=tlspolicy Test CA'
probe "${GOOD[@]}" --ca ""
check "default store (the test CA is not in it): infeasible" status='^infeasible$' \
	reason='^certificate not valid for mx\.example\.test'
probe "${GOOD[@]}" --ca "$TP_TMP/no-such-file.pem"
check "unreadable CA file: tempfail, not a silent pass" status='^tempfail$' reason='^cannot load CA'
probe "${GOOD[@]}" "${CA[@]}" --threads 16
tp_begin "16 probes in 16 threads at once: all feasible"
[ "$(grep -c '^status=feasible$' "$OUT")" = 16 ] || tp_fail_msg "$(grep -c '^status=feasible$' "$OUT") of 16 feasible"
! grep -qE 'Sanitizer|runtime error:' "$OUT" || tp_fail_msg "sanitizer report"
[ "$RC" = 0 ] || tp_fail_msg "driver exit status $RC"
tp_attach "$OUT" '^(status|reason)='
tp_end

# ---- (b) real Postfix: STARTTLS, a valid certificate, no REQUIRETLS
probe --mx mx.example.test --addr 127.0.0.1 --port "$PF_PORT" "${CA[@]}"
check "Postfix (STARTTLS, no REQUIRETLS): infeasible" status='^infeasible$' \
	reason='^no REQUIRETLS after STARTTLS$' verified='^pkix$' tls_version='^TLSv1\.[23]$' subject='CN=mx\.example\.test'

# ---- (c) DANE: TLSA records the caller found DNSSEC-secure
probe "${GOOD[@]}" "${OTHERCA[@]}" --tlsa "3 1 1 $SRV_SPKI"
check "TLSA 3 1 1 matching, CA file that does not trust it: feasible by dane" status='^feasible$' verified='^dane$' dane_unusable='^0$'
probe --mx other.example.test --addr 127.0.0.10 "${OTHERCA[@]}" --tlsa "3 1 1 $SRV_SPKI"
check "TLSA 3 1 1: no name check for DANE-EE (other MX name): feasible" status='^feasible$' verified='^dane$'
probe "${GOOD[@]}" "${OTHERCA[@]}" --tlsa "3 1 2 $SRV_SPKI512"
check "TLSA 3 1 2 (SHA-512) matching: feasible by dane" status='^feasible$' verified='^dane$'
probe "${GOOD[@]}" "${CA[@]}" --tlsa "3 1 1 $OTHER_SPKI"
check "TLSA 3 1 1 mismatching (even with a trusting CA file): infeasible" status='^infeasible$' \
	reason='^certificate not valid for mx\.example\.test: .*TLSA.*\(DANE\)$'
probe "${GOOD[@]}" "${OTHERCA[@]}" --tlsa "3 1 1 $OTHER_SPKI" --tlsa "3 1 1 $SRV_SPKI"
check "TLSA RRset with one matching record of two: feasible by dane" status='^feasible$' verified='^dane$'
probe "${GOOD[@]}" "${OTHERCA[@]}" --tlsa "2 0 1 $CA_CERT"
check "TLSA 2 0 1 of the issuing CA: feasible by dane" status='^feasible$' verified='^dane$'
probe --mx wrong.example.test --addr 127.0.0.10 "${OTHERCA[@]}" --tlsa "2 0 1 $CA_CERT"
check "TLSA 2 0 1 with the wrong MX name (DANE-TA checks names): infeasible" status='^infeasible$' \
	reason='^certificate not valid for wrong\.example\.test'
probe "${GOOD[@]}" "${CA[@]}" --tlsa "1 1 1 $SRV_SPKI" --tlsa "0 0 1 $CA_CERT"
check "only TLSA usages 0/1 (unusable): PKIX fallback, feasible, evidence says so" status='^feasible$' \
	verified='^pkix$' dane_unusable='^1$'
probe "${GOOD[@]}" "${OTHERCA[@]}" --tlsa "1 1 1 $SRV_SPKI"
check "unusable TLSA and a CA file that does not trust the server: infeasible" status='^infeasible$' \
	dane_unusable='^1$' reason='^certificate not valid for mx\.example\.test: (unable to get local issuer|self-signed certificate in certificate chain)'
probe "${GOOD[@]}" "${CA[@]}" --tlsa "3 1 9 $SRV_SPKI"
check "TLSA with an unknown matching type only: PKIX fallback" status='^feasible$' verified='^pkix$' dane_unusable='^1$'

# ---- (d) faults: each bounded by its deadline, the next probe not delayed
after_fault() {     # after_fault NAME: a good probe right after, fast
	probe "${GOOD[@]}" "${CA[@]}" --timeout 5000
	check "good probe right after $1: feasible" status='^feasible$'
	within "good probe right after $1 is not delayed" 0 $ONCE_MS
}
probe --mx mx.example.test --addr 127.0.0.12 "${CA[@]}" --timeout $FAULT_MS
check "banner never sent: tempfail" status='^tempfail$' reason='^timeout reading banner$' addr='^127\.0\.0\.12$'
within "banner never sent: bounded by the deadline" $((FAULT_MS - 50)) $((FAULT_MS + SLACK_MS))
after_fault "a mute server"
probe --mx mx.example.test --addr 127.0.0.11 "${CA[@]}" --timeout $FAULT_MS
check "server without STARTTLS: infeasible" status='^infeasible$' reason='^no STARTTLS$' tls_version='^$'
within "server without STARTTLS: answered at once" 0 $ONCE_MS
probe --mx mx.example.test --addr 127.0.0.16 "${CA[@]}" --timeout $FAULT_MS
check "454 to STARTTLS: tempfail" status='^tempfail$' reason='^STARTTLS refused: 454 4\.7\.0 TLS not available$'
probe --mx mx.example.test --addr 127.0.0.13 "${CA[@]}" --timeout $FAULT_MS
check "EHLO line of 100 KB: infeasible" status='^infeasible$' reason='^bad reply to EHLO: reply line longer than 512 bytes$'
within "EHLO line of 100 KB: refused without waiting for the rest" 0 $ONCE_MS
after_fault "a 100 KB EHLO line"
probe --mx mx.example.test --addr 127.0.0.14 "${CA[@]}" --timeout $FAULT_MS
check "connection reset: tempfail" status='^tempfail$' reason='^connection (reset|closed) reading reply to EHLO$'
within "connection reset: answered at once" 0 $ONCE_MS
after_fault "a reset"
probe --mx mx.example.test --addr 127.0.0.17 "${CA[@]}" --timeout $FAULT_MS
check "reset right after the banner: tempfail" status='^tempfail$' reason='^connection (reset|closed)'
within "reset right after the banner: answered at once" 0 $ONCE_MS
probe --mx mx.example.test --addr 127.0.0.18 "${CA[@]}" --timeout $FAULT_MS
check "reset after 220 to STARTTLS: tempfail" status='^tempfail$' reason='^connection (reset|closed) in TLS handshake$'
within "reset after 220 to STARTTLS: answered at once" 0 $ONCE_MS
probe --mx mx.example.test --addr 127.0.0.23 "${CA[@]}" --timeout $FAULT_MS
check "close after 220 to STARTTLS: tempfail" status='^tempfail$' reason='^connection closed in TLS handshake$'
within "close after 220 to STARTTLS: answered at once" 0 $ONCE_MS
probe --mx mx.example.test --addr 127.0.0.15 "${CA[@]}" --timeout $FAULT_MS
check "TLS handshake stall: tempfail" status='^tempfail$' reason='^timeout in TLS handshake$'
within "TLS handshake stall: bounded by the deadline" $((FAULT_MS - 50)) $((FAULT_MS + SLACK_MS))
after_fault "a TLS handshake stall"
probe --mx mx.example.test --addr 127.0.0.99 "${CA[@]}" --timeout $FAULT_MS
check "nothing listening: tempfail" status='^tempfail$' reason='^connection refused$'

probe --mx mx.example.test --addr 127.0.0.19 "${CA[@]}" --timeout $FAULT_MS
check "SYN dropped: tempfail" status='^tempfail$' reason='^timeout connecting$'
within "SYN dropped: bounded by the deadline" $((FAULT_MS - 50)) $((FAULT_MS + SLACK_MS))
after_fault "a dropped SYN"

probe --mx mx.example.test --addr 127.0.0.20 "${CA[@]}" --timeout $FAULT_MS
check "a web server: infeasible" status='^infeasible$' reason='^bad banner: malformed reply code$'
within "a web server: answered at once" 0 $ONCE_MS
probe --mx mx.example.test --addr 127.0.0.21 "${CA[@]}" --timeout $FAULT_MS
check "554 banner: infeasible" status='^infeasible$' reason='^banner: 554 5\.7\.1 no service$'
within "554 banner: answered at once (QUIT answered)" 0 $ONCE_MS
probe --mx mx.example.test --addr 127.0.0.22 "${CA[@]}" --timeout $FAULT_MS
check "plaintext behind the 220 to STARTTLS: infeasible, no handshake" status='^infeasible$' \
	reason='^unexpected data after reply to STARTTLS$' tls_version='^$'

# ---- several addresses, in order
probe --mx mx.example.test --addr 127.0.0.19 --addr 127.0.0.10 "${CA[@]}" --timeout 4000
check "black hole first, then a good one: feasible on the second" status='^feasible$' addr='^127\.0\.0\.10$' tried='^2$'
within "black hole first: it got only its share of the deadline" 1900 $((2000 + SLACK_MS))
probe --mx mx.example.test --addr 127.0.0.12 --addr 127.0.0.10 "${CA[@]}" --timeout 4000
check "mute address first, then a good one: feasible on the second" status='^feasible$' addr='^127\.0\.0\.10$' tried='^2$'
within "mute address first: it got only its share of the deadline" 1900 $((2000 + SLACK_MS))
probe --mx mx.example.test --addr 127.0.0.99 --addr 127.0.0.10 "${CA[@]}"
check "refused address first, then a good one: feasible" status='^feasible$' addr='^127\.0\.0\.10$' tried='^2$'
probe --mx mx.example.test --addr 127.0.0.11 --addr 127.0.0.12 "${CA[@]}" --timeout $FAULT_MS
check "no STARTTLS on one, mute other: the permanent answer wins" status='^infeasible$' reason='^no STARTTLS$' \
	addr='^127\.0\.0\.11$' tried='^2$'
within "no STARTTLS then mute: bounded by the deadline" 0 $((FAULT_MS + SLACK_MS))
probe --mx mx.example.test --addr 127.0.0.10 "${CA[@]}" --timeout 0
check "deadline already passed: tempfail without a connection" status='^tempfail$' tried='^0$' reason='^deadline passed'

# ---- bad requests are refused, not probed
probe --mx mx.example.test --addr not-an-address "${CA[@]}"
check "address that is not an IP: bad request" rc='^-1$' status='^tempfail$' reason='^bad request: address 1'
probe --mx 'mx.example.test evil' --addr 127.0.0.10 "${CA[@]}"
check "MX name with a space: bad request" rc='^-1$' reason='^bad request: MX name'
probe "${GOOD[@]}" "${CA[@]}" --helo $'a\r\nRCPT'
check "EHLO name with CRLF: bad request" rc='^-1$' reason='^bad request: EHLO name'

tp_plan "$TP_TESTNUM"
[ "$TP_FAILED" = 0 ]
