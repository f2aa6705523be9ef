#!/bin/sh
# t/valgrind/run.sh - the miltertest suite and the unit tests under valgrind
# memcheck ("make check-valgrind"; CI runs it on the plain build).  TAP.
#
# 1. t/miltertest.sh with TP_MT_WRAPPER=t/valgrind/daemon.sh: every daemon
#    the scripts start, and every "tlspolicy-milter -t" config check, runs
#    under valgrind; the suite's own tests must pass as usual.
# 2. every unit test program (TP_UNIT_TESTS, from Makefile.am) under valgrind.
# Then every valgrind log must say "ERROR SUMMARY: 0 errors" (definite leaks
# count as errors: --errors-for-leak-kinds=definite).  Suppressions
# (t/valgrind/valgrind.supp) are for third-party code only.
#
# Env: TP_BUILDDIR, TP_SRCDIR, MILTERTEST (as t/miltertest.sh),
#      TP_UNIT_TESTS (space-separated programs relative to TP_BUILDDIR).
LC_ALL=C
export LC_ALL
TP_SRCDIR=${TP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TP_BUILDDIR=${TP_BUILDDIR:-$(pwd)}
export TP_SRCDIR TP_BUILDDIR

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}

if ! command -v valgrind >/dev/null 2>&1; then
	# never a skip: t/deps.sh installs it
	echo "Bail out! valgrind not found (Debian package valgrind; t/deps.sh installs it)"
	exit 1
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/tp-vg.XXXXXX") || exit 1
mkdir -p "$logs/mt" "$logs/unit"

VGFLAGS="--tool=memcheck --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
--error-exitcode=99 --num-callers=30 --suppressions=$TP_SRCDIR/t/valgrind/valgrind.supp"

# ---- 0. these flags catch a definite leak and a bad read (else the checks below prove nothing) ----
cat >"$logs/bug.c" <<'END'
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	char *p = malloc(16), *q = malloc(16);

	(void)argv;
	strcpy(p, "leaked");
	p = NULL;                   /* definitely lost */
	q[0] = 0;
	free(q);
	return argc > 1 ? q[0] : 0; /* with an argument: a read after free */
}
END
if ${CC:-cc} -O0 -g -o "$logs/bug" "$logs/bug.c" 2>"$logs/bug.err"; then
	# shellcheck disable=SC2086
	valgrind $VGFLAGS --log-file="$logs/bug-leak.log" "$logs/bug" >/dev/null 2>&1
	rc1=$?
	# shellcheck disable=SC2086
	valgrind $VGFLAGS --log-file="$logs/bug-uaf.log" "$logs/bug" x >/dev/null 2>&1
	rc2=$?
	if [ "$rc1" = 99 ] && grep -q "definitely lost: 16 bytes" "$logs/bug-leak.log" &&
	    [ "$rc2" = 99 ] && grep -q "Invalid read" "$logs/bug-uaf.log"; then
		ok "valgrind with these flags fails on a planted definite leak and a read after free"
	else
		notok "valgrind with these flags fails on a planted definite leak and a read after free" \
		    "exit $rc1 / $rc2 (want 99 / 99)" "$(tail -n 15 "$logs/bug-leak.log" "$logs/bug-uaf.log")"
	fi
else
	notok "compile the planted-bug program" "$(cat "$logs/bug.err")"
fi
rm -f "$logs/bug" "$logs/bug.c" "$logs/bug.err" "$logs/bug-leak.log" "$logs/bug-uaf.log"

# ---- 1. the miltertest suite, daemon under valgrind ----
# valgrind makes the daemon ~100x slower to start (~1-3 s, more on a busy
# machine): the scripts run one at a time, wait up to 30 s for the socket,
# and have a longer time limit
TP_MT_WRAPPER=$TP_SRCDIR/t/valgrind/daemon.sh TP_VALGRIND_LOGDIR=$logs/mt TP_MT_SERIAL=1 TP_MT_TIMEOUT=${TP_MT_TIMEOUT:-180} \
    TP_MT_CONNECT_TRIES=600 \
    sh "$TP_SRCDIR/t/miltertest.sh" >"$logs/miltertest.out" 2>&1
rc=$?
total=$(grep -c '^ok \|^not ok ' "$logs/miltertest.out")
bad=$(grep -c '^not ok ' "$logs/miltertest.out")
if [ "$rc" = 0 ] && [ "$bad" = 0 ] && [ "$total" -gt 0 ]; then
	ok "miltertest suite passes with the daemon under valgrind ($total tests)"
else
	notok "miltertest suite passes with the daemon under valgrind" \
	    "exit $rc, $bad of $total failed:" "$(grep -A8 '^not ok \|^Bail' "$logs/miltertest.out" | head -n 80)"
fi
nmt=$(ls "$logs/mt" | wc -l)
nscripts=0
for f in "$TP_SRCDIR"/t/mt/*.lua; do
	[ "${f##*/}" = lib.lua ] || nscripts=$((nscripts + 1))
done
# every script starts a daemon, and each -t check is one more process
if [ "$nmt" -ge "$nscripts" ]; then
	ok "valgrind ran $nmt daemon processes (at least one per t/mt script: $nscripts)"
else
	notok "valgrind ran at least one daemon per t/mt script" "$nmt logs for $nscripts scripts: is the TP_MT_WRAPPER hook of t/miltertest.sh gone?"
fi

# ---- 2. unit tests under valgrind ----
for t in ${TP_UNIT_TESTS:-}; do
	name=$(basename "$t")
	# shellcheck disable=SC2086
	valgrind $VGFLAGS --log-file="$logs/unit/vg.$name.log" "$TP_BUILDDIR/$t" >"$logs/unit/$name.out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && ! grep -q '^not ok' "$logs/unit/$name.out"; then
		ok "$name passes under valgrind"
	else
		notok "$name passes under valgrind" "exit $rc:" "$(grep -B2 -A6 '^not ok' "$logs/unit/$name.out" | head -n 40)"
	fi
done

# ---- every log: 0 errors, 0 definite leaks ----
errs=0
for f in "$logs"/mt/*.log "$logs"/unit/*.log; do
	[ -f "$f" ] || continue
	# "daemon sender/milter.conf", "daemon -t tp-mt-check.X/bad3.conf", "test_addr"
	what=$(sed -n 's/^==[0-9]*== Command: //p' "$f" | head -n 1 |
	    sed -e "s|^$TP_BUILDDIR/milter/tlspolicy-milter|daemon|" -e "s|^$TP_BUILDDIR/t/||" \
		-e 's|-f -c [^ ]*/tp-mt-\([A-Za-z0-9_]*\)\.[^/ ]*/|\1/|' -e 's|-c [^ ]*/tp-mt-check\.[^/ ]*/||')
	if grep -q "ERROR SUMMARY: 0 errors" "$f"; then
		ok "valgrind: $what: 0 errors, 0 definite leaks"
	elif ! grep -q "ERROR SUMMARY" "$f"; then
		# a process killed before valgrind could finish (a timeout) leaves no summary
		errs=$((errs + 1))
		notok "valgrind: $what: the log has an error summary" "$f ends:" "$(tail -n 20 "$f")"
	else
		errs=$((errs + 1))
		notok "valgrind: $what: 0 errors, 0 definite leaks" "$(sed -n 's/^==[0-9]*== //p' "$f" | head -n 80)"
	fi
done

echo "1..$n"
if [ "$failed" = 0 ]; then
	rm -rf "$logs"
else
	echo "# logs kept in $logs"
fi
[ "$failed" = 0 ]
