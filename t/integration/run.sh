#!/bin/bash
# t/integration/run.sh - real-MTA integration suite, TAP on stdout.
#
# Starts, inside a loopback-only network namespace of its own:
#   tlspolicy-milter (policy.conf.in), a private Postfix and a Sendmail, both
#   with etc/postfix-main.cf / etc/sendmail.mc pasted in, one smtp-sink behind
#   each; then runs every case of cases.sh against both MTAs with swaks.
#   Then the REQUIRETLS cases of requiretls.sh (their own milter with
#   requiretls.conf.in, and their own MTAs: see that file), and the
#   feasibility cases of feasible.sh (the signed DNS bed of t/dnsbed on
#   127.0.0.1:53, an MTA-STS nginx, a milter with feasible.conf.in), and the
#   outbound policy maps of outbound.sh (a sending Postfix and Sendmail
#   asking the daemon's policy_socket, receiving MXes on 127.0.0.6x:25).
#
# Environment:
#   TLSPOLICY_MILTER  milter binary (default $TP_BUILDDIR/milter/tlspolicy-milter)
#   TP_BUILDDIR       build directory (default: the current directory)
#   TP_SRCDIR         source tree with etc/ (default: two levels above this file)
#   TP_MTAS           "postfix sendmail" (default; for debugging only)
#   TP_KEEP=1         keep the run directory (always kept when a case fails)
#   TP_SENDMAIL_CACHE where the Sendmail .debs are unpacked
#                     (default /var/cache/tlspolicy-test/sendmail)
# Needs root. Exit status 0 only when every test point passed.

# make check and the README may start this with sh: continue in bash
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

TP_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=t/integration/lib.sh
. "$TP_HERE/lib.sh"
# shellcheck source=t/integration/cases.sh
. "$TP_HERE/cases.sh"
# shellcheck source=t/integration/requiretls.sh
. "$TP_HERE/requiretls.sh"
# shellcheck source=t/integration/feasible.sh
. "$TP_HERE/feasible.sh"
# shellcheck source=t/integration/outbound.sh
. "$TP_HERE/outbound.sh"

TP_BUILDDIR=${TP_BUILDDIR:-$PWD}
TLSPOLICY_MILTER=${TLSPOLICY_MILTER:-$TP_BUILDDIR/milter/tlspolicy-milter}
MTAS=${TP_MTAS:-postfix sendmail}

# the DNS bed (feasible.sh) and the MTA-STS server
tp_require_prereqs unbound ldns-keygen ldns-signzone ldns-verify-zone dig nginx /usr/bin/python3
[ -x "$TLSPOLICY_MILTER" ] || tp_die "milter binary '$TLSPOLICY_MILTER' not found (build first, or set TLSPOLICY_MILTER / TP_BUILDDIR)"
tp_init tlspolicy-it

MILTER_PORT=$(tp_port 0)
PKI=$TP_TMP/pki
MLOG=$TP_TMP/milter.log
declare -A MTA_PORT SINK_PORT MTA_LOG SINK_DUMP MTA_PID
mkdir -p "$TP_TMP/swaks"

# start_mta NAME N [snippet-file [extra config lines...]]: an instance of
# Postfix or Sendmail (by NAME's prefix) on port N, with its own smtp-sink on
# port N+10 and the milter lines from etc/ (or the given snippet file).
start_mta() {
	local name=$1 n=$2 snippet=${3:-}
	shift 2; [ $# -gt 0 ] && shift
	MTA_PORT[$name]=$(tp_port "$n")
	SINK_PORT[$name]=$(tp_port $((n + 10)))
	MTA_LOG[$name]=$TP_TMP/$name/maillog
	SINK_DUMP[$name]=$TP_TMP/sink-$name/dump
	tp_sink_start "$name" "${SINK_PORT[$name]}" "${SINK_DUMP[$name]}"
	case $name in
	postfix*)  TP_POSTFIX_SNIPPET=$snippet tp_postfix_start "$TP_TMP/$name" "${MTA_PORT[$name]}" \
			"inet:127.0.0.1:$MILTER_PORT" "${SINK_PORT[$name]}" "$PKI" "$@" ;;
	sendmail*) TP_SENDMAIL_SNIPPET=$snippet tp_sendmail_start "$TP_TMP/$name" "${MTA_PORT[$name]}" \
			"inet:$MILTER_PORT@127.0.0.1" "${SINK_PORT[$name]}" "$PKI" "$@"
		   MTA_PID[$name]=$TP_SENDMAIL_PID ;;
	*) tp_die "unknown MTA $name" ;;
	esac
}

stop_mta() {
	case $1 in
	postfix*) tp_postfix_stop "$TP_TMP/$1" ;;
	sendmail*) tp_sendmail_stop "$TP_TMP/$1" "${MTA_PID[$1]}" ;;
	esac
}

echo "# run directory $TP_TMP, ports base $TP_PORT_BASE, milter $TLSPOLICY_MILTER"
tp_ns_start
tp_ca_make "$PKI"
sed "s/@MILTER_PORT@/$MILTER_PORT/g" "$TP_HERE/policy.conf.in" >"$TP_TMP/policy.conf"
TP_MILTER_PORT=$MILTER_PORT   # tp_milter_start waits for it; tp_milter_stop checks it is free
tp_milter_start "$TLSPOLICY_MILTER" "$TP_TMP/policy.conf" "$MLOG"

# The MTAs as an admin sets them up from etc/ ...
n=1
for mta in $MTAS; do start_mta "$mta" $n; n=$((n + 1)); done
# ... and with their milter macro lists cut to the bone: the milter asks for
# the macros it needs itself (smfi_setsymlist), so it must still see TLS
# version and client certificate.
grep '^INPUT_MAIL_FILTER' "$TP_SRCDIR/etc/sendmail.mc" >"$TP_TMP/sendmail-nomacros.mc"
MIN_MTAS=
for mta in $MTAS; do
	case $mta in
	postfix) start_mta postfix-nomacros $n "" "milter_connect_macros = j" "milter_helo_macros =" \
			"milter_mail_macros = i" "milter_rcpt_macros = i" ;;
	sendmail) start_mta sendmail-nomacros $n "$TP_TMP/sendmail-nomacros.mc" ;;
	esac
	MIN_MTAS="$MIN_MTAS $mta-nomacros"; n=$((n + 1))
done
# REQUIRETLS (requiretls.sh): a milter of its own, a Postfix routing by
# etc/postfix-milter_header_checks + etc/postfix-master.cf to a STARTTLS
# Postfix, one whose strict next hop is plaintext-only, and a Sendmail
rq_start
# REQUIRETLS feasibility (feasible.sh): the signed DNS bed on 127.0.0.1:53, an
# MTA-STS nginx, a milter with requiretls.verify and a Postfix and a Sendmail
ob_prepare   # before fv_start: its zones go into the DNS bed
fv_start
# outbound maps (outbound.sh): a daemon with policy_socket on 127.0.0.1:8896
# (also asked by the smtp-requiretls transport of requiretls.sh's Postfix),
# a validating unbound, receiving MXes, a sending Postfix and Sendmail
ob_start
echo "# servers up; running cases"

for c in "${CASES[@]}"; do
	for mta in $MTAS; do "$c" "$mta"; done
done
for mta in $MIN_MTAS; do case_minimal_macros "$mta"; done
rq_cases
fv_cases
ob_cases

# The milter stopped: the MTAs' configured default action (tempfail).
tp_begin "milter stops cleanly on SIGTERM (within 15 s, exit status 0, no sanitizer report)"
tp_milter_stop || tp_fail_msg "milter did not exit within 15 s of SIGTERM, or its port still listens"
tp_expect_eq "milter exit status" "$TP_MILTER_STATUS" 0
tp_expect_nomatch "milter log" "$(grep -E 'ERROR: (Address|Leak|Thread|Undefined)Sanitizer|runtime error:|SUMMARY: ' "$MLOG")" .
tp_attach "$MLOG" ""
tp_end
rq_milter_stop
fv_milter_stop
ob_daemon_stop
for mta in $MTAS; do case_milter_down "$mta"; done

# Stop the servers now, so the last test point can prove nothing survived.
for mta in $MTAS $MIN_MTAS $RQ_MTAS $FV_MTAS $OB_MTAS; do stop_mta "$mta"; done
for e in "${TP_PIDS[@]}"; do
	[ "${e%%:*}" = "$TP_NS" ] && continue
	tp_stop_pid "${e%%:*}" "${e#*:}" 10
	tp_untrack "${e%%:*}"
done
tp_begin "no process started by the suite is left in its network namespace"
tp_wait_for 5 tp_ns_empty
left=$(tp_ns_procs)
tp_expect_eq "processes left" "$left" ""
tp_end

tp_plan "$TP_TESTNUM"
if [ "$TP_FAILED" != 0 ]; then
	echo "# $TP_FAILED of $TP_TESTNUM failed; logs in $TP_TMP"
	exit 1
fi
exit 0
