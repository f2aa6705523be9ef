#!/bin/bash
# t/feasible_live.sh - REQUIRETLS feasibility (common/feasible, through
# t/feasible_drv) against real servers, TAP on stdout.
#
# Inside a loopback-only network namespace of its own:
#   127.0.0.1:53 ...  the signed DNS test bed (t/dnsbed) with the zones below
#   127.0.1.x:443     nginx, one MTA-STS policy host per address (test CA made
#                     here by openssl); a second nginx for the store cases
#   127.0.0.1:443     nginx for conc.example, whose policy host is a CNAME into
#                     delay.example (answers after 300 ms), so 8 concurrent
#                     checks really overlap
#   127.0.2.1:25      aiosmtpd announcing REQUIRETLS after STARTTLS
#   127.0.2.2:25      aiosmtpd with STARTTLS, without REQUIRETLS
# Production ports (443, 25) and code paths; only the resolver, the trust
# anchor and the CA files are the test's.  Needs root, util-linux, iproute2,
# openssl, nginx (nginx-light), ldnsutils, unbound, dig, python3-aiosmtpd.
# TP_KEEP=1 keeps the temp dir.

# make check may start this with sh: continue in bash
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TP_SRCDIR=${TP_SRCDIR:-$(cd "$HERE/.." && pwd)}
TP_BUILDDIR=${TP_BUILDDIR:-$(pwd)}
# shellcheck source=t/integration/lib.sh
. "$TP_SRCDIR/t/integration/lib.sh"
# shellcheck source=t/dnsbed/dnsbed.sh
. "$TP_SRCDIR/t/dnsbed/dnsbed.sh"

DRV=$TP_BUILDDIR/t/feasible_drv
PY=/usr/bin/python3             # Debian's python3 has aiosmtpd
SLACK_MS=2000                   # generous: a loaded machine, but never a hang

[ "$(id -u)" = 0 ] || tp_die "must run as root (network namespace, ports 25/443)"
for c in unshare nsenter ip ss openssl nginx ldns-keygen ldns-signzone ldns-verify-zone unbound dig; do
	command -v "$c" >/dev/null 2>&1 || tp_die "missing program: $c"
done
[ -x "$DRV" ] || tp_die "$DRV not built (make check builds it)"
"$PY" -c 'import aiosmtpd' 2>/dev/null || tp_die "$PY cannot import aiosmtpd (Debian package python3-aiosmtpd)"

tp_init feasible-live
tp_ns_start
BED=$TP_TMP/bed
PKI=$TP_TMP/pki
W=$TP_TMP/www
# the bed's servers are stopped by dnsbed_stop (by PID), before tp_cleanup's own
trap 'st=$?; dnsbed_stop "$BED" >/dev/null 2>&1; (exit $st); tp_cleanup' EXIT

# ---------------------------------------------------------------- PKI
mkdir -p "$PKI" && chmod 755 "$PKI"
(
	cd "$PKI" || exit 1
	set -e
	ca() {	# name cn
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-subj "/O=tlspolicy test/CN=$2" -keyout "$1.key" -out "$1.crt" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
	}
	leaf() {	# name ca san
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=tlspolicy test/CN=${3%%,*}" \
			-keyout "$1.key" -out "$1.csr"
		printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
			"$3" >"$1.ext"
		openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 2 \
			-extfile "$1.ext" -out "$1.crt"
	}
	ca ca "Feasible Test CA"
	ca otherca "Other Test CA"
	san=""
	for d in sts testing nomatch redirect conc store; do san="${san:+$san,}DNS:mta-sts.$d.example"; done
	leaf web ca "$san"
	leaf wrong ca "DNS:mta-sts.other.example"
	leaf mx ca "DNS:mx.rt.example,DNS:mx.provider.example,DNS:mx.plainrt.example,DNS:mx.dane.example,DNS:mx.danebad.example"
	cat mx.crt ca.crt >mx-chain.pem
	rm -f ./*.csr ./*.ext ./*.srl
) >"$TP_TMP/openssl.log" 2>&1 || { sed 's/^/# /' "$TP_TMP/openssl.log"; tp_die "certificate generation failed"; }
MX_SPKI=$(openssl x509 -in "$PKI/mx.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
WEB_SPKI=$(openssl x509 -in "$PKI/web.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
[ ${#MX_SPKI} = 64 ] && [ ${#WEB_SPKI} = 64 ] || tp_die "cannot hash the test certificates"

# ---------------------------------------------------------------- DNS
# MX hosts of the MTA-STS domains live in provider.example: an MX named
# outside the recipient domain, the case MTA-STS exists for.
sts_domain() {	# sts_domain NAME ID POLICY-HOST-RECORD
	printf 'zone %s.example unsigned\n' "$1"
	printf '%s.example. MX 10 mx.provider.example.\n' "$1"
	printf '_mta-sts.%s.example. TXT "v=STSv1; id=%s"\n' "$1" "$2"
	printf 'mta-sts.%s.example. %s\n' "$1" "$3"
}
{
	echo "zone provider.example unsigned"
	echo "mx.provider.example. A 127.0.2.1"
	sts_domain sts sts1 "A 127.0.1.1"
	sts_domain testing t1 "A 127.0.1.2"
	sts_domain nomatch n1 "A 127.0.1.3"
	sts_domain wrongcert w1 "A 127.0.1.4"
	sts_domain redirect r1 "A 127.0.1.5"
	sts_domain down d1 "A 127.0.1.6"
	sts_domain conc c1 "CNAME conc.delay.example."
	sts_domain store s1 "A 127.0.1.7"
	# two v=STSv1 records: no valid record (RFC 8461 §3.1)
	sts_domain twotxt x1 "A 127.0.1.1"
	echo '_mta-sts.twotxt.example. TXT "v=STSv1; id=x2"'
	# probe mode: signed zones, MX hosts with SMTP servers
	echo "zone rt.example signed"
	echo "rt.example. MX 10 mx.rt.example."
	echo "mx.rt.example. A 127.0.2.1"
	echo "zone plainrt.example signed"
	echo "plainrt.example. MX 10 mx.plainrt.example."
	echo "mx.plainrt.example. A 127.0.2.2"
	echo "zone dane.example signed"
	echo "dane.example. MX 10 mx.dane.example."
	echo "mx.dane.example. A 127.0.2.1"
	echo "_25._tcp.mx.dane.example. TLSA 3 1 1 $MX_SPKI"
	echo "zone danebad.example signed"
	echo "danebad.example. MX 10 mx.danebad.example."
	echo "mx.danebad.example. A 127.0.2.1"
	echo "_25._tcp.mx.danebad.example. TLSA 3 1 1 $WEB_SPKI"
} >"$TP_TMP/extra.zones"
export DNSBED_NSENTER="nsenter -t $TP_NS -n"
dnsbed_start "$BED" "$TP_TMP/extra.zones" >"$TP_TMP/bed.log" 2>&1 ||
	{ sed 's/^/# /' "$TP_TMP/bed.log"; tp_die "dnsbed_start failed"; }

# ---------------------------------------------------------------- nginx
policy() {	# policy NAME MODE MX... : the policy file of one host
	mkdir -p "$W/$1/.well-known"
	{
		printf 'version: STSv1\nmode: %s\n' "$2"
		shift 2
		for m in "$@"; do printf 'mx: %s\n' "$m"; done
		printf 'max_age: 86400\n'
	} >"$W/$1/.well-known/mta-sts.txt"
}
policy sts enforce mx.provider.example
policy testing testing mx.provider.example
policy nomatch enforce mx.elsewhere.example "*.other.example"
policy wrongcert enforce mx.provider.example
policy conc enforce "*.provider.example"
policy store enforce mx.provider.example
chmod -R a+rX "$W"

# nginx_conf DIR then "ADDR NAME CERT BODY" lines on stdin
nginx_conf() {
	local dir=$1 addr name cert body
	mkdir -p "$dir/tmp"
	{
		echo "daemon off; master_process on; worker_processes 1; user nobody nogroup;"
		echo "pid $dir/nginx.pid; error_log $dir/error.log info;"
		echo "events { worker_connections 128; }"
		echo "http {"
		for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $dir/tmp/$t;"; done
		echo "  types { text/plain txt; } default_type application/octet-stream;"
		while read -r addr name cert body; do
			echo "  server { listen $addr:443 ssl; server_name mta-sts.$name.example;"
			echo "    ssl_certificate $PKI/$cert.crt; ssl_certificate_key $PKI/$cert.key;"
			echo "    access_log $TP_TMP/access-$name.log;"
			echo "    $body"
			echo "  }"
		done
		echo "}"
	} >"$dir/nginx.conf"
}
# nginx_start DIR ADDR...: start it in the namespace, wait for every ADDR:443
nginx_start() {
	local dir=$1 a; shift
	nsenter -t "$TP_NS" -n nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/out" 2>&1 &
	NGINX_PID=$!
	tp_track "$NGINX_PID" "nginx $dir"
	for a in "$@"; do
		tp_wait_for 10 nginx_listens "$a" || { sed 's/^/# /' "$dir/out" "$dir/error.log"; tp_die "nginx did not listen on $a:443"; }
	done
}
nginx_listens() { tp_ns ss -Hltn "src $1 and sport = :443" | grep -q .; }
nginx_conf "$TP_TMP/nginx" <<EOF
127.0.1.1 sts web root $W/sts;
127.0.1.2 testing web root $W/testing;
127.0.1.3 nomatch web root $W/nomatch;
127.0.1.4 wrongcert wrong root $W/wrongcert;
127.0.1.5 redirect web return 301 https://mta-sts.sts.example/.well-known/mta-sts.txt;
127.0.0.1 conc web root $W/conc;
EOF
nginx_start "$TP_TMP/nginx" 127.0.1.1 127.0.1.2 127.0.1.3 127.0.1.4 127.0.1.5 127.0.0.1
nginx_conf "$TP_TMP/nginx-store" <<EOF
127.0.1.7 store web root $W/store;
EOF
nginx_start "$TP_TMP/nginx-store" 127.0.1.7
STORE_NGINX=$NGINX_PID

# ---------------------------------------------------------------- SMTP servers
cat >"$TP_TMP/starttls_only.py" <<'EOF'
# aiosmtpd with STARTTLS and no REQUIRETLS (what every Debian 12 MTA says)
import asyncio, signal, ssl, sys
from aiosmtpd.smtp import SMTP
addr, port, chain, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(chain, key)
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
srv = loop.run_until_complete(loop.create_server(
    lambda: SMTP(object(), hostname="mx.plainrt.example", tls_context=ctx, require_starttls=False),
    host=addr, port=port, reuse_address=True))
loop.add_signal_handler(signal.SIGTERM, loop.stop)
print("ready", flush=True)
loop.run_forever()
EOF
smtp_start() {	# smtp_start LOGNAME ARGV...
	local out=$TP_TMP/smtp-$1.log; shift
	nsenter -t "$TP_NS" -n "$PY" "$@" >"$out" 2>&1 &
	tp_track $! "smtp $out"
	tp_wait_for 10 grep -qs '^ready' "$out" || { sed 's/^/# /' "$out"; tp_die "SMTP server $out did not start"; }
}
smtp_start requiretls "$TP_SRCDIR/t/probe_server.py" requiretls 127.0.2.1 25 "$PKI/mx-chain.pem" "$PKI/mx.key"
smtp_start starttls "$TP_TMP/starttls_only.py" 127.0.2.2 25 "$PKI/mx-chain.pem" "$PKI/mx.key"

# ---------------------------------------------------------------- driver
BASE=(--resolver 127.0.0.1 --anchor "$BED/anchor" --mtasts-ca "$PKI/ca.crt" --dns-timeout 3000
	--mtasts-timeout 5000 --timeout 10000 --helo client.feasible.example --verbose)
N=0
# run ARGS...: one driver process in the namespace; OUT (stdout: one line
# per check), ERR (its log), RC, WALL (ms)
run() {
	local t0 t1
	N=$((N + 1))
	OUT=$TP_TMP/run-$N.out ERR=$TP_TMP/run-$N.err
	t0=$(date +%s%3N)
	tp_ns "$DRV" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	t1=$(date +%s%3N)
	WALL=$((t1 - t0))
	printf '# args: %s\n' "$*" >>"$ERR"
}
# line DOMAIN [K]: the K-th (default 1st) output line for DOMAIN
line() { grep "^domain=$1 " "$OUT" | sed -n "${2:-1}p"; }
field() { printf '%s\n' "$1" | sed -n "s/.* $2=\([^ ]*\) .*/\1/p"; }
quoted() { printf '%s\n' "$1" | sed -n "s/.* $2=\"\([^\"]*\)\".*/\1/p"; }
# run_ok: the driver itself ran cleanly (exit 0, no sanitizer report)
run_ok() {
	[ "$RC" = 0 ] || tp_fail_msg "driver exit status $RC"
	! grep -qE 'Sanitizer|runtime error:|LeakSanitizer' "$ERR" || tp_fail_msg "sanitizer report"
	tp_attach "$ERR"
	tp_attach "$OUT"
}
# expect DESCR DOMAIN STATUS METHOD REASON-ERE [EVIDENCE-ERE [K]]
expect() {
	local l
	tp_begin "$1"
	l=$(line "$2" "${7:-1}")
	if [ -z "$l" ]; then
		tp_fail_msg "no line for $2"
	else
		tp_expect_eq status "$(field "$l" status)" "$3"
		tp_expect_eq method "$(field "$l" method)" "$4"
		tp_expect_match reason "$(quoted "$l" reason)" "$5"
		[ -z "${6:-}" ] || tp_expect_match evidence "$(quoted "$l" evidence)" "$6"
	fi
	run_ok
	tp_end && printf '#   %s\n' "$l"
}
# elapsed_max DESCR DOMAIN MAX [K]: that line's elapsed_ms is <= MAX
elapsed_max() {
	local e
	e=$(field "$(line "$2" "${4:-1}")" elapsed_ms)
	tp_begin "$1 (${e:-?} ms <= $3 ms)"
	[ -n "$e" ] && [ "$e" -le "$3" ] || tp_fail_msg "elapsed_ms=${e:-none}, want <= $3"
	tp_end
}
# access_count NAME: requests nginx logged for mta-sts.NAME.example
access_count() {
	if [ -f "$TP_TMP/access-$1.log" ]; then grep -c 'GET /.well-known/mta-sts.txt' "$TP_TMP/access-$1.log"; else echo 0; fi
}

# ---- dnssec-or-mta-sts: each case one domain of one run
run "${BASE[@]}" secure.example plain.secure.example sts.example testing.example nomatch.example insecure.example nullmx.example \
	nx.secure.example bogus.example wrongcert.example redirect.example down.example twotxt.example \
	secure.example bogus.example
expect "DNSSEC-secure MX: yes by dnssec" secure.example yes dnssec '^$' '^mx=mx\.secure\.example dnssec=secure$'
expect "no MX, secure address (implicit MX): yes by dnssec" plain.secure.example yes dnssec '^$' \
	'^mx=plain\.secure\.example \(implicit\) dnssec=secure$'
expect "insecure MX, enforce policy naming the MX (mx.provider.example): yes by mta-sts" sts.example yes mta-sts '^$' \
	'^mx=mx\.provider\.example dnssec=insecure; mta-sts: id=sts1 mode=enforce mx=mx\.provider\.example \(fetched\)$'
expect "insecure MX, policy in mode testing: no" testing.example no none \
	'^no DNSSEC-secure MX, and the MTA-STS policy is in mode testing, not enforce$' 'mode=testing'
expect "insecure MX, enforce policy not naming the MX: no" nomatch.example no none \
	'^no MX host matches the MTA-STS policy \(mx mx\.elsewhere\.example,\*\.other\.example\)$'
expect "insecure MX without _mta-sts: no" insecure.example no none '^no DNSSEC-secure MX and no MTA-STS policy$' \
	'^mx=mx\.insecure\.example dnssec=insecure$'
expect "null MX: no" nullmx.example no none '^the domain accepts no mail \(null MX\)$'
expect "secure NXDOMAIN: no" nx.secure.example no none '^the domain does not exist \(DNSSEC-secure NXDOMAIN\)$'
expect "bogus MX: tempfail" bogus.example tempfail none '^bogus MX RRset \(.'
expect "policy host with a certificate for another name: no" wrongcert.example no none \
	'^MTA-STS policy of wrongcert\.example: certificate of mta-sts\.wrongcert\.example not valid'
expect "policy behind an HTTPS redirect: no" redirect.example no none \
	'^MTA-STS policy of redirect\.example: .*redirect.*301'
expect "policy host down (nothing on 443), nothing stored: tempfail" down.example tempfail none \
	'^MTA-STS policy of down\.example: '
expect "two v=STSv1 TXT records: no" twotxt.example no none '^no DNSSEC-secure MX and no valid MTA-STS record$' \
	'mta-sts: TXT record invalid: '
expect "cache: the second check of secure.example" secure.example yes dnssec '^$' '' 2
tp_begin "cache: first check computed, second cached"
tp_expect_eq "first cached" "$(field "$(line secure.example 1)" cached)" no
tp_expect_eq "second cached" "$(field "$(line secure.example 2)" cached)" yes
# the cache keeps a result packed: what comes back is what was computed
for f in status method; do
	tp_expect_eq "cached $f" "$(field "$(line secure.example 2)" $f)" "$(field "$(line secure.example 1)" $f)"
done
tp_expect_match "evidence" "$(quoted "$(line secure.example 1)" evidence)" 'dnssec=secure'
tp_expect_eq "cached evidence" "$(quoted "$(line secure.example 2)" evidence)" "$(quoted "$(line secure.example 1)" evidence)"
tp_end
elapsed_max "cache: the cached answer takes no time" secure.example 100 2
tp_begin "cache: a tempfail is remembered too (negative entry)"
tp_expect_eq "status" "$(field "$(line bogus.example 2)" status)" tempfail
tp_expect_eq "cached" "$(field "$(line bogus.example 2)" cached)" yes
tp_expect_match "reason" "$(quoted "$(line bogus.example 1)" reason)" '^bogus MX RRset'
tp_expect_eq "cached reason" "$(quoted "$(line bogus.example 2)" reason)" "$(quoted "$(line bogus.example 1)" reason)"
tp_end
tp_begin "HTTPS requests: one per policy host, the redirect not followed"
tp_expect_eq "sts fetched once" "$(access_count sts)" 1
tp_expect_eq "testing fetched once" "$(access_count testing)" 1
tp_expect_eq "redirect asked once" "$(access_count redirect)" 1
tp_expect_eq "redirect target not followed (sts still once)" "$(access_count sts)" 1
tp_end

# ---- the one deadline: a silent name server
run "${BASE[@]}" --dns-timeout 8000 --timeout 1500 slow.example
expect "silent name server: tempfail" slow.example tempfail none '.'
elapsed_max "silent name server: within the 1.5 s deadline (+ slack)" slow.example $((1500 + SLACK_MS))
tp_begin "silent name server: the driver returned in time (${WALL} ms)"
[ "$WALL" -le $((1500 + SLACK_MS + 1000)) ] || tp_fail_msg "took $WALL ms"
tp_end

# ---- single-flight: 8 threads, one cold domain whose policy host resolves in 300 ms
run "${BASE[@]}" --threads 8 conc.example
tp_begin "8 concurrent checks of one cold domain: 8 answers, all yes by mta-sts"
tp_expect_eq "lines" "$(grep -c '^domain=conc\.example status=yes method=mta-sts ' "$OUT")" 8
run_ok
tp_end
tp_begin "8 concurrent checks: one computed, seven shared (cached=yes)"
tp_expect_eq "computed" "$(grep -c ' cached=no ' "$OUT")" 1
tp_expect_eq "shared" "$(grep -c ' cached=yes ' "$OUT")" 7
tp_attach "$OUT"
tp_end
tp_begin "8 concurrent checks: every one waited for the same slow lookup (>= 250 ms)"
for e in $(sed -n 's/.* elapsed_ms=\([0-9]*\) .*/\1/p' "$OUT"); do
	[ "$e" -ge 250 ] || tp_fail_msg "elapsed_ms=$e: not a waiter of the one computation"
done
tp_attach "$OUT"
tp_end
tp_begin "8 concurrent checks: ONE policy fetch in nginx's access log"
tp_expect_eq "requests" "$(access_count conc)" 1
tp_attach "$TP_TMP/access-conc.log"
tp_end
printf '#   %s\n' "$(line conc.example 1)"

# ---- the MTA-STS store (RFC 8461 §5): a new process each time, one store file
STORE=$TP_TMP/mta-sts.db
run "${BASE[@]}" --store "$STORE" store.example
expect "store: first fetch" store.example yes mta-sts '^$' 'id=s1 mode=enforce mx=mx\.provider\.example \(fetched\)$'
tp_begin "store: the first check fetched once"
tp_expect_eq "requests" "$(access_count store)" 1
tp_end
tp_stop_pid "$STORE_NGINX" "nginx-store" 10; tp_untrack "$STORE_NGINX"
tp_begin "store: policy host stopped"
! nginx_listens 127.0.1.7 || tp_fail_msg "still listening"
tp_end
run "${BASE[@]}" --store "$STORE" store.example
expect "store: host down, same TXT id, new process: the stored policy wins" store.example yes mta-sts '^$' \
	'id=s1 mode=enforce mx=mx\.provider\.example \(stored\)$'
run "${BASE[@]}" --store "$TP_TMP/empty.db" store.example
expect "store: host down, an empty store: tempfail (the store made the difference)" store.example tempfail none \
	'^MTA-STS policy of store\.example: '

# a new TXT id: edit the (unsigned) zone, reload the bed's unbound (SIGHUP)
sed -i 's/id=s1/id=s2/' "$BED/zones/store.example.zone"
UNBOUND=$(awk '$2 == "unbound" { print $1 }' "$BED/pids")
kill -HUP "$UNBOUND" || tp_die "cannot reload the bed's unbound"
txt_is_s2() { tp_ns dig @127.0.0.1 +short +tries=1 +time=1 TXT _mta-sts.store.example 2>/dev/null | grep -q 'id=s2'; }
tp_wait_for 10 txt_is_s2 || tp_die "the bed did not serve the new TXT id"
run "${BASE[@]}" --store "$STORE" store.example
expect "store: TXT id changed, host down: refetch fails, the stored policy still applies" store.example yes mta-sts '^$' \
	'MTA-STS policy of store\.example: .*using the stored policy; mta-sts: id=s1 .*\(stored\)$'
policy store enforce mx.provider.example mx2.provider.example
chmod -R a+rX "$W"
nginx_start "$TP_TMP/nginx-store" 127.0.1.7
before=$(access_count store)
run "${BASE[@]}" --store "$STORE" store.example
expect "store: TXT id changed, host back with a new policy: refetched" store.example yes mta-sts '^$' \
	'id=s2 mode=enforce mx=mx\.provider\.example,mx2\.provider\.example \(fetched\)$'
tp_begin "store: the refetch is in the access log"
tp_expect_eq "new requests" "$(($(access_count store) - before))" 1
tp_attach "$TP_TMP/access-store.log"
tp_end
before=$(access_count store)
run "${BASE[@]}" --store "$STORE" store.example
expect "store: same new id again: the stored new policy, no fetch" store.example yes mta-sts '^$' \
	'id=s2 .*mx2\.provider\.example \(stored\)$'
tp_begin "store: no request for an unchanged id"
tp_expect_eq "new requests" "$(($(access_count store) - before))" 0
tp_end
# proactive refresh: a stored policy that expires within the horizon is
# fetched again although its id did not change (RFC 8461 §3.3)
before=$(access_count store)
run "${BASE[@]}" --store "$STORE" --refresh 1000000000 store.example
tp_begin "store: refresh before expiry fetches the stored policy again, same id"
tp_expect_eq "refreshed" "$(sed -n 's/^refreshed //p' "$OUT")" 1
tp_expect_eq "new requests" "$(($(access_count store) - before))" 1
tp_end
before=$(access_count store)
run "${BASE[@]}" --store "$STORE" --refresh 60 store.example
tp_begin "store: nothing due within the horizon: no fetch"
tp_expect_eq "refreshed" "$(sed -n 's/^refreshed //p' "$OUT")" 0
tp_expect_eq "new requests" "$(($(access_count store) - before))" 0
tp_end

# ---- probe mode
PROBE=("${BASE[@]}" --mode probe --probe-timeout 5000)
run "${PROBE[@]}" --probe-ca "$PKI/ca.crt" rt.example plainrt.example sts.example danebad.example secure.example
expect "probe: secure MX, REQUIRETLS server, valid certificate: yes by dnssec+probe" rt.example yes dnssec+probe '^$' \
	'probe: mx\.rt\.example \[127\.0\.2\.1\] TLSv1\.[23] .* verified=pkix requiretls$'
expect "probe: secure MX, STARTTLS without REQUIRETLS: no" plainrt.example no dnssec \
	'^no MX host passes the REQUIRETLS probe: mx\.plainrt\.example: no REQUIRETLS after STARTTLS$'
expect "probe: MTA-STS MX with a REQUIRETLS server: yes by mta-sts+probe" sts.example yes mta-sts+probe '^$' \
	'probe: mx\.provider\.example .*verified=pkix requiretls$'
expect "probe: secure TLSA that does not match (CA file trusts the cert): no" danebad.example no dnssec \
	'^no MX host passes the REQUIRETLS probe: mx\.danebad\.example: certificate not valid'
expect "probe: secure MX with nothing on port 25: not yes" secure.example tempfail dnssec \
	'^the REQUIRETLS probe could not finish: mx\.secure\.example: '
run "${PROBE[@]}" --probe-ca "$PKI/otherca.crt" dane.example rt.example
expect "probe: DANE TLSA 3 1 1 on a secure MX, CA file that does not trust the cert: yes" dane.example yes dnssec+probe '^$' \
	'probe: mx\.dane\.example .*verified=dane requiretls$'
expect "probe: the same server without TLSA and an untrusting CA file: no" rt.example no dnssec \
	'^no MX host passes the REQUIRETLS probe: mx\.rt\.example: certificate not valid'

tp_plan "$TP_TESTNUM"
[ "$TP_FAILED" = 0 ]
