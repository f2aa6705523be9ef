# t/integration/lib.sh - shared helpers for the real-MTA integration suite,
# the demo and benchmarks: a loopback-only network namespace, a throw-away CA,
# a private Postfix, Sendmail, smtp-sink, the milter, swaks, and TAP output.
#
# Source it from bash:  . t/integration/lib.sh ; tp_init
# Every server is started inside one network namespace that has only "lo"
# (no packet can leave the machine), is recorded by PID, and is stopped by
# PID in tp_cleanup (run from the EXIT trap that tp_init installs).
# Nothing here touches the machine's /etc, /dev or Postfix configuration.
#
# Functions take ports and milter addresses as parameters; nothing is fixed.
# Variables they set for the caller: TP_TMP TP_NS TP_PORT_BASE TP_FAILED
# TP_SENDMAIL_PID TP_MILTER_PID TP_MILTER_STATUS TP_STOP_STATUS.
# shellcheck disable=SC2034
# Needs root, util-linux (unshare, nsenter), iproute2, openssl, postfix
# (postfix, postconf, smtp-sink), swaks with libnet-ssleay-perl and
# libio-socket-ssl-perl, perl, and for Sendmail: apt-get download of
# sendmail-bin sendmail-base sendmail-cf (+ libwrap0 liblockfile1 installed).

# ---------------------------------------------------------------- basics

TP_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TP_SRCDIR=${TP_SRCDIR:-$(cd "$TP_LIBDIR/../.." && pwd)}

tp_log() { printf '%s\n' "$*" >&2; }
tp_die() { printf 'Bail out! %s\n' "$*"; exit 2; }

# tp_require_prereqs: fail loudly (never skip) when something is missing.
tp_require_prereqs() {
	local missing='' c
	[ "$(id -u)" = 0 ] || tp_die "must run as root (network namespace, Postfix, Sendmail)"
	for c in unshare nsenter ip openssl perl swaks postfix postconf smtp-sink m4 "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
	done
	[ -z "$missing" ] || tp_die "missing programs:$missing (see t/integration/README for the Debian packages)"
	perl -MNet::SSLeay -MIO::Socket::SSL -e 1 2>/dev/null ||
		tp_die "swaks --tls needs libnet-ssleay-perl and libio-socket-ssl-perl"
}

# tp_init [NAME]: temp dir, port base, EXIT trap.
#   TP_TMP  - per-run directory (kept when TP_KEEP=1 or a case failed)
#   TP_PORT_BASE - 10000..29900, derived from $$ (each run also has its own
#                  network namespace, so ports cannot clash between runs)
tp_init() {
	TP_NAME=${1:-tlspolicy-it}
	TP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$TP_NAME.XXXXXX") || tp_die "mktemp failed"
	chmod 755 "$TP_TMP"
	TP_PORT_BASE=$((10000 + ($$ % 200) * 100))
	TP_PIDS=()          # "pid:name" of every process we started
	TP_POSTFIX_DIRS=()  # private Postfix instances to stop
	TP_FAILED=0
	trap tp_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

tp_port() { echo $((TP_PORT_BASE + $1)); }

tp_track() { TP_PIDS+=("$1:$2"); }

# tp_pid_alive PID
tp_pid_alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# tp_stop_pid PID NAME [SECONDS]: SIGTERM, wait, then SIGKILL. Only this PID.
# Returns 1 when SIGKILL was needed. TP_STOP_STATUS: the exit status (when
# PID is a child of this shell; 143 = killed by SIGTERM).
tp_stop_pid() {
	local pid=$1 name=$2 secs=${3:-10} i
	TP_STOP_STATUS=
	if ! tp_pid_alive "$pid"; then
		wait "$pid" 2>/dev/null; TP_STOP_STATUS=$?
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < secs * 10; i++)); do
		if ! tp_pid_alive "$pid"; then
			wait "$pid" 2>/dev/null; TP_STOP_STATUS=$?
			return 0
		fi
		sleep 0.1
	done
	tp_log "# $name (pid $pid) ignored SIGTERM for ${secs}s: SIGKILL"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null; TP_STOP_STATUS=$?
	return 1
}

# tp_untrack PID
tp_untrack() {
	local e keep=()
	for e in "${TP_PIDS[@]}"; do [ "${e%%:*}" = "$1" ] || keep+=("$e"); done
	TP_PIDS=("${keep[@]}")
}

# tp_cleanup: stop everything we started, newest first, by PID.
tp_cleanup() {
	local rc=$? i e d
	trap - EXIT
	for d in "${TP_POSTFIX_DIRS[@]}"; do tp_postfix_stop "$d"; done
	for ((i = ${#TP_PIDS[@]} - 1; i >= 0; i--)); do
		e=${TP_PIDS[i]}
		tp_stop_pid "${e%%:*}" "${e#*:}" 10
	done
	TP_PIDS=()
	if [ -n "${TP_TMP:-}" ] && [ -d "$TP_TMP" ]; then
		if [ "$TP_FAILED" != 0 ] || [ "${TP_KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then
			tp_log "# logs kept in $TP_TMP"
		else
			rm -rf "$TP_TMP"
		fi
	fi
	exit "$rc"
}

# tp_wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
tp_wait_for() {
	local secs=$1 i; shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# ---------------------------------------------------------------- namespace

# tp_ns_start: a network namespace with only "lo", held by a sleeping process.
# Sets TP_NS (pid of the holder). Everything runs in it through tp_ns.
tp_ns_start() {
	unshare -n sleep 100000 &
	TP_NS=$!
	tp_track "$TP_NS" netns-holder
	tp_wait_for 5 test -e "/proc/$TP_NS/ns/net" || tp_die "unshare -n failed"
	# wait until the holder has really entered its namespace
	tp_wait_for 5 tp_ns_ready || tp_die "network namespace not ready"
	nsenter -t "$TP_NS" -n ip link set lo up || tp_die "ip link set lo up failed"
	TP_NS_INODE=$(stat -L -c %i "/proc/$TP_NS/ns/net")
	# proof that nothing can leave: the namespace has exactly one interface
	[ "$(nsenter -t "$TP_NS" -n ip -o link show | wc -l)" = 1 ] ||
		tp_die "namespace has more than the loopback interface"
}
tp_ns_ready() { [ "$(stat -L -c %i "/proc/$TP_NS/ns/net")" != "$(stat -L -c %i "/proc/$$/ns/net")" ]; }

# tp_ns CMD...: run CMD inside the namespace (foreground only: to start a
# server in the background, write "nsenter -t "$TP_NS" -n CMD &" so that $!
# is the server's own PID, not that of a subshell).
tp_ns() { nsenter -t "$TP_NS" -n "$@"; }

# tp_ns_listening PORT [ADDR]: is something listening on ADDR:PORT in the ns?
tp_ns_listening() {
	tp_ns ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# tp_ns_empty: no process left in our network namespace (but the holder)
tp_ns_empty() { [ -z "$(tp_ns_procs)" ]; }

# tp_ns_procs: PIDs of processes still in our network namespace (but the holder).
tp_ns_procs() {
	local p ino
	for p in /proc/[0-9]*; do
		ino=$(stat -L -c %i "$p/ns/net" 2>/dev/null) || continue
		[ "$ino" = "$TP_NS_INODE" ] || continue
		[ "${p#/proc/}" = "$TP_NS" ] && continue
		echo "${p#/proc/} $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
	done
}

# ---------------------------------------------------------------- certificates

# tp_ca_make DIR: a throw-away PKI for one run.
#   ca.crt          "tlspolicy Test CA"   signs the servers' certificate
#   partner-ca.crt  "Test Partner CA"     signs partner.crt (trusted client)
#   rogue-ca.crt    "Test Partner CA" too, but another key, NOT trusted:
#                   signs rogue.crt (same issuer name, must still fail)
#   other.crt       client cert signed by the trusted server CA (wrong issuer)
#   trusted.pem     ca.crt + partner-ca.crt (what the MTAs trust)
#   server.crt/key  CN mx.example.test, SAN mx/mta.example.test, 127.0.0.1
tp_ca_make() {
	local d=$1
	mkdir -p "$d" && chmod 700 "$d"
	(
		cd "$d" || exit 1
		set -e
		_ca() { # name cn
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/O=tlspolicy test/CN=$2" \
				-keyout "$1.key" -out "$1.crt" \
				-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
		}
		_leaf() { # name subject ca eku [san]
			openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr"
			{
				echo "basicConstraints=CA:FALSE"
				echo "keyUsage=digitalSignature"
				echo "extendedKeyUsage=$4"
				[ -z "${5:-}" ] || echo "subjectAltName=$5"
			} >"$1.ext"
			openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial \
				-days 2 -extfile "$1.ext" -out "$1.crt"
		}
		_ca ca "tlspolicy Test CA"
		_ca partner-ca "Test Partner CA"
		_ca rogue-ca "Test Partner CA"
		_leaf server "/O=tlspolicy test/CN=mx.example.test" ca serverAuth,clientAuth \
			"DNS:mx.example.test,DNS:mta.example.test,DNS:localhost,IP:127.0.0.1"
		_leaf partner "/O=Partner Ltd/CN=relay.partner.example" partner-ca clientAuth
		_leaf rogue "/O=Partner Ltd/CN=relay.partner.example" rogue-ca clientAuth
		_leaf other "/O=Other Ltd/CN=relay.other.example" ca clientAuth
		cat ca.crt partner-ca.crt >trusted.pem
		# Sendmail's CA directory: hashed links to the trusted CAs only
		mkdir -p cadir
		cp ca.crt partner-ca.crt cadir/
		openssl rehash cadir 2>/dev/null || c_rehash cadir >/dev/null
		chmod 600 ./*.key
		rm -f ./*.csr ./*.ext ./*.srl
	) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log"; tp_die "certificate generation failed"; }
	chmod 755 "$d"   # postfix/sendmail read the certs as root; keys stay 0600
}

# ---------------------------------------------------------------- smtp-sink

# tp_sink_start NAME PORT DUMPFILE: smtp-sink on 127.0.0.1:PORT, every
# message (envelope + content) appended to DUMPFILE. Give DUMPFILE a
# directory of its own (it is chowned to nobody).
tp_sink_start() {
	local name=$1 port=$2 dump=$3
	mkdir -p "$(dirname "$dump")"
	chown nobody "$(dirname "$dump")"   # smtp-sink -u nobody writes temp files beside it
	: >"$dump"; chmod 666 "$dump"
	nsenter -t "$TP_NS" -n smtp-sink -u nobody -D "$dump" \
		"127.0.0.1:$port" 50 >"$dump.stderr" 2>&1 &
	tp_track $! "smtp-sink $name"
	tp_wait_for 5 tp_ns_listening "$port" || tp_die "smtp-sink $name did not listen on $port"
}

# tp_sink_messages DUMPFILE: number of messages received so far
tp_sink_count() { grep -c '^X-Client-Addr:' "$1" 2>/dev/null || true; }

# tp_sink_message DUMPFILE LINE: print the dumped message(s) with a line equal to LINE.
# smtp-sink dump format: each message starts with X-Client-Addr: and carries
# X-Mail-Args: (MAIL FROM) and one X-Rcpt-Args: per recipient.
tp_sink_message() {
	awk -v tok="$2" '
		/^X-Client-Addr:/ { if (m) printf "%s", buf; buf = ""; m = 0 }
		{ buf = buf $0 "\n"; if ($0 == tok) m = 1 }
		END { if (m) printf "%s", buf }' "$1"
}

# ---------------------------------------------------------------- Postfix

# tp_postfix_start DIR SMTP_PORT MILTER RELAY_PORT CERTDIR [main.cf-line...]
#   MILTER: Postfix milter address (inet:127.0.0.1:PORT) or "none".
#   The milter lines are etc/postfix-main.cf (or $TP_POSTFIX_SNIPPET), pasted
#   verbatim with only its address inet:127.0.0.1:8895 replaced. Extra
#   arguments are appended to main.cf (later wins).
#   Mail for any domain is relayed to smtp-sink at 127.0.0.1:RELAY_PORT.
#   Log: DIR/maillog.
#   Optional environment:
#     TP_POSTFIX_MASTER_APPEND=FILE  appended to master.cf (extra transports)
#     TP_POSTFIX_HOSTS=FILE          run this Postfix in a mount namespace of
#                                    its own with FILE bound over /etc/hosts
#                                    and "hosts: files" in nsswitch.conf (for
#                                    smtp_host_lookup = native next-hop names)
#     TP_POSTFIX_LAST_WINS=1         comment out settings that a later line
#                                    (extra arguments) sets again
#     TP_POSTFIX_RESOLV=FILE         with TP_POSTFIX_HOSTS: FILE bound over
#                                    /etc/resolv.conf too (a validating
#                                    resolver, "options trust-ad")
tp_postfix_start() {
	local d=$1 port=$2 milter=$3 relay=$4 certs=$5 l
	shift 5
	mkdir -p "$d/conf" "$d/queue" "$d/data"
	chown postfix "$d/data"
	awk 'BEGIN { OFS = "\t" }
	     /^[a-z]/ && NF >= 8 && $2 ~ /^(inet|unix|unix-dgram|fifo|pass)$/ { $5 = "n" }
	     { print }' /usr/share/postfix/master.cf.dist |
		sed "s/^smtp\tinet\t.*/127.0.0.1:$port\tinet\tn\t-\tn\t-\t-\tsmtpd/" >"$d/conf/master.cf"
	grep -q "^127.0.0.1:$port" "$d/conf/master.cf" || tp_die "master.cf: smtpd line not found"
	if [ -n "${TP_POSTFIX_MASTER_APPEND:-}" ]; then
		cat "$TP_POSTFIX_MASTER_APPEND" >>"$d/conf/master.cf" || tp_die "cannot append $TP_POSTFIX_MASTER_APPEND to master.cf"
	fi
	cat >"$d/conf/main.cf" <<-EOF
		# private test instance (t/integration/lib.sh)
		compatibility_level = 3.6
		config_directory = $d/conf
		queue_directory = $d/queue
		data_directory = $d/data
		maillog_file = $d/maillog
		maillog_file_prefixes = $d
		syslog_name = postfix-test
		myhostname = mx.example.test
		mydomain = example.test
		myorigin = \$myhostname
		inet_interfaces = 127.0.0.1
		inet_protocols = ipv4
		mynetworks = 127.0.0.0/8
		mydestination =
		relay_domains =
		local_recipient_maps =
		alias_maps =
		alias_database =
		smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
		default_transport = smtp:[127.0.0.1]:$relay
		relay_transport = smtp:[127.0.0.1]:$relay
		smtp_dns_support_level = disabled
		disable_dns_lookups = yes
		smtpd_peername_lookup = no
		smtpd_client_connection_rate_limit = 0
		smtpd_error_sleep_time = 0
		smtpd_soft_error_limit = 1000
		smtpd_hard_error_limit = 1000
		smtpd_junk_command_limit = 1000
		queue_run_delay = 10s
		maximal_backoff_time = 10s
		minimal_backoff_time = 5s
		smtpd_tls_security_level = may
		smtpd_tls_cert_file = $certs/server.crt
		smtpd_tls_key_file = $certs/server.key
		smtpd_tls_CAfile = $certs/trusted.pem
		smtpd_tls_ask_ccert = yes
		smtpd_tls_loglevel = 1
		smtpd_tls_received_header = yes
		smtp_tls_security_level = none
		smtpd_delay_open_until_valid_rcpt = no
	EOF
	if [ "$milter" != none ]; then
		echo "# ---- etc/postfix-main.cf (verbatim but the milter address) ----" >>"$d/conf/main.cf"
		tp_subst_milter "${TP_POSTFIX_SNIPPET:-$TP_SRCDIR/etc/postfix-main.cf}" "inet:127.0.0.1:8895" "$milter" >>"$d/conf/main.cf" ||
			tp_die "etc/postfix-main.cf has no 'smtpd_milters = inet:127.0.0.1:8895' line to point at the test milter"
	fi
	for l in "$@"; do echo "$l" >>"$d/conf/main.cf"; done
	if [ -n "${TP_POSTFIX_LAST_WINS:-}" ]; then
		# comment out the earlier settings of a parameter set again later:
		# Postfix uses the last one anyway, but warns about it in every
		# process, and with no syslog reader on /dev/log those warnings
		# fill its queue and block the daemons (smtpd never answers)
		awk -F'[[:space:]]*=' '{ l[NR] = $0 } /^[a-z_0-9]+[[:space:]]*=/ { last[$1] = NR; name[NR] = $1 }
			END { for (i = 1; i <= NR; i++) print ((i in name) && last[name[i]] != i ? "# (set again below) " : "") l[i] }' \
			"$d/conf/main.cf" >"$d/conf/main.cf.new" && mv "$d/conf/main.cf.new" "$d/conf/main.cf"
	fi
	tp_ns postfix -c "$d/conf" check >"$d/check.log" 2>&1 || { cat "$d/check.log"; tp_die "postfix check failed ($d)"; }
	if [ -n "${TP_POSTFIX_HOSTS:-}" ]; then
		# the master and every daemon it forks stay in this mount namespace;
		# the machine's /etc is untouched ("postfix stop" works from outside)
		cp "$TP_POSTFIX_HOSTS" "$d/hosts"
		printf 'hosts: files\npasswd: files\ngroup: files\n' >"$d/nsswitch.conf"
		# shellcheck disable=SC2016  # $1 is expanded by that sh
		# TP_POSTFIX_RESOLV=FILE (with TP_POSTFIX_HOSTS): also /etc/resolv.conf
		: >"$d/resolv.conf"
		[ -z "${TP_POSTFIX_RESOLV:-}" ] || cp "$TP_POSTFIX_RESOLV" "$d/resolv.conf"
		tp_ns unshare -m sh -c 'mount --bind "$1/hosts" /etc/hosts && mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf &&
			{ [ -z "$2" ] || mount --bind "$1/resolv.conf" /etc/resolv.conf; } &&
			exec postfix -c "$1/conf" start' sh "$d" "${TP_POSTFIX_RESOLV:-}" >"$d/start.log" 2>&1 ||
			{ cat "$d/start.log"; tp_die "postfix start (private /etc/hosts) failed ($d)"; }
	else
		tp_ns postfix -c "$d/conf" start >"$d/start.log" 2>&1 || { cat "$d/start.log"; tp_die "postfix start failed ($d)"; }
	fi
	TP_POSTFIX_DIRS+=("$d")
	tp_wait_for 10 tp_ns_listening "$port" || { cat "$d/maillog"; tp_die "postfix did not listen on $port"; }
}

# tp_subst_milter FILE OLD NEW: print FILE with the milter address OLD
# replaced by NEW; fails if OLD does not occur on an active (non-comment) line.
tp_subst_milter() {
	grep -v '^[[:space:]]*\(#\|dnl\)' "$1" | grep -qF "$2" || return 1
	awk -v old="$2" -v new="$3" '
		/^[[:space:]]*(#|dnl)/ { print; next }
		{ out = ""; rest = $0
		  while ((i = index(rest, old)) > 0) { out = out substr(rest, 1, i - 1) new; rest = substr(rest, i + length(old)) }
		  print out rest }' "$1"
}

# tp_postfix_stop DIR: postfix stop, then make sure master is gone (by PID).
tp_postfix_stop() {
	local d=$1 pid e keep=()
	for e in "${TP_POSTFIX_DIRS[@]}"; do [ "$e" = "$d" ] || keep+=("$e"); done
	TP_POSTFIX_DIRS=("${keep[@]}")
	pid=$(tr -d ' \n' <"$d/queue/pid/master.pid" 2>/dev/null)
	tp_ns postfix -c "$d/conf" stop >>"$d/start.log" 2>&1
	if [ -n "$pid" ]; then
		tp_wait_for 10 eval "! tp_pid_alive $pid" || tp_stop_pid "$pid" "postfix master ($d)" 5
	fi
}

# tp_postfix_flush DIR: ask the queue manager to deliver now
tp_postfix_flush() { tp_ns postqueue -c "$1/conf" -f >/dev/null 2>&1; }

# tp_postfix_queue DIR: the instance's queue listing (postqueue -p)
tp_postfix_queue() { tp_ns postqueue -c "$1/conf" -p 2>&1; }

# tp_subst_line FILE OLD NEW: tp_subst_milter under a generic name (replace
# a fixed string on the active lines of an admin's snippet; fails if absent)
tp_subst_line() { tp_subst_milter "$@"; }

# ---------------------------------------------------------------- syslog reader

# tp_syslog_start SOCKET OUTFILE: a tiny syslog(3) receiver on a unix datagram
# socket (for Sendmail, which logs only to syslog).
tp_syslog_start() {
	local sock=$1 out=$2
	rm -f "$sock"
	: >"$out"
	perl -MIO::Socket::UNIX -MSocket -e '
		my ($path, $out) = @ARGV;
		my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die "syslog socket: $!";
		chmod 0666, $path;
		open(my $o, ">>", $out) or die "$out: $!";
		$o->autoflush(1);
		$SIG{TERM} = sub { exit 0 };
		my $buf;
		while (defined $s->recv($buf, 65536)) { $buf =~ s/\0$//; $buf =~ s/\n+$//; print $o "$buf\n"; }
	' "$sock" "$out" &
	tp_track $! "syslog reader"
	tp_wait_for 5 test -S "$sock" || tp_die "syslog reader did not start"
}

# ---------------------------------------------------------------- Sendmail

# tp_sendmail_root: a directory with Debian's sendmail-bin, sendmail-base and
# sendmail-cf unpacked (they conflict with postfix, so they are not installed).
# Cached in TP_SENDMAIL_CACHE (default /var/cache/tlspolicy-test/sendmail).
tp_sendmail_root() {
	local cache=${TP_SENDMAIL_CACHE:-/var/cache/tlspolicy-test/sendmail} f
	TP_SENDMAIL_ROOT=$cache/root
	if [ -x "$TP_SENDMAIL_ROOT/usr/libexec/sendmail/sendmail" ] &&
	   [ -f "$TP_SENDMAIL_ROOT/usr/share/sendmail/cf/m4/cf.m4" ]; then
		return 0
	fi
	mkdir -p "$cache/debs" || tp_die "cannot create $cache"
	chmod 755 "$cache" "$cache/debs"
	(
		flock 9   # another run may be unpacking right now
		[ -x "$TP_SENDMAIL_ROOT/usr/libexec/sendmail/sendmail" ] &&
			[ -f "$TP_SENDMAIL_ROOT/usr/share/sendmail/cf/m4/cf.m4" ] && exit 0
		cd "$cache/debs" || exit 1
		rm -f ./*.deb
		if ! apt-get download sendmail-bin sendmail-base sendmail-cf >"$cache/download.log" 2>&1; then
			# a fresh machine may not have the package lists yet
			apt-get update >>"$cache/download.log" 2>&1
			apt-get download sendmail-bin sendmail-base sendmail-cf >>"$cache/download.log" 2>&1 ||
				{ cat "$cache/download.log"; echo "apt-get download sendmail-bin sendmail-base sendmail-cf failed"; exit 1; }
		fi
		rm -rf "$TP_SENDMAIL_ROOT.new"
		for f in sendmail-bin_*.deb sendmail-base_*.deb sendmail-cf_*.deb; do
			dpkg-deb -x "$f" "$TP_SENDMAIL_ROOT.new" || { echo "dpkg-deb -x $f failed"; exit 1; }
		done
		rm -rf "$TP_SENDMAIL_ROOT" && mv "$TP_SENDMAIL_ROOT.new" "$TP_SENDMAIL_ROOT"
	) 9>"$cache/.lock" || tp_die "could not unpack Sendmail into $TP_SENDMAIL_ROOT"
	[ -x "$TP_SENDMAIL_ROOT/usr/libexec/sendmail/sendmail" ] || tp_die "no sendmail binary in the unpacked packages"
	if ldd "$TP_SENDMAIL_ROOT/usr/libexec/sendmail/sendmail" | grep -q 'not found'; then
		ldd "$TP_SENDMAIL_ROOT/usr/libexec/sendmail/sendmail" | grep 'not found'
		tp_die "sendmail needs libraries: install libwrap0 liblockfile1"
	fi
}

# tp_sendmail_start DIR SMTP_PORT MILTER RELAY_PORT CERTDIR [mc-line...]
#   MILTER: Sendmail filter address (inet:PORT@127.0.0.1) or "none".
#   The milter lines are etc/sendmail.mc (or $TP_SENDMAIL_SNIPPET), included
#   verbatim but the address inet:8895@127.0.0.1.
#   Runs in its own mount and UTS namespace (inside the network namespace):
#   hostname mta.example.test, a test /etc/hosts and nsswitch.conf bound over
#   the real ones, and a tmpfs /dev whose /dev/log is our syslog reader.
#   Log: DIR/maillog. Mail for *.example and *.test relayed to 127.0.0.1:RELAY_PORT.
tp_sendmail_start() {
	local d=$1 port=$2 milter=$3 relay=$4 certs=$5 l sm cf
	shift 5
	tp_sendmail_root
	sm=$TP_SENDMAIL_ROOT/usr/libexec/sendmail/sendmail
	cf=$TP_SENDMAIL_ROOT/usr/share/sendmail/cf
	mkdir -p "$d/mqueue" "$d/etc" "$d/dev" "$d/hoststat"
	chmod 700 "$d/mqueue"
	chmod 755 "$d"
	printf '127.0.0.1\tmta.example.test mta localhost %s\n::1\tlocalhost\n' "$(hostname)" >"$d/etc/hosts"
	printf 'hosts: files\npasswd: files\ngroup: files\n' >"$d/etc/nsswitch.conf"
	printf 'postmaster: root\nMAILER-DAEMON: postmaster\n' >"$d/aliases"
	: >"$d/statistics"
	if [ "$milter" != none ]; then
		tp_subst_milter "${TP_SENDMAIL_SNIPPET:-$TP_SRCDIR/etc/sendmail.mc}" "inet:8895@127.0.0.1" "$milter" >"$d/tlspolicy.mc" ||
			tp_die "etc/sendmail.mc has no INPUT_MAIL_FILTER with S=inet:8895@127.0.0.1 to point at the test milter"
	else
		: >"$d/tlspolicy.mc"
	fi
	{
		cat <<-EOF
			divert(-1)
			# private test instance (t/integration/lib.sh)
			divert(0)dnl
			OSTYPE(\`linux')dnl
			define(\`confDOMAIN_NAME', \`mta.example.test')dnl
			define(\`QUEUE_DIR', \`$d/mqueue')dnl
			define(\`ALIAS_FILE', \`$d/aliases')dnl
			define(\`STATUS_FILE', \`$d/statistics')dnl
			define(\`confPID_FILE', \`$d/sendmail.pid')dnl
			define(\`confHOST_STATUS_DIRECTORY', \`$d/hoststat')dnl
			define(\`confTO_IDENT', \`0')dnl
			define(\`confTO_CONNECT', \`5s')dnl
			define(\`confTO_ICONNECT', \`5s')dnl
			define(\`confTO_INITIAL', \`5s')dnl
			define(\`confQUEUE_LA', \`999')dnl
			define(\`confREFUSE_LA', \`999')dnl
			define(\`confDELAY_LA', \`0')dnl
			define(\`confMAX_DAEMON_CHILDREN', \`0')dnl
			define(\`confCONNECTION_RATE_THROTTLE', \`0')dnl
			define(\`confBAD_RCPT_THROTTLE', \`0')dnl
			define(\`confDELIVERY_MODE', \`background')dnl
			define(\`confLOG_LEVEL', \`14')dnl
			define(\`confDONT_PROBE_INTERFACES', \`true')dnl
			define(\`confSERVER_CERT', \`$certs/server.crt')dnl
			define(\`confSERVER_KEY', \`$certs/server.key')dnl
			define(\`confCLIENT_CERT', \`$certs/server.crt')dnl
			define(\`confCLIENT_KEY', \`$certs/server.key')dnl
			define(\`confCACERT', \`$certs/trusted.pem')dnl
			define(\`confCACERT_PATH', \`$certs/cadir')dnl
			define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
			define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
			define(\`RELAY_MAILER_ARGS', \`TCP \$h $relay')dnl
			FEATURE(\`no_default_msa')dnl
			FEATURE(\`accept_unresolvable_domains')dnl
			FEATURE(\`nocanonify')dnl
			RELAY_DOMAIN(\`example')dnl
			RELAY_DOMAIN(\`test')dnl
			DAEMON_OPTIONS(\`Port=$port, Addr=127.0.0.1, Name=MTA')dnl
			dnl ---- etc/sendmail.mc (verbatim but the milter address) ----
			include(\`$d/tlspolicy.mc')dnl
		EOF
		for l in "$@"; do echo "$l"; done
		cat <<-EOF
			MAILER(\`local')dnl
			MAILER(\`smtp')dnl
		EOF
	} >"$d/test.mc"
	m4 -D_CF_DIR_="$cf/" "$cf/m4/cf.m4" "$d/test.mc" >"$d/sendmail.cf" 2>"$d/m4.log" ||
		{ cat "$d/m4.log"; tp_die "m4 failed for $d/test.mc"; }
	# no connection test mode for Sendmail's "TLS" client side to the sink:
	# smtp-sink does not offer STARTTLS.
	tp_syslog_start "$d/log.sock" "$d/maillog"
	cat >"$d/run.sh" <<-EOF
		#!/bin/sh
		# runs inside: unshare -m -u (private mounts and hostname)
		set -e
		hostname mta.example.test
		mount --bind "$d/etc/hosts" /etc/hosts
		mount --bind "$d/etc/nsswitch.conf" /etc/nsswitch.conf
		mount -t tmpfs -o mode=755 tmpfs "$d/dev"
		for n in null zero random urandom; do touch "$d/dev/\$n"; mount --bind /dev/\$n "$d/dev/\$n"; done
		ln -s "$d/log.sock" "$d/dev/log"
		mount --bind "$d/dev" /dev
		"$sm" -C "$d/sendmail.cf" -bi >"$d/newaliases.log" 2>&1 || true
		exec "$sm" -C "$d/sendmail.cf" -bD -q1m -L sm-test
	EOF
	chmod 755 "$d/run.sh"
	nsenter -t "$TP_NS" -n unshare -m -u "$d/run.sh" >"$d/stderr.log" 2>&1 &
	tp_track $! "sendmail ($d)"
	TP_SENDMAIL_PID=$!
	tp_wait_for 20 tp_ns_listening "$port" || {
		cat "$d/stderr.log" "$d/maillog"; tp_die "sendmail did not listen on $port"; }
}

# tp_sendmail_stop DIR PID
tp_sendmail_stop() { tp_stop_pid "$2" "sendmail ($1)" 10; tp_untrack "$2"; }

# ---------------------------------------------------------------- the milter

# tp_milter_start BINARY CONF LOG: run the milter in the foreground (-f)
# inside the namespace, stderr+stdout to LOG; waits until PORT listens when
# TP_MILTER_PORT is set. Sets TP_MILTER_PID.
tp_milter_start() {
	local bin=$1 conf=$2 log=$3
	[ -x "$bin" ] || tp_die "milter binary $bin not found or not executable (set TLSPOLICY_MILTER)"
	"$bin" -t -c "$conf" >"$log.check" 2>&1 || { cat "$log.check"; tp_die "$bin -t -c $conf rejected the test config"; }
	nsenter -t "$TP_NS" -n "$bin" -f -c "$conf" >>"$log" 2>&1 &
	TP_MILTER_PID=$!
	tp_track "$TP_MILTER_PID" "tlspolicy-milter"
	if [ -n "${TP_MILTER_PORT:-}" ]; then
		tp_wait_for 10 tp_ns_listening "$TP_MILTER_PORT" || { cat "$log"; tp_die "milter did not listen on $TP_MILTER_PORT"; }
	fi
}

# tp_milter_stop: SIGTERM and wait (libmilter may take ~5 s); returns 1 if
# it needed SIGKILL or the port still listens. TP_MILTER_STATUS: exit status.
tp_milter_stop() {
	[ -n "${TP_MILTER_PID:-}" ] || return 0
	tp_stop_pid "$TP_MILTER_PID" tlspolicy-milter 15
	local rc=$?
	TP_MILTER_STATUS=$TP_STOP_STATUS
	tp_untrack "$TP_MILTER_PID"
	TP_MILTER_PID=
	if [ -n "${TP_MILTER_PORT:-}" ] && tp_ns_listening "$TP_MILTER_PORT"; then
		tp_log "# something still listens on the milter port $TP_MILTER_PORT"
		return 1
	fi
	return $rc
}

# ---------------------------------------------------------------- DNS bed, MTA-STS

# tp_dnsbed_start DIR [EXTRA]: the signed DNS test bed (t/dnsbed/dnsbed.sh,
# see its header for the zones) inside the namespace: a recursive unbound on
# 127.0.0.1:53 (and the bed's mute/slow servers on 127.0.0.53/.54), trust
# anchor DIR/anchor. EXTRA: the bed's extra-zone file. Its servers are
# tracked like every other process (stopped by PID in tp_cleanup).
# Nothing else of a run may listen on port 53.
tp_dnsbed_start() {
	local dir=$1 extra=${2:-} pid name
	tp_ns_listening 53 && tp_die "something already listens on port 53 in the namespace (the DNS bed needs it)"
	DNSBED_EXTRA=""
	# shellcheck source=t/dnsbed/dnsbed.sh
	. "$TP_SRCDIR/t/dnsbed/dnsbed.sh"
	mkdir -p "$dir"
	# dnsbed.sh is not written for "set -u" (the demo's mode)
	local opts=$-
	set +u
	DNSBED_NSENTER="nsenter -t $TP_NS -n" dnsbed_start "$dir" "$extra" >"$dir/start.log" 2>&1
	local rc=$?
	case $opts in *u*) set -u ;; esac
	while read -r pid name; do tp_track "$pid" "dnsbed $name"; done <"$dir/pids"
	[ $rc = 0 ] || { cat "$dir/start.log"; tp_die "the signed DNS test bed did not start ($dir)"; }
}

# tp_mtasts_start DIR CADIR SITE...: nginx serving MTA-STS policies over
# HTTPS on port 443, as RFC 8461 fetches them. SITE is "ADDR DOMAIN POLICY":
# https://mta-sts.DOMAIN/.well-known/mta-sts.txt on ADDR:443 answers POLICY
# (printf escapes such as \n are expanded), text/plain. One certificate for
# every mta-sts.DOMAIN, signed by CADIR/ca.crt + ca.key (tp_ca_make).
# Publish the addresses yourself (A records in the DNS bed). Sets TP_NGINX_PID.
tp_mtasts_start() {
	local d=$1 ca=$2 site addr dom pol san='' t
	shift 2
	mkdir -p "$d/www" "$d/tmp"
	for site in "$@"; do
		read -r addr dom pol <<<"$site"
		san="${san:+$san,}DNS:mta-sts.$dom"
		mkdir -p "$d/www/$dom/.well-known"
		# shellcheck disable=SC2059  # the policy's escapes are meant
		printf "$pol" >"$d/www/$dom/.well-known/mta-sts.txt"
	done
	chmod -R a+rX "$d/www"
	(
		cd "$d" || exit 1
		set -e
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=tlspolicy test/CN=mta-sts" \
			-keyout sts.key -out sts.csr
		printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
			"$san" >sts.ext
		openssl x509 -req -in sts.csr -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial -CAserial sts.srl \
			-days 2 -extfile sts.ext -out sts.crt
		chmod 600 sts.key
	) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log"; tp_die "MTA-STS certificate generation failed"; }
	{
		echo "daemon off; master_process on; worker_processes 1; user nobody nogroup;"
		echo "pid $d/nginx.pid; error_log $d/error.log info;"
		echo "events { worker_connections 64; }"
		echo "http {"
		echo "  access_log $d/access.log;"
		for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $d/tmp/$t;"; done
		echo "  types { text/plain txt; } default_type text/plain;"
		for site in "$@"; do
			read -r addr dom pol <<<"$site"
			echo "  server { listen $addr:443 ssl; server_name mta-sts.$dom;"
			echo "    ssl_certificate $d/sts.crt; ssl_certificate_key $d/sts.key;"
			echo "    root $d/www/$dom; }"
		done
		echo "}"
	} >"$d/nginx.conf"
	nsenter -t "$TP_NS" -n nginx -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" >"$d/nginx.out" 2>&1 &
	TP_NGINX_PID=$!
	tp_track "$TP_NGINX_PID" nginx
	tp_wait_for 10 tp_ns_listening 443 || { cat "$d/nginx.out" "$d/error.log"; tp_die "nginx did not listen on port 443"; }
}

# ---------------------------------------------------------------- swaks

# tp_swaks OUTFILE swaks-args...: run swaks in the namespace, transcript to
# OUTFILE; returns swaks' exit code (0 delivered, 23/24/25 refused ...).
tp_swaks() {
	local out=$1; shift
	tp_ns swaks --timeout 20 --hide-informational "$@" >"$out" 2>&1
}

# tp_swaks_reply OUTFILE CMD: the server's reply line(s) to the client
# command(s) starting with CMD (case-insensitive), e.g. "MAIL FROM",
# "RCPT TO:<a@b.example>", "STARTTLS", "." (end of data),
# printed as "550 5.7.10 text", one line per reply line.
tp_swaks_reply() {
	awk -v want="$2" '
		BEGIN { want = toupper(want); cur = "" }
		/^ *[-~]> / { cur = $0; sub(/^ *[-~]> /, "", cur); cur = toupper(cur); next }
		/^ *<[-~*]+ / { if (substr(cur, 1, length(want)) == want) { l = $0; sub(/^ *<[-~*]+ +/, "", l); print l } }' "$1"
}

# ---------------------------------------------------------------- TAP

TP_TESTNUM=0
tp_plan() { echo "1..$1"; }

# A test point collects failures with tp_expect*; tp_end prints ok/not ok.
tp_begin() { TP_DESC=$1; TP_ERRS=(); TP_DIAG_FILES=(); }
tp_fail_msg() { TP_ERRS+=("$1"); }
# tp_attach FILE [ERE [OFFSET]]: on failure, show FILE's lines (from byte
# OFFSET on, when given) that match ERE (all when empty; at most 40).
TP_SEP=$'\x1f'
tp_attach() { TP_DIAG_FILES+=("${3:-0}$TP_SEP${2:-}$TP_SEP$1"); }
# tp_size FILE: its size now (an OFFSET for tp_attach)
tp_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# tp_expect_match DESCR TEXT ERE: TEXT must match ERE
tp_expect_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then return 0; fi
	tp_fail_msg "$1: expected /$3/, got: ${2:-<nothing>}"
}
tp_expect_nomatch() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then tp_fail_msg "$1: expected no /$3/, got: $2"; fi
}
tp_expect_eq() { [ "$2" = "$3" ] || tp_fail_msg "$1: expected '$3', got '${2}'"; }

tp_end() {
	local e f p o
	TP_TESTNUM=$((TP_TESTNUM + 1))
	if [ ${#TP_ERRS[@]} = 0 ]; then
		echo "ok $TP_TESTNUM - $TP_DESC"
		return 0
	fi
	TP_FAILED=$((TP_FAILED + 1))
	echo "not ok $TP_TESTNUM - $TP_DESC"
	for e in "${TP_ERRS[@]}"; do echo "#   $e"; done
	for f in "${TP_DIAG_FILES[@]}"; do
		o=${f%%"$TP_SEP"*}; f=${f#*"$TP_SEP"}; p=${f%%"$TP_SEP"*}; f=${f#*"$TP_SEP"}
		echo "#   --- $f${p:+ (lines matching $p)}$([ "$o" = 0 ] || echo ", written during this test"):"
		tail -c +"$((o + 1))" "$f" 2>/dev/null | grep -E -- "${p:-.}" | tail -n 40 | sed 's/^/#     /'
	done
	return 1
}
