# t/integration/requiretls.sh - REQUIRETLS end to end with real MTAs (issue 4).
# Sourced by run.sh after cases.sh (it reuses send, delivered, logged ...).
#
# A milter of its own (requiretls.conf.in) and, inside the run's namespace:
#
#   swaks -> postfix-rq  (milter; etc/postfix-milter_header_checks and the
#            |            smtp-requiretls entry of etc/postfix-master.cf,
#            |            FILTER next hop [mx.example.test]:<postfix-mx>)
#            |-- default transport ------------------> smtp-sink (normal)
#            '-- smtp-requiretls (secure, verified) --> postfix-mx (STARTTLS,
#                 cert of the test CA for mx.example.test) -> smtp-sink (strict)
#
#   swaks -> postfix-rq-plain (the same, but the FILTER next hop is
#            [mx.example.test]:<its own smtp-sink>, which offers no STARTTLS)
#            flagged mail must stay queued; unflagged mail to that very host
#            (default transport) is delivered.
#
#   swaks -> sendmail-rq (milter; etc/sendmail.mc) -> smtp-sink: tag removed,
#            fields added, Subject cleaned (Sendmail cannot route by header).
#
# Test-only deviations from the etc/ recipe (each also commented where made):
#   - the FILTER next hop: "smtp-requiretls:" -> "smtp-requiretls:[mx.example.test]:PORT"
#   - main.cf: smtp_tls_CAfile (trust the run's test CA), smtp_tls_loglevel = 1
#     (log "Verified TLS connection established"), smtp_host_lookup = native
#     with a private /etc/hosts (mx.example.test = 127.0.0.1). The master.cf
#     entry (smtp_dns_support_level = dnssec included) is pasted unchanged.
#
# Globals from run.sh: MTAS PKI TP_TMP MTA_PORT SINK_PORT MTA_LOG SINK_DUMP MTA_PID.
# The cases set "local MLOG=$RQ_MLOG": cases.sh's helpers then read this
# milter's log.
# shellcheck disable=SC2004,SC2034  # associative arrays of run.sh; MLOG for cases.sh

RQ_MTAS=''        # instances started here (run.sh stops them with stop_mta)
RQ_MILTER_PID=''

# rq_start: the REQUIRETLS milter and the MTAs of these cases.
rq_start() {
	local mta hosts master_app
	RQ_MILTER_PORT=$(tp_port 20)
	RQ_MLOG=$TP_TMP/milter-requiretls.log
	sed "s/@MILTER_PORT@/$RQ_MILTER_PORT/g" "$TP_HERE/requiretls.conf.in" >"$TP_TMP/requiretls.conf"
	# a second milter: keep run.sh's TP_MILTER_PID/TP_MILTER_PORT for its own
	local save_pid=$TP_MILTER_PID save_port=$TP_MILTER_PORT
	TP_MILTER_PORT=$RQ_MILTER_PORT
	tp_milter_start "$TLSPOLICY_MILTER" "$TP_TMP/requiretls.conf" "$RQ_MLOG"
	RQ_MILTER_PID=$TP_MILTER_PID
	TP_MILTER_PID=$save_pid TP_MILTER_PORT=$save_port

	for mta in $MTAS; do
		case $mta in
		postfix)
			hosts=$TP_TMP/rq-hosts
			printf '127.0.0.1\tmx.example.test localhost\n' >"$hosts"
			# etc/postfix-master.cf appended to master.cf as it is
			master_app=$TP_TMP/rq-master.cf
			{ echo "# ---- etc/postfix-master.cf (verbatim) ----"; cat "$TP_SRCDIR/etc/postfix-master.cf"; } >"$master_app"
			grep -q '^smtp-requiretls[[:space:]]' "$master_app" ||
				tp_die "etc/postfix-master.cf has no smtp-requiretls transport"

			# the next hop behind the strict transport: a Postfix with
			# STARTTLS (server.crt: mx.example.test, signed by the test CA)
			rq_postfix_start postfix-mx 7 none ""
			# the front Postfix: strict transport -> postfix-mx
			rq_postfix_start postfix-rq 5 "inet:127.0.0.1:$RQ_MILTER_PORT" "${MTA_PORT[postfix-mx]}"
			# same, but strict transport -> its own plaintext smtp-sink
			rq_postfix_start postfix-rq-plain 6 "inet:127.0.0.1:$RQ_MILTER_PORT" plain
			;;
		sendmail)
			MILTER_PORT=$RQ_MILTER_PORT start_mta sendmail-rq 8
			RQ_MTAS="$RQ_MTAS sendmail-rq"
			;;
		esac
	done
}

# rq_postfix_start NAME N MILTER FILTER_PORT: a Postfix on port N with its
# smtp-sink on N+10 (default transport). FILTER_PORT: the port of the strict
# transport's next hop [mx.example.test]:PORT ("plain" = its own smtp-sink,
# "" = no milter_header_checks).
rq_postfix_start() {
	local name=$1 n=$2 milter=$3 fport=$4 d hc
	d=$TP_TMP/$name
	MTA_PORT[$name]=$(tp_port "$n")
	SINK_PORT[$name]=$(tp_port $((n + 10)))
	MTA_LOG[$name]=$d/maillog
	SINK_DUMP[$name]=$TP_TMP/sink-$name/dump
	[ "$fport" = plain ] && fport=${SINK_PORT[$name]}
	tp_sink_start "$name" "${SINK_PORT[$name]}" "${SINK_DUMP[$name]}"
	if [ -z "$fport" ]; then
		tp_postfix_start "$d" "${MTA_PORT[$name]}" "$milter" "${SINK_PORT[$name]}" "$PKI"
	else
		mkdir -p "$d"
		hc=$d/milter_header_checks
		# etc/postfix-milter_header_checks verbatim, but the FILTER next hop
		# (TEST ONLY: the recipe delivers to the recipient domain's MX hosts)
		tp_subst_line "$TP_SRCDIR/etc/postfix-milter_header_checks" "FILTER smtp-requiretls:" \
			"FILTER smtp-requiretls:[mx.example.test]:$fport" >"$hc" ||
			tp_die "etc/postfix-milter_header_checks has no 'FILTER smtp-requiretls:' line to point at the test next hop"
		TP_POSTFIX_MASTER_APPEND=$TP_TMP/rq-master.cf TP_POSTFIX_HOSTS=$TP_TMP/rq-hosts \
		tp_postfix_start "$d" "${MTA_PORT[$name]}" "$milter" "${SINK_PORT[$name]}" "$PKI" \
			"# ---- REQUIRETLS routing (etc/postfix-milter_header_checks, as its comment says) ----" \
			"milter_header_checks = regexp:$hc" \
			"# TEST ONLY: trust the run's throw-away CA (production: the system CA store)" \
			"smtp_tls_CAfile = $PKI/ca.crt" \
			"# TEST ONLY: log 'Verified TLS connection established' for the checks" \
			"smtp_tls_loglevel = 1" \
			"# TEST ONLY: no DNS in the namespace; mx.example.test comes from the" \
			"# private /etc/hosts of this instance (TP_POSTFIX_HOSTS)" \
			"smtp_host_lookup = native"
	fi
	RQ_MTAS="$RQ_MTAS $name"
}

# rq_milter_stop: the test point for the REQUIRETLS milter's shutdown.
rq_milter_stop() {
	[ -n "$RQ_MILTER_PID" ] || return 0
	tp_begin "requiretls milter stops cleanly on SIGTERM (within 15 s, exit status 0, no sanitizer report)"
	local save_pid=$TP_MILTER_PID save_port=$TP_MILTER_PORT
	TP_MILTER_PID=$RQ_MILTER_PID TP_MILTER_PORT=$RQ_MILTER_PORT
	tp_milter_stop || tp_fail_msg "milter did not exit within 15 s of SIGTERM, or its port still listens"
	tp_expect_eq "milter exit status" "$TP_MILTER_STATUS" 0
	TP_MILTER_PID=$save_pid TP_MILTER_PORT=$save_port RQ_MILTER_PID=
	tp_expect_nomatch "milter log" "$(grep -E 'ERROR: (Address|Leak|Thread|Undefined)Sanitizer|runtime error:|SUMMARY: ' "$RQ_MLOG")" .
	tp_attach "$RQ_MLOG" ""
	tp_end
}

# ---------------------------------------------------------------- helpers

# rq_msg NAME: the copy of this message ($SW_ID) in NAME's smtp-sink
rq_msg() { tp_sink_message "${SINK_DUMP[$1]}" "X-Test-Id: $SW_ID"; }

# rq_delivered_to NAME [RCPT...]: like delivered, but in NAME's sink
rq_delivered_to() {
	local name=$1; shift
	SW_MTA=$name delivered "$@"
	tp_attach "${SINK_DUMP[$name]}" "^X-(Test-Id|Rcpt-Args|Mail-Args|RequireTLS)|^(Subject|TLS-Required):"
}

# rq_not_in NAME: the message is not in NAME's sink
rq_not_in() {
	grep -qx "X-Test-Id: $SW_ID" "${SINK_DUMP[$1]}" &&
		tp_fail_msg "smtp-sink of $1: expected no message $SW_ID, but it is there"
}

# rq_field NAME FIELD ERE: the sink copy in NAME has FIELD matching ERE
# (the value, unfolded; "<none>" when absent); case-insensitive field name.
rq_field() {
	local v
	v=$(rq_msg "$1" | awk -v f="$2" '
		/^$/ { exit }
		tolower(substr($0, 1, length(f) + 1)) == tolower(f) ":" { on = 1; v = substr($0, length(f) + 2); n++; next }
		/^[ \t]/ && on { v = v $0; next }
		{ on = 0 }
		END { if (n) print v; else print "<none>" }')
	tp_expect_match "$2 field of $SW_ID in the $1 sink" "$v" "$3"
}

# rq_sent_field LINE: the client really sent this header line (swaks transcript)
rq_sent_field() {
	tr -d '\r' <"$SW_OUT" | grep -qxF " -> $1" ||
		tp_fail_msg "swaks transcript: expected the client to send '$1', it did not"
}

# rq_queue_id: the front MTA's queue id from the reply to end of data
rq_queue_id() {
	tp_swaks_reply "$SW_OUT" "." | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1
}

# rq_postfix_route QID ERE: a delivery line of the front Postfix for QID with
# status=sent matches ERE; RQ_ROUTE_PID: the PID of the smtp process that sent it
rq_postfix_route() {
	local log=${MTA_LOG[$RQ_FRONT]} l
	tp_wait_for 15 grep -qE "\\]: $1: to=<.*status=sent" "$log"
	l=$(grep -E "\\]: $1: to=<.*status=sent" "$log" | head -n 1)
	tp_expect_match "delivery of $1 in the $RQ_FRONT log" "$l" "$2"
	RQ_ROUTE_PID=$(printf '%s\n' "$l" | sed -n 's/.*smtp\[\([0-9]*\)\].*/\1/p')
}

# ---------------------------------------------------------------- cases

rq_cases() {
	local mta
	for mta in $MTAS; do
		case $mta in
		postfix) rq_case_postfix_route; rq_case_postfix_plaintext ;;
		sendmail) rq_case_sendmail ;;
		esac
	done
}

# Postfix (a)-(e): postfix-rq, strict transport -> postfix-mx over verified TLS.
rq_case_postfix_route() {
	local MLOG=$RQ_MLOG RQ_FRONT=postfix-rq m=postfix-rq i qid mx=${MTA_PORT[postfix-mx]}

	# (a) the address tag: strict route, tag removed from the envelope
	i=$(msgid "$m" tag)
	tp_begin "postfix: +requiretls recipients leave through smtp-requiretls, untagged, with X-RequireTLS and the reason"
	send "$m" "$i" --from "$i@plain.example" --to "bob+requiretls@partner.example,Erin+x+RequireTLS@partner.example" \
		--header "Subject: tagged $i"
	swaks_ok; reply "." '^250 '
	qid=$(rq_queue_id)
	rq_delivered_to postfix-mx "bob@partner.example" "Erin+x@partner.example"
	rq_not_in postfix-rq
	rq_field postfix-mx X-RequireTLS '^ yes$'
	rq_field postfix-mx X-RequireTLS-Reason 'address tag.*bob\+requiretls@partner\.example'
	rq_field postfix-mx X-RequireTLS-Reason 'address tag.*Erin\+x\+RequireTLS@partner\.example'
	tp_expect_nomatch "sink copy of $i" "$(rq_msg postfix-mx | grep -i '^X-Rcpt-Args:')" '\+requiretls'
	logged '^.*requiretls queue=' 'triggers=tag( |$)' 'rcpts_rewritten=2 ' "sender=<?$i@plain\\.example"
	# the front Postfix FILTERed it (milter_header_checks) to the strict transport
	tp_expect_match "milter_header_checks in the postfix-rq log" \
		"$(grep -E "$qid: milter-header-filter: header X-RequireTLS: yes" "${MTA_LOG[$m]}")" \
		": smtp-requiretls:\\[mx\\.example\\.test\\]:$mx\$"
	rq_postfix_route "$qid" "postfix/smtp-requiretls/smtp\\[[0-9]+\\]: $qid: to=<(bob|Erin\\+x)@partner\\.example>.* relay=mx\\.example\\.test\\[127\\.0\\.0\\.1\\]:$mx"
	RQ_PID_A=$RQ_ROUTE_PID
	RQ_ID_A=$i RQ_QID_A=$qid
	tp_end

	# (e) ... and it went to the next hop over verified TLS
	SW_ID=$RQ_ID_A
	tp_begin "postfix: the strict transport verified mx.example.test's certificate (test CA) and used TLS"
	tp_expect_match "TLS line of the smtp-requiretls process (pid ${RQ_PID_A:-?}) in the postfix-rq log" \
		"$(grep -E "smtp-requiretls/smtp\\[${RQ_PID_A:-none}\\]: .*TLS connection established" "${MTA_LOG[$m]}")" \
		"Verified TLS connection established to mx\\.example\\.test\\[127\\.0\\.0\\.1\\]:$mx: TLSv1\\.[23]"
	tp_expect_match "postfix-mx log" "$(grep -E 'TLS connection established from' "${MTA_LOG[postfix-mx]}")" \
		'TLS connection established from .*TLSv1\.[23]'
	# postfix-mx's Received field (smtpd_tls_received_header = yes)
	tp_expect_match "Received fields of $RQ_ID_A in the postfix-mx sink" \
		"$(rq_msg postfix-mx | awk '/^$/ { exit } { print }' | tr -d '\n')" \
		'Received: from mx\.example\.test [^:]*\(using TLSv1\.[23] with cipher [^:]*by mx\.example\.test \(Postfix\) with ESMTPS '
	tp_attach "${MTA_LOG[$m]}" "smtp-requiretls|$RQ_QID_A"
	tp_attach "${MTA_LOG[postfix-mx]}" ""
	tp_end

	# (b) an unflagged message: default transport, untouched
	i=$(msgid "$m" plain)
	tp_begin "postfix: an unflagged message goes through the default transport, without X-RequireTLS, its TLS-Required: No kept"
	send "$m" "$i" --from "$i@plain.example" --to "carol@partner.example" --header "Subject: hello $i" --header "TLS-Required: No"
	swaks_ok; qid=$(rq_queue_id); rq_sent_field "TLS-Required: No"
	rq_delivered_to postfix-rq "carol@partner.example"
	rq_not_in postfix-mx
	rq_field postfix-rq X-RequireTLS '^<none>$'
	rq_field postfix-rq X-RequireTLS-Reason '^<none>$'
	rq_field postfix-rq Subject "^ hello $i\$"
	rq_field postfix-rq TLS-Required '^ No$'
	not_logged 'requiretls '
	rq_postfix_route "$qid" "postfix-test/smtp\\[[0-9]+\\]: $qid: to=<carol@partner\\.example>.* relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${SINK_PORT[$m]}"
	tp_end

	# (b2) a sender's own X-RequireTLS field does not steer the message:
	# milter_header_checks sees only fields a milter added
	i=$(msgid "$m" forged)
	tp_begin "postfix: a forged X-RequireTLS: yes in the message does not route it (milter_header_checks sees milter fields only)"
	send "$m" "$i" --from "$i@plain.example" --to "carol@partner.example" --header "X-RequireTLS: yes"
	swaks_ok
	rq_delivered_to postfix-rq "carol@partner.example"
	rq_not_in postfix-mx
	not_logged 'requiretls '
	tp_end

	# (c) the Subject tag: strict route, Subject cleaned, recipient unchanged
	i=$(msgid "$m" subject)
	tp_begin "postfix: Subject '[SECURE] ...' routes strictly and the tag is stripped from the Subject"
	send "$m" "$i" --from "$i@plain.example" --to "carol@partner.example" --header "Subject:  [SECURE]  Figures $i"
	swaks_ok
	rq_delivered_to postfix-mx "carol@partner.example"
	rq_not_in postfix-rq
	rq_field postfix-mx Subject "^ Figures $i\$"
	rq_field postfix-mx X-RequireTLS '^ yes$'
	rq_field postfix-mx X-RequireTLS-Reason 'content Subject'
	logged 'requiretls queue=' 'triggers=content( |$)' 'rcpts_rewritten=0 ' 'headers_changed=1 '
	tp_end

	# (c2) a Subject that is only the tag keeps the field (an empty value
	# would make the MTA delete it; issue 9)
	i=$(msgid "$m" subjonly)
	tp_begin "postfix: Subject '[SECURE]' alone: the tag is stripped, the Subject field is kept"
	send "$m" "$i" --from "$i@plain.example" --to "carol@partner.example" --header "Subject: [SECURE]"
	swaks_ok
	rq_delivered_to postfix-mx "carol@partner.example"
	rq_field postfix-mx Subject '^ *$'
	logged 'requiretls queue=' 'triggers=content( |$)' 'headers_changed=1 '
	tp_end

	# (d) TLS-Required: No is removed from a flagged message
	i=$(msgid "$m" tlsreq)
	tp_begin "postfix: 'TLS-Required: No' is removed from a flagged (+requiretls) message"
	send "$m" "$i" --from "$i@plain.example" --to "dave+requiretls@partner.example" --header "TLS-Required: No"
	swaks_ok; rq_sent_field "TLS-Required: No"
	rq_delivered_to postfix-mx "dave@partner.example"
	rq_field postfix-mx TLS-Required '^<none>$'
	rq_field postfix-mx X-RequireTLS '^ yes$'
	logged 'requiretls queue=' 'triggers=tag( |$)' 'rcpts_rewritten=1 ' 'headers_changed=1 '
	tp_end

	# a recipient rule (requiretls = true) flags without any tag
	i=$(msgid "$m" rule)
	tp_begin "postfix: a recipient rule with requiretls = true routes strictly, recipient unchanged"
	send "$m" "$i" --from "$i@plain.example" --to "frank@lawfirm.example"
	swaks_ok
	rq_delivered_to postfix-mx "frank@lawfirm.example"
	rq_not_in postfix-rq
	rq_field postfix-mx X-RequireTLS-Reason 'rule'
	logged 'requiretls queue=' 'triggers=rule( |$)' 'rcpts_rewritten=0 '
	tp_end
}

# Postfix (f): the strict transport's next hop offers no STARTTLS.
rq_case_postfix_plaintext() {
	local MLOG=$RQ_MLOG RQ_FRONT=postfix-rq-plain m=postfix-rq-plain i qid log q sp=${SINK_PORT[postfix-rq-plain]}
	log=${MTA_LOG[$m]}

	i=$(msgid "$m" tag)
	tp_begin "postfix: flagged mail is NOT sent to a next hop without STARTTLS; it stays deferred in the queue"
	send "$m" "$i" --from "$i@plain.example" --to "gina+requiretls@partner.example"
	swaks_ok; qid=$(rq_queue_id)
	logged 'requiretls queue=' 'triggers=tag( |$)' 'rcpts_rewritten=1 '
	if [ -z "$qid" ]; then
		tp_fail_msg "no queue id in the reply to end of data"
	else
		tp_wait_for 15 grep -qE "\\]: $qid: to=<gina@partner\\.example>.*status=deferred" "$log"
		tp_expect_match "delivery attempt of $qid in the $m log" \
			"$(grep -E "\\]: $qid: to=<" "$log")" \
			"postfix/smtp-requiretls/smtp\\[[0-9]+\\]: $qid: to=<gina@partner\\.example>.* relay=mx\\.example\\.test\\[127\\.0\\.0\\.1\\]:$sp.* status=deferred \\(TLS is required, but was not offered by host mx\\.example\\.test\\[127\\.0\\.0\\.1\\]\\)"
		tp_expect_nomatch "delivery of $qid" "$(grep -E "\\]: $qid: .*status=(sent|bounced)" "$log")" .
		q=$(tp_postfix_queue "$TP_TMP/$m")
		tp_expect_match "postqueue -p of $m" "$(printf '%s\n' "$q" | tr '\n' ' ')" \
			"^.*$qid .*TLS is required, but was not offered.* gina@partner\\.example"
	fi
	sleep 0.3
	rq_not_in postfix-rq-plain
	tp_attach "$log" "$qid|smtp-requiretls"
	tp_end

	i=$(msgid "$m" plain)
	tp_begin "postfix: unflagged mail to that same plaintext host is delivered by the default transport"
	send "$m" "$i" --from "$i@plain.example" --to "hank@partner.example"
	swaks_ok; qid=$(rq_queue_id)
	rq_delivered_to postfix-rq-plain "hank@partner.example"
	rq_field postfix-rq-plain X-RequireTLS '^<none>$'
	rq_postfix_route "$qid" "postfix-test/smtp\\[[0-9]+\\]: $qid: to=<hank@partner\\.example>.* relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:$sp"
	tp_end
}

# Sendmail: the milter's edits arrive; routing by header is not possible.
rq_case_sendmail() {
	local MLOG=$RQ_MLOG RQ_FRONT=sendmail-rq m=sendmail-rq i

	i=$(msgid "$m" tag)
	tp_begin "sendmail: +requiretls recipients arrive untagged, with X-RequireTLS: yes and the reason"
	send "$m" "$i" --from "$i@plain.example" --to "bob+requiretls@partner.example,Erin+x+RequireTLS@partner.example"
	swaks_ok; reply "." '^250 '
	rq_delivered_to sendmail-rq "bob@partner.example" "Erin+x@partner.example"
	rq_field sendmail-rq X-RequireTLS '^ yes$'
	rq_field sendmail-rq X-RequireTLS-Reason 'address tag.*bob\+requiretls@partner\.example'
	logged 'requiretls queue=' 'triggers=tag( |$)' 'rcpts_rewritten=2 '
	tp_end

	i=$(msgid "$m" subject)
	tp_begin "sendmail: Subject '[SECURE] ...' is cleaned and the message gets X-RequireTLS: yes"
	send "$m" "$i" --from "$i@plain.example" --to "carol@partner.example" --header "Subject:  [SECURE]  Figures $i"
	swaks_ok
	rq_delivered_to sendmail-rq "carol@partner.example"
	rq_field sendmail-rq Subject "^ Figures $i\$"
	rq_field sendmail-rq X-RequireTLS '^ yes$'
	rq_field sendmail-rq X-RequireTLS-Reason 'content Subject'
	logged 'requiretls queue=' 'triggers=content( |$)' 'headers_changed=1 '
	tp_end

	i=$(msgid "$m" subjonly)
	tp_begin "sendmail: Subject '[SECURE]' alone: the tag is stripped, the Subject field is kept"
	send "$m" "$i" --from "$i@plain.example" --to "carol@partner.example" --header "Subject: [SECURE]"
	swaks_ok
	rq_delivered_to sendmail-rq "carol@partner.example"
	rq_field sendmail-rq Subject '^ *$'
	logged 'requiretls queue=' 'triggers=content( |$)' 'headers_changed=1 '
	tp_end

	i=$(msgid "$m" tlsreq)
	tp_begin "sendmail: 'TLS-Required: No' is removed from a flagged message"
	send "$m" "$i" --from "$i@plain.example" --to "dave+requiretls@partner.example" --header "TLS-Required: No"
	swaks_ok; rq_sent_field "TLS-Required: No"
	rq_delivered_to sendmail-rq "dave@partner.example"
	rq_field sendmail-rq TLS-Required '^<none>$'
	logged 'requiretls queue=' 'triggers=tag( |$)' 'rcpts_rewritten=1 '
	tp_end

	i=$(msgid "$m" plain)
	tp_begin "sendmail: an unflagged message arrives without X-RequireTLS, its TLS-Required: No kept"
	send "$m" "$i" --from "$i@plain.example" --to "carol@partner.example" --header "TLS-Required: No"
	swaks_ok; rq_sent_field "TLS-Required: No"
	rq_delivered_to sendmail-rq "carol@partner.example"
	rq_field sendmail-rq X-RequireTLS '^<none>$'
	rq_field sendmail-rq TLS-Required '^ No$'
	not_logged 'requiretls '
	tp_end
}
