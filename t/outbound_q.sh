#!/bin/bash
# t/outbound_q.sh - the outbound maps (tls, requiretls, sendmail) through
# "tlspolicy-milter -q next_hop=", the same outbound_lookup the socketmap
# server answers with: DANE > MTA-STS > rules, parent-domain keys, keys
# that are not domains, temporary failures, against the signed DNS test bed
# (t/dnsbed) in a loopback-only network namespace.  Root.  TAP.
LC_ALL=C
export LC_ALL
TP_BUILDDIR=${TP_BUILDDIR:-$(pwd)}
TP_SRCDIR=${TP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=$TP_BUILDDIR/milter/tlspolicy-milter

if [ -z "${TP_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "1..1"; echo "not ok 1 - needs root (network namespace)"; exit 1; }
	exec env TP_IN_NS=1 TP_BUILDDIR="$TP_BUILDDIR" TP_SRCDIR="$TP_SRCDIR" \
	    unshare -n bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi

D=$(mktemp -d /tmp/tp-obq.XXXXXX) || exit 1
BODY=$D/tap
: >"$BODY"
n=0
failed=0
. "$TP_SRCDIR/t/tap.sh"
DNSBED_EXTRA=""
. "$TP_SRCDIR/t/dnsbed/dnsbed.sh"
trap 'dnsbed_stop "$D" >/dev/null 2>&1' EXIT
cat >"$D/extra" <<'ZONES'
# DANE with only unusable TLSA records (PKIX-TA, usage 0)
zone weak.example signed
weak.example. MX 10 mx.weak.example.
mx.weak.example. A 127.0.0.30
_25._tcp.mx.weak.example. TLSA 0 0 1 0102030405060708091011121314151617181920212223242526272829303132
ZONES
if ! dnsbed_start "$D" "$D/extra" >"$D/bed.log" 2>&1; then
	echo "1..1"; echo "not ok 1 - the signed DNS test bed started"; sed 's/^/# /' "$D/bed.log" | tail -20
	exit 1
fi
cat >"$D/m.conf" <<CONF
socket = "unix:$D/m.sock";
profiles = { strong = { min_version = "TLSv1.2"; }; };
rules = (
  { recipient = "insecure.example"; outbound = "verify"; require = "strong"; },
  { recipient = ".partner.example"; outbound = "encrypt"; },
  { recipient = "secure.example"; outbound = "encrypt"; },
  { recipient = "nullmx.example"; outbound = "dane-only"; }
);
dns = { resolver = "127.0.0.1"; trust_anchor_file = "$D/anchor"; timeout = 2; };
CONF

# a KEY MAP EXIT ANSWER DESC
a() {
	out=$(timeout 20 "$BIN" -c "$D/m.conf" -q next_hop="$1" map="$2" 2>&1)
	rc=$?
	got=$(printf '%s\n' "$out" | sed -n 's/^answer: //p')
	if [ "$rc" = "$3" ] && [ "$got" = "$4" ]; then ok "$2 $1 -> $4 ($5)"
	else notok "$2 $1 -> $4 ($5)" "exit $rc (want $3), answer '$got'"; printf '%s\n' "$out" | sed 's/^/#   /' >>"$BODY"; fi
}
a tlsa.example tls 0 "OK dane-only" "secure MX, usable TLSA: DANE first"
a tlsa.example requiretls 0 "OK dane-only" "DANE is what RFC 8689 likes best"
a tlsa.example sendmail 0 "OK VERIFY+CN" "Sendmail: verified, name of the MX"
a weak.example tls 0 "OK dane" "TLSA present, none usable: dane, not dane-only"
a secure.example tls 0 "OK encrypt" "no DANE, no MTA-STS: the admin's outbound rule"
a secure.example requiretls 0 "OK secure match=mx.secure.example servername=hostname" \
	"DNSSEC-validated MX names, listed exactly"
a insecure.example tls 0 "OK verify protocols=>=TLSv1.2" "a rule's level, its profile's min_version as protocols"
a insecure.example requiretls 0 "OK secure match=.invalid" "no evidence: a level that cannot deliver"
a insecure.example sendmail 0 "OK VERIFY" "Sendmail syntax for verify"
a x.partner.example tls 0 "OK encrypt" "a .parent rule covers a subdomain"
a .partner.example tls 0 "OK encrypt" "Postfix's parent-domain key is answered from subdomain rules"
a .insecure.example tls 1 "NOTFOUND" "an exact rule does not answer a parent-domain key"
a partner.example tls 1 "NOTFOUND" "a .parent rule does not cover the domain itself"
a nullmx.example tls 0 "OK dane-only" "an admin level the evidence cannot meet stands (the mail waits)"
a nullmx.example requiretls 0 "OK dane-only" "the admin's dane-only also holds for the strict transport"
a unknown.example tls 1 "NOTFOUND" "nothing known: Postfix's default applies"
a "[192.0.2.1]:25" tls 1 "NOTFOUND" "a [host]:port next hop is not a domain"
a "192.0.2.1" tls 1 "NOTFOUND" "an IP address is not a domain"
out=$(timeout 20 "$BIN" -c "$D/m.conf" -q next_hop=slow.example map=tls 2>&1); rc=$?
case $out in *"answer: TEMP MX lookup"*) [ "$rc" = 4 ] ;; *) false ;; esac
if [ $? = 0 ]; then ok "tls slow.example -> TEMP (a lookup that cannot finish never downgrades)"
else notok "tls slow.example -> TEMP" "exit $rc: $out"; fi
out=$(timeout 20 "$BIN" -c "$D/m.conf" -q next_hop=bogus.example map=requiretls 2>&1); rc=$?
case $out in *"answer: TEMP MX lookup: bogus"*) [ "$rc" = 4 ] ;; *) false ;; esac
if [ $? = 0 ]; then ok "requiretls bogus.example -> TEMP (bogus is never insecure)"
else notok "requiretls bogus.example -> TEMP" "exit $rc: $out"; fi
out=$(timeout 20 "$BIN" -c "$D/m.conf" -q next_hop=secure.example map=nosuch 2>&1); rc=$?
if [ "$rc" = 2 ]; then ok "an unknown map name is a usage error"; else notok "an unknown map name is a usage error" "exit $rc"; fi

echo "1..$n"
cat "$BODY"
dnsbed_stop "$D" >/dev/null 2>&1
trap - EXIT
[ "$failed" = 0 ] && rm -rf "$D" >/dev/null 2>&1
[ "$failed" = 0 ]
