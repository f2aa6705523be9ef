#!/bin/sh
# t/fuzz/run.sh - run the libFuzzer harnesses built by t/fuzz/fuzz.mk.
#
#   run.sh [--bindir DIR] [--corpus DIR] [--seconds N] [--runs N] [--replay-only]
#          [--update-corpus] [--self-test] [HARNESS...]
#
# For each harness (default: every "HARNESSES += " line of t/fuzz/fuzz.mk):
#   1. replay its committed corpus (CORPUS/HARNESS/, every input once, with
#      LeakSanitizer checking after each input);
#   2. unless --replay-only, fuzz for N seconds (default 60; with --runs,
#      stop after that many executions if sooner) starting from
#      that corpus; new inputs go to a temp dir (or, with --update-corpus,
#      are merged into the corpus with -merge=1);
#   3. print one line: executions, exec/s, coverage before -> after, new
#      inputs.  Extra libFuzzer flags for step 2 come from
#      t/fuzz/HARNESS.flags (@FUZZDIR@ = t/fuzz/ in the source tree).
# Any crash, sanitizer report, leak, timeout or violated property fails the
# run: the crashing input is kept (path printed) and the exit status is 1.
#
# --self-test: shows that the runner fails on a bug.  It needs the harness
# built with -DTP_FUZZ_PLANT (make -f fuzz.mk planted, into BINDIR/planted/)
# and checks, by running this script on it, that (a) replaying a corpus that
# holds the planted input fails, (b) fuzzing from a corpus without it finds
# it and fails, (c) replaying the clean corpus passes.  TAP output.
#
# One harness at a time (CI has 2 cores).  The harnesses run with TMPDIR set
# to this run's temp dir, so files a crashed harness leaves are kept with its
# log, or removed with the rest.
set -u
LC_ALL=C
export LC_ALL

fuzzdir=$(cd "$(dirname "$0")" && pwd)
bindir=.
corpus=$fuzzdir/corpus
seconds=60
runs=-1
replay_only=0
update=0
selftest=0
only=
while [ $# -gt 0 ]; do
	case $1 in
	--bindir) bindir=$2; shift ;;
	--corpus) corpus=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--runs) runs=$2; shift ;;
	--replay-only) replay_only=1 ;;
	--update-corpus) update=1 ;;
	--self-test) selftest=1 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) only="$only $1" ;;
	esac
	shift
done
bindir=$(cd "$bindir" && pwd) || exit 2

harnesses=$(sed -n 's/^HARNESSES += *//p' "$fuzzdir/fuzz.mk")
[ -n "$only" ] && harnesses=$only
plant=$(sed -n 's/^PLANT_HARNESS = *//p' "$fuzzdir/fuzz.mk")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-fuzz.XXXXXX") || exit 2
keep=0
cleanup() { [ "$keep" = 1 ] || rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

LSAN_OPTIONS="suppressions=$fuzzdir/lsan.supp:print_suppressions=0"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ASAN_OPTIONS="${ASAN_OPTIONS:-}"
export LSAN_OPTIONS UBSAN_OPTIONS ASAN_OPTIONS
# A single input that takes this long is a failure too (libFuzzer -timeout).
COMMON="-timeout=25 -max_len=4096 -rss_limit_mb=2560"

# first_num PATTERN FILE - the number after PATTERN on the first/last matching line
stat_of() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }
cov_of() { sed -n "s/.*$1 *cov: \([0-9]*\).*/\1/p" "$2" | head -n 1; }

# show_failure LOG - the lines that say what went wrong, and where the input is
show_failure() {
	grep -E "property violated|ERROR: |SUMMARY: |runtime error|planted bug|Test unit written|^    #[0-9] " "$1" |
	    head -n 40 | sed 's/^/#   /'
}

# run_one HARNESS - replay, then fuzz; prints the result line; 0 = passed
run_one() {
	h=$1
	bin=$bindir/$h
	dir=$corpus/$h
	log=$tmp/$h.log
	if [ ! -x "$bin" ]; then
		echo "FAIL $h: $bin not built (make fuzz-build)"
		return 1
	fi
	if [ ! -d "$dir" ] || [ -z "$(ls -A "$dir" 2>/dev/null)" ]; then
		echo "FAIL $h: no corpus in $dir"
		return 1
	fi
	ninputs=$(ls -A "$dir" | wc -l)
	mkdir -p "$tmp/$h-artifacts"
	# 1. replay every committed input once (leaks checked per input)
	if ! TMPDIR=$tmp "$bin" $COMMON -runs=0 -artifact_prefix="$tmp/$h-artifacts/" "$dir" >"$log" 2>&1; then
		echo "FAIL $h: replaying its corpus ($ninputs inputs) failed:"
		show_failure "$log"
		keep=1
		echo "#   log: $log; artifacts: $tmp/$h-artifacts/"
		return 1
	fi
	[ "$replay_only" = 1 ] && { echo "ok   $h: replayed $ninputs inputs"; return 0; }

	# 2. fuzz from the corpus; new inputs go to $new
	flags=
	[ -f "$fuzzdir/$h.flags" ] && flags=$(sed -e '/^#/d' -e "s|@FUZZDIR@|$fuzzdir|g" "$fuzzdir/$h.flags")
	new=$tmp/$h-new
	mkdir -p "$new"
	start=$(date +%s)
	# shellcheck disable=SC2086
	TMPDIR=$tmp "$bin" $COMMON $flags -max_total_time="$seconds" -runs="$runs" -print_final_stats=1 \
	    -artifact_prefix="$tmp/$h-artifacts/" "$new" "$dir" >"$log" 2>&1 </dev/null
	rc=$?
	secs=$(( $(date +%s) - start ))
	execs=$(stat_of number_of_executed_units "$log")
	newunits=$(stat_of new_units_added "$log")
	c0=$(cov_of INITED "$log")
	c1=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
	rate=$(( ${execs:-0} / (secs > 0 ? secs : 1) ))
	line="$h: ${execs:-?} execs in ${secs}s (${rate}/s), cov ${c0:-?} -> ${c1:-?} (+$(( ${c1:-0} - ${c0:-0} ))), ${newunits:-?} new inputs"
	if [ "$rc" != 0 ]; then
		echo "FAIL $line: libFuzzer exit status $rc"
		show_failure "$log"
		keep=1
		echo "#   log: $log; crashing input in $tmp/$h-artifacts/"
		return 1
	fi
	echo "ok   $line"
	if [ "$update" = 1 ] && [ -n "$(ls -A "$new")" ]; then
		"$bin" -merge=1 $COMMON "$dir" "$new" >"$tmp/$h-merge.log" 2>&1 ||
		    { echo "FAIL $h: merging new inputs into $dir"; tail -n 5 "$tmp/$h-merge.log"; return 1; }
		echo "     $h: corpus now $(ls -A "$dir" | wc -l) inputs"
	fi
	return 0
}

# ---- the self-test: a planted bug must fail this runner ----
if [ "$selftest" = 1 ]; then
	pbin=$bindir/planted/$plant
	n=0 failed=0
	t_ok() { n=$((n + 1)); echo "ok $n - $1"; }
	t_notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
	echo "1..4"
	if [ ! -x "$pbin" ]; then
		t_notok "planted harness built" "$pbin missing (make -f fuzz.mk planted)"
		exit 1
	fi
	t_ok "planted harness $plant built with -DTP_FUZZ_PLANT"
	mkdir -p "$tmp/pbin" "$tmp/pc-clean/$plant" "$tmp/pc-bad/$plant"
	ln -s "$pbin" "$tmp/pbin/$plant"
	cp "$corpus/$plant"/* "$tmp/pc-clean/$plant/"
	cp "$corpus/$plant"/* "$tmp/pc-bad/$plant/"
	printf 'PLT 5.7.1 planted' >"$tmp/pc-bad/$plant/planted-input"

	sh "$0" --bindir "$tmp/pbin" --corpus "$tmp/pc-clean" --replay-only "$plant" >"$tmp/st-clean.out" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		t_ok "replaying the corpus without the planted input passes"
	else
		t_notok "replaying the corpus without the planted input passes" "exit $rc:" "$(cat "$tmp/st-clean.out")"
	fi
	sh "$0" --bindir "$tmp/pbin" --corpus "$tmp/pc-bad" --replay-only "$plant" >"$tmp/st-replay.out" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && grep -q "^FAIL $plant" "$tmp/st-replay.out" && grep -q "planted bug" "$tmp/st-replay.out"; then
		t_ok "replaying a corpus with the planted input fails (exit $rc, FAIL line, planted bug reported)"
	else
		t_notok "replaying a corpus with the planted input fails" "exit $rc; output:" "$(cat "$tmp/st-replay.out")"
	fi
	sh "$0" --bindir "$tmp/pbin" --corpus "$tmp/pc-clean" --seconds 60 "$plant" >"$tmp/st-fuzz.out" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && grep -q "^FAIL $plant" "$tmp/st-fuzz.out" && grep -q "planted bug" "$tmp/st-fuzz.out"; then
		t_ok "fuzzing finds the planted bug and fails (exit $rc): $(grep '^FAIL' "$tmp/st-fuzz.out" | head -n 1)"
	else
		t_notok "fuzzing finds the planted bug and fails" "exit $rc; output:" "$(cat "$tmp/st-fuzz.out")"
	fi
	# the failing runs keep their temp dirs for inspection: these are ours to remove
	for d in $(sed -n 's|^#   log: \([^;]*\)/[^/;]*;.*|\1|p' "$tmp"/st-*.out); do
		case $d in "${TMPDIR:-/tmp}"/tp-fuzz.*) rm -rf "$d" ;; esac
	done
	[ "$failed" = 0 ]
	exit $?
fi

# ---- the run ----
status=0 total=0 nfailed=0
t0=$(date +%s)
for h in $harnesses; do
	total=$((total + 1))
	if ! run_one "$h"; then
		status=1
		nfailed=$((nfailed + 1))
	fi
done
echo "fuzz: $total harnesses, $nfailed failed, $(( $(date +%s) - t0 ))s"
exit $status
