#!/bin/sh
# t/explain.sh - "tlspolicy-milter -q" (explain mode): exit statuses, the
# decision lines, the MTA's answer, and the REQUIRETLS section.
#
# Run by "make check" (automake TAP driver) or by hand:
#   TP_BUILDDIR=/path/to/build TP_SRCDIR=/path/to/source sh t/explain.sh
# Env: TP_BUILDDIR (daemon at $TP_BUILDDIR/milter/tlspolicy-milter),
#      MILTERTEST (optional path of miltertest, for the one comparison of a
#      -q decision line with the daemon's log line for the same inputs).
#
# The configs are written to a temp dir, removed on success and kept (and
# named) on failure.

LC_ALL=C
export LC_ALL

TP_BUILDDIR=${TP_BUILDDIR:-$(pwd)}
TP_SRCDIR=${TP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=$TP_BUILDDIR/milter/tlspolicy-milter
MT=${MILTERTEST:-}
[ -n "$MT" ] || MT=$(command -v miltertest 2>/dev/null)
TMPBASE=${TMPDIR:-/tmp}
# a unix socket path must fit in sun_path (108 bytes)
[ ${#TMPBASE} -le 40 ] || TMPBASE=/tmp

if [ ! -x "$BIN" ]; then
	echo "1..1"
	echo "not ok 1 - daemon not built: $BIN"
	exit 1
fi

D=$(mktemp -d "$TMPBASE/tp-explain.XXXXXX") || exit 1
BODY=$D/tap
: >"$BODY"
n=0
failed=0

. "$TP_SRCDIR/t/tap.sh"

# ---- configs ----

cat >"$D/main.conf" <<EOF
# explain.sh: main policy
socket = "unix:$D/milter.sock";
pidfile = "$D/milter.pid";
profiles = {
  tls     = { encrypted = true; };
  strong  = { min_version = "TLSv1.2"; min_bits = 128; };
  partner = { min_version = "TLSv1.2"; client_cert = "verified"; issuer = "Partner CA"; };
};
requiretls = {
  content = (
    { header = "Subject"; match = "^\\\\s*\\\\[secure\\\\]\\\\s*"; strip = true; caseless = true; }
  );
};
rules = (
  { sender = "bank.example"; require = "strong"; },
  { recipient = "secure.example"; require = "tls";
    reply = "550 5.7.10 Mail for %{domain} needs TLS (%{reason}), from %{sender}"; },
  { recipient = "busy.example"; require = "tls"; action = "tempfail"; },
  { recipient = ".lawfirm.example"; requiretls = true; },
  { client = "192.0.2.0/24"; require = "partner"; },
  { client = "2001:db8::/32"; require = "tls";
    reply = "550 5.7.10 Client %{client} must use STARTTLS"; }
);
EOF

cat >"$D/off.conf" <<EOF
# explain.sh: no requiretls block
socket = "unix:$D/milter.sock";
profiles = { tls = { encrypted = true; }; };
rules = ( { recipient = "secure.example"; require = "tls"; } );
EOF

cat >"$D/limit.conf" <<EOF
# explain.sh: a content rule that backtracks catastrophically on some subjects
socket = "unix:$D/milter.sock";
requiretls = {
  content = ( { header = "Subject"; match = "(\\\\w+\\\\s?)*!|\\\\[secure\\\\]"; } );
};
EOF

cat >"$D/bad.conf" <<EOF
# explain.sh: a broken file (line 4)
socket = "unix:$D/milter.sock";
profiles = { tls = { encrypted = true; }; };
colour = "blue";
rules = ( { recipient = "secure.example"; require = "tls"; } );
EOF

cat >"$D/ciphers.conf" <<EOF
# explain.sh: cipher exclusions and the testing header
socket = "unix:$D/milter.sock";
testing_header = "X-TLSPolicy-Testing";
profiles = {
  strong = { min_version = "TLSv1.2"; exclude_ciphers = [ "RC4", "3DES", "NULL", "EXPORT", "DES-CBC", "MD5", "aNULL" ]; };
};
rules = (
  { sender = "bank.example"; require = "strong"; },
  { recipient = "pilot.example"; require = "strong"; mode = "testing"; }
);
EOF

MAIN=$D/main.conf
# the line of main.conf holding a fixed string (rule labels carry FILE:LINE)
line_of() {
	grep -n -F -- "$1" "$MAIN" | head -n 1 | cut -d: -f1
}
L_BANK=$(line_of '{ sender = "bank.example"')
L_SECURE=$(line_of '{ recipient = "secure.example"')
L_BUSY=$(line_of '{ recipient = "busy.example"')
L_LAW=$(line_of '{ recipient = ".lawfirm.example"')
L_V4=$(line_of '{ client = "192.0.2.0/24"')
L_V6=$(line_of '{ client = "2001:db8::/32"')
L_CONTENT=$(line_of '{ header = "Subject"')

# ---- the checks ----

# q DESCRIPTION STATUS CONF [WORD...] -- [NEEDLE...]
# Runs "tlspolicy-milter -c CONF -q WORD..."; one TAP line: the exit status is
# STATUS and every NEEDLE holds.  A NEEDLE is a fixed string that must appear
# in stdout; "!TEXT": must not appear in stdout; "2>TEXT": must appear on stderr.
q() {
	desc=$1
	want=$2
	conf=$3
	shift 3
	: >"$D/words"
	: >"$D/needles"
	dest=words
	for a in "$@"; do
		if [ $dest = words ] && [ "$a" = -- ]; then
			dest=needles
			continue
		fi
		printf '%s\n' "$a" >>"$D/$dest"
	done
	set --
	while IFS= read -r a; do
		set -- "$@" "$a"
	done <"$D/words"
	"$BIN" -c "$conf" -q "$@" >"$D/out" 2>"$D/err"
	rc=$?
	problems=
	[ "$rc" = "$want" ] || problems="exit status $rc, expected $want"
	while IFS= read -r nd; do
		case $nd in
		"!"*) grep -F -q -- "${nd#!}" "$D/out" && problems="$problems
stdout contains (but must not): ${nd#!}" ;;
		"2>"*) grep -F -q -- "${nd#2>}" "$D/err" || problems="$problems
expected on stderr: ${nd#2>}" ;;
		*) grep -F -q -- "$nd" "$D/out" || problems="$problems
expected in stdout: $nd" ;;
		esac
	done <"$D/needles"
	if [ -z "$problems" ]; then
		ok "$desc"
	else
		notok "$desc" "command: -c $conf -q $(sed 's/.*/"&"/' "$D/words" | tr '\n' ' ')"
		printf '%s\n' "$problems" | sed '/^$/d; s/^/# /' >>"$BODY"
		echo "#   stdout:" >>"$BODY"
		diagfile "$D/out"
		echo "#   stderr:" >>"$BODY"
		diagfile "$D/err"
	fi
}

PLAIN="session is not encrypted (no STARTTLS)"

# exit statuses and decision lines
q "accepted: sender rule met over TLSv1.3/256, exit 0" 0 "$MAIN" \
	sender=a@bank.example tls_version=TLSv1.3 cipher_bits=256 -- \
	"decision stage=mail queue=- client=- sender=<a@bank.example> rcpt=- tls=TLSv1.3 bits=256" \
	"rule=\"sender bank.example ($MAIN:$L_BANK)\" verdict=pass reason=\"requirements met\"" \
	"verdict: accepted" "!=> the MTA answers"
q "rejected at MAIL: plaintext from bank.example, exit 3, default reply" 3 "$MAIN" \
	sender=a@bank.example -- \
	"rule=\"sender bank.example ($MAIN:$L_BANK)\" verdict=reject reason=\"$PLAIN\"" \
	"  => the MTA answers: 550 5.7.10 Mail from bank.example is accepted only over TLS: $PLAIN" \
	"verdict: refused at MAIL FROM" "!requiretls:"
q "rejected at MAIL: TLSv1.1 below min_version, reason names both versions" 3 "$MAIN" \
	sender=a@bank.example tls_version=TLSv1.1 cipher_bits=256 -- \
	"verdict=reject reason=\"TLSv1.1 is below the required TLSv1.2\""
q "rejected at RCPT: reply template expanded (%{domain} %{reason} %{sender}), exit 3" 3 "$MAIN" \
	sender=a@sender.example rcpt=x@secure.example -- \
	"decision stage=rcpt queue=- client=- sender=<a@sender.example> rcpt=<x@secure.example> tls=none" \
	"rule=\"recipient secure.example ($MAIN:$L_SECURE)\" verdict=reject reason=\"$PLAIN\"" \
	"  => the MTA answers: 550 5.7.10 Mail for secure.example needs TLS ($PLAIN), from <a@sender.example>" \
	"verdict: every recipient refused"
q "recipient rule over TLS: pass, exit 0" 0 "$MAIN" \
	sender=a@sender.example rcpt=x@secure.example tls_version=TLSv1.2 cipher_bits=128 -- \
	"rule=\"recipient secure.example ($MAIN:$L_SECURE)\" verdict=pass" "verdict: accepted"
q "tempfailed at RCPT (action tempfail): exit 4, 450 4.7.10" 4 "$MAIN" \
	sender=a@sender.example rcpt=x@busy.example -- \
	"rule=\"recipient busy.example ($MAIN:$L_BUSY)\" verdict=tempfail reason=\"$PLAIN\"" \
	"  => the MTA answers: 450 4.7.10 Mail for busy.example is accepted only over TLS: $PLAIN"
q "one recipient rejected, one tempfailed, one accepted: exit 3 (reject wins), some recipients refused" 3 "$MAIN" \
	sender=a@sender.example rcpt=x@busy.example rcpt=y@secure.example rcpt=z@other.example -- \
	"verdict=tempfail" "verdict=reject" "rcpt <z@other.example>: no rule applies" \
	"verdict: some recipients refused"
q "no rule applies anywhere: exit 0" 0 "$MAIN" \
	sender=a@sender.example rcpt=z@other.example -- \
	"mail: no rule applies" "rcpt <z@other.example>: no rule applies" "verdict: accepted"
q "null sender (sender=): sender rules skipped, recipient rules apply" 3 "$MAIN" \
	sender= rcpt=x@secure.example -- \
	"mail: no rule applies" "sender=<> rcpt=<x@secure.example>" "verdict=reject"

# client rules
q "client rule, IPv4 192.0.2.7 plaintext: rejected at MAIL" 3 "$MAIN" \
	sender=a@sender.example client=192.0.2.7 -- \
	"session: client=192.0.2.7 tls=none" \
	"client=192.0.2.7 sender=<a@sender.example>" \
	"rule=\"client 192.0.2.0/24 ($MAIN:$L_V4)\" verdict=reject reason=\"$PLAIN\"" \
	"  => the MTA answers: 550 5.7.10 Mail from client 192.0.2.7 is accepted only over TLS: $PLAIN"
q "client rule, IPv6 2001:db8::5 plaintext: rejected with the template (%{client})" 3 "$MAIN" \
	sender=a@sender.example client=2001:db8::5 -- \
	"rule=\"client 2001:db8::/32 ($MAIN:$L_V6)\" verdict=reject" \
	"  => the MTA answers: 550 5.7.10 Client 2001:db8::5 must use STARTTLS"
q "client IPv6 2001:db8::5 over TLS: pass" 0 "$MAIN" \
	sender=a@sender.example client=2001:db8::5 tls_version=TLSv1.3 cipher_bits=256 -- \
	"rule=\"client 2001:db8::/32 ($MAIN:$L_V6)\" verdict=pass" "verdict: accepted"
q "client IPv6 2001:db9::5 outside the prefix: no rule" 0 "$MAIN" \
	sender=a@sender.example client=2001:db9::5 -- \
	"mail: no rule applies" "!rule=\"client"
q "mta=sendmail verify=OK cert_issuer=/CN=Partner+20CA against the issuer profile: pass" 0 "$MAIN" \
	sender=a@sender.example client=192.0.2.7 mta=sendmail tls_version=TLSv1.2 cipher_bits=256 verify=OK \
	"cert_subject=/CN=relay.partner.example" cert_issuer=/CN=Partner+20CA -- \
	"mta=sendmail" "cert=verified" \
	"rule=\"client 192.0.2.0/24 ($MAIN:$L_V4)\" verdict=pass reason=\"requirements met\"" \
	"verdict: accepted"
q "mta=sendmail verify=FAIL: the certificate is not proven, rejected with 550 5.7.1" 3 "$MAIN" \
	sender=a@sender.example client=192.0.2.7 mta=sendmail tls_version=TLSv1.2 cipher_bits=256 verify=FAIL \
	"cert_subject=/CN=relay.partner.example" cert_issuer=/CN=Partner+20CA -- \
	"verdict=reject" "  => the MTA answers: 550 5.7.1 "
q "mta=sendmail verify=OK, issuer /CN=Other+20CA: rejected, reason names both issuers" 3 "$MAIN" \
	sender=a@sender.example client=192.0.2.7 mta=sendmail tls_version=TLSv1.2 cipher_bits=256 verify=OK \
	"cert_subject=/CN=relay.partner.example" cert_issuer=/CN=Other+20CA -- \
	"verdict=reject" "  => the MTA answers: 550 5.7.1 " "Other CA" "Partner CA"

# usage and config errors
q "unknown key: exit 2, named on stderr" 2 "$MAIN" \
	sender=a@sender.example colour=blue -- "2>unknown key 'colour'"
q "no sender=: exit 2" 2 "$MAIN" \
	rcpt=x@secure.example -- "2>needs sender="
q "a word that is not key=value: exit 2" 2 "$MAIN" \
	sender=a@sender.example rcpt -- "2>'rcpt' is not key=value"
q "header= without \"Name: value\": exit 2" 2 "$MAIN" \
	sender=a@sender.example header=Subject -- "2>header 'Subject' is not \"Name: value\""
q "header= with an empty name: exit 2" 2 "$MAIN" \
	sender=a@sender.example "header=: value" -- "2>is not \"Name: value\""
q "a config with errors: exit 1, FILE:LINE on stderr, no decision printed" 1 "$D/bad.conf" \
	sender=a@sender.example -- "2>$D/bad.conf:4: error: unknown key 'colour'" "!decision "

# REQUIRETLS
q "requiretls: off without a requiretls block" 0 "$D/off.conf" \
	sender=a@sender.example rcpt=a+requiretls@x.example -- \
	"requiretls: off (no requiretls block in the config)" "!becomes"
q "requiretls: not flagged without a trigger" 0 "$MAIN" \
	sender=a@sender.example rcpt=a@x.example "header=Subject: Q3" -- \
	"requiretls: not flagged" "!header added"
q "address tag: flagged (tag), the recipient becomes untagged, fields listed" 0 "$MAIN" \
	sender=a@sender.example rcpt=a+requiretls@x.example rcpt=b@y.example "header=Subject: hi" -- \
	"requiretls: flagged (tag): address tag <a+requiretls@x.example>" \
	"  recipient <a+requiretls@x.example> becomes <a@x.example>" \
	"  header added: X-RequireTLS: yes" \
	"  header added: X-RequireTLS-Reason: address tag <a+requiretls@x.example>" \
	"!<b@y.example> becomes" "!is deleted"
q "address tag in another case and after other + parts: A+Other+RequireTLS" 0 "$MAIN" \
	sender=a@sender.example rcpt=A+Other+RequireTLS@x.example -- \
	"  recipient <A+Other+RequireTLS@x.example> becomes <A+Other@x.example>"
q "not a tag: a+requiretls+b and a quoted local part" 0 "$MAIN" \
	sender=a@sender.example rcpt=a+requiretls+b@x.example 'rcpt="a+requiretls"@x.example' -- \
	"requiretls: not flagged"
q "content rule: flagged (content) with file:line, Subject #1 stripped" 0 "$MAIN" \
	sender=a@sender.example rcpt=b@y.example "header=From: a@sender.example" "header=Subject: [secure] Q3" -- \
	"requiretls: flagged (content): content Subject ($MAIN:$L_CONTENT)" \
	'  header Subject #1 becomes "Q3"' \
	"  header added: X-RequireTLS-Reason: content Subject ($MAIN:$L_CONTENT)"
q "content rule on the second Subject field: #2" 0 "$MAIN" \
	sender=a@sender.example "header=Subject: first" "header=subject: [SECURE] second" -- \
	'  header subject #2 becomes "second"'
q "TLS-Required: No on a flagged message: deleted; tag and content both named" 0 "$MAIN" \
	sender=a@sender.example rcpt=a+requiretls@x.example "header=Subject: [secure] Q3" "header=TLS-Required: No" -- \
	"requiretls: flagged (tag,content): address tag <a+requiretls@x.example>; content Subject ($MAIN:$L_CONTENT)" \
	"  header TLS-Required #1 is deleted" '  header Subject #1 becomes "Q3"'
q "TLS-Required: No on an unflagged message: kept" 0 "$MAIN" \
	sender=a@sender.example rcpt=b@y.example "header=Subject: hi" "header=TLS-Required: No" -- \
	"requiretls: not flagged" "!is deleted"
q "recipient rule with requiretls = true: flagged (rule), no recipient rewritten" 0 "$MAIN" \
	sender=a@sender.example rcpt=p@a.lawfirm.example "header=Subject: contract" -- \
	"requiretls: flagged (rule): rule recipient .lawfirm.example ($MAIN:$L_LAW)" "!becomes <"
q "REQUIRETLS parameter over TLS: flagged (param)" 0 "$MAIN" \
	sender=a@sender.example param=REQUIRETLS tls_version=TLSv1.3 cipher_bits=256 rcpt=b@y.example -- \
	"requiretls: flagged (param): MAIL FROM parameter REQUIRETLS"
q "REQUIRETLS parameter on a plaintext session: exit 3, 530 5.7.10" 3 "$MAIN" \
	sender=a@sender.example param=REQUIRETLS rcpt=b@y.example -- \
	"rule=\"REQUIRETLS parameter\" verdict=reject reason=\"REQUIRETLS on a plaintext session\"" \
	"  => the MTA answers: 530 5.7.10 REQUIRETLS needs a TLS session: use STARTTLS first" \
	"verdict: refused at MAIL FROM" "!requiretls: flagged"
q "a refused tagged recipient is not rewritten" 3 "$MAIN" \
	sender=a@sender.example rcpt=a+requiretls@secure.example -- \
	"verdict=reject" "requiretls: not flagged" "!becomes"

# issue 9: -q runs the daemon's own milter steps
q "-q says what the daemon logs at end of message (the requiretls line)" 0 "$MAIN" \
	sender=a@sender.example rcpt=a+requiretls@x.example -- \
	"requiretls queue=- client=- sender=<a@sender.example> triggers=tag rcpts_rewritten=1 headers_changed=0"
# defect 2: a pattern that hits the PCRE2 match limit reaches on_error (tempfail), not "not flagged"
q "content pattern over its match limit: on_error (tempfail), exit 4" 4 "$D/limit.conf" \
	sender=a@sender.example rcpt=b@y.example \
	"header=Subject: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa [secure]" -- \
	"requiretls: error" "rule=\"on_error\" verdict=tempfail" \
	"  => the MTA answers: 451 4.3.0 TLS policy check failed: " "!requiretls: not flagged" "!verdict: accepted"
# defect 3: every TLS-Required: No, whatever the count
set -- sender=a@sender.example rcpt=a+requiretls@x.example
i=0
while [ $i -lt 35 ]; do set -- "$@" "header=TLS-Required: No"; i=$((i + 1)); done
q "35 TLS-Required: No fields on a flagged message: all deleted, #35 to #1" 0 "$MAIN" "$@" -- \
	"  header TLS-Required #35 is deleted" "  header TLS-Required #30 is deleted" \
	"  header TLS-Required #1 is deleted" "headers_changed=35"
# defect 9: a Subject that is only the tag keeps the field
q "Subject that is only [secure]: kept as one space (empty would delete it)" 0 "$MAIN" \
	sender=a@sender.example rcpt=b@y.example "header=Subject: [secure]" -- \
	'  header Subject #1 becomes " "'
# defect 9: the 65th rcpt= (and later) are decided too
set -- sender=a@sender.example
i=0
while [ $i -lt 69 ]; do set -- "$@" "rcpt=r$i@other.example"; i=$((i + 1)); done
q "70 rcpt= words: the 70th (secure.example, plaintext) is rejected, exit 3" 3 "$MAIN" "$@" rcpt=x@secure.example -- \
	"rcpt=<x@secure.example>" "verdict=reject" "verdict: some recipients refused"
# defect 12: long addresses are parsed whole or refused, whatever on_error says
long=$(printf '%0300d' 0)
q "sender with a 300-byte local part in bank.example: refused with 553 5.1.7, exit 3" 3 "$MAIN" \
	"sender=$long@bank.example" tls_version=TLSv1.3 cipher_bits=256 -- \
	"verdict=reject" "  => the MTA answers: 553 5.1.7 Sender address too long to check its TLS policy"
q "recipient with a 300-byte local part: refused with 553 5.1.3, exit 3" 3 "$MAIN" \
	sender=a@sender.example "rcpt=$long@secure.example" -- \
	"  => the MTA answers: 553 5.1.3 Recipient address too long to check its TLS policy"
route=$(i=0; while [ $i -lt 40 ]; do printf '@relay%02d.example,' $i; i=$((i + 1)); done)
q "sender of 600+ bytes (a source route) in bank.example: parsed whole, the rule applies" 3 "$MAIN" \
	"sender=${route%,}:a@bank.example" -- \
	"rule=\"sender bank.example ($MAIN:$L_BANK)\" verdict=reject"

# cipher exclusions (exclude_ciphers) with either MTA's {cipher}, and testing_header
CIPH=$D/ciphers.conf
L_PILOT=$(grep -n -F '{ recipient = "pilot.example"' "$CIPH" | cut -d: -f1)
for mta in postfix sendmail; do
	q "$mta: DES-CBC3-SHA (112 bits) from bank.example: rejected, reply names the cipher" 3 "$CIPH" \
		sender=a@bank.example mta=$mta tls_version=TLSv1.2 cipher=DES-CBC3-SHA cipher_bits=112 -- \
		"verdict=reject reason=\"cipher DES-CBC3-SHA is excluded (3DES)\"" \
		"  => the MTA answers: 550 5.7.10 Mail from bank.example is accepted only over TLS: cipher DES-CBC3-SHA is excluded (3DES)"
	q "$mta: TLS_AES_256_GCM_SHA384 from bank.example: pass" 0 "$CIPH" \
		sender=a@bank.example mta=$mta tls_version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 cipher_bits=256 -- \
		"verdict=pass" "verdict: accepted" "!header added"
	q "$mta: TLS without {cipher}: fails closed" 3 "$CIPH" \
		sender=a@bank.example mta=$mta tls_version=TLSv1.2 cipher_bits=256 -- \
		"reason=\"cipher unknown (the MTA did not send {cipher}), some ciphers are excluded\""
	q "$mta: RC4-MD5 to pilot.example (testing): accepted, the testing field says it would be rejected" 0 "$CIPH" \
		sender=a@open.example rcpt=b@pilot.example mta=$mta tls_version=TLSv1.2 cipher=RC4-MD5 cipher_bits=128 -- \
		"verdict=would-reject" \
		"  header added: X-TLSPolicy-Testing: would-reject stage=rcpt rule=\"recipient pilot.example ($CIPH:$L_PILOT)\" key=\"pilot.example\" reason=\"cipher RC4-MD5 is excluded (RC4)\" reply=\"550 5.7.10\"" \
		"verdict: accepted"
done

# ---- -q and the daemon agree: the same inputs through miltertest ----

cat >"$D/same.lua" <<'EOF'
-- the daemon's decision for: client 198.51.100.7, plaintext, MAIL <a@sender.example>, RCPT <x@secure.example>
mt.startfilter(BIN, "-f", "-c", CONF)
local conn = mt.connect("unix:" .. SOCK, 100, 0.05)
assert(conn, "cannot connect to the milter")
assert(mt.negotiate(conn, nil, nil, nil) == nil)
assert(mt.conninfo(conn, "client.test", "198.51.100.7") == nil)
assert(mt.helo(conn, "client.test") == nil)
assert(mt.mailfrom(conn, "<a@sender.example>") == nil)
assert(mt.rcptto(conn, "<x@secure.example>") == nil)
assert(mt.getreply(conn) == SMFIR_REPLYCODE, "RCPT was not refused")
mt.disconnect(conn)
print("#@done")
EOF
desc="-q prints the decision line the daemon logs for the same inputs"
if [ -z "$MT" ] || [ ! -x "$MT" ]; then
	# never a skip: t/deps.sh installs miltertest, so its absence is a failure
	notok "$desc" "miltertest not found (t/deps.sh installs it)"
else
	"$BIN" -c "$MAIN" -q sender=a@sender.example client=198.51.100.7 rcpt=x@secure.example >"$D/q.out" 2>&1
	qline=$(grep '^decision stage=rcpt' "$D/q.out")
	TIMEOUT=
	command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout -k 5 30"
	(cd "$D" && $TIMEOUT "$MT" -D BIN="$BIN" -D CONF="$MAIN" -D SOCK="$D/milter.sock" \
	    -s "$D/same.lua" >"$D/mt.out" 2>"$D/mt.log" </dev/null)
	dline=$(sed -n 's/^tlspolicy-milter: info: \(decision stage=rcpt .*\)$/\1/p' "$D/mt.log")
	if grep -q '^#@done' "$D/mt.out" && [ -n "$qline" ] && [ "$qline" = "$dline" ]; then
		ok "$desc"
	else
		notok "$desc" "-q:     $qline" "daemon: $dline" "miltertest output and log:"
		diagfile "$D/mt.out"
		diagfile "$D/mt.log"
	fi
fi

# ---- one TAP stream ----
echo "1..$n"
cat "$BODY"
if [ "$failed" = 0 ]; then
	rm -rf "$D"
else
	echo "# kept for inspection: $D"
fi
[ "$failed" = 0 ]
