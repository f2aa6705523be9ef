#!/bin/sh
# t/daemon/hup.sh - SIGHUP is "reload", never "stop" (issue 9, defect 1).
#
# libmilter's signal thread takes SIGHUP as "stop"; the supervising parent
# owns the signals and passes reload to the milter child over a socketpair.
# ROUNDS rounds, each a burst of BURST SIGHUP + SIGUSR1 pairs to the pid in
# the pidfile while miltergen keeps sessions running; after every round the
# daemon must still run, and at the end it must serve with the NEW policy.
# Also: a stop nobody asked for (the child killed by libmilter's own SIGHUP
# handling) makes the parent exit non-zero; SIGTERM exits 0.
. "${TP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/t/daemon/lib.sh"

ROUNDS=20       # keep: the issue asks for at least 20 rounds
BURST=15

SOCK=$T/hup.sock
policy "$T/hup.conf" "$SOCK" alpha.example "pidfile = \"$T/hup.pid\";"
if ! start hup "$T/hup.conf"; then
	notok "daemon starts" "log:"
	diagfile "$T/hup.log"
	finish
fi
ok "daemon starts (policy A: plaintext from alpha.example refused)"
PID=$(cat "$T/hup.pid")
[ "$PID" = "$DPID" ] && ok "the pidfile holds the pid of the process started (the supervisor)" ||
	notok "the pidfile holds the pid of the process started" "pidfile: $PID, started: $DPID"

# load for the whole burst phase: alpha.example (refused) and others (accepted)
"$GEN" -c 16 -m 5 -t 12 --tls plain --from "u@other.example" --from-hit "u@alpha.example" --from-hit-pct 30 \
    --expect mail/plain/hit=reject --expect mail/plain/miss=accept "unix:$SOCK" >"$T/load.out" 2>&1 &
LOAD=$!
track $LOAD
sleep 1

alive_rounds=0
for r in $(seq 1 $ROUNDS); do
	for b in $(seq 1 $BURST); do
		kill -HUP "$PID" 2>/dev/null
		kill -USR1 "$PID" 2>/dev/null
	done
	sleep 0.3
	if kill -0 "$PID" 2>/dev/null && wait_sock "$SOCK" 2; then
		alive_rounds=$((alive_rounds + 1))
	else
		break
	fi
done
if [ $alive_rounds = $ROUNDS ]; then
	ok "$ROUNDS rounds of $BURST SIGHUP+SIGUSR1 under load: the daemon runs and accepts connections after each"
else
	notok "$ROUNDS rounds of $BURST SIGHUP+SIGUSR1 under load: the daemon runs after each" \
	    "it died or stopped serving in round $((alive_rounds + 1)); log:"
	diagfile "$T/hup.log"
	finish
fi
kill -0 $LOAD 2>/dev/null && ok "the load ran during all $ROUNDS rounds" ||
	notok "the load ran during all $ROUNDS rounds" "miltergen ended before the last round"
wait $LOAD
rc=$?
[ $rc = 0 ] && grep -q "^RESULT ok=1" "$T/load.out" &&
	ok "every session under load got the right replies (miltergen exit 0)" ||
	{ notok "every session under load got the right replies" "miltergen exit status $rc"; diagfile "$T/load.out"; }
rl=$(grep -c "info: reloaded $T/hup.conf" "$T/hup.log")
st=$(grep -c "info: stats " "$T/hup.log")
[ "$rl" -ge $ROUNDS ] && [ "$st" -ge $ROUNDS ] &&
	ok "reloads and stats were done ($rl reloads, $st stats lines for $ROUNDS rounds)" ||
	{ notok "reloads and stats were done" "$rl reloaded lines, $st stats lines"; diagfile "$T/hup.log"; }
grep -q "info: stopped" "$T/hup.log" && { notok "no 'stopped' during the bursts"; diagfile "$T/hup.log"; } ||
	ok "no 'stopped' during the bursts"

# the NEW policy (B: beta.example) is applied by one more SIGHUP
policy "$T/hup.conf" "$SOCK" beta.example "pidfile = \"$T/hup.pid\";"
before=$(grep -c "info: reloaded " "$T/hup.log")
kill -HUP "$PID"
i=0
while [ "$(grep -c "info: reloaded " "$T/hup.log")" -le "$before" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if decides "$SOCK" beta.example reject; then
	ok "after the bursts, the new policy B applies: plaintext from beta.example refused"
else
	notok "after the bursts, the new policy B applies: plaintext from beta.example refused"
	diagfile "$T/decide.out"
fi
decides "$SOCK" alpha.example accept && ok "policy A's rule is gone: alpha.example accepted" ||
	{ notok "policy A's rule is gone: alpha.example accepted"; diagfile "$T/decide.out"; }

# SIGTERM: exit 0, "stopped", pidfile removed
kill -TERM "$PID"
if wait_gone "$PID" 20; then
	wait "$PID"
	rc=$?
	[ $rc = 0 ] && grep -q "info: stopped" "$T/hup.log" && [ ! -e "$T/hup.pid" ] &&
		ok "SIGTERM: exit status 0, 'stopped' logged, pidfile removed" ||
		{ notok "SIGTERM: exit status 0, 'stopped' logged, pidfile removed" "exit status $rc"; diagfile "$T/hup.log"; }
else
	notok "SIGTERM: the daemon stops within 20 s"
fi

# a stop nobody asked for: SIGHUP straight to the milter child is taken by
# libmilter's signal thread as "stop"; the supervisor must exit non-zero
SOCK=$T/hup2.sock
policy "$T/hup2.conf" "$SOCK" alpha.example
if start hup2 "$T/hup2.conf"; then
	C=$(milter_child "$DPID")
	kill -HUP "$C"
	if wait_gone "$DPID" 20; then
		wait "$DPID"
		rc=$?
		[ $rc != 0 ] && grep -q "ended without a stop request" "$T/hup2.log" &&
			ok "the milter process ending unasked: the supervisor logs why and exits non-zero ($rc)" ||
			{ notok "the milter process ending unasked: exit non-zero" "exit status $rc"; diagfile "$T/hup2.log"; }
	else
		notok "the milter process ending unasked: the supervisor exits"
		diagfile "$T/hup2.log"
	fi
else
	notok "second daemon starts"
	diagfile "$T/hup2.log"
fi
finish
