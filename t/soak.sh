#!/bin/bash
# t/soak.sh - soak test (issue 12, item 5): many concurrent milter sessions
# against a policy with a large domain list while the policy is reloaded
# every few seconds, alternating valid and broken files.  TAP output.
#
#   make check runs the short form (defaults below, about 45 s);
#   make soak runs the long form: SOAK_SESSIONS=1000 SOAK_DOMAINS=1000000
#   SOAK_SECS=600 SOAK_RELOAD=5, and writes the RSS samples to SOAK_OUT.
#
# Checks:
#  - every reply is the expected one (miltergen --expect: plaintext mail to
#    a listed domain or from bank.example is refused, all else passes) and
#    there is no protocol error;
#  - every valid file takes effect and every broken file keeps the old
#    policy: the two valid files keep the load's rules and differ only in a
#    comment and in one canary sender rule (canary-a vs canary-b), which a
#    single probe session checks after each reload;
#  - RSS of the milter process (the supervisor's child, which runs
#    libmilter) is bounded: after the first reloads it must not keep
#    growing (the lowest sample of the last third - one snapshot alive -
#    may exceed the lowest of the first third, warm-up excluded, by at most
#    SOAK_RSS_GROWTH percent) and its peak stays below SOAK_RSS_MAX_FACTOR x the RSS after
#    the first load;
#  - threads of the milter process are back to their count before the load
#    within SOAK_THREAD_WAIT seconds after it ends.
# Runs in a loopback-only network namespace; unix sockets only.  Needs root
# (the daemon drops to nobody, as in production).

set -u
LC_ALL=C
export LC_ALL
if [ -z "${TP_SOAK_NETNS:-}" ]; then
	TP_SOAK_NETNS=1 exec unshare -n /bin/bash "$0" "$@"
fi
B=${TP_BUILDDIR:-$(cd "$(dirname "$0")/.." && pwd)}
GEN=${MILTERGEN:-$B/t/bench/miltergen}
TPM=${TLSPOLICY_MILTER:-$B/milter/tlspolicy-milter}
SESSIONS=${SOAK_SESSIONS:-300}
DOMAINS=${SOAK_DOMAINS:-1000000}
SECS=${SOAK_SECS:-40}
RELOAD=${SOAK_RELOAD:-2}
RSS_GROWTH=${SOAK_RSS_GROWTH:-15}
RSS_MAX_FACTOR=${SOAK_RSS_MAX_FACTOR:-3}
THREAD_WAIT=${SOAK_THREAD_WAIT:-30}
OUT=${SOAK_OUT:-}

for f in "$GEN" "$TPM"; do
	[ -x "$f" ] || { echo "Bail out! $f not built"; exit 2; }
done
if [ "$(id -u)" != 0 ]; then
	echo "1..1"
	echo "not ok 1 - the soak test runs as root (network namespace, privilege drop)"
	exit 1
fi
TMPBASE=${TMPDIR:-/tmp}
[ ${#TMPBASE} -le 40 ] || TMPBASE=/tmp
T=$(mktemp -d "$TMPBASE/tp-soak.XXXXXX") || { echo "Bail out! mktemp"; exit 2; }
chmod 755 "$T"          # the milter reads the list as nobody
PIDS=()
n=0 failed=0
BODY=$T/tap.body
: >"$BODY"
# shellcheck source=tap.sh
. "$(cd "$(dirname "$0")" && pwd)/tap.sh"

cleanup() {
	local p i
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
finish() {
	cleanup
	echo "1..$n"
	cat "$BODY"
	if [ "$failed" = 0 ]; then rm -rf "$T"; else echo "# kept for inspection: $T"; fi
	[ "$failed" = 0 ]
	exit $?
}
trap 'finish' INT TERM

now() { date +%s.%N; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
threads() { ls "/proc/$1/task" 2>/dev/null | wc -l; }
# the milter process: the only child of the supervisor
milter_child() { cat /proc/"$1"/task/*/children 2>/dev/null | tr -d ' \n'; }

# ------------------------------------------------------------------ data
awk -v n="$DOMAINS" 'BEGIN {
	for (i = 0; i < n; i++) {
		h = (i * 2654435761) % 4294967296
		tld = (i % 7 == 0) ? "org" : (i % 3 == 0) ? "net" : "com"
		if (i % 20 == 0) printf ".mx%x-%d.example.%s\n", h, i, tld
		else printf "partner%x-%d.example.%s\n", h, i, tld
	}
}' >"$T/domains.txt"
awk 'NR % 10 == 1' "$T/domains.txt" >"$T/hits.txt"
SOCK=$T/soak.sock
USER_LINE=
getent passwd nobody >/dev/null && USER_LINE='user = "nobody";'
# conf VARIANT: a valid policy; a and b differ in a comment and the canary
conf() {
	cat <<EOF
# soak policy, variant $1
socket = "unix:$SOCK";
pidfile = "$T/soak.pid";
$USER_LINE
mode = "enforce"; action = "reject"; on_error = "tempfail";
log = { level = "warning"; };
profiles = { tls = { encrypted = true; }; };
rules = (
  { sender = "bank.example"; require = "tls"; },
  { sender = "canary-$1.example"; require = "tls"; },
  { recipient_list = "$T/domains.txt"; require = "tls"; }
);
EOF
}
# broken K: a file that must not load (a syntax error, an unknown profile,
# a missing list); the old policy stays
broken() {
	case $1 in
	0) conf a | sed 's/require = "tls"; },$/require = "tls" }, }/' ;;
	1) conf b | sed 's/require = "tls"; }$/require = "nosuch"; }/' ;;
	2) conf a | sed "s|$T/domains.txt|$T/missing.txt|" ;;
	esac
}
put() { "$@" >"$T/next.conf" && mv -f "$T/next.conf" "$T/soak.conf"; }
put conf a
for k in 0 1 2; do
	broken $k >"$T/broken$k.conf"
	if "$TPM" -t -c "$T/broken$k.conf" >"$T/broken$k.out" 2>&1; then
		notok "broken file $k is refused by -t" "it loaded:"; diagfile "$T/broken$k.conf"
	fi
done
ok "test data: $DOMAINS list domains; the three broken variants are refused by -t"

# ------------------------------------------------------------------ start
# probe SENDER KIND: one plaintext message from SENDER gets KIND at MAIL
probe() {
	timeout 20 "$GEN" -c 1 -s 1 -m 1 -t 15 --tls plain --from "u@$1" --expect-mail "$2" "unix:$SOCK" \
	    >"$T/probe.out" 2>&1
}
# in_force V: variant V is the policy in force (its canary refused, the other's not)
in_force() {
	local o; [ "$1" = a ] && o=b || o=a
	probe "canary-$1.example" reject && probe "canary-$o.example" continue
}
t0=$(now)
"$TPM" -f -c "$T/soak.conf" >"$T/soak.log" 2>&1 &
DPID=$!
PIDS+=("$DPID")
# the socket accepts before the policy is loaded: ready is when the canary answers
"$GEN" --probe 120 "unix:$SOCK" >/dev/null 2>&1
i=0
until in_force a; do
	i=$((i + 1))
	if [ $i -ge 60 ] || ! kill -0 "$DPID" 2>/dev/null; then
		notok "daemon starts with $DOMAINS list domains (variant a in force)" "probe:"; diagfile "$T/probe.out" 5
		diagfile "$T/soak.log"
		finish
	fi
	sleep 0.5
done
LOADT=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
MPID=$(milter_child "$DPID")
if [ -z "$MPID" ] || [ ! -d "/proc/$MPID" ]; then
	notok "daemon starts: a milter child under the supervisor" "children of $DPID: '$MPID'"
	finish
fi
sleep 1
RSS0=$(status_kb "$MPID" VmRSS)
THR0=$(threads "$MPID")
ok "daemon starts in $LOADT s (supervisor $DPID, milter $MPID: RSS $RSS0 kB, $THR0 threads)"


# ------------------------------------------------------------------ load
"$GEN" -c "$SESSIONS" -m 10 -r 2 -t "$SECS" --tls plain:1,tls:1 --from-hit u@bank.example --from-hit-pct 10 \
    --rcpt-hit-file "$T/hits.txt" --rcpt-hit-pct 50 \
    --expect mail/plain/hit=reject --expect rcpt/plain/hit=reject "unix:$SOCK" >"$T/load.out" 2>&1 &
LOAD=$!
PIDS+=("$LOAD")

# reload loop: valid b, broken, valid a, broken, ...; one RSS sample per reload
: >"$T/rss.txt"
reloads=0 valid=0 bad=0 wrong=0 cur=a fails0=0 k=0 slow=0
tstart=$(now)
printf '%s %s %s %s %s\n' 0 "$RSS0" "$THR0" start a >>"$T/rss.txt"
thup=$(now)
while kill -0 "$LOAD" 2>/dev/null; do
	# one SIGHUP every RELOAD seconds, or at once when confirming the last
	# outcome took longer than that
	w=$(awk -v a="$thup" -v b="$(now)" -v r="$RELOAD" 'BEGIN { w = r - (b - a); printf "%.2f", (w > 0) ? w : 0 }')
	sleep "$w"
	kill -0 "$LOAD" 2>/dev/null || break
	if [ $((reloads % 2)) = 0 ]; then
		[ "$cur" = a ] && cur=b || cur=a
		put conf "$cur"
		kind=valid
	else
		put broken $((k % 3))
		k=$((k + 1))
		kind=broken
	fi
	thup=$(now)
	kill -HUP "$DPID" || { notok "SIGHUP to the supervisor" "it is gone"; break; }
	reloads=$((reloads + 1))
	# wait for the outcome: the new canary, or one more "failed" line
	end=$(awk -v a="$(now)" 'BEGIN { printf "%.1f", a + 60 }')
	while :; do
		if [ $kind = valid ]; then
			in_force "$cur" && { valid=$((valid + 1)); break; }
		else
			f=$(grep -c 'reload of .* failed' "$T/soak.log")
			if [ "$f" -gt "$fails0" ]; then
				fails0=$f
				in_force "$cur" && bad=$((bad + 1)) || { wrong=$((wrong + 1)); cp "$T/soak.conf" "$T/wrong-$reloads.conf"; }
				break
			fi
		fi
		awk -v a="$(now)" -v e="$end" 'BEGIN { exit !(a > e) }' && { slow=$((slow + 1)); break; }
		sleep 0.2
	done
	printf '%s %s %s %s %s\n' "$(awk -v a="$tstart" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }')" \
	    "$(status_kb "$MPID" VmRSS)" "$(threads "$MPID")" "$kind" "$cur" >>"$T/rss.txt"
done
wait "$LOAD"
rc=$?
tail -n 40 "$T/load.out" | grep -q . || :
res=$(grep '^RESULT' "$T/load.out")
if [ $rc = 0 ] && echo "$res" | grep -q '^RESULT ok=1 .*mismatches=0 errors=0'; then
	ok "$SESSIONS concurrent sessions for $SECS s: every reply as expected, no protocol error ($(echo "$res" | sed 's/.*msgs_all=\([0-9]*\).*/\1/') messages)"
else
	notok "$SESSIONS concurrent sessions for $SECS s: every reply as expected, no protocol error" "miltergen exit $rc:"
	diagfile "$T/load.out" 20
fi
alive=$(kill -0 "$DPID" 2>/dev/null && [ -d "/proc/$MPID" ] && echo yes || echo no)
[ "$alive" = yes ] && ok "supervisor and milter child still run" || notok "supervisor and milter child still run"
expect=$(( (reloads + 1) / 2 ))
if [ "$reloads" -ge 4 ] && [ "$valid" = "$expect" ] && [ "$bad" = $((reloads - expect)) ] && [ "$wrong" = 0 ] && [ "$slow" = 0 ]; then
	ok "$reloads reloads under load (one every $(awk -v s="$SECS" -v r="$reloads" 'BEGIN { printf "%.1f", s / r }') s): $valid valid files took effect, $bad broken files kept the old policy"
else
	notok "$reloads reloads under load: each valid file takes effect, each broken one keeps the old policy" \
	    "valid took effect: $valid of $expect; broken kept old: $bad; wrong policy after broken: $wrong; no outcome in 60 s: $slow"
	diagfile "$T/soak.log" 10
fi

# RSS: a plateau, not a leak
read -r rfirst rlast rpeak nsamp <<EOF
$(awk 'NR > 1 { v[++m] = $2 } END {
	w = int(m / 6); if (w < 1) w = 1          # warm-up: the first sixth
	n = m - w; t = int(n / 3); if (t < 1) t = 1
	a = v[w + 1]; b = v[m]
	for (i = w + 1; i <= w + t; i++) if (v[i] < a) a = v[i]
	for (i = m - t + 1; i <= m; i++) if (v[i] < b) b = v[i]
	for (i = 1; i <= m; i++) if (v[i] > p) p = v[i]
	printf "%d %d %d %d\n", a, b, p, m }' "$T/rss.txt")
EOF
# ASan's allocator keeps freed memory in quarantine and ignores malloc_trim:
# the RSS bounds are about glibc's malloc, so a sanitizer build does not
# assert them (no TAP line at all: a skip would be counted as a pass); the
# plain build in the same CI run does
if grep -q __asan_init "$TPM" 2>/dev/null; then
	printf '# sanitizer build: RSS bounds not asserted (ASan allocator); lowest samples %s / %s kB, peak %s kB\n' \
	    "$rfirst" "$rlast" "$rpeak" >>"$BODY"
else
growth=$(awk -v a="$rfirst" -v b="$rlast" 'BEGIN { printf "%.1f", (a > 0) ? (b - a) * 100 / a : 999 }')
if [ "$nsamp" -ge 4 ] && awk -v g="$growth" -v m="$RSS_GROWTH" 'BEGIN { exit !(g <= m) }'; then
	ok "RSS does not keep growing: lowest sample of the first third $rfirst kB, of the last third $rlast kB ($growth %, at most $RSS_GROWTH %)"
else
	notok "RSS does not keep growing over $nsamp samples" "first third $rfirst kB, last third $rlast kB ($growth %)"
fi
if [ "$rpeak" -le $((RSS0 * RSS_MAX_FACTOR)) ]; then
	ok "RSS peak $rpeak kB <= $RSS_MAX_FACTOR x the RSS after the first load ($RSS0 kB)"
else
	notok "RSS peak $rpeak kB <= $RSS_MAX_FACTOR x the RSS after the first load ($RSS0 kB)"
fi
fi

# threads back to the count before the load
thr_peak=$(awk 'NR > 1 && $3 > p { p = $3 } END { print p + 0 }' "$T/rss.txt")
i=0
while [ "$(threads "$MPID")" -gt "$THR0" ] && [ $i -lt $((THREAD_WAIT * 5)) ]; do sleep 0.2; i=$((i + 1)); done
thr1=$(threads "$MPID")
if [ "$thr1" -le "$THR0" ]; then
	ok "threads back to $thr1 (before the load $THR0, at most $thr_peak under load) within $((i / 5)) s"
else
	notok "threads back to the count before the load within $THREAD_WAIT s" "before $THR0, now $thr1, peak $thr_peak"
fi
RSS1=$(status_kb "$MPID" VmRSS)
HWM=$(status_kb "$MPID" VmHWM)
echo "# load: $res"
echo "# RSS (kB): after start $RSS0, after the load $RSS1, peak (VmHWM) $HWM; reloads $reloads ($valid valid, $bad broken)"
if [ -n "$OUT" ]; then
	{
		echo "# seconds rss_kB threads reload variant_in_force"
		cat "$T/rss.txt"
		echo "# after the load: rss $RSS1 kB, VmHWM $HWM kB, threads $thr1"
		echo "# load: $res"
	} >"$OUT"
fi
kill -TERM "$DPID"
i=0
while kill -0 "$DPID" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
wait "$DPID"
src=$?
[ $src = 0 ] && ok "SIGTERM after the soak: exit 0 within $((i / 5)) s" ||
	{ notok "SIGTERM after the soak: exit 0" "exit $src"; diagfile "$T/soak.log" 10; }
finish
