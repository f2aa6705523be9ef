# t/integration/feasible.sh - REQUIRETLS feasibility before acceptance with
# real MTAs (issue 10). Sourced by run.sh after requiretls.sh (it reuses
# send, reply, delivered, rq_field ... of cases.sh and requiretls.sh).
#
# Inside the run's namespace:
#   the signed DNS test bed (t/dnsbed: unbound on 127.0.0.1:53, anchor
#   example.) with three extra unsigned zones:
#     sts.example      MX mx1.mailhost.example (named outside the domain),
#                      MTA-STS policy mode enforce, mx: *.mailhost.example
#     ststest.example  the same, policy mode testing
#     mailhost.example the MX host's zone
#   nginx on 127.0.0.21:443 / 127.0.0.22:443 serving the two policies with a
#   certificate of the run's test CA
#   a milter of its own (feasible.conf.in: requiretls.verify =
#   "dnssec-or-mta-sts", dns.timeout 2 s, requiretls.timeout 4 s) and
#   postfix-fv, sendmail-fv: the etc/ snippets, relaying to their smtp-sinks.
#
# Test-only deviation: skip_bracket_nexthop = false in the milter's config,
# because these MTAs relay every domain to [127.0.0.1]:PORT (an explicit
# route, which the daemon does not check by default).
#
# Globals from run.sh: MTAS PKI TP_TMP MTA_PORT SINK_PORT MTA_LOG SINK_DUMP MTA_PID.
# shellcheck disable=SC2034  # MLOG for cases.sh's helpers

FV_MTAS=''
FV_MILTER_PID=''
FV_DNS_TIMEOUT=2        # dns.timeout of feasible.conf.in
FV_SLACK=3              # for the 4xx of a dead name server: dns.timeout + this

# fv_start: DNS bed, MTA-STS server, the feasibility milter and its MTAs.
fv_start() {
	local mta bed=$TP_TMP/dnsbed
	FV_MILTER_PORT=$(tp_port 40)
	FV_MLOG=$TP_TMP/milter-feasible.log
	cat >"$TP_TMP/fv-zones" <<-'EOF'
		zone mailhost.example unsigned
		mx1.mailhost.example. A 127.0.0.23
		zone sts.example unsigned
		sts.example. MX 10 mx1.mailhost.example.
		_mta-sts.sts.example. TXT "v=STSv1; id=fv1"
		mta-sts.sts.example. A 127.0.0.21
		zone ststest.example unsigned
		ststest.example. MX 10 mx1.mailhost.example.
		_mta-sts.ststest.example. TXT "v=STSv1; id=fv2"
		mta-sts.ststest.example. A 127.0.0.22
	EOF
	# the zones of outbound.sh (ob_prepare), if it ran
	[ ! -s "$TP_TMP/ob-zones" ] || cat "$TP_TMP/ob-zones" >>"$TP_TMP/fv-zones"
	tp_dnsbed_start "$bed" "$TP_TMP/fv-zones"
	tp_mtasts_start "$TP_TMP/mtasts" "$PKI" \
		"127.0.0.21 sts.example version: STSv1\nmode: enforce\nmx: *.mailhost.example\nmax_age: 86400\n" \
		"127.0.0.22 ststest.example version: STSv1\nmode: testing\nmx: *.mailhost.example\nmax_age: 86400\n"
	sed -e "s|@MILTER_PORT@|$FV_MILTER_PORT|g" -e "s|@BED@|$bed|g" -e "s|@PKI@|$PKI|g" -e "s|@TMP@|$TP_TMP|g" \
		"$TP_HERE/feasible.conf.in" >"$TP_TMP/feasible.conf"
	local save_pid=$TP_MILTER_PID save_port=$TP_MILTER_PORT
	TP_MILTER_PORT=$FV_MILTER_PORT
	tp_milter_start "$TLSPOLICY_MILTER" "$TP_TMP/feasible.conf" "$FV_MLOG"
	FV_MILTER_PID=$TP_MILTER_PID
	TP_MILTER_PID=$save_pid TP_MILTER_PORT=$save_port
	for mta in $MTAS; do
		case $mta in
		postfix)
			# skipped.example goes to Postfix's discard transport: a mailer
			# the daemon skips ({rcpt_mailer} = discard)
			MILTER_PORT=$FV_MILTER_PORT start_mta postfix-fv 21 "" \
				"transport_maps = inline:{skipped.example=discard:}" ;;
		sendmail) MILTER_PORT=$FV_MILTER_PORT start_mta sendmail-fv 22 ;;
		esac
		FV_MTAS="$FV_MTAS $mta-fv"
	done
}

# fv_milter_stop: the test point for the feasibility milter's shutdown.
fv_milter_stop() {
	[ -n "$FV_MILTER_PID" ] || return 0
	tp_begin "requiretls feasibility milter stops cleanly on SIGTERM (within 15 s, exit status 0, no sanitizer report)"
	local save_pid=$TP_MILTER_PID save_port=$TP_MILTER_PORT
	TP_MILTER_PID=$FV_MILTER_PID TP_MILTER_PORT=$FV_MILTER_PORT
	tp_milter_stop || tp_fail_msg "milter did not exit within 15 s of SIGTERM, or its port still listens"
	tp_expect_eq "milter exit status" "$TP_MILTER_STATUS" 0
	TP_MILTER_PID=$save_pid TP_MILTER_PORT=$save_port FV_MILTER_PID=
	tp_expect_nomatch "milter log" "$(grep -E 'ERROR: (Address|Leak|Thread|Undefined)Sanitizer|runtime error:|SUMMARY: ' "$FV_MLOG")" .
	tp_attach "$FV_MLOG" ""
	tp_end
}

# ---------------------------------------------------------------- helpers

# fv_send MTA ID swaks-args...: send, timed (FV_MS), remembering where the
# milter log stood (FV_MO) so the lines of this session can be read
fv_send() {
	local t0
	FV_MO=$(tp_size "$FV_MLOG")
	t0=$(date +%s%N)
	send "$@"
	FV_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}

# fv_lines: the milter's log lines written during this session
fv_lines() { tail -c +"$((FV_MO + 1))" "$FV_MLOG" 2>/dev/null; }

fv_has_check() { fv_lines | grep -qF "requiretls-check domain=$1 "; }

# fv_check DOMAIN ERE...: a requiretls-check line for DOMAIN in this
# session's log lines matches every ERE
fv_check() {
	local dom=$1 l e; shift
	tp_wait_for 3 fv_has_check "$dom"
	l=$(fv_lines | grep -F "requiretls-check domain=$dom ")
	if [ -z "$l" ]; then
		tp_fail_msg "milter log: expected a requiretls-check line for $dom, got none"
		return
	fi
	for e in "$@"; do
		tp_expect_match "requiretls-check line for $dom" "$l" "$e"
	done
}

# fv_addr MTA ADDR [opt]: the ERE of the "<ADDR>... " that Sendmail puts
# between the codes and the text of a reply to RCPT (Postfix: nothing);
# "opt": it may be absent (Sendmail leaves it out of some 4xx replies)
fv_addr() {
	case $1 in sendmail*) ;; *) return 0 ;; esac
	printf '(<%s>\\.\\.\\. )%s' "$(printf '%s' "$2" | sed 's/[].[\\*^$+?(){}|/]/\\&/g')" "${3:+?}"
}

# fv_no_check: no feasibility check at all during this session
fv_no_check() {
	sleep 0.3
	tp_expect_nomatch "milter log (lines of this session)" "$(fv_lines | grep -F 'requiretls-check')" .
}

# ---------------------------------------------------------------- cases

fv_cases() {
	local mta
	for mta in $MTAS; do fv_case "$mta-fv"; done
}

# fv_case MTA: (a)-(f) of issue 10 through one MTA
fv_case() {
	local MLOG=$FV_MLOG m=$1 mn=${1%-fv} i r bound
	local what="${mn^}"

	# (a) the acceptance test
	i=$(msgid "$m" insecure)
	if [ "$mn" = postfix ]; then
		tp_begin "ACCEPTANCE: a flagged recipient in a domain with neither DNSSEC nor MTA-STS enforce gets 550 5.7.30 at RCPT behind real Postfix (bob+requiretls@insecure.example, reply names domain and reason)"
	else
		tp_begin "$mn: a flagged recipient in a domain with neither DNSSEC nor MTA-STS enforce gets 550 5.7.30 at RCPT behind real $what (bob+requiretls@insecure.example)"
	fi
	fv_send "$m" "$i" --from "$i@plain.example" --to "bob+requiretls@insecure.example"
	swaks_refused
	reply "RCPT TO:<bob+requiretls@insecure.example>" \
		"^550 5\\.7\\.30 $(fv_addr "$m" "bob+requiretls@insecure.example")insecure\\.example cannot receive mail that requires TLS: no DNSSEC-secure MX and no MTA-STS policy\$"
	not_delivered
	fv_check insecure.example 'result=no' 'reason="no DNSSEC-secure MX and no MTA-STS policy'
	logged 'stage=rcpt' 'rcpt=<bob\+requiretls@insecure\.example>' 'verdict=reject' '550 5\.7\.30'
	tp_end

	# (b) DNSSEC-secure MX: accepted, untagged, flagged for the strict route
	i=$(msgid "$m" secure)
	tp_begin "$mn: a flagged recipient in secure.example (DNSSEC-signed MX) is accepted and arrives untagged with X-RequireTLS: yes"
	fv_send "$m" "$i" --from "$i@plain.example" --to "bob+requiretls@secure.example"
	swaks_ok; reply "RCPT TO" '^250 '
	rq_delivered_to "$m" "bob@secure.example"
	rq_field "$m" X-RequireTLS '^ yes$'
	fv_check secure.example 'result=yes' 'method=dnssec' 'mx\.secure\.example'
	tp_end

	# (c) MTA-STS enforce, MX named outside the domain: accepted
	i=$(msgid "$m" mtasts)
	tp_begin "$mn: a flagged recipient in sts.example (unsigned, MTA-STS enforce, MX mx1.mailhost.example) is accepted through the HTTPS policy"
	fv_send "$m" "$i" --from "$i@plain.example" --to "carol+requiretls@sts.example"
	swaks_ok; reply "RCPT TO" '^250 '
	rq_delivered_to "$m" "carol@sts.example"
	rq_field "$m" X-RequireTLS '^ yes$'
	fv_check sts.example 'result=yes' 'method=mta-sts' 'fv1' 'mailhost\.example'
	tp_end

	# (c2) MTA-STS in testing mode is not enough
	i=$(msgid "$m" ststest)
	tp_begin "$mn: a flagged recipient in ststest.example (MTA-STS mode testing, no DNSSEC) gets 550 5.7.30 at RCPT"
	fv_send "$m" "$i" --from "$i@plain.example" --to "dave+requiretls@ststest.example"
	swaks_refused
	reply "RCPT TO:<dave+requiretls@ststest.example>" \
		"^550 5\\.7\\.30 $(fv_addr "$m" "dave+requiretls@ststest.example")ststest\\.example cannot receive mail that requires TLS: .*testing"
	not_delivered
	fv_check ststest.example 'result=no'
	tp_end

	# (d) flagged by content: refused at end of data, naming the infeasible domain only
	i=$(msgid "$m" content)
	tp_begin "$mn: Subject [secure] to secure.example + insecure.example: accepted at RCPT, refused at end of data with 550 5.7.30 naming insecure.example only"
	fv_send "$m" "$i" --from "$i@plain.example" --to "erin@secure.example,frank@insecure.example" \
		--header "Subject: [secure] contract $i"
	swaks_refused
	reply "RCPT TO:<erin@secure.example>" '^250 '
	reply "RCPT TO:<frank@insecure.example>" '^250 '
	reply "." '^550 5\.7\.30 insecure\.example cannot receive mail that requires TLS: insecure\.example: no DNSSEC-secure MX'
	r=$(tp_swaks_reply "$SW_OUT" ".")
	tp_expect_nomatch "reply to end of data" "$r" '(^| |,)secure\.example'
	not_delivered
	fv_check insecure.example 'result=no'
	logged 'stage=eom' 'verdict=reject' '5\.7\.30'
	tp_end

	# (e) unflagged mail costs nothing
	i=$(msgid "$m" unflagged)
	tp_begin "$mn: unflagged mail to insecure.example is accepted with no feasibility lookup (no requiretls-check line)"
	fv_send "$m" "$i" --from "$i@plain.example" --to "gina@insecure.example"
	swaks_ok
	rq_delivered_to "$m" "gina@insecure.example"
	rq_field "$m" X-RequireTLS '^<none>$'
	fv_no_check
	tp_end

	# (f) a name server that never answers: 4xx within dns.timeout + slack.
	# A name of its own per MTA, so neither answer comes from the milter's
	# cache (the bed's resolver may answer SERVFAIL at once for the second:
	# it remembers the dead server; that is a 451 4.4.3 too).
	local slow=slow.example
	[ "$mn" = postfix ] || slow=$mn.slow.example
	local sre=${slow//./\\.}
	i=$(msgid "$m" slow)
	bound=$(( (FV_DNS_TIMEOUT + FV_SLACK) * 1000 ))
	tp_begin "$mn: a flagged recipient in $slow (name server never answers) gets 451 4.4.3 within dns.timeout + ${FV_SLACK} s, no hang"
	fv_send "$m" "$i" --from "$i@plain.example" --to "hal+requiretls@$slow"
	swaks_refused
	reply "RCPT TO:<hal+requiretls@$slow>" \
		"^451 4\\.4\\.3 $(fv_addr "$m" "hal+requiretls@$slow" opt)The REQUIRETLS check of $sre did not finish"
	[ "$FV_MS" -le "$bound" ] || tp_fail_msg "the whole SMTP session took $FV_MS ms; expected at most $bound ms (dns.timeout ${FV_DNS_TIMEOUT} s + ${FV_SLACK} s)"
	fv_check "$slow" 'result=tempfail' 'cached=no'
	not_delivered
	tp_end
	echo "# $mn: $slow answered in $FV_MS ms (bound $bound ms): $(fv_lines | grep -o "requiretls-check domain=$sre .*" | head -n1)"

	if [ "$mn" = postfix ]; then
		# a local mailer is not checked: Postfix's discard transport
		i=$(msgid "$m" skipped)
		tp_begin "postfix: a flagged recipient routed to a local mailer (discard:) is not checked ({rcpt_mailer})"
		fv_send "$m" "$i" --from "$i@plain.example" --to "ivy+requiretls@skipped.example"
		swaks_ok; reply "RCPT TO" '^250 '
		fv_no_check
		tp_end
	fi
}
