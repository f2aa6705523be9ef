#!/bin/bash
# t/bench/instr.sh - instructions per message at protocol level (callgrind).
#
#   sudo t/bench/instr.sh        (root: loopback-only network namespace)
#
# Throughput on a shared 2-core machine moves by 10 % between runs; the
# instructions a milter executes per message do not.  miltergen sends the
# same sessions (4 at a time, 10 messages each) to the null milter and to
# tlspolicy-milter (10 rules, as in t/bench/run.sh's tp10) under
# valgrind --tool=callgrind, counting only inside libmilter's mi_engine: the
# whole per-session work of a milter (reading the packets, macros, our
# callbacks, the replies), not start-up, the listener or idle threads.  With
# TLSPOLICY_MILTER_BASE (another build, e.g. an older commit's) it is
# measured the same way, so two versions compare in one run.
#
# Environment: TP_BUILDDIR (or MILTERGEN NULLMILTER TLSPOLICY_MILTER),
# TLSPOLICY_MILTER_BASE, INSTR_MSGS (messages per cell, 1000).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
BASE=${TLSPOLICY_MILTER_BASE:-}
MSGS=${INSTR_MSGS:-1000}
# shellcheck source=../integration/lib.sh
. "$SRC/t/integration/lib.sh"

[ "$(id -u)" = 0 ] || tp_die "run as root (network namespace)"
for c in valgrind unshare nsenter ip; do command -v "$c" >/dev/null 2>&1 || tp_die "missing $c"; done
for f in "$GEN" "$NULLM" "$TPM" ${BASE:+"$BASE"}; do [ -x "$f" ] || tp_die "$f not built"; done

tp_init tlspolicy-instr
tp_ns_start
W=$TP_TMP
PORT=$(tp_port 1)
for i in 1 2 3 4 5 6 7 8 9; do echo "r$i.example"; done >"$W/hits.txt"
bench_conf "$W/tp10.conf" "$PORT"

# cell NAME SCEN: prints instructions per message
cell() {
	local name=$1 scen=$2 out=$W/cg-$1-$2 pid total
	local -a cmd
	case $name in
	null) cmd=("$NULLM" -p "inet:$PORT@127.0.0.1") ;;
	tp10) cmd=("$TPM" -f -c "$W/tp10.conf") ;;
	base) cmd=("$BASE" -f -c "$W/tp10.conf") ;;
	esac
	nsenter -t "$TP_NS" -n valgrind --tool=callgrind --collect-atstart=no --toggle-collect=mi_engine \
		--callgrind-out-file="$out.%p" "${cmd[@]}" >"$out.log" 2>&1 &
	pid=$!
	tp_track "$pid" "$name"
	tp_ns "$GEN" --probe 120 "inet:$PORT@127.0.0.1" >/dev/null 2>&1 || { cat "$out.log" >&2; tp_die "$name did not start"; }
	local -a SCEN_ARGS=(-c 4 -s $((MSGS / 10)) -m 10 -t 600 --rcpt-hit-file "$W/hits.txt")
	bench_scen "$scen" "$name" || tp_die "unknown scenario $scen"
	tp_ns "$GEN" "${SCEN_ARGS[@]}" "inet:$PORT@127.0.0.1" >"$out.gen" 2>&1
	grep -q '^RESULT ok=1 ' "$out.gen" || { cat "$out.gen" >&2; tp_die "$name $scen: miltergen failed"; }
	tp_stop_pid "$pid" "$name" 30
	tp_untrack "$pid"
	# the supervising parent and the child write a file each; the parent's holds 0
	total=$(cat "$out".[0-9]* | awk '/^summary:/ { s += $2 } END { print s + 0 }')
	awk -v t="$total" -v n="$MSGS" 'BEGIN { printf "%.0f", t / n }'
}

echo "== instructions per message in libmilter's mi_engine (callgrind; $MSGS messages, 4 sessions at a time)"
printf '%-7s %9s %9s %9s' scen null tp10 tp10/null
[ -z "$BASE" ] || printf ' %9s %9s' base tp10/base
echo
for scen in tls plain mix rcpt10; do
	n=$(cell null "$scen"); t=$(cell tp10 "$scen")
	printf '%-7s %9s %9s %9.2f' "$scen" "$n" "$t" "$(awk -v a="$t" -v b="$n" 'BEGIN { print a / b }')"
	if [ -n "$BASE" ]; then
		b=$(cell base "$scen")
		printf ' %9s %9.2f' "$b" "$(awk -v a="$t" -v b="$b" 'BEGIN { print a / b }')"
	fi
	echo
done
echo "   scenarios of t/bench/lib.sh (bench_scen, as t/bench/run.sh), 10 messages a session"
[ -z "$BASE" ] || echo "   base: $BASE"
