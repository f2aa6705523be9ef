#!/bin/sh
# t/daemon/lograce.sh - no data race on the log level between the reload
# thread and the workers (issue 9, defect 9): t/daemon/lograce.c and
# common/util/log.c built with ThreadSanitizer; it must report nothing.
LC_ALL=C
export LC_ALL
TP_SRCDIR=${TP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/tp-lograce.XXXXXX") || { echo "Bail out! mktemp"; exit 1; }
echo "1..2"
if ${CC:-cc} -fsanitize=thread -g -O1 -pthread -I"$TP_SRCDIR/common" -o "$T/lograce" \
    "$TP_SRCDIR/t/daemon/lograce.c" "$TP_SRCDIR/common/util/log.c" "$TP_SRCDIR/common/util/printable.c" >"$T/cc.out" 2>&1; then
	echo "ok 1 - lograce builds with -fsanitize=thread"
else
	echo "not ok 1 - lograce builds with -fsanitize=thread"
	sed 's/^/#   /' "$T/cc.out"
	echo "not ok 2 - no ThreadSanitizer report (not built)"
	exit 1
fi
# ASLR layouts TSan cannot map make it re-exec itself; setarch -R avoids that
TSAN_OPTIONS="halt_on_error=0 exitcode=66" setarch "$(uname -m)" -R "$T/lograce" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ] && grep -q '^done$' "$T/out" && ! grep -q "ThreadSanitizer" "$T/err"; then
	echo "ok 2 - log_set_level during log_debug/log_info in 4 threads: no ThreadSanitizer report"
	rm -rf "$T"
else
	echo "not ok 2 - log_set_level during log_debug/log_info in 4 threads: no ThreadSanitizer report"
	echo "#   exit status $rc; stderr (filtered):"
	grep -v "worker line" "$T/err" | head -n 30 | sed 's/^/#   /'
	echo "# kept: $T"
	exit 1
fi
