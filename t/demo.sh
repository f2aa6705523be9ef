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
# (etc/tlspolicy-milter.conf, unchanged) on 127.0.0.1:8895, a private Postfix
# on 127.0.0.1:25 with the shipped etc/postfix-main.cf lines (unchanged) and a
# throw-away certificate, and smtp-sink on 127.0.0.1:10025 standing in for
# the next hop. No packet leaves the machine; the machine's own Postfix
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
	-h|--help) sed -n '2,12p' "$0"; exit 0 ;;
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
tp_ns_start
tp_ca_make "$D/pki"
cp "$SRC/etc/tlspolicy-milter.conf" "$D/tlspolicy-milter.conf"
grep -q "^socket *= *\"inet:$MILTER_PORT@127.0.0.1\"" "$D/tlspolicy-milter.conf" ||
	fail "etc/tlspolicy-milter.conf no longer listens on inet:$MILTER_PORT@127.0.0.1; update t/demo.sh"
TP_MILTER_PORT=$MILTER_PORT
tp_milter_start "$BIN" "$D/tlspolicy-milter.conf" "$D/milter.log"
tp_sink_start next-hop "$SINK_PORT" "$D/sink/received"
tp_postfix_start "$D/postfix" "$SMTP_PORT" "inet:127.0.0.1:$MILTER_PORT" "$SINK_PORT" "$D/pki"
say "tlspolicy-milter  127.0.0.1:$MILTER_PORT  policy: etc/tlspolicy-milter.conf (as shipped)"
say "Postfix           127.0.0.1:$SMTP_PORT    with etc/postfix-main.cf (as shipped), STARTTLS with a test certificate"
say "next hop          127.0.0.1:$SINK_PORT smtp-sink, writes what it receives to $D/sink/received"
say "The rules used below (from etc/tlspolicy-milter.conf):"
awk '/^rules *=/ { on = 1; next } on && /^\);/ { on = 0 } on && !/^ *#/ { sub(/^ */, "    "); print }' "$D/tlspolicy-milter.conf"

# ---------------------------------------------------------------- messages
BAD=0 N=0
# demo_send TITLE EXPECT(accepted|refused) LOGVERDICT FROM TO [swaks args]
demo_send() {
	local title=$1 expect=$2 verdict=$3 from=$4 to=$5 out rc id got line
	shift 5
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
	[ -n "$line" ] && say "  milter log: ${line#*info: }"
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

step "Result"
if [ "$BAD" = 0 ]; then say "All $N messages had the expected outcome."; else say "$BAD unexpected outcome(s): see above."; fi
say "Logs: milter $D/milter.log, Postfix $D/postfix/maillog, next hop $D/sink/received"

if [ "$KEEP" = 1 ]; then
	cat <<-EOF

	The demo keeps running. Send your own test mail from another shell, inside
	the demo's namespace (it has only loopback; nothing leaves the machine):

	  sudo nsenter -t $TP_NS -n swaks --server 127.0.0.1:$SMTP_PORT \\
	       --from you@sender.example --to someone@secure.example [--tls]

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
