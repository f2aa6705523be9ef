#!/bin/bash
# t/bench/smoke.sh - a few seconds of the benchmark tools, checking replies
# (never speed): miltergen against the null milter and tlspolicy-milter over
# unix and inet sockets, Postfix and Sendmail macro flavours, plaintext, TLS
# and client-certificate sessions, with policy hits and misses.  TAP output.
#
# Binaries: $TP_BUILDDIR/t/bench/{miltergen,nullmilter} and
# $TP_BUILDDIR/milter/tlspolicy-milter (make check sets TP_BUILDDIR), or
# MILTERGEN, NULLMILTER, TLSPOLICY_MILTER.  Needs no root and no network:
# the inet case listens on 127.0.0.1 only, on a port derived from $$.

set -u
B=${TP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
GEN=${MILTERGEN:-$B/t/bench/miltergen}
NULLM=${NULLMILTER:-$B/t/bench/nullmilter}
TPM=${TLSPOLICY_MILTER:-$B/milter/tlspolicy-milter}
for f in "$GEN" "$NULLM" "$TPM"; do
	[ -x "$f" ] || { echo "Bail out! $f not built"; exit 2; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/tp-smoke.XXXXXX") || { echo "Bail out! mktemp"; exit 2; }
PORT=$((10000 + ($$ % 500) * 100 + 71))
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

n=0 failed=0
ok() { # ok STATUS DESCRIPTION [LOGFILE]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		[ -z "${3:-}" ] || sed 's/^/#   /' "$3" | tail -n 15
	fi
}

# wait_sock SPEC: until the milter accepts connections (5 s at most)
wait_sock() { "$GEN" --probe 5 "$1" >/dev/null 2>&1; }

# gen NAME ARGS...: one bounded run, output in $T/NAME.out
gen() { local name=$1; shift; timeout 30 "$GEN" -t 10 "$@" >"$T/$name.out" 2>&1; }

# --- policy: 10 rules and a small list (like the benchmark's, smaller)
for i in 1 2 3 4 5 6 7 8 9; do echo "r$i.example"; done >"$T/rules10.txt"
{
	echo "# forced-TLS partner domains"
	for i in $(seq 1 500); do echo "partner$i.example.com"; done
	echo ".sub.example.org"
} >"$T/list.txt"
cat >"$T/tp.conf" <<EOF
socket = "unix:$T/tp.sock";
mode = "enforce";
action = "reject";
on_error = "tempfail";
log = { facility = "mail"; level = "warning"; };
profiles = { tls = { encrypted = true; }; };
rules = (
  { sender = "bank.example"; require = "tls"; },
$(for i in 1 2 3 4 5 6 7 8 9; do echo "  { recipient = \"r$i.example\"; require = \"tls\"; },"; done)
  { recipient_list = "$T/list.txt"; require = "tls"; }
);
EOF
sed "s|unix:$T/tp.sock|inet:$PORT@127.0.0.1|" "$T/tp.conf" >"$T/tp-inet.conf"
cat "$T/rules10.txt" "$T/list.txt" | grep -v '^#' >"$T/hits.txt"

echo "1..13"

"$NULLM" -p "unix:$T/null.sock" 2>"$T/null.log" &
PIDS+=($!)
"$NULLM" -A -p "unix:$T/all.sock" 2>"$T/all.log" &
PIDS+=($!)
"$TPM" -f -c "$T/tp.conf" >"$T/tp.log" 2>&1 &
PIDS+=($!)
"$TPM" -f -c "$T/tp-inet.conf" >"$T/tp-inet.log" 2>&1 &
PIDS+=($!)
wait_sock "unix:$T/null.sock" && wait_sock "unix:$T/all.sock"
ok $? "null milters listen on unix sockets" "$T/null.log"
wait_sock "unix:$T/tp.sock" && wait_sock "inet:$PORT@127.0.0.1"
ok $? "tlspolicy-milter listens on unix and inet sockets" "$T/tp.log"

ALL="--tls plain:1,tls:1,tlscert:1 --from-hit a@bank.example --from-hit-pct 20 --rcpt-hit-file $T/hits.txt --rcpt-hit-pct 50"
gen null $ALL -c 8 -m 5 -r 3 -s 24 "unix:$T/null.sock"
ok $? "null milter: every reply is continue (8 sessions x 5 messages x 3 recipients)" "$T/null.out"

# every protocol step, each with a reply (null milter -A)
gen all $ALL --mta sendmail -c 4 -m 3 -r 2 -s 8 "unix:$T/all.sock" &&
	grep -q 'data:continue=24 header:continue=120 eoh:continue=24 body:continue=24 eom:continue=24' "$T/all.out"
ok $? "full protocol (connect helo mail rcpt data header eoh body eom), a reply to each" "$T/all.out"

# tlspolicy: plaintext hits are refused where they are known, all else passes
EXP=(--expect mail/plain/hit=reject --expect rcpt/plain/hit=reject)
gen tp-pf $ALL -c 8 -m 5 -r 3 -s 24 "${EXP[@]}" "unix:$T/tp.sock"
ok $? "tlspolicy-milter, Postfix macros: plaintext hits 550 at MAIL/RCPT, TLS passes" "$T/tp-pf.out"
gen tp-sm $ALL --mta sendmail -c 8 -m 5 -r 3 -s 24 "${EXP[@]}" "unix:$T/tp.sock"
ok $? "tlspolicy-milter, Sendmail macros (xtext DN, {verify}): same verdicts" "$T/tp-sm.out"
gen tp-inet $ALL -c 4 -m 5 -r 3 -s 12 "${EXP[@]}" "inet:$PORT@127.0.0.1"
ok $? "tlspolicy-milter over inet: same verdicts" "$T/tp-inet.out"

grep -q 'mail:reject=[1-9]' "$T/tp-pf.out" && grep -q 'rcpt:reject=[1-9]' "$T/tp-pf.out" &&
	grep -q 'rcpt:continue=[1-9]' "$T/tp-pf.out" && grep -q 'eom:continue=[1-9]' "$T/tp-pf.out"
ok $? "the mix exercised rejects at MAIL and RCPT and delivered messages" "$T/tp-pf.out"

gen tp-tls --tls tls --rcpt-hit-file "$T/hits.txt" --rcpt-hit-pct 100 --from-hit a@bank.example \
	-c 4 -m 5 -r 2 -s 8 "unix:$T/tp.sock"
ok $? "TLS sessions to listed domains (subdomain rule too): all continue" "$T/tp-tls.out"

# the checker itself: a wrong expectation must fail the run
gen wrong --tls plain --rcpt-hit-file "$T/hits.txt" --rcpt-hit-pct 100 -c 2 -m 2 -s 2 \
	--expect-rcpt continue "unix:$T/tp.sock"
rc=$?
[ $rc = 1 ] && grep -q 'mismatch: rcpt plain/hit' "$T/wrong.out"
ok $? "a reply that differs from the expected one fails the run (exit $rc)" "$T/wrong.out"

# same negotiation: the null milter costs the MTA the same steps and macros
a=$(grep 'negotiated:' "$T/null.out" | sed 's/actions 0x[0-9a-f]* //')
b=$(grep 'negotiated:' "$T/tp-pf.out" | sed 's/actions 0x[0-9a-f]* //')
[ -n "$a" ] && [ "$a" = "$b" ]
st=$?
ok $st "null milter negotiates the same steps and macros as tlspolicy-milter"
[ $st = 0 ] || { echo "#   null: $a"; echo "#   tp:   $b"; }

# time-bounded mode stops by itself and reports a rate
gen timed -c 16 -m 10 -r 2 --tls tls -t 1 "unix:$T/null.sock"
grep -q '^RESULT ok=1 .*rate=[1-9]' "$T/timed.out"
ok $? "a time-bounded run (16 sessions, 1 s) stops by itself and reports msg/s" "$T/timed.out"

"$GEN" --probe 0.2 "unix:$T/nothing.sock" >"$T/probe.out" 2>&1
[ $? != 0 ]
ok $? "probing a socket nobody listens on fails" "$T/probe.out"

exit $((failed > 0))
