#!/bin/bash
# t/requiretls_verify.sh - REQUIRETLS feasibility through the daemon's own
# milter steps (-q drives them): 550 5.7.30 at RCPT and at end of message,
# on_error for checks that cannot finish, testing mode, skipped mailers,
# no lookup at all for unflagged mail, against the signed DNS test bed
# (t/dnsbed) in a loopback-only network namespace.  Root.  TAP.
LC_ALL=C
export LC_ALL
TP_BUILDDIR=${TP_BUILDDIR:-$(pwd)}
TP_SRCDIR=${TP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=$TP_BUILDDIR/milter/tlspolicy-milter

if [ "$(id -u)" != 0 ] || [ -z "${TP_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "1..1"; echo "not ok 1 - needs root (network namespace)"; exit 1; }
	# a loopback-only namespace: nothing of this test leaves the machine
	exec env TP_IN_NS=1 TP_BUILDDIR="$TP_BUILDDIR" TP_SRCDIR="$TP_SRCDIR" \
	    unshare -n bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi

D=$(mktemp -d /tmp/tp-rtv.XXXXXX) || exit 1
BODY=$D/tap
: >"$BODY"
n=0
failed=0
. "$TP_SRCDIR/t/tap.sh"
DNSBED_EXTRA=""
. "$TP_SRCDIR/t/dnsbed/dnsbed.sh"
cleanup() { dnsbed_stop "$D" >/dev/null 2>&1; }
trap cleanup EXIT

if ! dnsbed_start "$D" >"$D/bed.log" 2>&1; then
	echo "1..1"; echo "not ok 1 - the signed DNS test bed started"; sed 's/^/# /' "$D/bed.log" | tail -20
	exit 1
fi

conf() {	# conf NAME [EXTRA REQUIRETLS KEYS] [EXTRA TOP-LEVEL TEXT]
	cat >"$D/$1.conf" <<CONF
socket = "unix:$D/milter.sock";
mta = "postfix";
${4:-}
rules = ( { recipient = "lawfirm.example"; requiretls = true; } );
requiretls = {
  verify = "dnssec-or-mta-sts"; timeout = 4; ${2:-}
  content = ( { header = "Subject"; match = "^\\\\s*\\\\[secure\\\\]\\\\s*"; strip = true; caseless = true; } );
};
dns = { resolver = "127.0.0.1"; trust_anchor_file = "$D/anchor"; timeout = 2; ${3:-} };
CONF
}
conf main
conf testing 'mode = "testing";'
conf accept '' '' 'on_error = "accept";'
conf dead '' '' ''
sed -i 's|resolver = "127.0.0.1"|resolver = "127.0.0.99"|' "$D/dead.conf"

# q DESC EXPECTED-EXIT CONF ARGS... -- PATTERN...   (a pattern "!X": X must not appear)
q() {
	desc=$1 want=$2 cf=$3
	shift 3
	args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	start=$(date +%s%N)
	out=$(timeout 30 "$BIN" -c "$D/$cf.conf" -q tls_version=TLSv1.3 cipher_bits=256 "${args[@]}" 2>&1)
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	bad=""
	[ "$rc" = "$want" ] || bad="exit $rc, expected $want"
	for p in "$@"; do
		case $p in
		!*) if printf '%s\n' "$out" | grep -qF -- "${p#!}"; then bad="$bad; unexpected: ${p#!}"; fi ;;
		*) printf '%s\n' "$out" | grep -qF -- "$p" || bad="$bad; missing: $p" ;;
		esac
	done
	if [ -z "$bad" ]; then ok "$desc"; else notok "$desc" "$bad" "output:"; printf '%s\n' "$out" | sed 's/^/#   /' >>"$BODY"; fi
	LAST_MS=$ms
}

S="sender=alice@sender.test"
q "secure MX (DNSSEC): a flagged recipient is accepted, evidence names the MX" 0 main $S \
	rcpt=bob+requiretls@secure.example -- "result=yes" "method=dnssec" "mx=mx.secure.example dnssec=secure" \
	"X-RequireTLS: yes"
q "insecure MX, no MTA-STS: 550 5.7.30 at RCPT naming the domain and the reason" 3 main $S \
	rcpt=bob+requiretls@insecure.example -- \
	"550 5.7.30 insecure.example cannot receive mail that requires TLS: no DNSSEC-secure MX and no MTA-STS policy"
q "null MX: 550 5.7.30 with its own reason" 3 main $S rcpt=bob+requiretls@nullmx.example -- \
	"550 5.7.30 nullmx.example cannot receive mail that requires TLS: the domain accepts no mail (null MX)"
q "secure NXDOMAIN: 550 5.7.30 with its own reason" 3 main $S rcpt=bob+requiretls@nothere.secure.example -- \
	"the domain does not exist (DNSSEC-secure NXDOMAIN)"
q "bogus MX is never insecure: on_error (451 4.4.3), not a 5.7.30 and not accepted" 4 main $S \
	rcpt=bob+requiretls@bogus.example -- "451 4.4.3" "bogus MX RRset" "!result=yes"
q "a name server that never answers: 451 4.4.3 within the timeout" 4 main $S \
	rcpt=bob+requiretls@slow.example -- "451 4.4.3" "no answer within"
[ "$LAST_MS" -lt 6000 ]
if [ $? = 0 ]; then ok "... answered in ${LAST_MS} ms (dns.timeout 2 s; bound 6 s)"; else notok "... answered in ${LAST_MS} ms, over 6 s"; fi
q "on_error = accept: a check that cannot finish lets the recipient pass" 0 accept $S \
	rcpt=bob+requiretls@slow.example -- "result=tempfail" "X-RequireTLS: yes"
q "testing mode: would-reject is logged, the recipient is accepted" 0 testing $S \
	rcpt=bob+requiretls@insecure.example -- "verdict=would-reject" "550 5.7.30" "X-RequireTLS: yes"
q "a recipient rule with requiretls = true is checked at RCPT" 3 main $S rcpt=bob@lawfirm.example -- \
	"550 5.7.30 lawfirm.example"
q "unflagged mail costs nothing: no lookup" 0 main $S rcpt=bob@insecure.example -- "!requiretls-check"
q "unflagged mail with the DNS server down: accepted at once, no lookup" 0 dead $S rcpt=bob@slow.example \
	rcpt=carol@insecure.example -- "!requiretls-check" "!451"
[ "$LAST_MS" -lt 1500 ]
if [ $? = 0 ]; then ok "... in ${LAST_MS} ms (no wait on the dead resolver)"; else notok "... took ${LAST_MS} ms: something waited on DNS"; fi
q "flagged by content (Subject [secure]): refused at end of message naming every infeasible domain" 3 main $S \
	rcpt=a@secure.example rcpt=b@insecure.example rcpt=c@nullmx.example "header=Subject: [secure] contract" -- \
	"550 5.7.30 insecure.example, nullmx.example cannot receive mail that requires TLS" \
	"insecure.example: no DNSSEC-secure MX" "nullmx.example: the domain accepts no mail"
q "content flag, three silent domains: checked at once, one 451 naming all three" 4 main $S \
	rcpt=a@a.slow.example rcpt=b@b.slow.example rcpt=c@c.slow.example "header=Subject: [secure] x" -- \
	"451 4.4.3" "a.slow.example, b.slow.example, c.slow.example"
[ "$LAST_MS" -lt 4000 ]
if [ $? = 0 ]; then ok "... in ${LAST_MS} ms: about one dns.timeout (2 s), not three"; else notok "... took ${LAST_MS} ms: the checks ran one after another"; fi
q "content flag, all domains feasible: accepted and routed" 0 main $S rcpt=a@secure.example \
	"header=Subject: [secure] contract" -- "result=yes" "X-RequireTLS: yes"
q "a tag on a later recipient flags the message: the earlier recipient's domain is checked at EOM" 3 main $S \
	rcpt=a@insecure.example rcpt=b+requiretls@secure.example -- "stage=eom" "550 5.7.30 insecure.example"
q "a refused flagged recipient takes its flag back: the other recipient's message is not flagged" 3 main $S \
	rcpt=x+requiretls@insecure.example rcpt=y@secure.example -- "550 5.7.30 insecure.example" \
	"requiretls: not flagged" "some recipients refused" "!X-RequireTLS: yes" "!becomes <x@insecure.example>"
q "a local mailer is not checked" 0 main $S rcpt=bob+requiretls@insecure.example rcpt_mailer=local -- \
	"!requiretls-check" "X-RequireTLS: yes"
q "an explicit [nexthop] route is not checked" 0 main $S rcpt=bob+requiretls@insecure.example \
	"rcpt_host=[127.0.0.1]:2527" rcpt_mailer=smtp -- "!requiretls-check"
q "the SMTP mailer is checked" 3 main $S rcpt=bob+requiretls@insecure.example rcpt_mailer=smtp \
	rcpt_host=insecure.example -- "requiretls-check" "550 5.7.30"
# a bad trust anchor is a load error, not a silent "everything insecure"
sed "s|$D/anchor|$D/no-such-anchor|" "$D/main.conf" >"$D/badanchor.conf"
out=$("$BIN" -c "$D/badanchor.conf" -t 2>&1); rc=$?
if [ "$rc" != 0 ] && printf '%s' "$out" | grep -q "requiretls verify"; then ok "a missing trust anchor file fails the load (-t exit $rc)"
else notok "a missing trust anchor file fails the load" "exit $rc: $out"; fi

echo "1..$n"
cat "$BODY"
dnsbed_stop "$D" >/dev/null 2>&1
trap - EXIT
[ "$failed" = 0 ] && rm -rf "$D" >/dev/null 2>&1
[ "$failed" = 0 ]
