#!/bin/bash
# t/dns_live.sh - the dns layer against a real unbound serving the signed
# test tree (t/dnsbed), in a loopback-only network namespace.  TAP.
# Needs root (unshare), ldnsutils, unbound, dig, python3.  TP_KEEP=1 keeps
# the bed's directory.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
top=${TP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${TP_BUILDDIR:-.}
bail() { echo "Bail out! $*"; exit 2; }

[ "$(id -u)" = 0 ] || bail "must run as root (network namespace)"
for c in unshare nsenter ip ldns-keygen ldns-signzone ldns-verify-zone unbound dig /usr/bin/python3; do
	command -v "$c" >/dev/null 2>&1 || bail "missing $c (ldnsutils, unbound, bind9-dnsutils, python3)"
done
[ -x "$build/t/dns_live" ] || bail "$build/t/dns_live not built"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/dnslive.XXXXXX") || bail "mktemp"
unshare -n sleep 100000 & NS=$!
cleanup() {
	dnsbed_stop "$DIR/bed" 2>/dev/null
	kill "$NS" 2>/dev/null; wait "$NS" 2>/dev/null
	if [ "${TP_KEEP:-0}" = 1 ] || [ "${rc:-1}" != 0 ]; then
		echo "# kept $DIR" >&2
	else
		rm -rf "$DIR"
	fi
}
trap cleanup EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(readlink /proc/$NS/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
	sleep 0.1
done
nsenter -t "$NS" -n ip link set lo up || bail "cannot bring up lo in the namespace"
export DNSBED_NSENTER="nsenter -t $NS -n"
. "$top/t/dnsbed/dnsbed.sh"
# callers' additions, as other tests describe them (see t/dnsbed/dnsbed.sh)
cat > "$DIR/extra" <<'X'
# a signed zone of the caller's, records in it and in a bed zone
zone sts.example signed
sts.example. MX 10 mx.sts.example.
mx.sts.example. A 127.0.0.20
mta-sts.sts.example. A 127.0.0.21
_mta-sts.sts.example. 60 IN TXT "v=STSv1; id=20260101"
extra.secure.example. A 127.0.0.22
zone plain.example unsigned
plain.example. MX 5 mx.plain.example.
zone bad.sts.example bogus
bad.sts.example. MX 10 mx.bad.sts.example.
X
dnsbed_start "$DIR/bed" "$DIR/extra" > "$DIR/bed.log" 2>&1 || { rc=2; cat "$DIR/bed.log" >&2; bail "dnsbed_start failed"; }
# /etc/resolv.conf naming the bed, in a mount namespace of the test's own
# (the machine's file is untouched): for a context without resolvers
printf 'nameserver 127.0.0.1\n' > "$DIR/resolv.conf"
nsenter -t "$NS" -n unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && exec "$2" "$3"' \
	sh "$DIR/resolv.conf" "$build/t/dns_live" "$DIR/bed"
rc=$?
exit $rc
