#!/bin/bash
# t/demo.sh - see tlspolicy-milter work in front of a real Postfix.
#
#   sh t/demo.sh              install (t/deps.sh), build, run the demo, stop
#   sh t/demo.sh --keep       ... and leave it running so you can send your
#                             own mail; Ctrl-C (or Enter) stops everything
#   options: --no-install (skip t/deps.sh), --keep
#   env: TLSPOLICY_MILTER=/path/to/binary (skip the build),
#        TP_BUILDDIR (build directory, default <source>/build-demo)
#
# Everything runs inside a network namespace of its own that has only the
# loopback interface: the milter with the shipped sample policy
# (etc/tlspolicy-milter.conf, unchanged, plus a requiretls block that the
# demo prints) on 127.0.0.1:8895, a private Postfix on 127.0.0.1:25 with the
# shipped etc/postfix-main.cf lines (unchanged) and a throw-away certificate,
# smtp-sink on 127.0.0.1:10025 standing in for the next hop, and for the
# REQUIRETLS part a locally signed DNS tree (t/dnsbed: unbound on
# 127.0.0.1:53) and an MTA-STS policy server (nginx on 127.0.0.21:443, test
# CA). No packet leaves the machine; the machine's own Postfix
# configuration, /etc and port 25 are not touched.
# Exit status: 0 when every demo message had the expected outcome.

# make check and the README may start this with sh: continue in bash
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -u
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TP_SRCDIR=$SRC
INSTALL=1 KEEP=0
for a in "$@"; do
	case $a in
	--keep) KEEP=1 ;;
	--no-install) INSTALL=0 ;;
	-h|--help) sed -n '2,21p' "$0"; exit 0 ;;
	*) echo "demo: unknown option $a (try --help)" >&2; exit 2 ;;
	esac
done

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (sudo t/demo.sh): it installs packages and uses a network namespace"

# ---------------------------------------------------------------- install, build
if [ "$INSTALL" = 1 ]; then
	step "Installing the Debian packages (t/deps.sh)"
	sh "$SRC/t/deps.sh" || fail "t/deps.sh failed"
fi
if [ -n "${TLSPOLICY_MILTER:-}" ]; then
	BIN=$TLSPOLICY_MILTER
else
	BUILD=${TP_BUILDDIR:-$SRC/build-demo}
	BIN=$BUILD/milter/tlspolicy-milter
	step "Building in $BUILD"
	if [ ! -x "$SRC/configure" ]; then
		(cd "$SRC" && autoreconf -fi) >"/tmp/tlspolicy-demo-autoreconf.log" 2>&1 ||
			{ cat /tmp/tlspolicy-demo-autoreconf.log; fail "autoreconf -fi failed"; }
	fi
	mkdir -p "$BUILD"
	(cd "$BUILD" && { [ -f Makefile ] || "$SRC/configure" -q; } && make -s -j"$(nproc 2>/dev/null || echo 2)") \
		>"$BUILD/demo-build.log" 2>&1 || { tail -n 40 "$BUILD/demo-build.log"; fail "build failed in $BUILD"; }
fi
[ -x "$BIN" ] || fail "no milter binary at $BIN"
say "milter: $BIN ($("$BIN" -V 2>&1 | head -n1))"

# ---------------------------------------------------------------- start
. "$SRC/t/integration/lib.sh"
tp_require_prereqs
TP_KEEP=1                      # keep the logs for reading afterwards
tp_init tlspolicy-demo
D=$TP_TMP
MILTER_PORT=8895 SMTP_PORT=25 SINK_PORT=10025

step "Starting (inside a loopback-only network namespace)"
tp_require_prereqs unbound ldns-keygen ldns-signzone dig nginx /usr/bin/python3
tp_ns_start
tp_ca_make "$D/pki"
# REQUIRETLS feasibility needs DNS with DNSSEC and an MTA-STS server: the
# test bed's signed zones (secure.example: DNSSEC-signed MX; insecure.example:
# unsigned) plus sts.example, unsigned, whose MX is run elsewhere
# (mx1.mailhost.example) and whose MTA-STS policy (mode enforce) says so.
cat >"$D/zones" <<-'EOF'
	zone mailhost.example unsigned
	mx1.mailhost.example. A 127.0.0.23
	zone sts.example unsigned
	sts.example. MX 10 mx1.mailhost.example.
	_mta-sts.sts.example. TXT "v=STSv1; id=demo1"
	mta-sts.sts.example. A 127.0.0.21
EOF
tp_dnsbed_start "$D/dnsbed" "$D/zones"
tp_mtasts_start "$D/mta-sts" "$D/pki" \
	"127.0.0.21 sts.example version: STSv1\nmode: enforce\nmx: *.mailhost.example\nmax_age: 86400\n"
cp "$SRC/etc/tlspolicy-milter.conf" "$D/tlspolicy-milter.conf"
grep -q "^socket *= *\"inet:$MILTER_PORT@127.0.0.1\"" "$D/tlspolicy-milter.conf" ||
	fail "etc/tlspolicy-milter.conf no longer listens on inet:$MILTER_PORT@127.0.0.1; update t/demo.sh"
cat >"$D/requiretls.conf" <<EOF
requiretls = {
  verify  = "dnssec-or-mta-sts";   # +requiretls recipients: can the domain receive it?
  timeout = 10;
  skip_bracket_nexthop = false;    # this Postfix relays every domain to [127.0.0.1]:$SINK_PORT
};
dns     = { resolver = "127.0.0.1"; trust_anchor_file = "$D/dnsbed/anchor"; timeout = 3; };
mta_sts = { ca_file = "$D/pki/ca.crt"; timeout = 5; };
EOF
{ echo; echo "# ---- added by t/demo.sh ----"; cat "$D/requiretls.conf"; } >>"$D/tlspolicy-milter.conf"
TP_MILTER_PORT=$MILTER_PORT
tp_milter_start "$BIN" "$D/tlspolicy-milter.conf" "$D/milter.log"
tp_sink_start next-hop "$SINK_PORT" "$D/sink/received"
tp_postfix_start "$D/postfix" "$SMTP_PORT" "inet:127.0.0.1:$MILTER_PORT" "$SINK_PORT" "$D/pki"
say "tlspolicy-milter  127.0.0.1:$MILTER_PORT  policy: etc/tlspolicy-milter.conf (as shipped) + a requiretls block (below)"
say "Postfix           127.0.0.1:$SMTP_PORT    with etc/postfix-main.cf (as shipped), STARTTLS with a test certificate"
say "next hop          127.0.0.1:$SINK_PORT smtp-sink, writes what it receives to $D/sink/received"
say "DNS               127.0.0.1:53    signed test zones (trust anchor: example.), see t/dnsbed/dnsbed.sh"
say "MTA-STS           127.0.0.21:443  nginx: https://mta-sts.sts.example/.well-known/mta-sts.txt (test CA)"
say "The rules used below (from etc/tlspolicy-milter.conf):"
awk '/^rules *=/ { on = 1; next } on && /^\);/ { on = 0 } on && !/^ *#/ { sub(/^ */, "    "); print }' "$D/tlspolicy-milter.conf"

# ---------------------------------------------------------------- messages
BAD=0 N=0
# demo_send TITLE EXPECT(accepted|refused) LOGVERDICT FROM TO [swaks args]
demo_send() {
	local title=$1 expect=$2 verdict=$3 from=$4 to=$5 out rc id got line mo chk
	shift 5
	mo=$(tp_size "$D/milter.log")
	N=$((N + 1)); id="demo-$N"
	out=$D/swaks-$N.txt
	step "[$N] $title"
	tp_swaks "$out" --server "127.0.0.1:$SMTP_PORT" --ehlo client.example.net \
		--from "$from" --to "$to" --header "Subject: tlspolicy-milter demo $N" --header "X-Test-Id: $id" "$@"
	rc=$?
	# the dialogue, without the message body
	awk '/^ *[~-]> DATA/ { print; print "   ...        (headers and body)"; skip = 1; next }
	     skip && /^ *[~-]> \.$/ { skip = 0; next }
	     skip { next }
	     /^ *[~-]> / { ehlo = ($0 ~ /> EHLO/) }
	     ehlo && /^ *<[~*-]* +250[- ]/ { if (!shown++) { sub(/250[- ].*/, "250 ... (the server lists its extensions)"); print }; next }
	     ehlo && /^ *<[~*-]* +[0-9]/ { shown = 0 }
	     /^ *[~-]> / { shown = 0 }
	     { print }' "$out" | sed -e 's/^ *\([~-]\)> /  client\1> /' -e 's/^ *<\([~*-]*\) */  server\1 /' \
		-e 's/^  client-> /  C: /; s/^  client~> /  C (TLS): /; s/^  server- /  S: /; s/^  server~ /  S (TLS): /' \
		-e 's/^  server\*\* /  S: /; s/^  server~\*\* /  S (TLS): /'
	if [ $rc = 0 ]; then got=accepted; else got=refused; fi
	tp_wait_for 3 grep -qF "<$from>" "$D/milter.log"
	line=$(grep -F "sender=<$from>" "$D/milter.log" | tail -n1)
	if [ "$got" = accepted ] && tp_wait_for 10 grep -qx "X-Test-Id: $id" "$D/sink/received"; then
		got="accepted, and delivered to the next hop"
	fi
	say "  => ${got^^}"
	chk=$(tail -c +"$((mo + 1))" "$D/milter.log" | grep -F 'requiretls-check ' | tail -n1)
	[ -n "$chk" ] && say "  milter log: ${chk#*info: }"
	[ -n "$line" ] && say "  milter log: ${line#*info: }"
	if [ "$got" != accepted ] && [ "$got" != refused ]; then
		tp_sink_message "$D/sink/received" "X-Test-Id: $id" |
			awk '/^X-Rcpt-Args:/ { sub(/^X-Rcpt-Args: /, ""); printf "  next hop got: RCPT TO:%s", $1 }
			     /^X-RequireTLS: / { printf ", %s", $0 } END { print "" }'
	fi
	case $got in "$expect"*) ;; *) say "  !! expected: $expect"; BAD=$((BAD + 1)) ;; esac
	if [ -n "$verdict" ] && ! printf '%s\n' "$line" | grep -q "verdict=$verdict"; then
		say "  !! expected a milter log line with verdict=$verdict"; BAD=$((BAD + 1))
	fi
}

demo_send "Plaintext mail to secure.example (forced TLS): refused, with the policy's reply" \
	refused reject alice@sender.example bob@secure.example
demo_send "The same mail over STARTTLS: accepted" \
	accepted pass alice2@sender.example bob@secure.example --tls
demo_send "Plaintext mail to lawfirm.example (rule in testing mode): accepted, logged as would-reject" \
	accepted would-reject alice3@sender.example carol@lawfirm.example
demo_send "Plaintext mail from bank.example (sender rule, TLS 1.2+): refused at MAIL FROM" \
	refused reject teller@bank.example bob@example.org
demo_send "From bank.example over TLS 1.3: accepted" \
	accepted pass teller2@bank.example bob@example.org --tls

# demo_has TEXT FILE WHAT: the last message ($N) must show TEXT in FILE
demo_has() {
	local text
	if [ "$2" = "$D/sink/received" ]; then text=$(tp_sink_message "$2" "X-Test-Id: demo-$N"); else text=$(cat "$2"); fi
	printf '%s\n' "$text" | grep -qF "$1" || { say "  !! expected $3"; BAD=$((BAD + 1)); }
}

step "REQUIRETLS: can the recipient's domain receive it? (checked before accepting)"
say "The milter config above, plus (printed from $D/tlspolicy-milter.conf):"
sed 's/^/    /' "$D/requiretls.conf"
demo_send "Flagged (+requiretls) to secure.example, whose MX is DNSSEC-signed: accepted, untagged, X-RequireTLS added" \
	accepted "" alice4@sender.example bob+requiretls@secure.example --tls
demo_has "X-RequireTLS: yes" "$D/sink/received" "the next hop's copy to carry X-RequireTLS: yes"
demo_send "Flagged to sts.example: no DNSSEC, but an MTA-STS policy (enforce) names its MX mx1.mailhost.example: accepted" \
	accepted "" alice5@sender.example carol+requiretls@sts.example
demo_has "X-RequireTLS: yes" "$D/sink/received" "the next hop's copy to carry X-RequireTLS: yes"
demo_send "Flagged to insecure.example: neither DNSSEC nor MTA-STS: refused at RCPT with 550 5.7.30" \
	refused reject alice6@sender.example dave+requiretls@insecure.example
demo_has "550 5.7.30 insecure.example cannot receive mail that requires TLS" "$D/swaks-$N.txt" "the reply 550 5.7.30"

step "Result"
if [ "$BAD" = 0 ]; then say "All $N messages had the expected outcome."; else say "$BAD unexpected outcome(s): see above."; fi
say "Logs: milter $D/milter.log, Postfix $D/postfix/maillog, next hop $D/sink/received"

if [ "$KEEP" = 1 ]; then
	cat <<-EOF

	The demo keeps running. Send your own test mail from another shell, inside
	the demo's namespace (it has only loopback; nothing leaves the machine):

	  sudo nsenter -t $TP_NS -n swaks --server 127.0.0.1:$SMTP_PORT \\
	       --from you@sender.example --to someone@secure.example [--tls]
	  (or --to someone+requiretls@insecure.example: flagged, refused 5.7.30)

	Edit $D/tlspolicy-milter.conf and reload the milter with
	  sudo kill -HUP $TP_MILTER_PID
	Watch the decisions:  tail -f $D/milter.log

	Stop everything: press Enter or Ctrl-C here (the demo stops the milter,
	Postfix and smtp-sink by PID and removes the namespace).
	EOF
	# (sleep in the background and "wait": a signal ends "wait" at once)
	if [ -t 0 ]; then read -r _ || true; else while :; do sleep 3600 & wait $!; done; fi
else
	say "Stopping everything (milter, Postfix, smtp-sink, namespace) ..."
	say "To keep the demo running and send your own mail: sh t/demo.sh --keep (as root)"
fi
[ "$BAD" = 0 ]
