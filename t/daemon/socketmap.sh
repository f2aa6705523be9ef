#!/bin/sh
# t/daemon/socketmap.sh - the socketmap listener (policy_socket) of the daemon.
#
# Protocol (t/daemon/smapc.py against the running daemon, unix: and inet:):
# several requests per connection and per write, byte-by-byte writes, the
# exact "NOTFOUND " reply, unknown map -> PERM, bad netstrings (oversized,
# huge length, garbage, missing comma, leading zero) close that connection
# only while others keep working, idle and trickling connections cut after
# policy_socket_timeout, the connection limit.  Daemon: the socket's mode,
# a reload while a connection is open (the connection keeps working and the
# next request runs under the new snapshot's log level), a stop while 40
# clients are connected (half in the middle of a request): exit 0 within the
# deadline, every client closed, the unix socket removed.
# Map DECISIONS are not tested here (common/feasible/outbound.c): only keys
# whose answer the protocol fixes.
. "${TP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/t/daemon/lib.sh"

SMAPC="/usr/bin/python3 $TP_SRCDIR/t/daemon/smapc.py"
SMAPGEN=$TP_BUILDDIR/t/bench/smapgen
TIMEOUT=2
ip link set lo up
# a syntactically valid trust anchor: nothing is resolved (keys are not domains)
echo '. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D' >"$T/anchor"
chmod 644 "$T/anchor"

# conf FILE SOCK PSOCK LEVEL: a policy with the socketmap listener
conf() {
	cat >"$1" <<EOC
socket = "unix:$2";
policy_socket = "$3";
policy_socket_mode = "0660";
policy_socket_timeout = $TIMEOUT;
user = "nobody";
group = "nogroup";
pidfile = "$T/smap.pid";
log = { level = "$4"; };
dns = { resolver = "127.0.0.1"; trust_anchor_file = "$T/anchor"; timeout = 1; };
profiles = { tls = { encrypted = true; }; };
rules = ( { sender = "alpha.example"; require = "tls"; } );
EOC
}

# smapc ADDR CHECK [ARGS]: its lines become TAP lines
smapc() {
	$SMAPC "$@" >"$T/smapc.out" 2>&1
	while IFS= read -r l; do
		case $l in
		"ok "*) ok "${l#ok }" ;;
		"not ok "*) notok "${l#not ok }" ;;
		*) echo "# $l" >>"$BODY" ;;
		esac
	done <"$T/smapc.out"
}

# ---- unix: ----
SOCK=$T/m.sock
PS=$T/p.sock
conf "$T/a.conf" "$SOCK" "unix:$PS" info
if ! start smap "$T/a.conf" || ! "$SMAPGEN" --probe 5 "unix:$PS"; then
	notok "daemon starts with a unix policy_socket" "log:"
	diagfile "$T/smap.log"
	finish
fi
ok "daemon starts with a unix policy_socket"
mode=$(stat -c '%a %G' "$PS")
[ "$mode" = "660 nogroup" ] && ok "policy_socket_mode 0660 and the group are applied ($mode)" ||
	notok "policy_socket_mode 0660 and the group are applied" "got: $mode"
wait_log "$T/smap.log" "listening on unix:$SOCK and (socketmap) unix:$PS" 10 &&
	ok "the start line names both listeners" || notok "the start line names both listeners"
owner=$(ps -o user= -p "$(milter_child "$DPID")" 2>/dev/null | tr -d ' ')
[ "$owner" = nobody ] && ok "the socketmap is served by the unprivileged child" ||
	notok "the socketmap is served by the unprivileged child" "child runs as '$owner'"

smapc "unix:$PS" answers
smapc "unix:$PS" partial
for k in oversized huge-length garbage missing-comma leading-zero nul; do
	smapc "unix:$PS" bad $k
done
grep -q "socketmap: closing a connection: message too long" "$T/smap.log" &&
	ok "an oversized netstring is logged as a warning" || notok "an oversized netstring is logged as a warning"
smapc "unix:$PS" idle $TIMEOUT
smapc "unix:$PS" limit 256
n_debug=$(grep -c "socketmap map=" "$T/smap.log")
[ "$n_debug" = 0 ] && ok "nothing is logged per answer at level info" ||
	notok "nothing is logged per answer at level info" "$n_debug lines"

# the load client checks every reply; the daemon still runs after all that
"$SMAPGEN" -c 4 -t 1 -m tls -d "[192.0.2.1],[mx.example.test]:25" -e "NOTFOUND " "unix:$PS" >"$T/gen.out" 2>&1 &&
	ok "smapgen: 4 connections for 1 s, every reply 'NOTFOUND ' ($(sed 's/RESULT //' "$T/gen.out"))" ||
	{ notok "smapgen: 4 connections for 1 s, every reply 'NOTFOUND '"; diagfile "$T/gen.out"; }

# reload while a connection is open: it keeps working, and its next request
# runs under the new snapshot (log level debug: one line per answer)
rm -f "$T/ready" "$T/go"
$SMAPC "unix:$PS" session "$T/ready" "$T/go" "$T/session.out" >/dev/null 2>&1 &
SESS=$!
track $SESS
wait_log "$T/ready" ready 10 || true
conf "$T/a.conf" "$SOCK" "unix:$PS" debug
kill -HUP "$DPID"
if wait_log "$T/smap.log" "reloaded $T/a.conf" 10; then
	ok "SIGHUP reloads while a socketmap connection is open"
else
	notok "SIGHUP reloads while a socketmap connection is open"
fi
: >"$T/go"
if wait "$SESS"; then
	ok "the open connection keeps answering after the reload ($(cat "$T/session.out"))"
else
	notok "the open connection keeps answering after the reload" "$(cat "$T/session.out" 2>/dev/null)"
fi
grep -q 'socketmap map=tls key=\[192.0.2.2\] answer=NOTFOUND' "$T/smap.log" &&
	ok "its next request ran under the new snapshot (debug line per answer)" ||
	{ notok "its next request ran under the new snapshot (debug line per answer)"; diagfile "$T/smap.log" 5; }

# stop while 40 clients are connected, half in the middle of a request
rm -f "$T/ready"
$SMAPC "unix:$PS" hold 40 15 "$T/ready" >"$T/hold.out" 2>&1 &
HOLDER=$!
track $HOLDER
wait_log "$T/ready" ready 10 || true
t0=$(now)
kill -TERM "$DPID"
if wait_gone "$DPID" 14; then
	wait "$DPID"
	rc=$?
	took=$(elapsed "$t0")
	[ $rc = 0 ] && ok "SIGTERM with 40 socketmap clients connected: exit 0 in $took s" ||
		notok "SIGTERM with 40 socketmap clients connected: exit 0" "exit $rc after $took s"
else
	notok "SIGTERM with 40 socketmap clients connected: stops within 14 s"
fi
wait "$HOLDER" && ok "every client was closed by the stop ($(cat "$T/hold.out"))" ||
	notok "every client was closed by the stop" "$(cat "$T/hold.out")"
[ ! -e "$PS" ] && ok "the unix policy_socket is removed at the end" || notok "the unix policy_socket is removed at the end"

# ---- inet: ----
SOCK=$T/m2.sock
conf "$T/b.conf" "$SOCK" "inet:8896@127.0.0.1" info
if ! start smap2 "$T/b.conf" || ! "$SMAPGEN" --probe 5 "inet:8896@127.0.0.1"; then
	notok "daemon starts with policy_socket inet:8896@127.0.0.1" "log:"
	diagfile "$T/smap2.log"
	finish
fi
ok "daemon starts with policy_socket inet:8896@127.0.0.1"
smapc "inet:8896@127.0.0.1" answers
smapc "inet:8896@127.0.0.1" bad garbage
kill -TERM "$DPID"
wait_gone "$DPID" 14 && wait "$DPID" && ok "inet: SIGTERM stops it, exit 0" || notok "inet: SIGTERM stops it, exit 0"

# a policy_socket already in use: the daemon refuses to start, saying why
"$TP_BUILDDIR/t/bench/nullsmap" inet:8897@127.0.0.1 &
NULLS=$!
track $NULLS
"$SMAPGEN" --probe 5 inet:8897@127.0.0.1
SOCK=$T/m3.sock
conf "$T/c.conf" "$SOCK" "inet:8897@127.0.0.1" info
"$BIN" -f -c "$T/c.conf" >"$T/smap3.log" 2>&1
rc=$?
[ $rc != 0 ] && grep -q "cannot open policy_socket inet:8897@127.0.0.1" "$T/smap3.log" &&
	ok "a policy_socket in use: the daemon does not start (exit $rc) and says why" ||
	{ notok "a policy_socket in use: the daemon does not start and says why" "exit $rc"; diagfile "$T/smap3.log"; }

finish
