# t/tap.sh - TAP helpers for the shell test scripts (sourced, not run).
# The caller sets BODY (a file collecting the TAP lines), n=0 and failed=0,
# and prints "1..$n" followed by $BODY at the end, so the plan comes first.

ok() {          # ok DESCRIPTION
	n=$((n + 1))
	printf 'ok %s - %s\n' "$n" "$1" >>"$BODY"
}
notok() {       # notok DESCRIPTION [DIAGNOSTIC LINE...]
	n=$((n + 1))
	failed=$((failed + 1))
	printf 'not ok %s - %s\n' "$n" "$1" >>"$BODY"
	shift
	for l in "$@"; do
		printf '# %s\n' "$l" >>"$BODY"
	done
}
diagfile() {    # diagfile FILE [MAXLINES]: a file's tail as diagnostics
	[ -f "$1" ] || return 0
	tail -n "${2:-30}" "$1" | sed 's/^/#   /' >>"$BODY"
}
