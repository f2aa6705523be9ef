#!/bin/sh
# t/miltertest.sh - protocol-level tests: miltertest drives the built daemon.
#
# Run by "make check" (automake TAP driver) or by hand:
#   TP_BUILDDIR=/path/to/build TP_SRCDIR=/path/to/source sh t/miltertest.sh
# Env: TP_BUILDDIR (daemon at $TP_BUILDDIR/milter/tlspolicy-milter), TP_SRCDIR,
#      MILTERTEST (optional path of miltertest), TP_MT_WRAPPER (optional: a
#      script started instead of the daemon with its arguments, e.g.
#      t/valgrind/daemon.sh), TP_MT_SERIAL (optional: run the scripts one
#      after the other), TP_MT_CONNECT_TRIES (optional: tries, 0.05 s apart,
#      to connect to a starting daemon; default 100).
#
# Every t/mt/NAME.lua (except lib.lua) runs in a temp dir of its own with the
# config t/mt/NAME.conf (@SOCKET@ and @DIR@ substituted) and a unix socket
# there; miltertest's stderr, which is also the daemon's, goes to
# DIR/milter.log, where the scripts read the decision lines.  The scripts run
# in parallel (libmilter takes ~5 s to stop after SIGTERM); their TAP lines
# are renumbered here into one stream.  Then "tlspolicy-milter -t" is checked
# on good and bad config files.  Temp dirs are removed on success and kept
# (and named) on failure.

LC_ALL=C
export LC_ALL

TP_SRCDIR=${TP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
TP_BUILDDIR=${TP_BUILDDIR:-$(pwd)}
BIN=$TP_BUILDDIR/milter/tlspolicy-milter
RUNBIN=${TP_MT_WRAPPER:-$BIN}
MTDIR=$TP_SRCDIR/t/mt
MT=${MILTERTEST:-}
[ -n "$MT" ] || MT=$(command -v miltertest 2>/dev/null)
TMPBASE=${TMPDIR:-/tmp}
# a unix socket path must fit in sun_path (108 bytes)
[ ${#TMPBASE} -le 40 ] || TMPBASE=/tmp
# per-script time limit (a hung daemon must not hang "make check")
LIMIT=${TP_MT_TIMEOUT:-45}

if [ -z "$MT" ] || [ ! -x "$MT" ]; then
	# never a skip: t/deps.sh installs it, so its absence is a failure
	echo "Bail out! miltertest not found (Debian package miltertest; t/deps.sh installs it)"
	exit 1
fi
if [ ! -x "$BIN" ]; then
	echo "1..1"
	echo "not ok 1 - daemon not built: $BIN"
	exit 1
fi

BODY=$(mktemp "$TMPBASE/tp-mt-body.XXXXXX") || exit 1
trap 'rm -f "$BODY"' EXIT
n=0
failed=0
kept=

. "$TP_SRCDIR/t/tap.sh"

# ---- miltertest scripts, in parallel ----

TIMEOUT=
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout -k 5 $LIMIT"

names=
for lua in "$MTDIR"/*.lua; do
	name=$(basename "$lua" .lua)
	[ "$name" = lib ] && continue
	case $name in *[!A-Za-z0-9_]*) echo "t/mt/$name.lua: script names must be [A-Za-z0-9_]" >&2; exit 1 ;; esac
	names="$names $name"
	d=$(mktemp -d "$TMPBASE/tp-mt-$name.XXXXXX") || exit 1
	eval "dir_$name=\$d"
	if [ -f "$MTDIR/$name.conf" ]; then
		sed -e "s|@SOCKET@|$d/milter.sock|g" -e "s|@DIR@|$d|g" "$MTDIR/$name.conf" >"$d/milter.conf"
	else
		: >"$d/milter.conf"
	fi
	(
		cd "$d" || exit 1
		$TIMEOUT "$MT" -D BIN="$RUNBIN" -D CONF="$d/milter.conf" -D SOCK="$d/milter.sock" \
		    ${TP_MT_CONNECT_TRIES:+-D CONNECT_TRIES="$TP_MT_CONNECT_TRIES"} \
		    -D LOG="$d/milter.log" -D DIR="$d" -D NAME="$name" -D MTDIR="$MTDIR" \
		    -s "$MTDIR/$name.lua" >"$d/tap.out" 2>"$d/milter.log" </dev/null
		echo $? >"$d/rc"
	) &
	# TP_MT_SERIAL: one script at a time (a daemon under valgrind starts too
	# slowly for the scripts' 5 s connect window when all start at once)
	[ -z "${TP_MT_SERIAL:-}" ] || wait
done
wait

for name in $names; do
	eval "d=\$dir_$name"
	before=$failed
	done_seen=0
	crashed=0
	while IFS= read -r line; do
		case $line in
		"ok - "*) n=$((n + 1)); printf 'ok %s - %s\n' "$n" "${line#ok - }" >>"$BODY" ;;
		"not ok - "*) n=$((n + 1)); failed=$((failed + 1)); printf 'not ok %s - %s\n' "$n" "${line#not ok - }" >>"$BODY"
			case $line in *"] script crashed") crashed=1 ;; esac ;;
		"#@done") done_seen=1 ;;
		"#"*) printf '%s\n' "$line" >>"$BODY" ;;
		"") ;;
		*) printf '# [%s] stdout: %s\n' "$name" "$line" >>"$BODY" ;;
		esac
	done <"$d/tap.out"
	rc=$(cat "$d/rc" 2>/dev/null || echo "?")
	# a crash the script reported itself (miltertest then exits 0) is one "not ok" already
	if [ "$rc" != 0 ] || { [ "$done_seen" != 1 ] && [ "$crashed" != 1 ]; }; then
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			why="timed out after ${LIMIT}s"
		else
			why="miltertest exit status $rc"
		fi
		notok "[$name] script ran to its end and miltertest exited 0" \
		    "$why; end marker seen: $done_seen; last lines of $d/milter.log:"
		diagfile "$d/milter.log"
	fi
	# miltertest SIGTERMs the daemon and waits for it: it must have stopped cleanly
	if grep -q "tlspolicy-milter: info: stopped" "$d/milter.log" 2>/dev/null; then
		ok "[$name] daemon stopped cleanly on SIGTERM"
	else
		notok "[$name] daemon stopped cleanly on SIGTERM" "no 'stopped' line in $d/milter.log; last lines:"
		diagfile "$d/milter.log"
	fi
	# the daemon removes the pidfile it wrote when it stops (reload.lua changes
	# the pidfile setting on a reload: the file written at start is still the one)
	if [ -f "$d/milter.pid" ]; then
		notok "[$name] daemon removed its pidfile on stop" "$d/milter.pid is still there after the daemon stopped" \
		    "files there: $(cd "$d" && echo *)"
	else
		ok "[$name] daemon removed its pidfile on stop"
	fi
	if grep -q -E "AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:" "$d/milter.log" 2>/dev/null; then
		notok "[$name] no sanitizer reports" "see $d/milter.log"
	fi
	# a daemon left running (e.g. after a timeout) is ended by its pid
	if [ -s "$d/milter.pid" ]; then
		pid=$(cat "$d/milter.pid")
		# only our daemon: its command line names this script's config
		if kill -0 "$pid" 2>/dev/null &&
		    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F -q "$d/milter.conf"; then
			kill "$pid" 2>/dev/null
			i=0
			while kill -0 "$pid" 2>/dev/null && [ $i -lt 40 ]; do
				sleep 0.25
				i=$((i + 1))
			done
			kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
			notok "[$name] daemon was still running after the script (pid $pid, now killed)"
		fi
	fi
	if [ "$failed" = "$before" ]; then
		rm -rf "$d"
	else
		kept="$kept $d"
	fi
done

# ---- tlspolicy-milter -t ----

CK=$(mktemp -d "$TMPBASE/tp-mt-check.XXXXXX") || exit 1
# -t as root reads the file as the configured user (privs.conf: nobody)
chmod 755 "$CK"
ck_failed=$failed

# good: every script's config, as the scripts use it
for name in $names; do
	f=$CK/good-$name.conf
	sed -e "s|@SOCKET@|$CK/milter.sock|g" -e "s|@DIR@|$CK|g" "$MTDIR/$name.conf" >"$f"
	"$RUNBIN" -t -c "$f" >"$CK/out" 2>"$CK/err"
	rc=$?
	if [ "$rc" = 0 ] && grep -q "OK" "$CK/out"; then
		ok "-t on a good config ($name.conf) exits 0 and says OK"
	else
		notok "-t on a good config ($name.conf) exits 0 and says OK" "exit status $rc; output:"
		diagfile "$CK/out"
		diagfile "$CK/err"
	fi
done

# bad: check_bad DESCRIPTION LINE FRAGMENT <<EOF (config text) EOF
# expects exit status 1 and "FILE:LINE: error: ...FRAGMENT..." on stderr
bad_n=0
check_bad() {
	bad_n=$((bad_n + 1))
	f=$CK/bad$bad_n.conf
	cat >"$f"
	"$RUNBIN" -t -c "$f" >"$CK/out" 2>"$CK/err"
	rc=$?
	if [ "$rc" = 1 ] && grep -F -q -- "$f:$2: error: " "$CK/err" &&
	    grep -F -- "$f:$2: error: " "$CK/err" | grep -F -q -- "$3"; then
		ok "-t rejects $1: exit 1, \"bad$bad_n.conf:$2: error: ...$3...\""
	else
		notok "-t rejects $1" "expected exit status 1 and \"$f:$2: error: ...$3...\"" \
		    "got exit status $rc; stderr:"
		diagfile "$CK/err"
		echo "#   config:" >>"$BODY"
		sed 's/^/#   | /' "$f" >>"$BODY"
	fi
}

HEAD="socket = \"unix:$CK/milter.sock\";
profiles = {
  tls = { encrypted = true; };"

check_bad "an unknown top-level key" 5 "unknown key 'colour'" <<EOF
$HEAD
};
colour = "blue";
rules = ( { sender = "a.example"; require = "tls"; } );
EOF
check_bad "an unknown key in a profile" 4 "unknown key 'min_versoin'" <<EOF
$HEAD
  strong = { min_versoin = "TLSv1.2"; };
};
rules = ( { sender = "a.example"; require = "strong"; } );
EOF
check_bad "an unknown key in a rule" 8 "unknown key 'sendr'" <<EOF
$HEAD
};
rules = (
  { sender = "a.example"; require = "tls"; },

  { sendr = "b.example"; sender = "b.example"; require = "tls"; }
);
EOF
check_bad "a wrong type (integer min_bits as a string)" 4 "must be an integer" <<EOF
$HEAD
  strong = { min_bits = "128"; };
};
rules = ( { sender = "a.example"; require = "strong"; } );
EOF
check_bad "a wrong type (mode as an integer)" 6 "must be a string" <<EOF
$HEAD
};
rules = (
  { sender = "a.example"; require = "tls"; mode = 1; }
);
EOF
check_bad "an unknown profile" 6 "unknown profile 'strong'" <<EOF
$HEAD
};
rules = (
  { sender = "a.example"; require = "strong"; }
);
EOF
check_bad "a bad IPv4 CIDR" 7 "192.0.2.0/33" <<EOF
$HEAD
};
rules = (
  { client = "192.0.2.0/24"; require = "tls"; },
  { client = "192.0.2.0/33"; require = "tls"; }
);
EOF
check_bad "a bad IPv6 CIDR" 6 "2001:db8::/129" <<EOF
$HEAD
};
rules = (
  { client = "2001:db8::/129"; require = "tls"; }
);
EOF
check_bad "a bad address (300.1.2.3)" 6 "300.1.2.3" <<EOF
$HEAD
};
rules = (
  { client = "300.1.2.3"; require = "tls"; }
);
EOF
check_bad "a bad domain (space)" 6 "bad domain 'exa mple.com'" <<EOF
$HEAD
};
rules = (
  { sender = "exa mple.com"; require = "tls"; }
);
EOF
check_bad "a bad domain (empty label) in a list" 6 "bad domain 'b..example'" <<EOF
$HEAD
};
rules = (
  { recipient = ( "a.example", "b..example" ); require = "tls"; }
);
EOF
check_bad "a bad reply code (250)" 7 "reply code must be 4xx or 5xx" <<EOF
$HEAD
};
rules = (
  { recipient = "a.example"; require = "tls";
    reply = "250 2.0.0 fine"; }
);
EOF
check_bad "a reply code that does not fit the action" 7 "does not fit action tempfail" <<EOF
$HEAD
};
rules = (
  { recipient = "a.example"; require = "tls"; action = "tempfail";
    reply = "550 5.7.10 no"; }
);
EOF
check_bad "a bad enhanced code (class mismatch)" 7 "enhanced code class 4 does not match" <<EOF
$HEAD
};
rules = (
  { recipient = "a.example"; require = "tls";
    reply = "550 4.7.10 no"; }
);
EOF
check_bad "a bad enhanced code (leading zero)" 7 "without leading zeros" <<EOF
$HEAD
};
rules = (
  { recipient = "a.example"; require = "tls";
    reply = "550 5.07.10 no"; }
);
EOF
check_bad "a bad template variable" 7 "unknown variable %{domian}" <<EOF
$HEAD
};
rules = (
  { recipient = "a.example"; require = "tls";
    reply = "550 5.7.10 Mail for %{domian} needs TLS"; }
);
EOF
check_bad "a stray %" 7 "stray '%'" <<EOF
$HEAD
};
rules = (
  { recipient = "a.example"; require = "tls";
    reply = "550 5.7.10 100% TLS only"; }
);
EOF
# (TLSv1.4 is a version: newer versions compare by number, defect 5)
check_bad "a bad min_version" 4 "min_version 'TLS 1.4'" <<EOF
$HEAD
  strong = { min_version = "TLS 1.4"; };
};
rules = ( { sender = "a.example"; require = "strong"; } );
EOF
check_bad "a syntax error" 5 "syntax error" <<EOF
$HEAD
};
rules = ( { sender = "a.example"; require = tls; } );
EOF

if [ "$failed" = "$ck_failed" ]; then
	rm -rf "$CK"
else
	kept="$kept $CK"
fi

# ---- one TAP stream ----
echo "1..$n"
cat "$BODY"
if [ -n "$kept" ]; then
	for d in $kept; do
		echo "# kept for inspection: $d"
	done
fi
[ "$failed" = 0 ]
