#!/bin/sh
# t/valgrind/daemon.sh - start the daemon under valgrind memcheck.
#
# Used by t/valgrind/run.sh as t/miltertest.sh's TP_MT_WRAPPER: miltertest
# starts this script instead of the daemon, with the daemon's arguments.
# valgrind runs the daemon in this process (exec), so the pid, the signals
# miltertest and the scripts send, and the pidfile are the daemon's.
# Env: TP_BUILDDIR (the daemon is $TP_BUILDDIR/milter/tlspolicy-milter),
#      TP_SRCDIR (suppressions), TP_VALGRIND_LOGDIR (one log per process).
: "${TP_BUILDDIR:?}" "${TP_SRCDIR:?}" "${TP_VALGRIND_LOGDIR:?}"
exec valgrind --tool=memcheck \
    --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --error-exitcode=99 --num-callers=30 --track-origins=no \
    --suppressions="$TP_SRCDIR/t/valgrind/valgrind.supp" \
    --log-file="$TP_VALGRIND_LOGDIR/vg.%p.log" \
    "$TP_BUILDDIR/milter/tlspolicy-milter" "$@"
