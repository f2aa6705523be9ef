#!/bin/sh
# t/daemon/files.sh - one rule for which files are read as whom (issue 9,
# defect 8): root reads only the config file's daemon settings; the config
# file itself again and every file it names (domain lists, ...) are read as
# the unprivileged user, at start as on reload.  A root-only list file must
# fail the start with a clear error, not the first reload.
. "${TP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/t/daemon/lib.sh"

SOCK=$T/files.sock
mkdir -p "$T/lists"
chmod 755 "$T/lists"
echo "listed.example" >"$T/lists/partners.txt"
chmod 600 "$T/lists/partners.txt"       # root only
cat >"$T/files.conf" <<EOF2
socket = "unix:$SOCK";
user = "nobody";
group = "nogroup";
profiles = { tls = { encrypted = true; }; };
rules = ( { sender_list = "$T/lists/partners.txt"; require = "tls"; } );
EOF2
grep -q "sender_list" "$TP_SRCDIR/man/tlspolicy-milter.conf.5" ||
	notok "the config uses a documented list key (sender_list)"

# start: refused, exit non-zero, the error names the file and the user
"$BIN" -f -c "$T/files.conf" >"$T/start.log" 2>&1 &
p=$!
track $p
if wait_gone $p 15; then
	wait $p
	rc=$?
	if [ $rc != 0 ] && grep -q "$T/lists/partners.txt: error: cannot open domain list: Permission denied" "$T/start.log" &&
	    grep -q "as user nobody" "$T/start.log"; then
		ok "a root-only list file fails the start (exit $rc) with file, reason and user named"
	else
		notok "a root-only list file fails the start with a clear error" "exit $rc; log:"
		diagfile "$T/start.log"
	fi
else
	notok "a root-only list file fails the start" "the daemon started; log:"
	diagfile "$T/start.log"
	kill -TERM $p
	wait_gone $p 20
fi

# -t run as root applies the same rule
"$BIN" -t -c "$T/files.conf" >"$T/t.out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "cannot open domain list: Permission denied" "$T/t.out" &&
	ok "-t as root reads the list as the configured user too: exit 1, same error" ||
	{ notok "-t as root reads the list as the configured user too" "exit $rc"; diagfile "$T/t.out"; }

# readable by the user: starts, and a reload reads it the same way
chmod 644 "$T/lists/partners.txt"
"$BIN" -t -c "$T/files.conf" >"$T/t.out" 2>&1 && ok "-t passes once the list is readable by nobody" ||
	{ notok "-t passes once the list is readable by nobody"; diagfile "$T/t.out"; }
if start files "$T/files.conf" && decides "$SOCK" listed.example reject; then
	ok "the daemon starts with the readable list and applies it"
else
	notok "the daemon starts with the readable list and applies it"
	diagfile "$T/files.log"
	diagfile "$T/decide.out"
fi
chmod 600 "$T/lists/partners.txt"
kill -HUP "$DPID"
wait_log "$T/files.log" "keeping the previous policy" 10 &&
	grep -q "cannot open domain list: Permission denied" "$T/files.log" &&
	decides "$SOCK" listed.example reject &&
	ok "a reload reads the list as the same user: root-only now fails the reload, old policy kept" ||
	{ notok "a reload reads the list as the same user"; diagfile "$T/files.log"; }

# the config file itself must be readable by the user as well (reloads read it)
kill -TERM "$DPID"
wait_gone "$DPID" 20
chmod 644 "$T/lists/partners.txt"
chmod 600 "$T/files.conf"
"$BIN" -f -c "$T/files.conf" >"$T/conf.log" 2>&1 &
p=$!
track $p
if wait_gone $p 15 && ! wait $p && grep -q "$T/files.conf: error: cannot read the file: Permission denied" "$T/conf.log"; then
	ok "a config file only root can read fails the start, not the first reload"
else
	notok "a config file only root can read fails the start"
	diagfile "$T/conf.log"
	kill -TERM $p 2>/dev/null
	wait_gone $p 20
fi
finish
