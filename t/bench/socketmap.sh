#!/bin/bash
# t/bench/socketmap.sh - socketmap answers/s and p50/p99 latency, warm cache,
# 1 and 16 connections, in one run, through one C load client (smapgen):
#
#   null     t/bench/nullsmap: a fixed "OK ..." for every request (the ceiling)
#   daemon   tlspolicy-milter's policy_socket, map MAP (default tls)
#   peer     postfix-mta-sts-resolver (mta-sts-daemon, Debian package), log
#            level info, internal cache, cache_grace 3600 (no DNS while warm)
#
#   sudo t/bench/socketmap.sh      (root: network and mount namespaces)
#
# The domains (BENCH_SMAP_DOMAINS, default 8) are real MTA-STS domains on
# loopback: stsN.example in the signed test tree of t/dnsbed/dnsbed.sh (MX
# mx.stsN.example, _mta-sts TXT), their policies (mode enforce) served by
# nginx on 127.0.0.21:443 with a test CA made here.  The peer resolves them
# through a private /etc/resolv.conf (bind mount inside unshare -m) and
# trusts the CA through SSL_CERT_FILE; the daemon gets the same resolver,
# the tree's trust anchor and mta_sts.ca_file.  Nothing leaves the namespace.
#
# Every reply is checked: null must answer its fixed text, the peer
# "OK secure match=mx.stsN.example..." (BENCH_SMAP_PEER_EXPECT prefix), the
# daemon BENCH_SMAP_DAEMON_EXPECT (an exact reply, or PREFIX* for a prefix;
# default "OK secure match=mx.sts*": the MTA-STS decision of
# common/feasible/outbound.c).
#
# Cold cache: BENCH_SMAP_COLD (1000) more MTA-STS domains cN.smap.example
# (one signed zone; each its own MX RRset, _mta-sts TXT and policy host),
# each asked exactly once over 16 connections (smapgen -1), first of the
# daemon, then of the peer (same domains, each server's own cache cold; the
# bed's unbound has seen them by then, which costs it nothing: local data).
# 0 leaves the cold cells out.
#
# Environment: TP_BUILDDIR, BENCH_SMAP_SECS (seconds per cell, 3),
# BENCH_SMAP_REPS (repetitions of every cell, 3; the best run is reported:
# other work on a shared machine only ever makes a run slower),
# BENCH_SMAP_CONNS ("1 16"), BENCH_SMAP_MAP (tls), BENCH_SMAP_DOMAINS (8),
# BENCH_SMAP_PIN (0; 1: servers on the last core, smapgen on core 0),
# BENCH_SMAP_COLD (1000), BENCH_SMAP_OUT (results kept, default
# /tmp/tlspolicy-bench-smap-last).

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
B=${TP_BUILDDIR:-$SRC}
GEN=$B/t/bench/smapgen
NULLS=$B/t/bench/nullsmap
TPM=$B/milter/tlspolicy-milter
SECS=${BENCH_SMAP_SECS:-3}
REPS=${BENCH_SMAP_REPS:-3}
CONNS=${BENCH_SMAP_CONNS:-1 16}
MAP=${BENCH_SMAP_MAP:-tls}
ND=${BENCH_SMAP_DOMAINS:-8}
PIN=${BENCH_SMAP_PIN:-0}
DAEMON_EXPECT=${BENCH_SMAP_DAEMON_EXPECT:-OK secure match=mx.sts*}
NCOLD=${BENCH_SMAP_COLD:-1000}
PEER_EXPECT=${BENCH_SMAP_PEER_EXPECT:-OK secure match=mx.sts}
NULL_REPLY="OK secure match=mx.sts1.example"
OUT=${BENCH_SMAP_OUT:-/tmp/tlspolicy-bench-smap-last}

say() { printf '%s\n' "$*" >&2; }
die() { say "socketmap bench: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (network and mount namespaces)"
for c in unshare nsenter ip nginx openssl mta-sts-daemon unbound ldns-signzone dig; do
	command -v "$c" >/dev/null 2>&1 || die "missing $c (sh t/deps.sh)"
done
for f in "$GEN" "$NULLS" "$TPM"; do [ -x "$f" ] || die "$f not built (make check builds it)"; done

T=$(mktemp -d /tmp/tp-smapbench.XXXXXX) || die mktemp
chmod 755 "$T"
NS=""; PIDS=""
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "$NS" ] && dnsbed_stop "$T/dns" 2>/dev/null
	[ -z "$NS" ] || { kill "$NS" 2>/dev/null; wait "$NS" 2>/dev/null; }
	rm -rf "$OUT"
	mkdir -p "$OUT" && cp "$T"/*.log "$T"/*.out "$T"/results "$OUT"/ 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

unshare -n sleep 100000 &
NS=$!
for i in $(seq 50); do
	[ "$(stat -L -c %i /proc/$NS/ns/net 2>/dev/null)" != "$(stat -L -c %i /proc/$$/ns/net)" ] && break
	sleep 0.1
done
nsenter -t "$NS" -n ip link set lo up || die "ip link set lo up"
# NSE, not a shell function, for what runs in the background: nsenter execs
# the command, so $! is the server's own pid (a backgrounded function would be
# a subshell, and killing it would leave the server running)
NSE=(nsenter -t "$NS" -n)
ns() { "${NSE[@]}" "$@"; }
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then
	PS=(taskset -c "$(($(nproc) - 1))"); PG=(taskset -c 0)
else
	PS=(); PG=()
fi

# ---- PKI: a test CA and one certificate for every mta-sts host
DOMAINS=""
SAN=""
for i in $(seq "$ND"); do
	DOMAINS="${DOMAINS:+$DOMAINS,}sts$i.example"
	SAN="${SAN:+$SAN,}DNS:mta-sts.sts$i.example"
done
for i in $(seq "$NCOLD"); do SAN="$SAN,DNS:mta-sts.c$i.smap.example"; done
(
	set -e
	cd "$T"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=smap bench CA" \
		-keyout ca.key -out ca.crt -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=mta-sts bench" \
		-keyout srv.key -out srv.csr
	printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$SAN" >srv.ext
	openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile srv.ext -out srv.crt
	chmod 644 ca.crt
) >"$T/openssl.log" 2>&1 || die "openssl failed (see $T/openssl.log)"

# ---- DNS: the signed test tree plus the MTA-STS domains
: >"$T/extra"
for i in $(seq "$ND"); do
	cat >>"$T/extra" <<EOZ
zone sts$i.example signed
sts$i.example. MX 10 mx.sts$i.example.
mx.sts$i.example. A 127.0.0.30
_mta-sts.sts$i.example. TXT "v=STSv1; id=bench1"
mta-sts.sts$i.example. A 127.0.0.21
EOZ
done
if [ "$NCOLD" -gt 0 ]; then
	{
		echo "zone smap.example signed"
		echo "mx.smap.example. A 127.0.0.30"
		for i in $(seq "$NCOLD"); do
			echo "c$i.smap.example. MX 10 mx.smap.example."
			echo "_mta-sts.c$i.smap.example. TXT \"v=STSv1; id=cold1\""
			echo "mta-sts.c$i.smap.example. A 127.0.0.21"
		done
	} >>"$T/extra"
	seq "$NCOLD" | sed 's/^/c/; s/$/.smap.example/' >"$T/cold.keys"
fi
# shellcheck source=../dnsbed/dnsbed.sh
. "$SRC/t/dnsbed/dnsbed.sh"
DNSBED_NSENTER="nsenter -t $NS -n"
dnsbed_start "$T/dns" "$T/extra" >"$T/dnsbed.log" 2>&1 || die "dnsbed failed (see $T/dnsbed.log)"
chmod -R a+rX "$T/dns"

# ---- MTA-STS policies (mode enforce), nginx on 127.0.0.21:443
mkdir -p "$T/www" "$T/tmp"
for i in $(seq "$ND"); do
	mkdir -p "$T/www/mta-sts.sts$i.example/.well-known"
	printf 'version: STSv1\nmode: enforce\nmx: mx.sts%s.example\nmax_age: 86400\n' "$i" \
		>"$T/www/mta-sts.sts$i.example/.well-known/mta-sts.txt"
done
for i in $(seq "$NCOLD"); do
	mkdir -p "$T/www/mta-sts.c$i.smap.example/.well-known"
	printf 'version: STSv1\nmode: enforce\nmx: mx.smap.example\nmax_age: 86400\n' \
		>"$T/www/mta-sts.c$i.smap.example/.well-known/mta-sts.txt"
done
chmod -R a+rX "$T/www"
{
	echo "daemon off; worker_processes 1; user nobody nogroup; pid $T/nginx.pid; error_log $T/nginx.log;"
	echo "events { worker_connections 256; }"
	echo "http { access_log off; types { text/plain txt; } default_type text/plain;"
	for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $T/tmp/$t;"; done
	echo "  server { listen 127.0.0.21:443 ssl; server_name ~^mta-sts\\.;"
	echo "    ssl_certificate $T/srv.crt; ssl_certificate_key $T/srv.key; root $T/www/\$host; } }"
} >"$T/nginx.conf"
"${NSE[@]}" nginx -p "$T/" -c "$T/nginx.conf" >"$T/nginx.out" 2>&1 &
PIDS="$PIDS $!"

# ---- the three servers
"${NSE[@]}" "${PS[@]}" "$NULLS" inet:8890@127.0.0.1 "$NULL_REPLY" >"$T/null.log" 2>&1 &
PIDS="$PIDS $!"

cat >"$T/daemon.conf" <<EOC
socket = "unix:$T/milter.sock";
policy_socket = "inet:8896@127.0.0.1";
user = "nobody";
log = { level = "info"; };
dns = { resolver = "127.0.0.1"; trust_anchor_file = "$T/dns/anchor"; timeout = 2; };
mta_sts = { ca_file = "$T/ca.crt"; };
profiles = { tls = { encrypted = true; }; };
rules = ( { sender = "bench.example"; require = "tls"; } );
EOC
"${NSE[@]}" "${PS[@]}" "$TPM" -f -c "$T/daemon.conf" >"$T/daemon.log" 2>&1 &
PIDS="$PIDS $!"

printf 'nameserver 127.0.0.1\noptions trust-ad\n' >"$T/resolv.conf"
cat >"$T/peer.yml" <<EOC
host: 127.0.0.1
port: 8461
reuse_port: true
shutdown_timeout: 2
cache_grace: 3600
cache:
  type: internal
  options:
    cache_size: 10000
default_zone:
  strict_testing: false
  timeout: 4
EOC
"${NSE[@]}" unshare -m /bin/sh -c "mount --bind '$T/resolv.conf' /etc/resolv.conf &&
	exec env SSL_CERT_FILE='$T/ca.crt' ${PS[*]} mta-sts-daemon -v info -c '$T/peer.yml'" >"$T/peer.log" 2>&1 &
PIDS="$PIDS $!"

for a in inet:8890@127.0.0.1 inet:8896@127.0.0.1 inet:8461@127.0.0.1; do
	ns "$GEN" --probe 15 "$a" || die "$a does not accept connections (logs in $T)"
done

# expect ARGS for smapgen: exact or PREFIX*
expect_args() { case $1 in *\*) printf '%s\n' -p "${1%\*}" ;; *) printf '%s\n' -e "$1" ;; esac; }

# ---- warm every cache; the peer must give its MTA-STS answers before we measure
mapfile -t NE < <(expect_args "$NULL_REPLY")
mapfile -t DE < <(expect_args "$DAEMON_EXPECT")
mapfile -t PE < <(expect_args "$PEER_EXPECT*")
warmup() {	# warmup ADDR EXPECT-ARGS...
	local a=$1 i
	shift
	for i in $(seq 30); do
		ns "$GEN" -w -c 1 -t 0.3 -m "$MAP" -d "$DOMAINS" "$@" "$a" >"$T/warm.out" 2>&1 && return 0
		sleep 0.5
	done
	cat "$T/warm.out" >&2
	return 1
}
warmup inet:8890@127.0.0.1 "${NE[@]}" || die "null server: unexpected replies"
warmup inet:8896@127.0.0.1 "${DE[@]}" || die "daemon: replies are not '$DAEMON_EXPECT' (see $T/daemon.log)"
warmup inet:8461@127.0.0.1 "${PE[@]}" || die "peer: no MTA-STS answers '$PEER_EXPECT...' (see $T/peer.log)"

# ---- measure: every cell REPS times, servers interleaved
: >"$T/results"
for r in $(seq "$REPS"); do
	for c in $CONNS; do
		for s in null daemon peer; do
			case $s in
			null) a=inet:8890@127.0.0.1; ex=("${NE[@]}") ;;
			daemon) a=inet:8896@127.0.0.1; ex=("${DE[@]}") ;;
			peer) a=inet:8461@127.0.0.1; ex=("${PE[@]}") ;;
			esac
			line=$(ns "${PG[@]}" "$GEN" -c "$c" -t "$SECS" -m "$MAP" -d "$DOMAINS" "${ex[@]}" "$a" 2>>"$T/gen.log")
			echo "$s $c $r $line" >>"$T/results"
			say "  rep $r: $s, $c connection(s): ${line#RESULT }"
			case $line in *ok=1*) ;; *) say "socketmap bench: $s: a wrong reply or a connection error"; FAIL=1 ;; esac
		done
	done
done

# ---- cold caches: every cold domain once, 16 connections, daemon then peer
COLDRES=""
if [ "$NCOLD" -gt 0 ]; then
	for s in daemon peer; do
		case $s in
		daemon) a=inet:8896@127.0.0.1; ex=(-p "OK secure match=mx.smap.example") ;;
		peer) a=inet:8461@127.0.0.1; ex=(-p "OK secure match=mx.smap.example") ;;
		esac
		line=$(ns "${PG[@]}" "$GEN" -1 -c 16 -t 300 -m "$MAP" -k "$T/cold.keys" "${ex[@]}" "$a" 2>>"$T/gen.log")
		echo "cold-$s 16 1 $line" >>"$T/results"
		say "  cold: $s, 16 connections, $NCOLD domains: ${line#RESULT }"
		case $line in *ok=1*) ;; *) say "socketmap bench: cold $s: a wrong reply, an error or unfinished"; FAIL=1 ;; esac
		COLDRES="$COLDRES$s $line
"
	done
fi

# ---- the table: best run per cell (highest rate; its latencies)
best() {	# best SERVER CONNS -> "rate p50 p99"
	awk -v s="$1" -v c="$2" '$1 == s && $2 == c {
		for (i = 4; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["rate"] + 0 > br) { br = v["rate"] + 0; p50 = v["p50_us"]; p99 = v["p99_us"] } }
		END { printf "%d %d %d\n", br, p50, p99 }' "$T/results"
}
echo
echo "socketmap: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), map $MAP," \
	"$ND MTA-STS domains, warm caches, best of $REPS x ${SECS}s; daemon answers: '$DAEMON_EXPECT'"
printf '%-8s %5s %12s %8s %8s %10s %10s\n' server conns answers/s p50_us p99_us "x null" "x peer"
for c in $CONNS; do
	read -r nr _ _ <<<"$(best null "$c")"
	read -r pr _ _ <<<"$(best peer "$c")"
	for s in null daemon peer; do
		read -r rate p50 p99 <<<"$(best "$s" "$c")"
		printf '%-8s %5s %12s %8s %8s %10s %10s\n' "$s" "$c" "$rate" "$p50" "$p99" \
			"$(awk -v a="$rate" -v b="$nr" 'BEGIN { printf b ? "%.2f" : "-", a / (b ? b : 1) }')" \
			"$(awk -v a="$rate" -v b="$pr" 'BEGIN { printf b ? "%.2f" : "-", a / (b ? b : 1) }')"
	done
done
if [ "$NCOLD" -gt 0 ]; then
	echo
	echo "cold caches: $NCOLD MTA-STS domains (MX, _mta-sts TXT, HTTPS policy fetch each), every one asked once, 16 connections"
	printf '%-8s %8s %10s %12s %8s %8s\n' server domains secs answers/s p50_us p99_us
	printf '%s' "$COLDRES" | while read -r s line; do
		v() { sed -n 's/.* '"$1"'=\([^ ]*\).*/\1/p' <<<"$line"; }
		printf '%-8s %8s %10s %12s %8s %8s\n' "$s" "$(v answers)" "$(v secs)" "$(v rate)" "$(v p50_us)" "$(v p99_us)"
	done
fi
exit "${FAIL:-0}"
