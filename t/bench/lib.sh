# t/bench/lib.sh - sourced by t/bench/run.sh and t/bench/instr.sh (bash):
# where the programs are, the protocol benchmark's policy and its scenarios.
#
# Needs HERE (the sourcing script's folder).  Sets SRC, B (the build folder:
# TP_BUILDDIR, else the source tree), GEN, NULLM, TPM (or MILTERGEN,
# NULLMILTER, TLSPOLICY_MILTER).
SRC=$(cd "$HERE/../.." && pwd)
B=${TP_BUILDDIR:-$SRC}
GEN=${MILTERGEN:-$B/t/bench/miltergen}
NULLM=${NULLMILTER:-$B/t/bench/nullmilter}
TPM=${TLSPOLICY_MILTER:-$B/milter/tlspolicy-milter}

# bench_conf FILE PORT [LIST]: the benchmark policy (enforce, one sender rule,
# nine recipient rules r1..r9.example, and a recipient_list LIST if given),
# log level warning, listening on inet:PORT@127.0.0.1
bench_conf() {
	{
		echo "socket = \"inet:$2@127.0.0.1\";"
		echo 'mode = "enforce"; action = "reject"; on_error = "tempfail";'
		echo 'log = { facility = "mail"; level = "warning"; };'
		echo 'profiles = { tls = { encrypted = true; }; };'
		echo 'rules = ('
		echo '  { sender = "bank.example"; require = "tls"; }'
		for i in 1 2 3 4 5 6 7 8 9; do echo "  , { recipient = \"r$i.example\"; require = \"tls\"; }"; done
		[ -z "${3:-}" ] || echo "  , { recipient_list = \"$3\"; require = \"tls\"; }"
		echo ');'
	} >"$1"
}

# bench_scen SCEN MILTER: the scenario's miltergen flags (TLS mix, hits,
# expected refusals), appended to the caller's array SCEN_ARGS.  Messages of
# 2 recipients (rcpt10: 10); MILTER "null" expects no refusal.
bench_scen() {
	case $1 in
	tls) SCEN_ARGS+=(-r 2 --tls tls --rcpt-hit-pct 50) ;;
	plain) SCEN_ARGS+=(-r 2 --tls plain --rcpt-hit-pct 0) ;;
	mix) SCEN_ARGS+=(-r 2 --tls plain:1,tls:1 --from-hit a@bank.example --from-hit-pct 10 --rcpt-hit-pct 50)
	     [ "$2" = null ] || SCEN_ARGS+=(--expect mail/plain/hit=reject --expect rcpt/plain/hit=reject) ;;
	rcpt10) SCEN_ARGS+=(-r 10 --tls tls --rcpt-hit-pct 50) ;;
	*) echo "bench_scen: unknown scenario $1" >&2; return 1 ;;
	esac
}
