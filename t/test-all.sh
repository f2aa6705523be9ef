#!/bin/sh
# test-all.sh - the README's test command: install what is needed, build
# three times (plain; AddressSanitizer + UndefinedBehaviorSanitizer;
# ThreadSanitizer), and run every test: unit tests, miltertest protocol
# tests, real Postfix and Sendmail integration tests and the benchmark smoke
# test (the TSan build: unit and miltertest tests only, see below).  Run as root from
# the source tree.  Ends with "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh t/deps.sh
autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; exit 1; }

jobs=$(nproc 2>/dev/null || echo 2)
status=0
summary=""
for variant in plain sanitize tsan; do
	v0=$(date +%s)
	dir="$top/build-$variant"
	flags=""
	[ "$variant" = sanitize ] && flags="--enable-sanitizers"
	[ "$variant" = tsan ] && flags="--enable-tsan"
	# ThreadSanitizer: the unit and miltertest suites only.  The real-MTA
	# integration suite and the benchmark smoke test are left out for time
	# (TSan slows the daemon 5-15x; the integration suite alone takes ~2 min
	# plain); they start the same daemon code the miltertest suite drives.
	tests=""
	[ "$variant" = tsan ] && tests='TESTS=$(UNIT_TESTS) $(MT_TESTS)'
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q $flags && make -s -j"$jobs" >/dev/null) ||
		{ echo "test-all: $variant build failed" >&2; exit 1; }
	echo "== $variant build: make check"
	# a TSan report fails the test: halt at once with a status nobody else uses
	if (cd "$dir" && ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$top/t/tsan.supp" \
	    make -s -j"$jobs" check ${tests:+"$tests"}); then :; else
		status=1
		for f in "$dir"/t/*.log "$dir"/t/integration/*.log; do
			[ -f "$f" ] && grep -q '^not ok\|^ERROR\|^FAIL' "$f" 2>/dev/null && { echo "---- $f"; tail -n 60 "$f"; }
		done
	fi
	if [ -f "$dir/test-suite.log" ]; then
		p=$(sed -n 's/^# PASS: *//p' "$dir/test-suite.log" | head -n1)
		f=$(sed -n 's/^# FAIL: *//p' "$dir/test-suite.log" | head -n1)
		e=$(sed -n 's/^# ERROR: *//p' "$dir/test-suite.log" | head -n1)
		summary="$summary $variant: ${p:-0} passed, $(( ${f:-0} + ${e:-0} )) failed ($(( $(date +%s) - v0 ))s);"
	fi
done

# valgrind over the miltertest suite and the unit tests (plain build), then
# the fuzz step: planted-bug self-test, corpus replay, each harness briefly.
for step in check-valgrind fuzz-ci; do
	echo "== plain build: make $step"
	t0=$(date +%s)
	if (cd "$top/build-plain" && make -s "$step" >"$top/build-plain/$step.out" 2>&1); then
		summary="$summary $step: ok ($(( $(date +%s) - t0 ))s);"
	else
		status=1
		summary="$summary $step: FAILED ($(( $(date +%s) - t0 ))s);"
		echo "---- make $step"
		grep -E '^not ok|^FAIL|^#' "$top/build-plain/$step.out" | head -n 60
	fi
	grep -E '^(ok|FAIL) |^fuzz:|^ok [0-9]' "$top/build-plain/$step.out" | tail -n 12
done

# Count TAP results over every test log of both builds.
passed=0 failed=0
for f in "$top"/build-plain/t/*.log "$top"/build-plain/t/*/*.log "$top"/build-sanitize/t/*.log "$top"/build-sanitize/t/*/*.log \
    "$top"/build-tsan/t/*.log "$top"/build-tsan/t/*/*.log; do
	[ -f "$f" ] || continue
	case $f in *test-suite.log) continue ;; esac
	passed=$((passed + $(grep -c '^ok ' "$f" || true)))
	failed=$((failed + $(grep -c '^not ok ' "$f" || true)))
done
echo "test programs:$summary"
echo "assertions: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
