# t/integration/outbound.sh - the outbound TLS policy maps (issue 11) with
# real MTAs as the SENDING side. Sourced by run.sh: ob_prepare before
# fv_start (its zones go into the signed DNS bed), ob_start after it,
# ob_cases after fv_cases, ob_daemon_stop with the other daemons.
#
# Inside the run's namespace:
#   the DNS bed of feasible.sh (127.0.0.1:53, non-validating) with the zones
#     below, and a VALIDATING unbound on 127.0.0.60:53 in front of it (trust
#     anchor: the bed's example.), which the sending Postfix uses through a
#     bind-mounted /etc/resolv.conf with "options trust-ad"
#   dane.example       signed, MX mx.dane.example      127.0.0.61 TLSA 3 1 1 = its key
#   danebad.example    signed, MX mx.danebad.example   127.0.0.62 TLSA 3 1 1 = another key
#   daneplain.example  signed, MX mx.daneplain.example 127.0.0.67 (TLSA, but smtp-sink)
#   obsts.example      MTA-STS enforce "mx: *.obmail.example", MX mx.obmail.example
#                      127.0.0.63 (valid certificate of the test CA)
#   obstsbad.example   the same policy, MX mx.obother.example 127.0.0.64 (valid
#                      certificate for that name, but the policy does not name it)
#   obstscert.example  the same policy, MX mx2.obmail.example 127.0.0.65
#                      (self-signed certificate)
#   obstsplain.example the same policy, MX mx3.obmail.example 127.0.0.67 (smtp-sink)
#   forced.example     in the daemon's forced-TLS list, MX 127.0.0.68 (STARTTLS)
#   forcedplain.example in the list, MX 127.0.0.67 (smtp-sink)
#   open.example       in no list, no DNSSEC, no MTA-STS, MX 127.0.0.67 (smtp-sink)
#   receiving MXes: t/integration/ob_mx.py (aiosmtpd + STARTTLS) on
#     127.0.0.61-65,68 port 25; smtp-sink (never offers STARTTLS) on 127.0.0.67:25
#   nginx on 127.0.0.66:443: the four MTA-STS policies
#   a daemon of its own (outbound.conf.in) with policy_socket on
#     127.0.0.1:8896, the address of the shipped etc/ lines (so they are
#     pasted verbatim; the REQUIRETLS Postfix of requiretls.sh, which appends
#     etc/postfix-master.cf, asks it too)
#   postfix-ob: a private Postfix, main.cf + etc/postfix-outbound.cf
#     verbatim, master.cf + etc/postfix-master.cf verbatim, delivering by DNS
#     (the only test-only changes after the pasted lines: the test CA as
#     smtp_tls_CAfile, default_transport = smtp)
#   sendmail-ob: a private Sendmail with etc/sendmail-outbound.mc included
#     verbatim, relaying everything to its smtp-sink (no STARTTLS)
#
# Globals from run.sh: MTAS PKI TP_TMP MTA_PORT SINK_PORT MTA_LOG SINK_DUMP MTA_PID.
# shellcheck disable=SC2034,SC2154  # run.sh's associative arrays (keys like postfix-ob)

OB_MTAS=''
OB_DAEMON_PID=''
OB_PY=/usr/bin/python3  # Debian's python3 has aiosmtpd

# tlsa_hash CERT: hex SHA-256 of the certificate's public key (TLSA x 1 1)
ob_tlsa_hash() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1
}

# ob_prepare: certificates, the daemon's forced list, the zones for the bed
ob_prepare() {
	local d=$TP_TMP/ob h1
	mkdir -p "$d" && chmod 755 "$d"
	(
		cd "$d" || exit 1
		set -e
		leaf() { # name san [self]
			openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=tlspolicy test/CN=${2#DNS:}" \
				-keyout "$1.key" -out "$1.csr"
			printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
				"$2" >"$1.ext"
			if [ -n "${3:-}" ]; then
				openssl x509 -req -in "$1.csr" -signkey "$1.key" -days 2 -extfile "$1.ext" -out "$1.crt"
			else
				openssl x509 -req -in "$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
					-CAserial ob.srl -days 2 -extfile "$1.ext" -out "$1.crt"
			fi
		}
		leaf dane DNS:mx.dane.example
		leaf danebad DNS:mx.danebad.example
		leaf sts DNS:mx.obmail.example
		leaf other DNS:mx.obother.example
		leaf self DNS:mx2.obmail.example self
		leaf forced DNS:mx.forced.example
		chmod 644 ./*.key   # aiosmtpd runs as root; the run directory is private
		rm -f ./*.csr ./*.ext ./*.srl
	) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log"; tp_die "outbound: certificate generation failed"; }
	h1=$(ob_tlsa_hash "$d/dane.crt")
	[ ${#h1} = 64 ] || tp_die "outbound: no TLSA hash of $d/dane.crt"
	printf 'forced.example\nforcedplain.example\n' >"$TP_TMP/ob-forced"
	cat >"$TP_TMP/ob-zones" <<-EOF
		# outbound.sh
		zone dane.example signed
		dane.example. MX 10 mx.dane.example.
		mx.dane.example. A 127.0.0.61
		_25._tcp.mx.dane.example. TLSA 3 1 1 $h1
		zone danebad.example signed
		danebad.example. MX 10 mx.danebad.example.
		mx.danebad.example. A 127.0.0.62
		_25._tcp.mx.danebad.example. TLSA 3 1 1 $h1
		zone daneplain.example signed
		daneplain.example. MX 10 mx.daneplain.example.
		mx.daneplain.example. A 127.0.0.67
		_25._tcp.mx.daneplain.example. TLSA 3 1 1 $h1
		zone obmail.example unsigned
		mx.obmail.example. A 127.0.0.63
		mx2.obmail.example. A 127.0.0.65
		mx3.obmail.example. A 127.0.0.67
		zone obother.example unsigned
		mx.obother.example. A 127.0.0.64
		zone forced.example unsigned
		forced.example. MX 10 mx.forced.example.
		mx.forced.example. A 127.0.0.68
		zone forcedplain.example unsigned
		forcedplain.example. MX 10 mx.forcedplain.example.
		mx.forcedplain.example. A 127.0.0.67
		zone open.example unsigned
		open.example. MX 10 mx.open.example.
		mx.open.example. A 127.0.0.67
	EOF
	local z mx
	while read -r z mx; do
		cat >>"$TP_TMP/ob-zones" <<-EOF
			zone $z.example unsigned
			$z.example. MX 10 $mx.
			_mta-sts.$z.example. TXT "v=STSv1; id=ob$z"
			mta-sts.$z.example. A 127.0.0.66
		EOF
	done <<-EOF
		obsts mx.obmail.example
		obstsbad mx.obother.example
		obstscert mx2.obmail.example
		obstsplain mx3.obmail.example
	EOF
}

ob_listening() { tp_ns ss -Hltn "src $1 and sport = :$2" 2>/dev/null | grep -q .; }

# ob_mx_start ADDR NAME: ob_mx.py with $TP_TMP/ob/NAME.{crt,key} on ADDR:25
ob_mx_start() {
	local d=$TP_TMP/ob
	: >"$d/mx-$2.dump"
	nsenter -t "$TP_NS" -n "$OB_PY" "$TP_HERE/ob_mx.py" "$1" 25 "$d/$2.crt" "$d/$2.key" "$d/mx-$2.dump" \
		>"$d/mx-$2.log" 2>&1 &
	tp_track $! "ob_mx $2"
}

# ob_start: the validating resolver, the receiving servers, the MTA-STS
# policies, the daemon, the sending Postfix and Sendmail
ob_start() {
	local d=$TP_TMP/ob bed=$TP_TMP/dnsbed a
	"$OB_PY" -c 'import aiosmtpd' 2>/dev/null || tp_die "$OB_PY cannot import aiosmtpd (Debian package python3-aiosmtpd)"
	# the validating resolver the sending MTAs use (Postfix needs the AD bit)
	mkdir -p "$d/unbound"
	cat >"$d/unbound/unbound.conf" <<-EOF
		server:
		  interface: 127.0.0.60
		  port: 53
		  do-daemonize: no
		  username: ""
		  chroot: ""
		  directory: "$d/unbound"
		  pidfile: "$d/unbound/unbound.pid"
		  use-syslog: no
		  logfile: "$d/unbound/unbound.log"
		  verbosity: 1
		  val-log-level: 2
		  access-control: 127.0.0.0/8 allow
		  do-not-query-localhost: no
		  module-config: "validator iterator"
		  trust-anchor-file: "$bed/anchor"
		  cache-max-negative-ttl: 5
		forward-zone:
		  name: "."
		  forward-addr: 127.0.0.1@53
	EOF
	unbound-checkconf "$d/unbound/unbound.conf" >"$d/unbound/check.log" 2>&1 ||
		{ cat "$d/unbound/check.log"; tp_die "outbound: unbound-checkconf failed"; }
	nsenter -t "$TP_NS" -n unbound -d -c "$d/unbound/unbound.conf" >>"$d/unbound/stderr.log" 2>&1 &
	tp_track $! "unbound (validating, outbound)"
	tp_wait_for 10 ob_listening 127.0.0.60 53 || { cat "$d/unbound/stderr.log"; tp_die "outbound: the validating unbound did not listen"; }
	printf 'nameserver 127.0.0.60\noptions trust-ad\n' >"$d/resolv.conf"
	cp /etc/hosts "$d/hosts"

	# receiving servers
	ob_mx_start 127.0.0.61 dane
	ob_mx_start 127.0.0.62 danebad
	ob_mx_start 127.0.0.63 sts
	ob_mx_start 127.0.0.64 other
	ob_mx_start 127.0.0.65 self
	ob_mx_start 127.0.0.68 forced
	OB_SINK_DUMP=$d/sink.dump
	: >"$OB_SINK_DUMP"; chmod 666 "$OB_SINK_DUMP"; chown nobody "$d"
	nsenter -t "$TP_NS" -n smtp-sink -u nobody -D "$OB_SINK_DUMP" 127.0.0.67:25 50 >"$d/sink.stderr" 2>&1 &
	tp_track $! "smtp-sink (outbound, 127.0.0.67)"
	for a in 61 62 63 64 65 67 68; do
		tp_wait_for 10 ob_listening "127.0.0.$a" 25 || { cat "$d"/mx-*.log; tp_die "outbound: nothing listens on 127.0.0.$a:25"; }
	done

	# MTA-STS policies (one nginx, one address, by server name)
	local pol='version: STSv1\nmode: enforce\nmx: *.obmail.example\nmax_age: 86400\n'
	tp_mtasts_start "$d/mtasts" "$PKI" "127.0.0.66 obsts.example $pol" "127.0.0.66 obstsbad.example $pol" \
		"127.0.0.66 obstscert.example $pol" "127.0.0.66 obstsplain.example $pol"
	tp_wait_for 10 ob_listening 127.0.0.66 443 || { cat "$d/mtasts/error.log"; tp_die "outbound: nginx did not listen on 127.0.0.66:443"; }

	# the daemon
	OB_MILTER_PORT=$(tp_port 50)
	OB_LOG=$TP_TMP/daemon-outbound.log
	sed -e "s|@MILTER_PORT@|$OB_MILTER_PORT|g" -e "s|@BED@|$bed|g" -e "s|@PKI@|$PKI|g" -e "s|@TMP@|$TP_TMP|g" \
		"$TP_HERE/outbound.conf.in" >"$TP_TMP/outbound.conf"
	local save_pid=$TP_MILTER_PID save_port=$TP_MILTER_PORT
	TP_MILTER_PORT=$OB_MILTER_PORT
	tp_milter_start "$TLSPOLICY_MILTER" "$TP_TMP/outbound.conf" "$OB_LOG"
	OB_DAEMON_PID=$TP_MILTER_PID
	TP_MILTER_PID=$save_pid TP_MILTER_PORT=$save_port
	tp_wait_for 10 ob_listening 127.0.0.1 8896 || { cat "$OB_LOG"; tp_die "outbound: policy_socket 127.0.0.1:8896 does not listen"; }

	local mta lines=() l
	for mta in $MTAS; do
		case $mta in
		postfix)
			MTA_PORT[postfix-ob]=$(tp_port 51)
			MTA_LOG[postfix-ob]=$TP_TMP/postfix-ob/maillog
			while IFS= read -r l; do lines+=("$l"); done <"$TP_SRCDIR/etc/postfix-outbound.cf"
			grep -qx 'smtp_tls_policy_maps = socketmap:inet:127.0.0.1:8896:tls' "$TP_SRCDIR/etc/postfix-outbound.cf" ||
				tp_die "etc/postfix-outbound.cf has no 'smtp_tls_policy_maps = socketmap:inet:127.0.0.1:8896:tls' line"
			{ echo "# ---- etc/postfix-master.cf (verbatim) ----"; cat "$TP_SRCDIR/etc/postfix-master.cf"
			  echo "# ---- test only: the strict level without the daemon's map (what plain secure does)"
			  printf 'smtp-secure unix - - n - - smtp\n  -o syslog_name=postfix/smtp-secure\n'
			  printf '  -o smtp_tls_security_level=secure\n  -o smtp_tls_secure_cert_match=nexthop,dot-nexthop\n'
			  printf '  -o smtp_dns_support_level=dnssec\n  -o smtp_tls_policy_maps=\n'
			} >"$d/master-append.cf"
			grep -q 'smtp_tls_policy_maps=socketmap:inet:127.0.0.1:8896:requiretls' "$TP_SRCDIR/etc/postfix-master.cf" ||
				tp_die "etc/postfix-master.cf: smtp-requiretls has no -o smtp_tls_policy_maps=socketmap:inet:127.0.0.1:8896:requiretls"
			TP_POSTFIX_LAST_WINS=1 TP_POSTFIX_MASTER_APPEND=$d/master-append.cf TP_POSTFIX_HOSTS=$d/hosts TP_POSTFIX_RESOLV=$d/resolv.conf \
				tp_postfix_start "$TP_TMP/postfix-ob" "${MTA_PORT[postfix-ob]}" none 25 "$PKI" \
				"# ---- etc/postfix-outbound.cf (verbatim) ----" "${lines[@]}" \
				"# ---- test only: the test CA, delivery by DNS ----" \
				"smtp_tls_CAfile = $PKI/ca.crt" \
				"default_transport = smtp" "relay_transport = smtp" "disable_dns_lookups = no" \
				"transport_maps = inline:{rt@obsts.example=smtp-requiretls: rt2@open.example=smtp-requiretls: ctl@obsts.example=smtp-secure:}"
			OB_MTAS="$OB_MTAS postfix-ob" ;;
		sendmail)
			SINK_PORT[sendmail-ob]=$(tp_port 52)
			MTA_PORT[sendmail-ob]=$(tp_port 53)
			MTA_LOG[sendmail-ob]=$TP_TMP/sendmail-ob/maillog
			SINK_DUMP[sendmail-ob]=$TP_TMP/sink-sendmail-ob/dump
			tp_sink_start sendmail-ob "${SINK_PORT[sendmail-ob]}" "${SINK_DUMP[sendmail-ob]}"
			tp_sendmail_start "$TP_TMP/sendmail-ob" "${MTA_PORT[sendmail-ob]}" none "${SINK_PORT[sendmail-ob]}" "$PKI" \
				"dnl ---- etc/sendmail-outbound.mc (verbatim) ----" \
				"include(\`$TP_SRCDIR/etc/sendmail-outbound.mc')dnl"
			MTA_PID[sendmail-ob]=$TP_SENDMAIL_PID
			OB_MTAS="$OB_MTAS sendmail-ob" ;;
		esac
	done
}

# ob_daemon_stop: the test point for the outbound daemon's shutdown
ob_daemon_stop() {
	[ -n "$OB_DAEMON_PID" ] || return 0
	tp_begin "outbound daemon (policy_socket) stops cleanly on SIGTERM (within 15 s, exit status 0, no sanitizer report)"
	local save_pid=$TP_MILTER_PID save_port=$TP_MILTER_PORT
	TP_MILTER_PID=$OB_DAEMON_PID TP_MILTER_PORT=$OB_MILTER_PORT
	tp_milter_stop || tp_fail_msg "daemon did not exit within 15 s of SIGTERM, or its port still listens"
	tp_expect_eq "daemon exit status" "$TP_MILTER_STATUS" 0
	TP_MILTER_PID=$save_pid TP_MILTER_PORT=$save_port OB_DAEMON_PID=
	tp_expect_nomatch "daemon log" "$(grep -E 'ERROR: (Address|Leak|Thread|Undefined)Sanitizer|runtime error:|SUMMARY: ' "$OB_LOG")" .
	tp_attach "$OB_LOG" ""
	tp_end
}

# ---------------------------------------------------------------- helpers

# ob_submit MTA RCPT SUBJECT: hand one message to the sending MTA
ob_submit() {
	local out=$TP_TMP/swaks/ob-$3.txt
	tp_swaks "$out" --server "127.0.0.1:${MTA_PORT[$1]}" --ehlo client.example.test \
		--from "sender@example.test" --to "$2" --header "Subject: $3" ||
		{ tp_fail_msg "$1 did not accept the message to $2 (swaks: $(tail -n 3 "$out" | tr '\n' ' '))"; return 1; }
}

# ob_pf_status RCPT: the first status= line of Postfix's log for RCPT
ob_pf_line() { grep -E "to=<$1>.* status=" "${MTA_LOG[postfix-ob]}" | head -n 1; }
ob_pf_has() { [ -n "$(ob_pf_line "$1")" ]; }

# ob_pf_expect RCPT ERE...: Postfix logged a delivery attempt for RCPT within
# 20 s and that status= line matches every ERE
ob_pf_expect() {
	local r=$1 l e; shift
	tp_wait_for 20 ob_pf_has "$r"
	l=$(ob_pf_line "$r")
	if [ -z "$l" ]; then
		tp_fail_msg "postfix-ob log: no status= line for <$r> within 20 s"
		return
	fi
	for e in "$@"; do tp_expect_match "Postfix's status line for <$r>" "$l" "$e"; done
}

# ob_received DUMP SUBJECT [tls]: the receiving server got the message (with TLS)
ob_received() {
	if ! tp_wait_for 5 grep -q "subject=$2\$" "$1"; then
		tp_fail_msg "receiving server ($1): message '$2' did not arrive"
		return
	fi
	[ -z "${3:-}" ] || tp_expect_match "receiving server's record of '$2'" "$(grep "subject=$2\$" "$1")" '^MSG tls=TLSv1\.[23] '
}
ob_not_received() {
	grep -q "$2" "$1" && tp_fail_msg "receiving server ($1): message '$2' arrived, it must not"
	return 0
}

# ob_answer KEY MAP ERE: the daemon's debug line for KEY in MAP matches ERE
ob_answer() {
	local l
	l=$(grep -F "socketmap map=$2 key=$1 " "$OB_LOG" | tail -n 1)
	tp_expect_match "daemon's answer (map=$2 key=$1)" "$l" "$3"
}

# ---------------------------------------------------------------- cases

ob_cases() {
	local m
	for m in $OB_MTAS; do
		case $m in
		postfix-ob) ob_postfix_cases ;;
		sendmail-ob) ob_sendmail_cases ;;
		esac
	done
}

ob_postfix_cases() {
	local L=${MTA_LOG[postfix-ob]} d=$TP_TMP/ob id=$$

	# submit everything first: the attempts run in parallel
	ob_submit postfix-ob "a@dane.example" "ob-dane-$id"
	ob_submit postfix-ob "a@danebad.example" "ob-danebad-$id"
	ob_submit postfix-ob "a@daneplain.example" "ob-daneplain-$id"
	ob_submit postfix-ob "a@obsts.example" "ob-sts-$id"
	ob_submit postfix-ob "a@obstsbad.example" "ob-stsbad-$id"
	ob_submit postfix-ob "a@obstscert.example" "ob-stscert-$id"
	ob_submit postfix-ob "a@obstsplain.example" "ob-stsplain-$id"
	ob_submit postfix-ob "a@forced.example" "ob-forced-$id"
	ob_submit postfix-ob "a@forcedplain.example" "ob-forcedplain-$id"
	ob_submit postfix-ob "a@open.example" "ob-open-$id"
	ob_submit postfix-ob "rt@obsts.example" "ob-rt-$id"
	ob_submit postfix-ob "ctl@obsts.example" "ob-ctl-$id"
	ob_submit postfix-ob "rt2@open.example" "ob-rt2-$id"

	tp_begin "postfix (sending, smtp_tls_policy_maps = the daemon's tls map): to a DANE domain whose MX presents the key of the TLSA record: sent, verified by DANE"
	ob_pf_expect a@dane.example 'relay=mx\.dane\.example\[127\.0\.0\.61\]:25' 'status=sent'
	tp_expect_match "postfix-ob log" "$(grep -E 'Verified TLS connection established to mx\.dane\.example\[127\.0\.0\.61\]:25' "$L")" .
	ob_answer dane.example tls 'answer=OK value="dane-only" source=dane'
	ob_received "$d/mx-dane.dump" "ob-dane-$id" tls
	tp_attach "$L" 'dane\.example'
	tp_end

	tp_begin "postfix: to a DANE domain whose MX presents another key than the TLSA record: deferred, nothing arrives"
	ob_pf_expect a@danebad.example 'status=deferred' 'relay=mx\.danebad\.example\[127\.0\.0\.62\]:25'
	ob_answer danebad.example tls 'answer=OK value="dane-only" source=dane'
	ob_not_received "$d/mx-danebad.dump" "ob-danebad-$id"
	tp_attach "$L" 'danebad\.example'
	tp_end

	tp_begin "postfix: to a DANE domain whose MX offers no STARTTLS (smtp-sink): deferred, 'TLS is required, but was not offered'"
	ob_pf_expect a@daneplain.example 'status=deferred \(TLS is required, but was not offered by host mx\.daneplain\.example\[127\.0\.0\.67\]\)'
	ob_not_received "$OB_SINK_DUMP" "ob-daneplain-$id"
	tp_attach "$L" 'daneplain\.example'
	tp_end

	tp_begin "postfix: to an MTA-STS (enforce) domain whose MX the policy names and whose certificate is valid: sent, verified (secure match=mx.obmail.example)"
	ob_pf_expect a@obsts.example 'relay=mx\.obmail\.example\[127\.0\.0\.63\]:25' 'status=sent'
	tp_expect_match "postfix-ob log" "$(grep -E 'Verified TLS connection established to mx\.obmail\.example\[127\.0\.0\.63\]:25' "$L")" .
	ob_answer obsts.example tls 'answer=OK value="secure match=mx\.obmail\.example servername=hostname" source=mta-sts'
	ob_received "$d/mx-sts.dump" "ob-sts-$id" tls
	tp_attach "$L" 'obsts\.example'
	tp_end

	tp_begin "postfix: to an MTA-STS (enforce) domain whose MX the policy does not name (valid certificate for its own name): deferred"
	ob_pf_expect a@obstsbad.example 'status=deferred'
	ob_answer obstsbad.example tls 'answer=OK value="secure match=\.invalid" source=mta-sts'
	ob_not_received "$d/mx-other.dump" "ob-stsbad-$id"
	tp_attach "$L" 'obstsbad\.example'
	tp_end

	tp_begin "postfix: to an MTA-STS (enforce) domain whose named MX has a self-signed certificate: deferred (not verified)"
	ob_pf_expect a@obstscert.example 'status=deferred' 'mx2\.obmail\.example\[127\.0\.0\.65\]'
	ob_not_received "$d/mx-self.dump" "ob-stscert-$id"
	tp_attach "$L" 'obstscert\.example'
	tp_end

	tp_begin "postfix: to an MTA-STS (enforce) domain whose MX offers no STARTTLS: deferred, 'TLS is required, but was not offered'"
	ob_pf_expect a@obstsplain.example 'status=deferred \(TLS is required, but was not offered by host mx3\.obmail\.example\[127\.0\.0\.67\]\)'
	ob_not_received "$OB_SINK_DUMP" "ob-stsplain-$id"
	tp_attach "$L" 'obstsplain\.example'
	tp_end

	tp_begin "postfix: to a domain of the forced-TLS list (outbound = \"encrypt\") with STARTTLS: sent over TLS"
	ob_pf_expect a@forced.example 'relay=mx\.forced\.example\[127\.0\.0\.68\]:25' 'status=sent'
	tp_expect_match "postfix-ob log" "$(grep -E 'TLS connection established to mx\.forced\.example\[127\.0\.0\.68\]:25' "$L")" .
	ob_answer forced.example tls 'answer=OK value="encrypt" source=rule'
	ob_received "$d/mx-forced.dump" "ob-forced-$id" tls
	tp_attach "$L" 'forced\.example'
	tp_end

	tp_begin "postfix: to a domain of the forced-TLS list whose MX offers no STARTTLS: deferred, 'TLS is required, but was not offered'"
	ob_pf_expect a@forcedplain.example 'status=deferred \(TLS is required, but was not offered by host mx\.forcedplain\.example\[127\.0\.0\.67\]\)'
	ob_answer forcedplain.example tls 'answer=OK value="encrypt" source=rule'
	ob_not_received "$OB_SINK_DUMP" "ob-forcedplain-$id"
	tp_attach "$L" 'forcedplain\.example'
	tp_end

	tp_begin "postfix: to an unlisted domain (no DANE, no MTA-STS, no rule) whose MX offers no STARTTLS: NOTFOUND, delivered in clear text (opportunistic)"
	ob_pf_expect a@open.example 'relay=mx\.open\.example\[127\.0\.0\.67\]:25' 'status=sent'
	ob_answer open.example tls 'answer=NOTFOUND'
	tp_wait_for 5 grep -q "^Subject: ob-open-$id" "$OB_SINK_DUMP" ||
		tp_fail_msg "smtp-sink 127.0.0.67: message ob-open-$id did not arrive"
	tp_attach "$L" 'open\.example'
	tp_end

	tp_begin "postfix: the strict REQUIRETLS transport (etc/postfix-master.cf, map requiretls) delivers to obsts.example, whose MX mx.obmail.example is named outside the domain, verified"
	ob_pf_expect rt@obsts.example 'postfix/smtp-requiretls/smtp\[' 'relay=mx\.obmail\.example\[127\.0\.0\.63\]:25' 'status=sent'
	ob_answer obsts.example requiretls 'answer=OK value="secure match=mx\.obmail\.example servername=hostname" source=mta-sts'
	ob_received "$d/mx-sts.dump" "ob-rt-$id" tls
	tp_attach "$L" 'rt@obsts|smtp-requiretls'
	tp_end

	tp_begin "postfix: the same domain through a transport with plain 'secure' (no daemon map): deferred, the certificate does not match the domain"
	ob_pf_expect ctl@obsts.example 'postfix/smtp-secure/smtp\[' 'status=deferred'
	ob_not_received "$d/mx-sts.dump" "ob-ctl-$id"
	tp_attach "$L" 'ctl@obsts|smtp-secure'
	tp_end

	tp_begin "postfix: the strict REQUIRETLS transport to a domain without evidence (open.example): 'secure match=.invalid', deferred, nothing in clear text"
	ob_pf_expect rt2@open.example 'postfix/smtp-requiretls/smtp\[' 'status=deferred'
	ob_answer open.example requiretls 'answer=OK value="secure match=\.invalid" source=none'
	ob_not_received "$OB_SINK_DUMP" "ob-rt2-$id"
	tp_attach "$L" 'rt2@open|smtp-requiretls'
	tp_end

	tp_begin "the daemon's outbound cache: obsts.example was looked up once and answered from the cache after (cached=yes), with the same answer in both maps"
	local ls
	ls=$(grep -F "socketmap map=" "$OB_LOG" | grep -F " key=obsts.example ")
	tp_expect_eq "obsts.example answers computed (cached=no)" "$(printf '%s\n' "$ls" | grep -c ' cached=no ')" 1
	tp_expect_match "obsts.example answers from the cache" "$(printf '%s\n' "$ls" | grep -c ' cached=yes ')" '^[1-9]'
	tp_expect_eq "obsts.example answers other than the MTA-STS one" \
		"$(printf '%s\n' "$ls" | grep -v -c 'answer=OK value="secure match=mx\.obmail\.example servername=hostname" source=mta-sts')" 0
	tp_attach "$OB_LOG" 'key=obsts\.example'
	tp_end
}

ob_sendmail_cases() {
	local L=${MTA_LOG[sendmail-ob]} dump=${SINK_DUMP[sendmail-ob]} id=$$
	ob_submit sendmail-ob "b@forced.example" "ob-sm-forced-$id"
	ob_submit sendmail-ob "b@open.example" "ob-sm-open-$id"

	tp_begin "sendmail (sending, etc/sendmail-outbound.mc): a domain of the forced-TLS list is not sent in clear text to a next hop without STARTTLS (the map answers ENCR:128: deferred by tls_rcpt, 4.7.0)"
	ob_sm_has() { grep -qE "to=<b@forced\\.example>.*stat=" "$L"; }
	tp_wait_for 20 ob_sm_has
	tp_expect_match "Sendmail's log line for <b@forced.example>" \
		"$(grep -E 'to=<b@forced\.example>.*stat=' "$L" | head -n 1)" 'mailer=relay, .* stat=Deferred'
	tp_expect_match "Sendmail's tls_rcpt line for <b@forced.example>" \
		"$(grep -E 'ruleset=tls_rcpt, arg1=b@forced\.example,' "$L" | head -n 1)" \
		'reject=450 4\.7\.0 <b@forced\.example>\.\.\. TLS required for this domain, but this connection is not encrypted$'
	ob_answer forced.example sendmail 'answer=OK value="ENCR:128" source=rule'
	sleep 0.5
	grep -q "^Subject: ob-sm-forced-$id" "$dump" && tp_fail_msg "smtp-sink: the forced-TLS message arrived in clear text"
	tp_attach "$L" 'forced\.example|tls_rcpt|sendmail'
	tp_end

	tp_begin "sendmail: an unlisted domain (map answers not found) goes out to the same next hop in clear text"
	tp_wait_for 20 grep -q "^Subject: ob-sm-open-$id" "$dump" ||
		tp_fail_msg "smtp-sink: message ob-sm-open-$id did not arrive"
	ob_answer open.example sendmail 'answer=NOTFOUND'
	tp_attach "$L" 'open\.example'
	tp_end
}
