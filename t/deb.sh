#!/bin/sh
# t/deb.sh - the Debian package on a throw-away Debian 12 system (make check-deb; root).
#
#   TP_BUILDDIR=/path/to/build TP_SRCDIR=/path/to/source sh t/deb.sh
# Needs the package built by "make deb" in TP_BUILDDIR.  Env: TP_DEB_MIRROR
# (default: the first Debian URI of this machine's apt sources),
# TP_DEB_FRESH=1 (remake the cached base system).
#
# The throw-away system is a chroot made with debootstrap (minbase, plus
# systemd and procps as on a real system) from the Debian archive this
# machine's apt uses; the base system is kept in
# TP_BUILDDIR/deb-base-systemd.tar and unpacked fresh for every run.  No mounts: the
# chroot is removed with rm -rf.  In it: apt-get install of the .deb (its
# dependencies come from the archive), systemctl is-enabled and
# systemd-analyze verify of the unit, then the daemon runs as the unit's
# ExecStartPre/ExecStart say (no systemd as PID 1 in a chroot), in a
# loopback-only network namespace, and miltertest checks that the packaged
# config is in force; a changed config is loaded on ExecReload (SIGHUP) (with the MTA-STS
# store in /var/lib/tlspolicy-milter, written as the package's user); SIGTERM
# stops it; dpkg -r keeps the conffile and the user, dpkg -P removes both.
# TAP output.  The chroot is kept (and named) on failure.

LC_ALL=C
export LC_ALL
TP_SRCDIR=${TP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
TP_BUILDDIR=${TP_BUILDDIR:-$(pwd)}
PKG=tlspolicy-milter
CONF=/etc/tlspolicy-milter.conf

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { # check "what" command...
	what=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else nok "$what" "failed: $*"; fi
}
bail() { echo "Bail out! $*"; exit 1; }

[ "$(id -u)" = 0 ] || bail "t/deb.sh must run as root (chroot, dpkg)"
version=$(sed -n '1s/^tlspolicy-milter (\([^)]*\)).*/\1/p' "$TP_SRCDIR/etc/debian/changelog")
DEB=$TP_BUILDDIR/${PKG}_${version}_$(dpkg --print-architecture).deb
[ -f "$DEB" ] || bail "no package $DEB: run make deb first"
command -v miltertest >/dev/null 2>&1 || bail "miltertest not found (t/deps.sh installs it)"
if ! command -v debootstrap >/dev/null 2>&1; then
	# only check-deb needs it: not in t/deps.sh
	echo "# t/deb.sh: installing debootstrap (apt-get install debootstrap)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null ||
		bail "cannot install debootstrap"
fi

MIRROR=${TP_DEB_MIRROR:-}
if [ -z "$MIRROR" ]; then
	# deb822 sources first (URIs: line of a stanza with Suites: bookworm), then one-line sources
	MIRROR=$(awk '
		FNR == 1 && u != "" && s { print u; done = 1; exit }
		FNR == 1 || /^[ \t]*$/ { if (u != "" && s) { print u; done = 1; exit } u = ""; s = 0 }
		/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ { s = 1 }
		END { if (!done && u != "" && s) print u }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -n "$MIRROR" ] || MIRROR=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null)
fi
[ -n "$MIRROR" ] || bail "no Debian bookworm mirror in /etc/apt/sources.list*: set TP_DEB_MIRROR"

BASE=$TP_BUILDDIR/deb-base-systemd.tar
t0=$(date +%s)
if [ ! -s "$BASE" ] || [ "${TP_DEB_FRESH:-}" = 1 ]; then
	echo "# debootstrap --variant=minbase --include=systemd,procps bookworm from $MIRROR (kept in $BASE)"
	bs=$(mktemp -d /var/tmp/tpdeb-base.XXXXXX)
	if ! debootstrap --variant=minbase --include=systemd,procps bookworm "$bs/root" "$MIRROR" >"$bs/log" 2>&1; then
		tail -n 20 "$bs/log" | sed 's/^/# /'
		rm -rf "$bs"
		bail "debootstrap failed"
	fi
	tar -C "$bs/root" -cf "$BASE.tmp" . && mv "$BASE.tmp" "$BASE"
	rm -rf "$bs"
fi
WORK=$(mktemp -d /var/tmp/tpdeb.XXXXXX)
R=$WORK/root
NS=""
DPID=""
cleanup() {
	[ -z "$DPID" ] || kill -KILL "$DPID" 2>/dev/null
	[ -z "$NS" ] || kill "$NS" 2>/dev/null
	if [ "$fails" = 0 ]; then
		rm -rf "$WORK"
	else
		echo "# kept the chroot: $WORK"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
{ mkdir "$R" && tar -C "$R" -xf "$BASE"; } || bail "cannot unpack $BASE"
echo "# base system ready in $(($(date +%s) - t0)) s"
cp /etc/resolv.conf "$R/etc/resolv.conf"
# no services are started by maintainer scripts in here
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"
cp "$DEB" "$R/tmp/"
inroot() { chroot "$R" "$@"; }

# ---- install ----
t0=$(date +%s)
if inroot sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/$(basename "$DEB")" \
	>"$WORK/apt.log" 2>&1; then
	ok "apt-get install of the package (dependencies and recommends from $MIRROR, $(($(date +%s) - t0)) s)"
else
	nok "apt-get install of the package" "$(tail -n 5 "$WORK/apt.log")"
	bail "not installed"
fi
# shellcheck disable=SC2016
status() { inroot dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null | tr -d ' '; }
check "dpkg status: installed" test "$(status)" = ii
check "daemon in /usr/sbin" test -x "$R/usr/sbin/tlspolicy-milter"
check "man pages tlspolicy-milter(8) and tlspolicy-milter.conf(5)" \
	test -s "$R/usr/share/man/man8/tlspolicy-milter.8.gz" -a -s "$R/usr/share/man/man5/tlspolicy-milter.conf.5.gz"
check "systemd unit in /lib/systemd/system" test -s "$R/lib/systemd/system/tlspolicy-milter.service"
check "unit enabled (systemctl is-enabled in the chroot)" \
	test "$(inroot systemctl is-enabled tlspolicy-milter.service 2>&1)" = enabled
if out=$(inroot systemd-analyze verify --man=no tlspolicy-milter.service 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify of the installed unit: no complaints"
else
	nok "systemd-analyze verify of the installed unit" "$out"
fi
check "$CONF is a conffile" grep -qx "$CONF" "$R/var/lib/dpkg/info/$PKG.conffiles"
check "the lists' directory /etc/tlspolicy-milter exists" test -d "$R/etc/tlspolicy-milter"
check "examples: Postfix and Sendmail snippets" test -s "$R/usr/share/doc/$PKG/examples/postfix-main.cf" \
	-a -s "$R/usr/share/doc/$PKG/examples/postfix-master.cf" -a -s "$R/usr/share/doc/$PKG/examples/sendmail.mc"
check "recommends installed: dns-root-data (/usr/share/dns/root.key), ca-certificates" \
	test -s "$R/usr/share/dns/root.key" -a -s "$R/etc/ssl/certs/ca-certificates.crt"
pw=$(inroot getent passwd "$PKG")
uid=$(echo "$pw" | cut -d: -f3)
if [ -n "$uid" ] && [ "$uid" -lt 1000 ] && [ "$(echo "$pw" | cut -d: -f7)" = /usr/sbin/nologin ]; then
	ok "system user $PKG (uid $uid, no login shell)"
else
	nok "system user $PKG" "passwd: $pw"
fi
check "system group $PKG" inroot getent group "$PKG"
if grep -q "^user = \"$PKG\";" "$R$CONF" && grep -q "^group = \"$PKG\";" "$R$CONF"; then
	ok "config names the package user and group"
else
	nok "config names the package user and group" "$(grep -E '^#? *(user|group) =' "$R$CONF")"
fi
gid=$(inroot getent group "$PKG" | cut -d: -f3)
check "state directory /var/lib/tlspolicy-milter: $PKG's, mode 0750" \
	test "$(stat -c '%u:%g %a' "$R/var/lib/tlspolicy-milter" 2>/dev/null)" = "$uid:$gid 750"
if inroot dpkg -i "/tmp/$(basename "$DEB")" >"$WORK/reinstall.log" 2>&1 && [ "$(status)" = ii ] &&
	[ "$(inroot getent passwd "$PKG" | cut -d: -f3)" = "$uid" ]; then
	ok "reinstall over itself (configure with the user present): same user"
else
	nok "reinstall over itself" "$(tail -n 5 "$WORK/reinstall.log")"
fi

# ---- run as the unit does ----
unit=$R/lib/systemd/system/tlspolicy-milter.service
pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
rtdir=$(sed -n 's/^RuntimeDirectory=//p' "$unit")
[ -z "$rtdir" ] || mkdir -p "$R/run/$rtdir"
# shellcheck disable=SC2086
if out=$(inroot $pre 2>&1); then
	ok "ExecStartPre ($pre) accepts the packaged config"
else
	nok "ExecStartPre ($pre)" "$out"
fi
unshare -n sleep 100000 &
NS=$!
sleep 0.2
nsenter -t "$NS" -n ip link set lo up || bail "cannot set up the loopback namespace"
LOG=$WORK/daemon.log
# shellcheck disable=SC2086
nsenter -t "$NS" -n chroot "$R" $start 2>"$LOG" &
DPID=$!
listening() { nsenter -t "$NS" -n ss -Hltn 'sport = :8895' | grep -q 8895; }
i=0
while ! listening && [ $i -lt 50 ] && kill -0 "$DPID" 2>/dev/null; do sleep 0.2; i=$((i + 1)); done
if listening; then
	ok "ExecStart ($start): listening on 127.0.0.1:8895"
else
	nok "ExecStart ($start): not listening" "$(tail -n 5 "$LOG")"
fi
worker_uids() { ps -o uid= --ppid "$DPID" 2>/dev/null | tr -d ' ' | sort -u | tr '\n' ' '; }
check "the worker process runs as $PKG (uid $uid)" test "$(worker_uids)" = "$uid "

# One MAIL FROM over a plaintext Postfix session; prints the reply.
cat > "$WORK/mail.lua" <<'EOF'
local conn = mt.connect("inet:8895@127.0.0.1", 50, 0.1)
if conn == nil then print("REPLY=noconnect") return end
mt.negotiate(conn, nil, nil, nil)
mt.macro(conn, SMFIC_CONNECT, "v", "Postfix 3.7.11")
mt.conninfo(conn, "client.test", "198.51.100.7")
mt.helo(conn, "client.test")
mt.mailfrom(conn, "<a@" .. FROM .. ">")
local r = mt.getreply(conn)
local names = { [SMFIR_ACCEPT] = "accept", [SMFIR_CONTINUE] = "continue", [SMFIR_REPLYCODE] = "replycode",
	[SMFIR_REJECT] = "reject", [SMFIR_TEMPFAIL] = "tempfail" }
print("REPLY=" .. (names[r] or tostring(r)))
mt.disconnect(conn)
EOF
mail() { nsenter -t "$NS" -n timeout 30 miltertest -D FROM="$1" -s "$WORK/mail.lua" 2>>"$WORK/mt.log" |
	sed -n 's/^REPLY=//p'; }
r=$(mail bank.example)
check "packaged config in force: mail from bank.example without TLS is refused ($r)" test "$r" = replycode
r=$(mail other.example)
check "mail from a domain without a rule passes ($r)" test "$r" = accept -o "$r" = continue
r=$(mail reload.example)
check "reload.example passes before the reload ($r)" test "$r" = accept -o "$r" = continue

# ---- reload: a changed conffile (a rule, the MTA-STS store in the state directory) ----
sed -i 's/^rules = ($/rules = (\n  { sender = "reload.example"; require = "tls"; },/' "$R$CONF"
cat >> "$R$CONF" <<'EOF'
requiretls = { address_tag = "requiretls"; verify = "dnssec-or-mta-sts"; timeout = 5; };
dns = { resolver = "127.0.0.1"; trust_anchor_file = "/usr/share/dns/root.key"; timeout = 2; };
mta_sts = { store = "/var/lib/tlspolicy-milter/mta-sts.db"; timeout = 2; };
EOF
# shellcheck disable=SC2086
if out=$(inroot $pre 2>&1); then ok "ExecStartPre accepts the changed config"; else nok "ExecStartPre, changed config" "$out"; fi
reloads() { grep -c '^tlspolicy-milter: info: reloaded ' "$LOG"; }
before=$(reloads)
# ExecReload as systemd runs it ($MAINPID: the daemon), with the chroot's tools
reload=$(sed -n 's/^ExecReload=//p' "$unit" | sed "s/\$MAINPID/$DPID/g; s/\${MAINPID}/$DPID/g")
# shellcheck disable=SC2086
check "ExecReload ($reload) runs" inroot $reload
i=0
while [ "$(reloads)" = "$before" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
check "SIGHUP: the daemon logs a reload and keeps running" test "$(reloads)" != "$before" -a -n "$(worker_uids)"
r=$(mail reload.example)
check "SIGHUP: the new rule is in force (reload.example refused: $r)" test "$r" = replycode
check "SIGHUP: the MTA-STS store was created in /var/lib/tlspolicy-milter as $PKG" \
	test "$(stat -c %u "$R/var/lib/tlspolicy-milter/mta-sts.db" 2>/dev/null)" = "$uid"

# ---- stop ----
kill -TERM "$DPID"
i=0
while kill -0 "$DPID" 2>/dev/null && [ $i -lt 175 ]; do sleep 0.2; i=$((i + 1)); done
if kill -0 "$DPID" 2>/dev/null; then
	nok "SIGTERM: the daemon stops within 35 s" "$(tail -n 5 "$LOG")"
else
	wait "$DPID"
	rc=$?
	DPID=""
	check "SIGTERM: the daemon stops (exit status $rc), the port is closed" test "$rc" = 0 -a -n "$(listening || echo closed)"
fi
kill "$NS" 2>/dev/null
wait "$NS" 2>/dev/null
NS=""

# ---- remove, purge ----
if inroot dpkg -r "$PKG" >"$WORK/remove.log" 2>&1; then ok "dpkg -r"; else nok "dpkg -r" "$(tail -n 5 "$WORK/remove.log")"; fi
check "after remove: dpkg status config-files" test "$(status)" = rc
check "after remove: the daemon is gone" test ! -e "$R/usr/sbin/tlspolicy-milter"
check "after remove: the (changed) conffile stays" grep -q reload.example "$R$CONF"
check "after remove: the user stays" inroot getent passwd "$PKG"
if inroot dpkg -P "$PKG" >"$WORK/purge.log" 2>&1; then ok "dpkg -P"; else nok "dpkg -P" "$(tail -n 5 "$WORK/purge.log")"; fi
check "after purge: not known to dpkg" test -z "$(status)" -o "$(status)" = un
check "after purge: the conffile is gone" test ! -e "$R$CONF"
check "after purge: /etc/tlspolicy-milter is gone" test ! -e "$R/etc/tlspolicy-milter"
check "after purge: /var/lib/tlspolicy-milter is gone" test ! -e "$R/var/lib/tlspolicy-milter"
check "after purge: the user is gone" test -z "$(inroot getent passwd "$PKG")"
check "after purge: the group is gone" test -z "$(inroot getent group "$PKG")"
check "after purge: the unit's enable link is gone" \
	test ! -e "$R/etc/systemd/system/multi-user.target.wants/tlspolicy-milter.service"

echo "1..$n"
[ "$fails" = 0 ]
