# t/integration/cases.sh - the cases of the integration suite.
# Sourced by run.sh. Each case_* function takes the MTA name (postfix or
# sendmail), sends with swaks through that MTA and checks three things:
# what swaks saw, what the MTA's smtp-sink received, and the milter's log line.
# The policy they rely on is policy.conf.in.
#
# Globals from run.sh: MTA_PORT SINK_DUMP MTA_LOG MLOG PKI TP_TMP.
# Every message carries a unique id: in the envelope sender's local part
# (so the milter's log line can be found: sender=<ID@...>) and in an
# X-Test-Id header (so the sink's copy can be found).

# shellcheck disable=SC2034  # used by run.sh
CASES=(case_sender_rule case_rcpt_mixed case_client_network case_tls13
	case_client_cert case_testing_mode case_tempfail case_reply_verbatim case_cipher_excluded)

# ---------------------------------------------------------------- helpers

# send MTA ID [swaks-args...]: one SMTP session; sets SW_OUT, SW_RC, SW_ID.
send() {
	local mta=$1 id=$2
	shift 2
	local mo lo so
	SW_ID=$id SW_MTA=$mta SW_OUT=$TP_TMP/swaks/$id.txt
	mo=$(tp_size "$MLOG") lo=$(tp_size "${MTA_LOG[$mta]}") so=$(tp_size "${SINK_DUMP[$mta]}")
	tp_swaks "$SW_OUT" --server "127.0.0.1:${MTA_PORT[$mta]}" --ehlo client.example.test \
		--header "X-Test-Id: $id" "$@"
	SW_RC=$?
	# on failure: commands and final replies (no EHLO list, no message body),
	# and what the milter, the MTA and the sink logged meanwhile
	tp_attach "$SW_OUT" '^ *(<[-~*]+ +[0-9]{3} |\*\*\*|[-~]> [A-Z]{4})'
	tp_attach "$MLOG" "" "$mo"
	tp_attach "${MTA_LOG[$mta]}" "" "$lo"
	tp_attach "${SINK_DUMP[$mta]}" "^X-(Test-Id|Rcpt-Args|Mail-Args):" "$so"
}

# msgid MTA NAME: a unique message id for this MTA and case
msgid() { echo "$1-$2"; }

# reply CMD ERE: the reply to the client command starting with CMD must match
reply() {
	tp_expect_match "reply to $1" "$(tp_swaks_reply "$SW_OUT" "$1")" "$2"
}

# first_error ERE: the first error reply the client got must match
first_error() {
	local l
	l=$(grep -m1 -E '^ *<[~]?\*\* ' "$SW_OUT" | sed -E 's/^ *<[~]?\*\* +//')
	tp_expect_match "first error reply" "$l" "$1"
}

# swaks_ok / swaks_refused: swaks' exit status (0 = message accepted)
swaks_ok() { [ "$SW_RC" = 0 ] || tp_fail_msg "swaks exit status: expected 0 (accepted), got $SW_RC"; }
swaks_refused() { [ "$SW_RC" != 0 ] || tp_fail_msg "swaks exit status: expected non-zero (refused), got 0"; }

# delivered [RCPT...]: the sink got the message, with exactly these recipients
delivered() {
	local dump=${SINK_DUMP[$SW_MTA]} msg want got r
	if ! tp_wait_for 15 grep -qx "X-Test-Id: $SW_ID" "$dump"; then
		tp_fail_msg "smtp-sink: expected message $SW_ID to be delivered, it was not (within 15 s)"
		return
	fi
	[ $# -gt 0 ] || return 0
	msg=$(tp_sink_message "$dump" "X-Test-Id: $SW_ID")
	got=$(printf '%s\n' "$msg" | sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' | sort | tr '\n' ' ')
	want=$(for r in "$@"; do echo "$r"; done | sort | tr '\n' ' ')
	tp_expect_eq "smtp-sink recipients of $SW_ID" "$got" "$want"
}

# not_delivered: the sink never got the message (checked after a short grace)
not_delivered() {
	local dump=${SINK_DUMP[$SW_MTA]}
	sleep 0.3
	if grep -qx "X-Test-Id: $SW_ID" "$dump"; then
		tp_fail_msg "smtp-sink: expected no message $SW_ID, but it was delivered"
	fi
}

# logged ERE...: one milter log line about this message matches all EREs
logged() {
	local lines line e ok
	tp_wait_for 3 grep -qF "$SW_ID@" "$MLOG"
	lines=$(grep -F "$SW_ID@" "$MLOG")
	while IFS= read -r line; do
		ok=1
		for e in "$@"; do printf '%s\n' "$line" | grep -Eq -- "$e" || { ok=0; break; }; done
		[ $ok = 1 ] && return 0
	done <<<"$lines"
	tp_fail_msg "milter log: expected a line about $SW_ID matching all of: $*; got: ${lines:-<no line>}"
}

# not_logged ERE: no milter log line about this message matches ERE
not_logged() {
	local l
	l=$(grep -F "$SW_ID@" "$MLOG" | grep -E -- "$1")
	[ -z "$l" ] || tp_fail_msg "milter log: expected no line matching /$1/, got: $l"
}

# sm_addr MTA ADDR: Sendmail puts "<ADDR>... " between the codes and the text
# of 451/550-553 replies (its usual format; 554 is left alone); Postfix
# passes the milter's text unchanged. Prints the ERE of that part.
sm_addr() {
	case $1 in sendmail*) ;; *) return 0 ;; esac
	printf '<%s>\\.\\.\\. ' "$(printf '%s' "$2" | sed 's/[.]/\\./g')"
}

TLS=(--tls)
# cert NAME: CERT=(swaks options for STARTTLS with client certificate NAME)
cert() { CERT=(--tls --tls-cert "$PKI/$1.crt" --tls-key "$PKI/$1.key"); }

# ---------------------------------------------------------------- cases

# 1. Sender-domain rule: bank.example must come over TLS (decided at MAIL).
case_sender_rule() {
	local m=$1 i
	i=$(msgid "$m" sender-plain)
	tp_begin "$m: plaintext from bank.example refused at MAIL with 550 5.7.10"
	send "$m" "$i" --from "$i@bank.example" --to "u-$i@open.example"
	swaks_refused; reply "MAIL FROM" '^550 5\.7\.10 '; not_delivered
	logged 'stage=mail' 'verdict=reject' 'tls=none' 'rule="sender bank\.example'
	tp_end

	i=$(msgid "$m" sender-tls)
	tp_begin "$m: STARTTLS from bank.example accepted and delivered"
	send "$m" "$i" "${TLS[@]}" --from "$i@bank.example" --to "u-$i@open.example"
	swaks_ok; reply "MAIL FROM" '^250 '; delivered "u-$i@open.example"
	logged 'verdict=pass' 'tls=TLSv1\.[23]'
	not_logged 'verdict=(reject|tempfail)'
	tp_end
}

# 2. Recipient-domain rule, mixed recipients: only secure.example refused.
case_rcpt_mixed() {
	local m=$1 i
	i=$(msgid "$m" rcpt-mixed)
	tp_begin "$m: plaintext to secure.example + open.example: secure.example refused at RCPT, open.example delivered"
	send "$m" "$i" --from "$i@plain.example" --to "s-$i@secure.example,o-$i@open.example"
	swaks_ok
	reply "MAIL FROM" '^250 '
	reply "RCPT TO:<s-$i@secure.example>" \
		"^550 5\\.7\\.10 $(sm_addr "$m" "s-$i@secure.example")Accepting only secure delivery \\(STARTTLS\\) for secure\\.example\$"
	reply "RCPT TO:<o-$i@open.example>" '^250 '
	delivered "o-$i@open.example"
	logged 'stage=rcpt' "rcpt=<s-$i@secure\.example>" 'verdict=reject' 'rule="recipient secure\.example'
	not_logged "rcpt=<o-$i@open\.example>.*verdict=(reject|tempfail)"
	tp_end

	i=$(msgid "$m" rcpt-tls)
	tp_begin "$m: STARTTLS to secure.example accepted and delivered"
	send "$m" "$i" "${TLS[@]}" --from "$i@plain.example" --to "s-$i@secure.example"
	swaks_ok; reply "RCPT TO" '^250 '; delivered "s-$i@secure.example"
	logged 'stage=rcpt' 'verdict=pass'
	tp_end
}

# 3. Client network rule: 127.0.2.0/24 must use TLS (decided at MAIL).
case_client_network() {
	local m=$1 i
	i=$(msgid "$m" client-plain)
	tp_begin "$m: plaintext from client 127.0.2.5 (rule 127.0.2.0/24) refused at MAIL with 550 5.7.10"
	send "$m" "$i" --local-interface 127.0.2.5 --from "$i@plain.example" --to "u-$i@open.example"
	swaks_refused; reply "MAIL FROM" '^550 5\.7\.10 '; not_delivered
	logged 'stage=mail' 'client=127\.0\.2\.5' 'verdict=reject' 'rule="client 127\.0\.2\.0/24'
	tp_end

	i=$(msgid "$m" client-tls)
	tp_begin "$m: STARTTLS from client 127.0.2.5 accepted and delivered"
	send "$m" "$i" "${TLS[@]}" --local-interface 127.0.2.5 --from "$i@plain.example" --to "u-$i@open.example"
	swaks_ok; delivered "u-$i@open.example"
	logged 'client=127\.0\.2\.5' 'verdict=pass'
	tp_end

	i=$(msgid "$m" client-other)
	tp_begin "$m: plaintext from client 127.0.0.1 (outside the rule) accepted and delivered"
	send "$m" "$i" --from "$i@plain.example" --to "u-$i@open.example"
	swaks_ok; delivered "u-$i@open.example"
	not_logged 'verdict=(reject|tempfail|would)'
	tp_end
}

# 4. TLSv1.3 profile (recipient strong.example) vs a client forced to TLS 1.2.
case_tls13() {
	local m=$1 i
	i=$(msgid "$m" tls12)
	tp_begin "$m: TLSv1.2 client to strong.example (min TLSv1.3) refused at RCPT with 550 5.7.10"
	send "$m" "$i" --tls --tls-protocol tlsv1_2 --from "$i@plain.example" --to "u-$i@strong.example"
	swaks_refused; reply "RCPT TO" '^550 5\.7\.10 '; not_delivered
	logged 'stage=rcpt' 'tls=TLSv1\.2' 'verdict=reject' 'rule="recipient strong\.example'
	tp_end

	i=$(msgid "$m" tls13)
	tp_begin "$m: TLSv1.3 client to strong.example accepted and delivered"
	send "$m" "$i" --tls --tls-protocol tlsv1_3 --from "$i@plain.example" --to "u-$i@strong.example"
	swaks_ok; delivered "u-$i@strong.example"
	logged 'stage=rcpt' 'tls=TLSv1\.3' 'verdict=pass'
	tp_end
}

# 5. Client certificate from "Test Partner CA" required for 127.0.3.0/24.
case_client_cert() {
	local m=$1 i v
	for v in none rogue other; do
		i=$(msgid "$m" cert-$v)
		case $v in
		none)  tp_begin "$m: TLS without client certificate from 127.0.3.5 refused at MAIL with 550 5.7.1"
		       send "$m" "$i" --tls --local-interface 127.0.3.5 --from "$i@plain.example" --to "u-$i@open.example" ;;
		rogue) tp_begin "$m: client certificate from an untrusted issuer (also named 'Test Partner CA') refused at MAIL with 550 5.7.1"
		       cert rogue; send "$m" "$i" "${CERT[@]}" --local-interface 127.0.3.5 --from "$i@plain.example" --to "u-$i@open.example" ;;
		other) tp_begin "$m: trusted client certificate from the wrong issuer refused at MAIL with 550 5.7.1"
		       cert other; send "$m" "$i" "${CERT[@]}" --local-interface 127.0.3.5 --from "$i@plain.example" --to "u-$i@open.example" ;;
		esac
		swaks_refused; reply "MAIL FROM" '^550 5\.7\.1 '; not_delivered
		logged 'stage=mail' 'client=127\.0\.3\.5' 'verdict=reject' 'rule="client 127\.0\.3\.0/24'
		tp_end
	done

	i=$(msgid "$m" cert-partner)
	tp_begin "$m: client certificate issued by the trusted Test Partner CA accepted and delivered"
	cert partner; send "$m" "$i" "${CERT[@]}" --local-interface 127.0.3.5 --from "$i@plain.example" --to "u-$i@open.example"
	swaks_ok; reply "MAIL FROM" '^250 '; delivered "u-$i@open.example"
	logged 'client=127\.0\.3\.5' 'verdict=pass'
	tp_end
}

# 6. Testing mode: the rule would reject; the message is accepted and logged.
case_testing_mode() {
	local m=$1 i
	i=$(msgid "$m" testing)
	tp_begin "$m: testing mode: plaintext from testing.example accepted, delivered, logged as would-reject"
	send "$m" "$i" --from "$i@testing.example" --to "u-$i@open.example"
	swaks_ok; reply "MAIL FROM" '^250 '; delivered "u-$i@open.example"
	logged 'stage=mail' 'verdict=would-reject' 'rule="sender testing\.example'
	# testing_header: the delivered message says what enforcement would have done
	local msg
	msg=$(tp_sink_message "${SINK_DUMP[$m]}" "X-Test-Id: $i")
	tp_expect_match "X-TLSPolicy-Testing field of the delivered message" \
		"$(printf '%s\n' "$msg" | grep '^X-TLSPolicy-Testing:')" \
		'^X-TLSPolicy-Testing: ?would-reject stage=mail rule="sender testing\.example \([^"]*:[0-9]+\)" key="testing\.example" reason="session is not encrypted \(no STARTTLS\)" reply="550 5\.7\.10"$'
	tp_expect_eq "X-TLSPolicy-Testing fields" "$(printf '%s\n' "$msg" | grep -c '^X-TLSPolicy-Testing:')" 1
	logged '^.*testing queue=[^ ]+ client=[^ ]+ sender=<[^>]*> header=X-TLSPolicy-Testing added=1$'
	tp_end

	i=$(msgid "$m" testing-none)
	tp_begin "$m: testing_header: a message without would-verdicts carries no X-TLSPolicy-Testing field"
	send "$m" "$i" "${TLS[@]}" --from "$i@testing.example" --to "u-$i@open.example"
	swaks_ok; delivered "u-$i@open.example"
	tp_expect_eq "X-TLSPolicy-Testing fields" \
		"$(tp_sink_message "${SINK_DUMP[$m]}" "X-Test-Id: $i" | grep -c '^X-TLSPolicy-Testing:')" 0
	tp_end
}

# 7. Tempfail action: 4xx instead of 5xx.
case_tempfail() {
	local m=$1 i
	i=$(msgid "$m" tempfail)
	tp_begin "$m: action tempfail: plaintext from tempfail.example refused at MAIL with 450 4.7.10"
	send "$m" "$i" --from "$i@tempfail.example" --to "u-$i@open.example"
	swaks_refused; reply "MAIL FROM" '^450 4\.7\.10 '; not_delivered
	logged 'stage=mail' 'verdict=tempfail' 'rule="sender tempfail\.example'
	tp_end
}

# 8. The configured reply text reaches the SMTP client verbatim.
case_reply_verbatim() {
	local m=$1 i want
	want='554 5.7.10 Verbatim: verbatim.example wants STARTTLS, see <https://tls.example/help?a=1&b=2> [100% TLS] "quoted"; ok'
	i=$(msgid "$m" verbatim)
	tp_begin "$m: configured reply text reaches the client verbatim"
	send "$m" "$i" --from "$i@plain.example" --to "u-$i@verbatim.example"
	swaks_refused
	tp_expect_eq "reply to RCPT TO" "$(tp_swaks_reply "$SW_OUT" "RCPT TO")" "$want"
	not_delivered
	logged 'stage=rcpt' 'verdict=reject'
	tp_end
}

# 8b. Cipher exclusion with the {cipher} the MTA really sends. Debian's
#    OpenSSL 3 has no 3DES or RC4 left to force a client to, so the profile
#    also excludes AES128-GCM-SHA256 by name, which a TLSv1.2 client can pick.
case_cipher_excluded() {
	local m=$1 i
	i=$(msgid "$m" cipher-excluded)
	tp_begin "$m: TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256 to cipher.example (excluded) refused at RCPT naming the cipher"
	send "$m" "$i" --tls --tls-protocol tlsv1_2 --tls-cipher ECDHE-ECDSA-AES128-GCM-SHA256 \
		--from "$i@plain.example" --to "u-$i@cipher.example"
	swaks_refused
	reply "RCPT TO" "^550 5\\.7\\.10 $(sm_addr "$m" "u-$i@cipher.example")Mail for cipher\\.example is accepted only over TLS: cipher ECDHE-ECDSA-AES128-GCM-SHA256 is excluded \\(AES128-GCM-SHA256\\)\$"
	not_delivered
	logged 'stage=rcpt' 'verdict=reject' 'reason="cipher ECDHE-ECDSA-AES128-GCM-SHA256 is excluded \(AES128-GCM-SHA256\)"'
	tp_end

	i=$(msgid "$m" cipher-ok)
	tp_begin "$m: TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384 to cipher.example accepted and delivered"
	send "$m" "$i" --tls --tls-protocol tlsv1_2 --tls-cipher ECDHE-ECDSA-AES256-GCM-SHA384 \
		--from "$i@plain.example" --to "u-$i@cipher.example"
	swaks_ok; delivered "u-$i@cipher.example"
	logged 'stage=rcpt' 'verdict=pass'
	tp_end
}

# 9. The MTA's milter macro lists cut to the bone (run.sh starts extra
#    instances for this): the milter asks for its macros itself.
case_minimal_macros() {
	local m=$1 i
	i=$(msgid "$m" tls12)
	tp_begin "$m: TLS version still seen: TLSv1.2 client to strong.example refused at RCPT with 550 5.7.10"
	send "$m" "$i" --tls --tls-protocol tlsv1_2 --from "$i@plain.example" --to "u-$i@strong.example"
	swaks_refused; reply "RCPT TO" '^550 5\.7\.10 '; not_delivered
	logged 'stage=rcpt' 'tls=TLSv1\.2' 'verdict=reject'
	tp_end

	i=$(msgid "$m" partner)
	tp_begin "$m: client certificate still seen: Test Partner CA certificate accepted and delivered"
	cert partner; send "$m" "$i" "${CERT[@]}" --local-interface 127.0.3.5 --from "$i@plain.example" --to "u-$i@open.example"
	swaks_ok; delivered "u-$i@open.example"
	logged 'client=127\.0\.3\.5' 'cert=verified' 'verdict=pass'
	tp_end

	i=$(msgid "$m" rogue)
	tp_begin "$m: untrusted client certificate still refused at MAIL with 550 5.7.1"
	cert rogue; send "$m" "$i" "${CERT[@]}" --local-interface 127.0.3.5 --from "$i@plain.example" --to "u-$i@open.example"
	swaks_refused; reply "MAIL FROM" '^550 5\.7\.1 '; not_delivered
	logged 'client=127\.0\.3\.5' 'verdict=reject'
	tp_end
}

# 10. (run last, by run.sh) The milter is stopped: the MTA's configured
#    default action, tempfail (etc/postfix-main.cf, etc/sendmail.mc F=T).
case_milter_down() {
	local m=$1 i want label
	case $m in
	postfix)  want='^451 4\.7\.1 Service unavailable - try again later$'; label='451 4.7.1' ;;  # milter_default_action = tempfail
	sendmail) want='^451 4\.3\.2 '; label='451 4.3.2' ;;                                         # F=T
	esac
	i=$(msgid "$m" milter-down)
	tp_begin "$m: milter stopped: plaintext from bank.example gets the configured default action ($label)"
	send "$m" "$i" --from "$i@bank.example" --to "u-$i@open.example"
	swaks_refused; reply "MAIL FROM" "$want"; not_delivered
	tp_end

	# Over TLS both MTAs already answer STARTTLS with 454 (Postfix
	# "454 4.3.0 Try again later", Sendmail "454 4.7.0 Please try again later").
	i=$(msgid "$m" milter-down-tls)
	tp_begin "$m: milter stopped: STARTTLS mail to an unruled domain is deferred with 4xx, not accepted unchecked"
	send "$m" "$i" "${TLS[@]}" --from "$i@plain.example" --to "u-$i@open.example"
	swaks_refused; first_error '^4[0-9][0-9] 4\.[0-9]+\.[0-9]+ '; not_delivered
	tp_end
}
