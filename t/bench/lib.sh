# t/bench/lib.sh - sourced by t/bench/run.sh and t/bench/instr.sh (bash):
# where the programs are, and the protocol benchmark's policy.
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
