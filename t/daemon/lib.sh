# t/daemon/lib.sh - shared setup of the daemon-wide tests (sourced, not run).
#
# Sets BIN (the daemon), GEN (t/bench/miltergen), HOLD (t/daemon/holdconn),
# T (a temp dir, kept on failure), BODY/n/failed for t/tap.sh; re-executes
# the calling script in a loopback-only network namespace first (the tests
# use unix sockets only; nothing may leave the machine).  Every process a
# test starts is recorded with track PID and ended by its pid at exit.
# The tests need root (privilege drop, root-only files): without it they
# fail, never skip.

LC_ALL=C
export LC_ALL
TP_SRCDIR=${TP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TP_BUILDDIR=${TP_BUILDDIR:-$(pwd)}
if [ -z "${TP_IN_NETNS:-}" ]; then
	TP_IN_NETNS=1 exec unshare -n /bin/sh "$0" "$@"
fi
BIN=$TP_BUILDDIR/milter/tlspolicy-milter
GEN=$TP_BUILDDIR/t/bench/miltergen
HOLD=$TP_BUILDDIR/t/daemon/holdconn
TMPBASE=${TMPDIR:-/tmp}
[ ${#TMPBASE} -le 40 ] || TMPBASE=/tmp
. "$TP_SRCDIR/t/tap.sh"

n=0
failed=0
TRACKED=
T=$(mktemp -d "$TMPBASE/tp-daemon.XXXXXX") || { echo "Bail out! mktemp"; exit 1; }
# the milter reads its config as the unprivileged user (nobody)
chmod 755 "$T"
BODY=$T/tap.body
: >"$BODY"

track() { TRACKED="$TRACKED $1"; }

cleanup() {
	for p in $TRACKED; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $TRACKED; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null
	done
}

# finish: the plan, the TAP lines; the temp dir is removed on success
finish() {
	cleanup
	echo "1..$n"
	cat "$BODY"
	if [ "$failed" = 0 ]; then
		rm -rf "$T"
	else
		echo "# kept for inspection: $T"
	fi
	[ "$failed" = 0 ]
	exit $?
}

for f in "$BIN" "$GEN" "$HOLD"; do
	[ -x "$f" ] || { echo "Bail out! $f not built"; exit 1; }
done
if [ "$(id -u)" != 0 ]; then
	echo "1..1"
	echo "not ok 1 - the daemon tests run as root (privilege drop, root-only files)"
	exit 1
fi

now() { date +%s.%N; }
# elapsed START: seconds since START, one decimal
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# le A B: A <= B (decimals)
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# wait_sock SOCK [SECS]: until the milter accepts connections
wait_sock() { "$GEN" --probe "${2:-10}" "unix:$1" >/dev/null 2>&1; }

# wait_gone PID SECS: 0 when PID is gone within SECS
wait_gone() {
	_end=$(awk -v a="$(now)" -v s="$2" 'BEGIN { printf "%.2f", a + s }')
	while kill -0 "$1" 2>/dev/null; do
		le "$(now)" "$_end" || return 1
		sleep 0.1
	done
	return 0
}

# wait_log FILE TEXT SECS: 0 when TEXT appears in FILE within SECS
wait_log() {
	_i=0
	while ! grep -F -q -- "$2" "$1" 2>/dev/null; do
		[ $_i -lt $(($3 * 10)) ] || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 0
}

# the milter process: the only child of the supervisor PID
milter_child() { cat /proc/"$1"/task/*/children 2>/dev/null | tr -d ' \n'; }

# start NAME CONF: run the daemon in the foreground (log $T/NAME.log);
# sets DPID; 0 once the milter process logged "started" (the pidfile is
# written by then) and the socket given as SOCK accepts connections
start() {
	"$BIN" -f -c "$2" >"$T/$1.log" 2>&1 &
	DPID=$!
	track $DPID
	wait_log "$T/$1.log" "info: started: " 15 && wait_sock "$SOCK" 10
}

# policy FILE SOCK DOMAIN [EXTRA]: a config whose one rule refuses
# plaintext mail from DOMAIN
policy() {
	cat >"$1" <<EOC
socket = "unix:$2";
$4
profiles = { tls = { encrypted = true; }; };
rules = ( { sender = "$3"; require = "tls"; } );
EOC
}

# decides SOCK DOMAIN KIND: one plaintext message from u@DOMAIN gets KIND
# (reject or continue) at MAIL; output in $T/decide.out
decides() {
	timeout 20 "$GEN" -c 1 -s 1 -m 1 -t 10 --tls plain --from "u@$2" --expect-mail "$3" "unix:$1" \
	    >"$T/decide.out" 2>&1
}
