#!/bin/sh
# mtasts_live.sh - mtasts_fetch (through t/mtasts_fetch_drv) against a real
# nginx in a loopback-only network namespace, with a throw-away test CA made
# by openssl here.  TAP.  Needs root, unshare/nsenter, ip, ss, openssl,
# nginx (nginx-light), python3 (the silent server).
#
# One nginx serves mta-sts.<case>.test for every case on 127.0.0.1:8443 and
# [::1]:8443 (names by SNI); a python listener on 8444 accepts and never
# answers; nothing listens on 8445.  None of the names is in any resolver:
# a fetch can only succeed through the addresses we hand to libcurl.
top=${TP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${TP_BUILDDIR:-$top/build}
DRV=$bld/t/mtasts_fetch_drv
. "$top/t/tap.sh"

bail() { echo "Bail out! $*"; exit 2; }
[ "$(id -u)" = 0 ] || bail "must run as root (network namespace)"
for c in unshare nsenter ip ss openssl nginx /usr/bin/python3; do
	command -v "$c" >/dev/null 2>&1 || bail "missing program: $c"
done
[ -x "$DRV" ] || bail "missing $DRV (make check builds it)"

T=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-live.XXXXXX") || bail "mktemp"
chmod 755 "$T"
BODY=$T/tap; : >"$BODY"; n=0; failed=0
NS=""; NGINX=""; SILENT=""

cleanup() {
	for p in $SILENT $NGINX; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $SILENT $NGINX; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -z "$NS" ] || { kill "$NS" 2>/dev/null; wait "$NS" 2>/dev/null; }
	if [ "$failed" -eq 0 ] && [ -z "${TP_KEEP:-}" ]; then rm -rf "$T"; else echo "# kept $T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- namespace
unshare -n sleep 100000 &
NS=$!
i=0
while [ "$(stat -L -c %i /proc/$NS/ns/net 2>/dev/null)" = "$(stat -L -c %i /proc/$$/ns/net)" ] ||
	[ ! -e /proc/$NS/ns/net ]; do
	i=$((i + 1)); [ $i -lt 50 ] || bail "unshare -n failed"; sleep 0.1
done
nsenter -t "$NS" -n ip link set lo up || bail "ip link set lo up failed"
[ "$(nsenter -t "$NS" -n ip -o link show | wc -l)" = 1 ] || bail "namespace has more than lo"
ns() { nsenter -t "$NS" -n "$@"; }

# ---------------------------------------------------------------- PKI
CASES="enforce testing none charset redirect notfound big chunked html badpolicy error"
(
	cd "$T" && mkdir pki && cd pki || exit 1
	set -e
	ca() {
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-subj "/O=tlspolicy test/CN=$2" -keyout "$1.key" -out "$1.crt" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
	}
	leaf() {	# name ca san
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=tlspolicy test/CN=$1" \
			-keyout "$1.key" -out "$1.csr"
		printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
			"$3" >"$1.ext"
		openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 2 \
			-extfile "$1.ext" -out "$1.crt"
	}
	ca ca "MTA-STS Test CA"
	ca otherca "Other Test CA"
	san=""
	for c in $CASES; do san="${san:+$san,}DNS:mta-sts.$c.test"; done
	leaf srv ca "$san"
	leaf wrongname ca "DNS:mta-sts.other.test"
	leaf otherca-srv otherca "DNS:mta-sts.otherca.test"
	rm -f ./*.csr ./*.ext ./*.srl
) >"$T/openssl.log" 2>&1 || { sed 's/^/# /' "$T/openssl.log"; bail "certificate generation failed"; }

# ---------------------------------------------------------------- content
W=$T/www
mkdir -p "$W/enforce/.well-known" "$W/testing/.well-known" "$W/none/.well-known" "$W/bad/.well-known" \
	"$W/big/.well-known" "$W/empty" "$T/tmp" || bail "mkdir"
printf 'version: STSv1\nmode: enforce\nmx: mx1.enforce.test\nmx: *.enforce.test\nmax_age: 86400\n' \
	>"$W/enforce/.well-known/mta-sts.txt"
printf 'version: STSv1\r\nmode: testing\r\nmx: mx.testing.test\r\nmax_age: 600\r\n' >"$W/testing/.well-known/mta-sts.txt"
printf 'version: STSv1\nmode: none\nmax_age: 0\n' >"$W/none/.well-known/mta-sts.txt"
printf 'version: STSv1\nmode: enforce\nmx: 192.0.2.1\nmax_age: 86400\n' >"$W/bad/.well-known/mta-sts.txt"
{ printf 'version: STSv1\nmode: enforce\nmx: mx1.enforce.test\nmax_age: 86400\n'
  head -c 10485760 /dev/zero | tr '\0' 'x'; } >"$W/big/.well-known/mta-sts.txt"
chmod -R a+rX "$W"

# ---------------------------------------------------------------- nginx
srv() {	# srv NAME [CERT] -- then the body lines on stdin
	cert=${2:-srv}
	echo "  server {"
	echo "    listen 127.0.0.1:8443 ssl; listen [::1]:8443 ssl;"
	echo "    server_name mta-sts.$1.test;"
	echo "    ssl_certificate $T/pki/$cert.crt; ssl_certificate_key $T/pki/$cert.key;"
	cat
	echo "  }"
}
{
	echo "daemon off; master_process on; worker_processes 1; user nobody nogroup;"
	echo "pid $T/nginx.pid; error_log $T/nginx-error.log info;"
	echo "events { worker_connections 128; }"
	echo "http {"
	echo "  access_log $T/nginx-access.log;"
	for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $T/tmp/$t;"; done
	echo "  types { text/plain txt; } default_type application/octet-stream;"
	echo "  server { listen 127.0.0.1:8443 ssl default_server; listen [::1]:8443 ssl default_server;"
	echo "    ssl_certificate $T/pki/srv.crt; ssl_certificate_key $T/pki/srv.key; return 421; }"
	echo "    root $W/enforce;" | srv enforce
	echo "    root $W/testing;" | srv testing
	echo "    root $W/none;" | srv none
	echo "    root $W/enforce; types { } default_type \"text/plain; charset=utf-8\";" | srv charset
	echo "    return 301 https://mta-sts.enforce.test:8443/.well-known/mta-sts.txt;" | srv redirect
	echo "    root $W/empty;" | srv notfound
	echo "    root $W/big;" | srv big
	# sub_filter drops Content-Length: the 10 MB come chunked, so only our own
	# cap (not CURLOPT_MAXFILESIZE) can stop the transfer.
	echo "    root $W/big; sub_filter 'zzz' 'y'; sub_filter_once off; sub_filter_types text/plain;" | srv chunked
	echo "    root $W/enforce; types { } default_type text/html;" | srv html
	echo "    root $W/bad;" | srv badpolicy
	echo "    return 503;" | srv error
	echo "    root $W/enforce;" | srv wrongname wrongname
	echo "    root $W/enforce;" | srv otherca otherca-srv
	echo "}"
} >"$T/nginx.conf"
nsenter -t "$NS" -n nginx -p "$T/" -c "$T/nginx.conf" -e "$T/nginx-error.log" >"$T/nginx.out" 2>&1 &
NGINX=$!
nsenter -t "$NS" -n /usr/bin/python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8444)); s.listen(64)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)   # accept, read nothing, answer nothing
' >"$T/silent.out" 2>&1 &
SILENT=$!
i=0
until ns ss -Hltn "sport = :8443" | grep -q . && ns ss -Hltn "sport = :8444" | grep -q .; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$NGINX" 2>/dev/null || ! kill -0 "$SILENT" 2>/dev/null; then
		sed 's/^/# /' "$T/nginx.out" "$T/nginx-error.log" "$T/silent.out" 2>/dev/null
		bail "nginx or the silent server did not start"
	fi
	sleep 0.1
done

# ---------------------------------------------------------------- cases
CA=$T/pki/ca.crt
LAST=""
# expect NAME REGEX DRIVER-ARGS...: the driver's line must match REGEX
expect() {
	name=$1 re=$2
	shift 2
	LAST=$(ns "$DRV" "$@" 2>&1)
	if printf '%s\n' "$LAST" | grep -Eq -- "$re"; then ok "$name"; printf '#   %s\n' "$LAST" >>"$BODY"; else notok "$name" "got:  $LAST" "want: $re"; fi
}
# elapsed_between NAME MIN MAX: elapsed_ms of the last line
elapsed_between() {
	e=$(printf '%s\n' "$LAST" | sed -n 's/.* elapsed_ms=\([0-9]*\) .*/\1/p')
	if [ -n "$e" ] && [ "$e" -ge "$2" ] && [ "$e" -le "$3" ]; then ok "$1 (${e} ms)"; else notok "$1" "elapsed_ms=$e, want $2..$3"; fi
}
L=127.0.0.1

expect "enforce: fetched and parsed" \
	'^status=ok http=200 mode=enforce max_age=86400 mx=mx1\.enforce\.test,\*\.enforce\.test ' \
	enforce.test $L 8443 "$CA" 5000
expect "enforce: domain in upper case with trailing dot" '^status=ok .*mode=enforce' ENFORCE.Test. $L 8443 "$CA" 5000
expect "testing (CRLF body)" '^status=ok http=200 mode=testing max_age=600 mx=mx\.testing\.test ' testing.test $L 8443 "$CA" 5000
expect "none" '^status=ok http=200 mode=none max_age=0 mx=- ' none.test $L 8443 "$CA" 5000
expect "text/plain with a charset parameter" '^status=ok .*mode=enforce' charset.test $L 8443 "$CA" 5000
expect "IPv6 address" '^status=ok .*mode=enforce' enforce.test ::1 8443 "$CA" 5000
expect "first address refuses, second serves" '^status=ok .*mode=enforce' enforce.test 127.0.0.2,$L 8443 "$CA" 5000
expect "16 threads at once" '^threads=16 ok=16 ' enforce.test $L 8443 "$CA" 10000 0 16
expect "certificate for another name" '^status=no-policy http=0 .*reason=certificate of mta-sts\.wrongname\.test not valid' \
	wrongname.test $L 8443 "$CA" 5000
expect "certificate from another CA" '^status=no-policy http=0 .*reason=certificate of mta-sts\.otherca\.test not valid' \
	otherca.test $L 8443 "$CA" 5000
expect "default CA store does not trust the test CA" '^status=no-policy .*reason=certificate of mta-sts\.enforce\.test not valid' \
	enforce.test $L 8443 - 5000
expect "redirect is not followed" '^status=no-policy http=301 .*reason=mta-sts\.redirect\.test answered a redirect \(HTTP 301\)' \
	redirect.test $L 8443 "$CA" 5000
expect "404" '^status=no-policy http=404 .*reason=mta-sts\.notfound\.test answered HTTP 404$' notfound.test $L 8443 "$CA" 5000
expect "10 MB body (Content-Length)" '^status=no-policy http=200 .*len=0 .*reason=policy from mta-sts\.big\.test larger than 65536 bytes$' \
	big.test $L 8443 "$CA" 5000
elapsed_between "10 MB body: refused without reading it" 0 3000
expect "10 MB body (chunked)" '^status=no-policy http=200 .*len=0 .*reason=policy from mta-sts\.chunked\.test larger than 65536 bytes$' \
	chunked.test $L 8443 "$CA" 5000
elapsed_between "10 MB chunked body: reading stops at the cap" 0 3000
expect "text/html" '^status=no-policy http=200 .*reason=policy media type is text/html, not text/plain$' html.test $L 8443 "$CA" 5000
expect "invalid policy body" '^status=no-policy http=200 .*reason=invalid policy from mta-sts\.badpolicy\.test: mx: an IP address' \
	badpolicy.test $L 8443 "$CA" 5000
expect "HTTP 503 is temporary" '^status=temporary http=503 .*reason=mta-sts\.error\.test answered HTTP 503$' error.test $L 8443 "$CA" 5000
expect "not an address" '^status=no-policy .*reason=invalid address for the policy host: mta-sts\.enforce\.test$' \
	enforce.test mta-sts.enforce.test 8443 "$CA" 5000
expect "no address" '^status=no-policy .*reason=mta-sts\.enforce\.test has no address$' enforce.test , 8443 "$CA" 5000
expect "port closed: temporary" '^status=temporary http=0 .*reason=could not fetch the policy from mta-sts\.enforce\.test: .*' \
	enforce.test $L 8445 "$CA" 5000
elapsed_between "port closed: at once" 0 2000
expect "silent server: timeout" '^status=temporary http=0 .*reason=timed out fetching the policy from mta-sts\.enforce\.test' \
	enforce.test $L 8444 "$CA" 2000
elapsed_between "silent server: the 2 s timeout holds" 1800 5000
expect "silent server: deadline before timeout" '^status=temporary http=0 .*reason=timed out' \
	enforce.test $L 8444 "$CA" 20000 1500
elapsed_between "silent server: the 1.5 s deadline holds" 1300 4500

# nginx is still healthy after all that
expect "enforce again at the end" '^status=ok .*mode=enforce' enforce.test $L 8443 "$CA" 5000

echo "1..$n"
cat "$BODY"
[ "$failed" -eq 0 ]
