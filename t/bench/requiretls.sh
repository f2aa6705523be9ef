#!/bin/bash
# t/bench/requiretls.sh - the cost of REQUIRETLS feasibility checks at the
# milter protocol (miltergen), in one run, against the signed DNS test bed:
#
#   warm   flagged mail (every recipient user+requiretls@wN.feas.example, a
#          DNSSEC-secure MX, so feasible) with requiretls.verify on, against
#          the same flagged mail with verify = "off"; 64 sessions, 10
#          messages of 2 recipients each, caches warm; msg/s and the daemon's
#          CPU per message; the difference / recipients = the cost of one
#          (cached) check.  Best of BENCH_RT_REPS, interleaved.
#   cold   every recipient a new domain (cN.feas.example, one MX query each)
#          behind a forwarder that adds BENCH_RT_DELAY_MS (20) to every DNS
#          query (t/bench/dnsdelay.py, in front of the bed's unbound; the
#          milter's own traffic is not delayed): 1000 domains over 64
#          sessions against 100 other domains one at a time (1 session);
#          checks/s and the speed-up (goal >= 30: lookups run concurrently).
#   down   the resolver is a name server that never answers (the bed's
#          127.0.0.53): 64 sessions, one flagged recipient each; every one
#          must be answered (451 4.4.3, on_error) within dns.timeout + 1 s.
#
#   sudo t/bench/requiretls.sh [warm] [cold] [down]    (default: all three)
#
# The daemon runs on the last core, miltergen on core 0 (BENCH_RT_PIN=0: no
# pinning); the bed's unbound and the forwarder are not pinned.  Every reply
# is checked (miltergen --expect): a recipient that is not accepted, or a
# session that does not finish, fails the run.
#
# Environment: TP_BUILDDIR, BENCH_RT_SECS (seconds per warm cell, 3),
# BENCH_RT_REPS (3), BENCH_RT_COLD (1000), BENCH_RT_SERIAL (100),
# BENCH_RT_DOWN_SESSIONS (64), BENCH_RT_DELAY_MS (20), BENCH_RT_LOG (daemon log level, warning), BENCH_RT_DNS_TIMEOUT (dns.timeout in the down
# test, 2), BENCH_RT_PIN (1), BENCH_RT_OUT (results kept, default
# /tmp/tlspolicy-bench-rt-last).

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
B=${TP_BUILDDIR:-$SRC}
GEN=$B/t/bench/miltergen
TPM=$B/milter/tlspolicy-milter
SECS=${BENCH_RT_SECS:-3}
REPS=${BENCH_RT_REPS:-3}
NCOLD=${BENCH_RT_COLD:-1000}
NSER=${BENCH_RT_SERIAL:-100}
DELAY=${BENCH_RT_DELAY_MS:-20}
DTO=${BENCH_RT_DNS_TIMEOUT:-2}
PIN=${BENCH_RT_PIN:-1}
OUT=${BENCH_RT_OUT:-/tmp/tlspolicy-bench-rt-last}
PARTS=${*:-warm cold down}
NWARM=64
NDOWN=${BENCH_RT_DOWN_SESSIONS:-64}

say() { printf '%s\n' "$*" >&2; }
die() { say "requiretls bench: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (network namespace)"
for c in unshare nsenter ip unbound ldns-signzone dig python3 awk; do
	command -v "$c" >/dev/null 2>&1 || die "missing $c (sh t/deps.sh)"
done
for f in "$GEN" "$TPM"; do [ -x "$f" ] || die "$f not built (make check builds it)"; done
for p in $PARTS; do case $p in warm|cold|down) ;; *) die "unknown part $p (warm cold down)" ;; esac; done

T=$(mktemp -d /tmp/tp-rtbench.XXXXXX) || die mktemp
chmod 755 "$T"
NS=""; PIDS=""
stop_pid() {
	local p=$1 i=0
	kill -TERM "$p" 2>/dev/null
	while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}
cleanup() {
	for p in $PIDS; do stop_pid "$p"; done
	[ -n "$NS" ] && dnsbed_stop "$T/dns" 2>/dev/null
	[ -z "$NS" ] || { kill "$NS" 2>/dev/null; wait "$NS" 2>/dev/null; }
	rm -rf "$OUT"
	mkdir -p "$OUT" && cp "$T"/*.log "$T"/*.out "$T"/*.conf "$T"/results "$OUT"/ 2>/dev/null
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
# nsenter execs the command, so $! of a background NSE is the server itself
NSE=(nsenter -t "$NS" -n)
ns() { "${NSE[@]}" "$@"; }
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then
	PS=(taskset -c "$(($(nproc) - 1))"); PG=(taskset -c 0)
else
	PS=(); PG=()
fi
TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# worker PID: the daemon supervises its milter process; CPU is read from that
worker() { local c; c=$(cat /proc/"$1"/task/*/children 2>/dev/null | awk '{ print $1; exit }'); echo "${c:-$1}"; }
kv() { sed -n 's/.* '"$2"'=\([^ ]*\).*/\1/p' <<<"$1" | head -n 1; }

# ---- DNS: one signed zone feas.example; every name in it has its own MX
# RRset (secure, so every name is a feasible domain of its own), one query each
{
	echo "zone feas.example signed"
	echo "mx.feas.example. A 127.0.0.30"
	for i in $(seq 0 "$NWARM"); do echo "w$i.feas.example. MX 10 mx.feas.example."; done
	for i in $(seq 0 $((NCOLD + NSER))); do echo "c$i.feas.example. MX 10 mx.feas.example."; done
} >"$T/extra"
seq 1 "$NWARM" | sed 's/^/w/; s/$/.feas.example/' >"$T/warm.txt"
seq 1 "$NCOLD" | sed 's/^/c/; s/$/.feas.example/' >"$T/cold.txt"
seq $((NCOLD + 1)) $((NCOLD + NSER)) | sed 's/^/c/; s/$/.feas.example/' >"$T/serial.txt"
# shellcheck source=../dnsbed/dnsbed.sh
. "$SRC/t/dnsbed/dnsbed.sh"
DNSBED_NSENTER="nsenter -t $NS -n"
dnsbed_start "$T/dns" "$T/extra" >"$T/dnsbed.log" 2>&1 || die "dnsbed failed (see $T/dnsbed.log)"
chmod -R a+rX "$T/dns"

# the delaying forwarder: 127.0.0.2:53 -> the bed's unbound (127.0.0.1:53)
"${NSE[@]}" python3 "$HERE/dnsdelay.py" 127.0.0.2 127.0.0.1 "$DELAY" >"$T/dnsdelay.log" 2>&1 &
PDD=$!
PIDS="$PIDS $PDD"
# dd_counts: the forwarder's counters so far ("udp=N tcp=N max_inflight=N")
dd_counts() {
	local n i
	n=$(grep -c '^dnsdelay:' "$T/dnsdelay.log")
	kill -USR1 "$PDD"
	for i in $(seq 50); do [ "$(grep -c '^dnsdelay:' "$T/dnsdelay.log")" -gt "$n" ] && break; sleep 0.1; done
	grep '^dnsdelay:' "$T/dnsdelay.log" | tail -n 1 | cut -d' ' -f2-
}

conf() {	# conf NAME PORT VERIFY RESOLVER DNS-TIMEOUT
	cat >"$T/$1.conf" <<EOC
socket = "inet:$2@127.0.0.1";
user = "nobody";
mta = "postfix";
log = { level = "${BENCH_RT_LOG:-warning}"; };
profiles = { tls = { encrypted = true; }; };
rules = ( { sender = "bench.example"; require = "tls"; } );
requiretls = { verify = "$3"; timeout = $((DTO + 2)); };
dns = { resolver = "$4"; trust_anchor_file = "$T/dns/anchor"; timeout = $5; };
EOC
}
start() {	# start NAME: the daemon with T/NAME.conf; sets PID
	"${NSE[@]}" "${PS[@]}" "$TPM" -f -c "$T/$1.conf" >"$T/$1.log" 2>&1 &
	PID=$!
	PIDS="$PIDS $PID"
}
port() { sed -n 's/^socket = "inet:\([0-9]*\)@.*/\1/p' "$T/$1.conf"; }
gen() {	# gen NAME ARGS...: miltergen against daemon NAME; prints its RESULT line
	local n=$1
	shift
	ns "${PG[@]}" "$GEN" --tls tls --rcpt-hit-pct 100 --rcpt-hit-local user+requiretls "$@" \
		"inet:$(port "$n")@127.0.0.1" 2>>"$T/gen.log" | tee -a "$T/gen.out" | grep '^RESULT'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
: >"$T/results"
FAIL=0
{
	echo "machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1))," \
		"load avg $(cut -d' ' -f1-3 /proc/loadavg) at start"
} | tee -a "$T/results"

# ------------------------------------------------------------------ warm
if [[ " $PARTS " == *" warm "* ]]; then
	conf on 8911 dnssec-or-mta-sts 127.0.0.1 2
	conf off 8912 off 127.0.0.1 2
	start on; PON=$PID
	start off; POFF=$PID
	for n in on off; do ns "$GEN" --probe 15 "inet:$(port $n)@127.0.0.1" >/dev/null || die "daemon $n does not start"; done
	WON=$(worker "$PON"); WOFF=$(worker "$POFF")
	# warm the cache: every domain once
	gen on -c 8 -s "$NWARM" -m 1 -r 1 -t 30 --rcpt-hit-seq --rcpt-hit-file "$T/warm.txt" >/dev/null ||
		die "warm-up: a flagged recipient in a secure domain was not accepted (see $T/gen.out)"
	for r in $(seq "$REPS"); do
		for n in off on; do
			eval "p=\$W${n^^}"
			c0=$(cpu_ticks "$p")
			line=$(gen "$n" -c 64 -m 10 -r 2 -t "$SECS" -w 0.5 --rcpt-hit-file "$T/warm.txt")
			c1=$(cpu_ticks "$p")
			msgs=$(kv "$line" msgs_all)
			cpu=$(awk -v t=$((c1 - c0)) -v k="$TCK" -v m="$msgs" 'BEGIN { printf "%.1f", m ? t / k * 1e6 / m : 0 }')
			echo "warm $n $r $line cpu_us_per_msg=$cpu" >>"$T/results"
			say "  warm rep $r: verify $n: rate $(kv "$line" rate) msg/s, p99 $(kv "$line" p99_us) us, daemon cpu $cpu us/msg"
			case $line in *ok=1*) ;; *) say "requiretls bench: warm $n: wrong replies"; FAIL=1 ;; esac
		done
	done
	# the best run of each (highest msg/s; lowest CPU per message, which may
	# come from another run: interference only ever adds to either)
	bestline() { awk -v n="$1" '$1 == "warm" && $2 == n { for (i = 4; i <= NF; i++) { split($i, kv, "=");
		if (kv[1] == "rate" && kv[2] + 0 >= b) { b = kv[2] + 0; l = $0 } } } END { print l }' "$T/results"; }
	bestcpu() { awk -v n="$1" '$1 == "warm" && $2 == n { for (i = 4; i <= NF; i++) { split($i, kv, "=");
		if (kv[1] == "cpu_us_per_msg" && (!set || kv[2] + 0 < b)) { b = kv[2] + 0; set = 1 } } } END { print b + 0 }' "$T/results"; }
	lon=$(bestline on); loff=$(bestline off)
	con=$(bestcpu on); coff=$(bestcpu off)
	{
		echo
		echo "warm: 64 sessions x 10 messages x 2 flagged recipients, $NWARM secure domains, best of $REPS x ${SECS}s"
		printf '%-18s %10s %8s %8s %14s\n' requiretls.verify msg/s p50_us p99_us daemon_us/msg
		printf '%-18s %10s %8s %8s %14s\n' off "$(kv "$loff" rate)" "$(kv "$loff" p50_us)" "$(kv "$loff" p99_us)" "$coff"
		printf '%-18s %10s %8s %8s %14s\n' dnssec-or-mta-sts "$(kv "$lon" rate)" "$(kv "$lon" p50_us)" "$(kv "$lon" p99_us)" "$con"
		echo "ratio on/off (msg/s): $(ratio "$(kv "$lon" rate)" "$(kv "$loff" rate)")   (goal >= 0.95);" \
			"median of the per-repetition ratios: $(awk '$1 == "warm" { for (i = 4; i <= NF; i++) { split($i, kv, "=");
			if (kv[1] == "rate") r[$3, $2] = kv[2] } if ($2 == "on") print r[$3, "on"] / r[$3, "off"] }' "$T/results" |
			sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
		echo "cached check: $(awk -v a="$con" -v b="$coff" 'BEGIN { printf "%.1f", (a - b) / 2 }') us of daemon CPU per flagged recipient ((on - off) / 2 recipients)"
	} | tee -a "$T/results"
	stop_pid "$PON"; stop_pid "$POFF"
fi

# ------------------------------------------------------------------ cold
if [[ " $PARTS " == *" cold "* ]]; then
	conf cold 8913 dnssec-or-mta-sts 127.0.0.2 5
	start cold; PCOLD=$PID
	ns "$GEN" --probe 15 "inet:8913@127.0.0.1" >/dev/null || die "daemon cold does not start"
	# prime the chain of trust (DS and DNSKEY of feas.example) with c0
	echo c0.feas.example >"$T/prime.txt"
	gen cold -c 1 -s 1 -m 1 -r 1 -t 30 --rcpt-hit-file "$T/prime.txt" >/dev/null || die "cold: priming failed (see $T/gen.out)"
	WCOLD=$(worker "$PCOLD")
	PUNB=$(awk '$2 == "unbound" { print $1; exit }' "$T/dns/pids")
	# CPU seconds of the daemon, the forwarder and the bed's unbound so far
	cpus() { for p in "$WCOLD" "$PDD" "$PUNB"; do printf '%s ' "$(cpu_ticks "$p" 2>/dev/null || echo 0)"; done; }
	cpu_d() { awk -v a="$1" -v b="$2" -v k="$TCK" 'BEGIN { split(a, x, " "); split(b, y, " ");
		printf "daemon %.2f s, forwarder %.2f s, unbound %.2f s", (y[1] - x[1]) / k, (y[2] - x[2]) / k, (y[3] - x[3]) / k }'; }
	d0=$(dd_counts); c0=$(cpus)
	l1=$(gen cold -c 1 -s "$NSER" -m 1 -r 1 -t 600 --rcpt-hit-seq --rcpt-hit-file "$T/serial.txt")
	d1=$(dd_counts); c1=$(cpus)
	l64=$(gen cold -c 64 -s "$NCOLD" -m 1 -r 1 -t 600 --rcpt-hit-seq --rcpt-hit-file "$T/cold.txt")
	d2=$(dd_counts); c2=$(cpus)
	echo "cold 1 $l1 dns_before: $d0 dns_after: $d1" >>"$T/results"
	echo "cold 64 $l64 dns_before: $d1 dns_after: $d2" >>"$T/results"
	# DNS queries that reached the forwarder per check, and the most in flight there
	qper() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { split(a, x, /[= ]/); split(b, y, /[= ]/);
		printf "%.2f", n ? ((y[2] + y[4]) - (x[2] + x[4])) / n : 0 }'; }
	for l in "$l1" "$l64"; do case $l in *ok=1*) ;; *) say "requiretls bench: cold: wrong replies or unfinished"; FAIL=1 ;; esac; done
	{
		echo
		echo "cold: every recipient a new secure domain, +${DELAY} ms per DNS query at the resolver"
		printf '%-9s %8s %10s %10s %8s %8s %14s\n' sessions domains secs checks/s p50_us p99_us dns_q/check
		printf '%-9s %8s %10s %10s %8s %8s %14s\n' 1 "$NSER" "$(kv "$l1" secs)" "$(kv "$l1" rate)" "$(kv "$l1" p50_us)" \
			"$(kv "$l1" p99_us)" "$(qper "$d0" "$d1" "$NSER")"
		printf '%-9s %8s %10s %10s %8s %8s %14s\n' 64 "$NCOLD" "$(kv "$l64" secs)" "$(kv "$l64" rate)" "$(kv "$l64" p50_us)" \
			"$(kv "$l64" p99_us)" "$(qper "$d1" "$d2" "$NCOLD")"
		echo "most DNS queries in flight at the forwarder at once: ${d2##*max_inflight=}"
		echo "CPU used, 1 session:   $(cpu_d "$c0" "$c1")"
		echo "CPU used, 64 sessions: $(cpu_d "$c1" "$c2") (load avg now $(cut -d' ' -f1 /proc/loadavg))"
		echo "speed-up 64 sessions / 1 session: $(ratio "$(kv "$l64" rate)" "$(kv "$l1" rate)")   (goal >= 30)"
	} | tee -a "$T/results"
	stop_pid "$PCOLD"
fi

# ------------------------------------------------------------------ down
if [[ " $PARTS " == *" down "* ]]; then
	conf down 8914 dnssec-or-mta-sts 127.0.0.53 "$DTO"
	start down; PDOWN=$PID
	ns "$GEN" --probe 15 "inet:8914@127.0.0.1" >/dev/null || die "daemon down does not start"
	t0=$(date +%s%N)
	l=$(gen down -c "$NDOWN" -s "$NDOWN" -m 1 -r 1 -t $((DTO + 10)) --rcpt-hit-seq --rcpt-hit-file "$T/serial.txt" \
		--expect rcpt=tempfail)
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "down $NDOWN $l wall_ms=$ms" >>"$T/results"
	# the latency of a message: from MAIL to its last reply (the RCPT tempfail)
	mx=$(kv "$l" max_us); p99=$(kv "$l" p99_us)
	bound=$(((DTO + 1) * 1000000))
	verdict=ok
	case $l in *ok=1*) ;; *) verdict="FAILED: wrong replies or sessions unfinished"; FAIL=1 ;; esac
	if [ -z "$mx" ] || [ "$mx" -gt "$bound" ]; then verdict="FAILED: slowest answer ${mx:-?} us > $bound us"; FAIL=1; fi
	{
		echo
		echo "down: resolver 127.0.0.53 never answers, dns.timeout $DTO s; $NDOWN sessions, 1 flagged recipient each"
		echo "answered: $(kv "$l" msgs_all) of $NDOWN, p50 $(kv "$l" p50_us) us, p99 $p99 us, slowest ${mx:-?} us" \
			"(bound dns.timeout + 1 s = $bound us), whole run $ms ms: $verdict"
	} | tee -a "$T/results"
	stop_pid "$PDOWN"
fi
exit "$FAIL"
