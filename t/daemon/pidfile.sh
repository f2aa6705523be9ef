#!/bin/sh
# t/daemon/pidfile.sh - the pidfile is created exclusively, never through a
# symlink, and removed after the privilege drop (issue 9, defect 4).
. "${TP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/t/daemon/lib.sh"

SOCK=$T/pid.sock
RUN=$T/run              # like /run/tlspolicy-milter: root's, not writable by the user
mkdir -p "$RUN"
chmod 755 "$RUN"
PIDF=$RUN/milter.pid
policy "$T/pid.conf" "$SOCK" alpha.example "pidfile = \"$PIDF\"; user = \"nobody\"; group = \"nogroup\";"

# 1. a planted symlink: root must not write through it
echo "precious" >"$T/victim"
ln -s "$T/victim" "$PIDF"
"$BIN" -f -c "$T/pid.conf" >"$T/sym.log" 2>&1 &
p=$!
track $p
if wait_gone $p 10; then
	wait $p
	rc=$?
	if [ $rc != 0 ] && [ "$(cat "$T/victim")" = precious ] && [ -L "$PIDF" ] &&
	    grep -q "pidfile $PIDF exists and is not a regular file" "$T/sym.log"; then
		ok "a symlink planted as the pidfile: start refused (exit $rc), target untouched, clear error"
	else
		notok "a symlink planted as the pidfile: start refused, target untouched" "exit $rc; victim now: $(cat "$T/victim")"
		diagfile "$T/sym.log"
	fi
else
	notok "a symlink planted as the pidfile: start refused" "the daemon runs; victim now: $(cat "$T/victim")"
	diagfile "$T/sym.log"
	kill -TERM $p; wait_gone $p 20
fi
rm -f "$PIDF"

# 2. a pidfile of a live process: refused
echo $$ >"$PIDF"
"$BIN" -f -c "$T/pid.conf" >"$T/live.log" 2>&1 &
p=$!
track $p
if wait_gone $p 10 && ! wait $p && [ "$(cat "$PIDF")" = $$ ] && grep -q "process $$ is running" "$T/live.log"; then
	ok "a pidfile naming a live process: start refused, file kept"
else
	notok "a pidfile naming a live process: start refused, file kept"
	diagfile "$T/live.log"
	kill -TERM $p 2>/dev/null; wait_gone $p 20
fi

# 3. a stale pidfile (its process is gone): replaced; the running daemon
#    (user nobody, who cannot write $RUN) removes it on stop
sh -c 'exit 0' &
dead=$!
wait $dead
echo $dead >"$PIDF"
if start run "$T/pid.conf" && [ "$(cat "$PIDF")" = "$DPID" ] && grep -q "is stale" "$T/run.log"; then
	ok "a stale pidfile is replaced by the new pid"
else
	notok "a stale pidfile is replaced by the new pid" "pidfile: $(cat "$PIDF" 2>&1), daemon $DPID"
	diagfile "$T/run.log"
fi
st=$(stat -c '%U %a' "$PIDF" 2>&1)
[ "$st" = "root 644" ] && ok "the pidfile is root's, mode 644" || notok "the pidfile is root's, mode 644" "stat: $st"
C=$(milter_child "$DPID")
u=$(awk '/^Uid:/ { print $2 }' /proc/"$C"/status 2>/dev/null)
[ "$u" = "$(id -u nobody)" ] && ok "the milter process runs as nobody" || notok "the milter process runs as nobody" "uid: $u"
kill -TERM "$DPID"
if wait_gone "$DPID" 20; then
	wait "$DPID"
	rc=$?
	if [ $rc = 0 ] && [ ! -e "$PIDF" ] && grep -q "info: stopped" "$T/run.log"; then
		ok "after the drop to nobody, stop removes the pidfile in root's directory (exit 0)"
	else
		notok "after the drop to nobody, stop removes the pidfile in root's directory" "exit $rc; files: $(ls "$RUN")"
		diagfile "$T/run.log"
	fi
else
	notok "the daemon stops on SIGTERM"
fi

# 4. a pidfile replaced by someone else meanwhile is left alone
start run2 "$T/pid.conf"
rm -f "$PIDF"
echo 1 >"$PIDF"
kill -TERM "$DPID"
wait_gone "$DPID" 20
[ "$(cat "$PIDF" 2>/dev/null)" = 1 ] && grep -q "no longer holds pid" "$T/run2.log" &&
	ok "a pidfile that no longer holds our pid is not removed" ||
	{ notok "a pidfile that no longer holds our pid is not removed"; diagfile "$T/run2.log"; }
rm -f "$PIDF"

# 5. without -f: the command returns 0 once the milter serves; the pidfile
#    names the detached supervisor, which stops on SIGTERM and removes it
"$BIN" -c "$T/pid.conf" >"$T/bg.out" 2>&1
rc=$?
bg=$(cat "$PIDF" 2>/dev/null)
if [ $rc = 0 ] && [ -n "$bg" ] && kill -0 "$bg" 2>/dev/null && [ -n "$(milter_child "$bg")" ] &&
    decides "$SOCK" alpha.example reject; then
	ok "without -f: exit 0 once the milter serves; the pidfile names the detached supervisor"
	kill -TERM "$bg"
	wait_gone "$bg" 20 && [ ! -e "$PIDF" ] && ok "the detached daemon stops on SIGTERM and removes its pidfile" ||
		notok "the detached daemon stops on SIGTERM and removes its pidfile"
else
	notok "without -f: exit 0 once the milter serves" "exit $rc, pidfile: $bg"
	diagfile "$T/bg.out"
	diagfile "$T/decide.out"
	[ -n "$bg" ] && kill -TERM "$bg" 2>/dev/null
fi
# ... and 1 when the milter process cannot start (a list only root can read)
echo "listed.example" >"$T/rootonly.txt"
chmod 600 "$T/rootonly.txt"
cat >"$T/bad.conf" <<EOC
socket = "unix:$T/bad.sock";
user = "nobody";
pidfile = "$PIDF";
profiles = { tls = { encrypted = true; }; };
rules = ( { sender_list = "$T/rootonly.txt"; require = "tls"; } );
EOC
timeout 20 "$BIN" -c "$T/bad.conf" >"$T/bg2.out" 2>&1
rc=$?
[ $rc = 1 ] && [ ! -e "$PIDF" ] && ok "without -f: exit 1 when the milter process fails to start; no pidfile left" ||
	{ notok "without -f: exit 1 when the milter process fails to start; no pidfile left" "exit $rc"; diagfile "$T/bg2.out"; }
finish
