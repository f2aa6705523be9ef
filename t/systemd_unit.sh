#!/bin/bash
# t/systemd_unit.sh - the shipped unit etc/tlspolicy-milter.service, started
# for real by systemd (issue 12, item 7).  TAP output.
#
# The machines this runs on have no systemd as PID 1, so the test boots a
# private one: systemd --system as PID 1 of new PID, mount, UTS and network
# namespaces (loopback only), with a tmpfs on /run and SYSTEMD_UNIT_PATH
# holding nothing but the shipped unit (ExecStart and config path pointed
# at this build, and DefaultDependencies=no: there is no sysinit.target) and
# a target that wants it.  Then: systemd-analyze verify and security
# (exposure score), start (ExecStartPre -t, privilege drop under the
# sandbox), a verdict, the sandbox seen from /proc (no_new_privs, seccomp,
# capability bounding set, read-only /usr, hidden /home), systemctl reload
# under the new policy, stop.  The only trace outside the namespaces: the
# empty cgroups systemd made, removed at exit unless they existed before.
# Needs root and /lib/systemd/systemd (t/deps.sh installs systemd).

set -u
LC_ALL=C
export LC_ALL
B=${TP_BUILDDIR:-$(cd "$(dirname "$0")/.." && pwd)}
S=${TP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
GEN=$B/t/bench/miltergen
TPM=$B/milter/tlspolicy-milter
UNIT=$S/etc/tlspolicy-milter.service
SYSTEMD=/lib/systemd/systemd
n=0 failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/tp-systemd.XXXXXX") || { echo "Bail out! mktemp"; exit 2; }
BODY=$T/tap.body
: >"$BODY"
# shellcheck source=tap.sh
. "$S/t/tap.sh"
for f in "$GEN" "$TPM" "$UNIT"; do [ -e "$f" ] || { echo "Bail out! $f missing"; exit 2; }; done
if [ "$(id -u)" != 0 ] || [ ! -x "$SYSTEMD" ] || ! command -v systemd-analyze >/dev/null; then
	echo "1..1"
	echo "not ok 1 - needs root, $SYSTEMD and systemd-analyze (t/deps.sh installs systemd)"
	exit 1
fi

SD=
CG_BEFORE=$(ls -d /sys/fs/cgroup/*/init.scope /sys/fs/cgroup/*/system.slice /sys/fs/cgroup/init.scope \
    /sys/fs/cgroup/system.slice 2>/dev/null | sort -u)
finish() {
	local i=0 d
	if [ -n "$SD" ]; then
		kill -KILL "$SD" 2>/dev/null       # the namespace's init: everything in it ends
		while kill -0 "$SD" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	fi
	[ -n "${BOOT:-}" ] && wait "$BOOT" 2>/dev/null
	for d in /sys/fs/cgroup/*/system.slice /sys/fs/cgroup/*/init.scope /sys/fs/cgroup/system.slice \
	    /sys/fs/cgroup/init.scope; do
		[ -d "$d" ] || continue
		printf '%s\n' "$CG_BEFORE" | grep -qxF "$d" && continue
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	echo "1..$n"
	cat "$BODY"
	if [ "$failed" = 0 ]; then rm -rf "$T"; else echo "# kept for inspection: $T"; fi
	[ "$failed" = 0 ]
	exit $?
}
trap finish INT TERM

# ------------------------------------------------------------------ static checks
R=/run/tp-test          # inside the namespace's own /run
mkdir -p "$T/units/tlspolicy-milter.service.d"
sed "s|/usr/sbin/tlspolicy-milter|$R/tlspolicy-milter|g; s|/etc/tlspolicy-milter.conf|$R/tp.conf|g" "$UNIT" \
    >"$T/units/tlspolicy-milter.service"
printf '[Unit]\nDefaultDependencies=no\n[Service]\nStandardOutput=append:%s/out.log\nStandardError=append:%s/out.log\n' \
    "$R" "$R" >"$T/units/tlspolicy-milter.service.d/test.conf"
# a sanitizer build: LeakSanitizer stops the world with ptrace, which the
# unit's SystemCallFilter (@debug is not allowed) refuses; leaks are checked
# elsewhere (t/config_leak.sh, valgrind), so the sandboxed run leaves them out
if grep -q __asan_init "$TPM" 2>/dev/null; then
	printf 'Environment=ASAN_OPTIONS=%sdetect_leaks=0\n' "${ASAN_OPTIONS:+$ASAN_OPTIONS:}" \
	    >>"$T/units/tlspolicy-milter.service.d/test.conf"
fi
printf '[Unit]\nDescription=tlspolicy-milter unit test\nWants=tlspolicy-milter.service\n' >"$T/units/tp-test.target"
cp "$TPM" "$T/tlspolicy-milter"
# verify sees this file system: the binary where it is here
mkdir -p "$T/verify"
sed "s|/usr/sbin/tlspolicy-milter|$T/tlspolicy-milter|g" "$UNIT" >"$T/verify/tlspolicy-milter.service"
if systemd-analyze verify --man=no "$T/verify/tlspolicy-milter.service" >"$T/verify.out" 2>&1 &&
    ! grep -q . "$T/verify.out"; then
	ok "systemd-analyze verify: the unit is clean"
else
	notok "systemd-analyze verify: the unit is clean"; diagfile "$T/verify.out"
fi
systemd-analyze security --offline=yes "$UNIT" >"$T/security.out" 2>&1
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$T/security.out")
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }'; then
	ok "systemd-analyze security --offline: exposure $score (at most 3.0)"
else
	notok "systemd-analyze security --offline: exposure ${score:-?} (at most 3.0)"; diagfile "$T/security.out" 40
fi

# ------------------------------------------------------------------ boot
conf() {        # conf DOMAIN: plaintext mail from DOMAIN is refused
	cat <<EOF
socket = "unix:/run/tlspolicy-milter/tp.sock";
pidfile = "/run/tlspolicy-milter/tp.pid";
user = "nobody";
log = { level = "info"; };
profiles = { tls = { encrypted = true; }; };
rules = ( { sender = "$1"; require = "tls"; } );
EOF
}
conf alpha.example >"$T/tp.conf"
cat >"$T/boot.sh" <<EOF
mount -t tmpfs -o mode=755 tmpfs /run || exit 1
mkdir -p /run/systemd $R
cp -r "$T/units" "$T/tp.conf" "$T/tlspolicy-milter" $R/
chmod 644 $R/tp.conf
exec env SYSTEMD_UNIT_PATH=$R/units $SYSTEMD --system --unit=tp-test.target --log-target=kmsg --log-level=info
EOF
unshare -n -u --pid --fork --mount --propagation private --mount-proc /bin/sh "$T/boot.sh" >"$T/boot.log" 2>&1 &
BOOT=$!
# systemd is the unshare process's child
for i in $(seq 1 50); do
	SD=$(cat /proc/$BOOT/task/*/children 2>/dev/null | tr -d ' \n')
	[ -n "$SD" ] && [ "$(cat /proc/"$SD"/comm 2>/dev/null)" = systemd ] && break
	SD=
	sleep 0.1
done
[ -n "$SD" ] || { notok "a private systemd boots as PID 1 of new namespaces"; diagfile "$T/boot.log"; finish; }
in_ns() { nsenter -t "$SD" -m -u -n -p "$@"; }
sctl() { in_ns systemctl "$@"; }
state=
for i in $(seq 1 100); do
	state=$(sctl is-active tlspolicy-milter.service 2>/dev/null)
	case $state in active|failed) break ;; esac
	sleep 0.2
done
if [ "$state" = active ]; then
	ok "a private systemd (PID 1 of new namespaces) starts the shipped unit: ExecStartPre -t, then active"
else
	notok "a private systemd starts the shipped unit" "state: $state"
	sctl status --no-pager tlspolicy-milter.service >"$T/status.out" 2>&1; diagfile "$T/status.out"
	in_ns cat $R/out.log >"$T/out.log" 2>&1; diagfile "$T/out.log"
	finish
fi

# the milter answers: plaintext from alpha.example is refused
decide() {      # decide DOMAIN KIND
	in_ns timeout 20 "$GEN" -c 1 -s 1 -m 1 -t 15 --tls plain --from "u@$1" --expect-mail "$2" \
	    unix:/run/tlspolicy-milter/tp.sock >"$T/decide.out" 2>&1
}
ready=1
for i in $(seq 1 50); do decide alpha.example reject && { ready=0; break; }; sleep 0.2; done
[ $ready = 0 ] && ok "under the sandbox: plaintext from alpha.example refused, others pass" &&
	decide other.example accept,continue ||
	{ notok "under the sandbox: the milter answers with the policy"; diagfile "$T/decide.out"; }

# the sandbox as the kernel sees it
MAIN=$(sctl show -p MainPID --value tlspolicy-milter.service)
# host_pid NSPID: the pid here of process NSPID of the namespace
host_pid() {
	local p ns
	ns=$(readlink "/proc/$SD/ns/pid")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
		awk -v m="$1" '$1 == "NSpid:" && $NF == m { f = 1 } END { exit !f }' "$p/status" 2>/dev/null &&
			{ basename "$p"; return 0; }
	done
	return 1
}
HMAIN=$(host_pid "$MAIN")
CHILD=$(cat /proc/"$HMAIN"/task/*/children 2>/dev/null | tr -d ' \n')
st() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
if [ -n "$CHILD" ] && [ "$(st "$CHILD" NoNewPrivs)" = 1 ] && [ "$(st "$CHILD" Seccomp)" = 2 ] &&
    [ "$(st "$HMAIN" NoNewPrivs)" = 1 ] && [ "$(st "$HMAIN" Seccomp)" = 2 ]; then
	ok "supervisor and milter process: no_new_privs, seccomp filter"
else
	notok "supervisor and milter process: no_new_privs, seccomp filter" "main $HMAIN child ${CHILD:-none}"
fi
# CAP_CHOWN 0, CAP_KILL 5, CAP_SETGID 6, CAP_SETUID 7
bnd=$(st "$HMAIN" CapBnd)
[ "$bnd" = 00000000000000e1 ] && ok "capability bounding set: CHOWN KILL SETGID SETUID only ($bnd)" ||
	notok "capability bounding set: CHOWN KILL SETGID SETUID only" "CapBnd $bnd"
uid=$(st "$CHILD" Uid)
[ -n "$uid" ] && [ "$uid" = "$(id -u nobody)" ] && [ "$(st "$CHILD" CapEff)" = 0000000000000000 ] &&
	ok "the milter process runs as nobody with no capabilities" ||
	notok "the milter process runs as nobody with no capabilities" "uid $uid, CapEff $(st "$CHILD" CapEff)"
# file system as the service sees it (through its root: its mount namespace)
touch "/proc/$CHILD/root/usr/tp-test-write" 2>"$T/ro.out"
ro=$?
rm -f "/proc/$CHILD/root/usr/tp-test-write" 2>/dev/null
home=$(ls -A "/proc/$CHILD/root/home" 2>/dev/null | wc -l)
tmpns=$(ls -A "/proc/$CHILD/root/tmp" 2>/dev/null | grep -c "$(basename "$T")")
if [ $ro != 0 ] && grep -q 'Read-only' "$T/ro.out" && [ "$home" = 0 ] && [ "$tmpns" = 0 ]; then
	ok "ProtectSystem=strict (/usr read-only), ProtectHome (empty /home), PrivateTmp (own /tmp)"
else
	notok "ProtectSystem=strict, ProtectHome, PrivateTmp" "touch /usr: $ro $(cat "$T/ro.out"); /home entries $home; host /tmp seen $tmpns"
fi

# reload through ExecReload under the new policy
conf beta.example >"$T/tp2.conf"
in_ns sh -c "cat '$T/tp2.conf' >$R/tp.conf.new && mv $R/tp.conf.new $R/tp.conf"
sctl reload tlspolicy-milter.service >"$T/reload.out" 2>&1
rc=$?
got=1
for i in $(seq 1 50); do decide beta.example reject && decide alpha.example accept,continue && { got=0; break; }; sleep 0.2; done
[ $rc = 0 ] && [ $got = 0 ] && [ "$(sctl is-active tlspolicy-milter.service)" = active ] &&
	ok "systemctl reload: the new policy is in force, the service still active" ||
	{ notok "systemctl reload: the new policy is in force" "reload exit $rc"; diagfile "$T/decide.out"; }

# stop: clean, well within TimeoutStopSec
t0=$(date +%s)
sctl stop tlspolicy-milter.service >"$T/stop.out" 2>&1
t1=$(date +%s)
res=$(sctl show -p Result --value tlspolicy-milter.service)
st_=$(sctl is-active tlspolicy-milter.service)
[ "$st_" = inactive ] && [ "$res" = success ] && [ $((t1 - t0)) -lt 20 ] &&
	ok "systemctl stop: inactive, result success, in $((t1 - t0)) s" ||
	{ notok "systemctl stop: inactive, result success" "state $st_, result $res, $((t1 - t0)) s"
	  in_ns cat $R/out.log >"$T/out.log" 2>&1; diagfile "$T/out.log"; }
in_ns cat $R/out.log >"$T/out.log" 2>&1
if grep -q 'Sanitizer\|runtime error' "$T/out.log"; then
	notok "no sanitizer report in the service's output"; diagfile "$T/out.log"
else
	ok "no sanitizer report in the service's output ($(wc -l <"$T/out.log") lines)"
fi
finish
