# t/dnsbed/dnsbed.sh - a signed DNS tree on loopback, served by one unbound.
#
# Source it from bash, then, inside a loopback-only network namespace:
#   dnsbed_start DIR [EXTRA]    build keys, zones, config under DIR; start the servers
#   dnsbed_stop DIR             stop what dnsbed_start started (by PID)
# When the calling shell is not itself in the namespace, set DNSBED_NSENTER to
# the prefix that enters it (e.g. "nsenter -t $NS -n"); the servers are started
# with it.  Needs ldnsutils (ldns-keygen, ldns-signzone, ldns-verify-zone),
# unbound, dig (bind9-dnsutils) and /usr/bin/python3.
#
# What the product is given afterwards:
#   resolver  127.0.0.1 (port 53): a recursive, NON-validating unbound whose
#             upstream is local data (auth-zone for-upstream), so the
#             product's libunbound does all of the validating itself
#   anchor    DIR/anchor: DS of "example." in zone-file format
#             (trust_anchor_file); DIR/anchor.dnskey: its DNSKEY, with a
#             comment (the layout of /usr/share/dns/root.key);
#             DIR/anchor.conf: the same for delv
# The tree ("." is unsigned; everything below example. is validated from the
# anchor):
#   example.            signed; ns.example. = 127.0.0.1
#   secure.example.     signed:   MX 10 mx.secure.example. (A 127.0.0.10);
#                       plain.secure.example. A 127.0.0.11 (no MX: implicit MX);
#                       _mta-sts.secure.example. TXT "v=STSv1; " "id=dnsbed1";
#                       nothing else exists there (secure NXDOMAIN)
#   insecure.example.   unsigned delegation (no DS): MX 10 mx.insecure.example. (127.0.0.12)
#   bogus.example.      signed, then its MX RRset edited: MX 20 evil.bogus.example. (bogus)
#   nullmx.example.     signed: MX 0 . (RFC 7505)
#   tlsa.example.       signed: MX 10 mx.tlsa.example. (127.0.0.14),
#                       _25._tcp.mx.tlsa.example. TLSA 3 1 1 sha256("dnsbed")
#   slow.example.       delegated (insecure) to 127.0.0.53, which reads queries
#                       and never answers (timeouts)
#   delay.example.      delegated (insecure) to 127.0.0.54, which answers every
#                       A query with 127.0.0.1 after DNSBED_DELAY_MS (default 300)
#
# EXTRA (file, or $DNSBED_EXTRA) adds to the tree before signing.  Lines:
#   # comment
#   zone NAME signed|unsigned|bogus    a new zone, delegated from the deepest
#                                      zone above it (DS added when signed;
#                                      bogus: signed, then its MX edited)
#   OWNER. [TTL] [IN] TYPE RDATA       a record (absolute owner name); it goes
#                                      into the deepest zone containing OWNER
# e.g.  zone sts.example signed
#       sts.example. MX 10 mx.sts.example.
#       mx.sts.example. A 127.0.0.20
#       _mta-sts.sts.example. TXT "v=STSv1; id=1"
#       mta-sts.sts.example. A 127.0.0.21
# Addresses 127.0.0.1, .53 and .54 (port 53) are the bed's own.
# Files: DIR/zones/*.zone (sources), *.signed, DIR/keys, DIR/unbound.conf,
# DIR/unbound.log, DIR/pids.  Nothing leaves the namespace.

DNSBED_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DNSBED_RESOLVER=127.0.0.1

dnsbed_die() { printf 'dnsbed: %s\n' "$*" >&2; return 1; }

# zone file name of a zone ("." is root)
dnsbed_zfile() { [ "$2" = . ] && echo "$1/zones/root.zone" || echo "$1/zones/${2%.}.zone"; }

# dnsbed_parent NAME: the deepest zone of DNSBED_ZONES that contains NAME
# (NAME itself excluded when $2 = strict)
dnsbed_parent() {
	local name=$1 best=. z
	for z in "${!DNSBED_MODE[@]}"; do
		[ "$z" = . ] && continue
		[ "$2" = strict ] && [ "$z" = "$name" ] && continue
		case ".$name" in
		*".$z") [ ${#z} -gt ${#best} ] && best=$z ;;
		esac
	done
	echo "$best"
}

# dnsbed_zone NAME MODE [RECORDS...]: declare a zone with its own records
dnsbed_zone() {
	local dir=$1 z=$2 mode=$3 f
	shift 3
	case $mode in signed|unsigned|bogus) ;; *) dnsbed_die "zone $z: bad mode $mode"; return 1 ;; esac
	DNSBED_MODE[$z]=$mode
	f=$(dnsbed_zfile "$dir" "$z")
	{
		printf '$TTL 300\n'
		printf '%s SOA ns.example. hostmaster.example. 1 3600 600 86400 300\n' "$z"
		printf '%s NS ns.example.\n' "$z"
		for r in "$@"; do printf '%s\n' "$r"; done
	} > "$f"
}

# dnsbed_read_extra DIR FILE: zones first, then records into their zones
dnsbed_read_extra() {
	local dir=$1 file=$2 line owner z
	[ -r "$file" ] || { dnsbed_die "cannot read $file"; return 1; }
	while read -r line; do
		set -- $line
		[ "$1" = zone ] || continue
		[ $# = 3 ] || { dnsbed_die "bad line: $line"; return 1; }
		dnsbed_zone "$dir" "${2%.}." "$3" || return 1
	done < "$file"
	while read -r line; do
		case $line in ''|'#'*|'zone '*) continue ;; esac
		owner=${line%%[[:space:]]*}
		owner=${owner,,}
		case $owner in *.) ;; *) dnsbed_die "owner must be absolute: $line"; return 1 ;; esac
		z=$(dnsbed_parent "$owner")
		[ "$z" = . ] && { dnsbed_die "no bed zone holds $owner"; return 1; }
		printf '%s\n' "$line" >> "$(dnsbed_zfile "$dir" "$z")"
	done < "$file"
}

# dnsbed_sign DIR ZONE: sign (and verify) one zone; write its DS to DIR/keys/ZONE.ds
dnsbed_sign() {
	local dir=$1 z=$2 base src
	src=$(dnsbed_zfile "$dir" "$z")
	base=$(cd "$dir/keys" && ldns-keygen -a ECDSAP256SHA256 -k "${z%.}") || return 1
	cp "$dir/keys/$base.ds" "$dir/keys/${z%.}.ds"
	cp "$dir/keys/$base.key" "$dir/keys/${z%.}.key"
	# inception an hour back: no validator may see it as "not yet valid"
	ldns-signzone -n -t 0 -i $(( $(date +%s) - 3600 )) -o "$z" -f "$src.signed" "$src" \
		"$dir/keys/$base" || return 1
	ldns-verify-zone "$src.signed" >/dev/null || { dnsbed_die "ldns-verify-zone $z failed"; return 1; }
	if [ "${DNSBED_MODE[$z]}" = bogus ]; then
		# change the MX rdata under the signature: the RRSIG no longer fits
		awk -F'\t' -v OFS='\t' '$4 == "MX" { $5 = "20 evil." z } { print }' z="$z" \
			"$src.signed" > "$src.tmp" && mv "$src.tmp" "$src.signed"
		grep -q "evil.$z" "$src.signed" || { dnsbed_die "could not make $z bogus"; return 1; }
	fi
}

dnsbed_start() {
	local dir=$1 extra=${2:-$DNSBED_EXTRA} z p zones depth f sha pid i
	[ -n "$dir" ] || { dnsbed_die "usage: dnsbed_start DIR [EXTRA]"; return 1; }
	mkdir -p "$dir/zones" "$dir/keys" || return 1
	: > "$dir/pids"
	unset DNSBED_MODE; declare -gA DNSBED_MODE
	sha=$(printf dnsbed | sha256sum | cut -d' ' -f1)

	DNSBED_MODE[.]=unsigned
	dnsbed_zone "$dir" example. signed "ns.example. A 127.0.0.1" \
		"slow.example. NS ns.slow.example." "ns.slow.example. A 127.0.0.53" \
		"delay.example. NS ns.delay.example." "ns.delay.example. A 127.0.0.54"
	dnsbed_zone "$dir" secure.example. signed "secure.example. MX 10 mx.secure.example." \
		"mx.secure.example. A 127.0.0.10" "plain.secure.example. A 127.0.0.11" \
		'_mta-sts.secure.example. TXT "v=STSv1; " "id=dnsbed1"'
	dnsbed_zone "$dir" insecure.example. unsigned "insecure.example. MX 10 mx.insecure.example." \
		"mx.insecure.example. A 127.0.0.12"
	dnsbed_zone "$dir" bogus.example. bogus "bogus.example. MX 10 mx.bogus.example." \
		"mx.bogus.example. A 127.0.0.13" "evil.bogus.example. A 127.0.0.13"
	dnsbed_zone "$dir" nullmx.example. signed "nullmx.example. MX 0 ."
	dnsbed_zone "$dir" tlsa.example. signed "tlsa.example. MX 10 mx.tlsa.example." \
		"mx.tlsa.example. A 127.0.0.14" "_25._tcp.mx.tlsa.example. TLSA 3 1 1 $sha"
	if [ -n "$extra" ]; then dnsbed_read_extra "$dir" "$extra" || return 1; fi

	# deepest zones first: a parent needs its children's DS before signing
	zones=$(for z in "${!DNSBED_MODE[@]}"; do
		[ "$z" = . ] && continue
		depth=$(printf '%s' "$z" | tr -cd . | wc -c); echo "$depth $z"
	done | sort -rn | cut -d' ' -f2)
	for z in $zones; do
		p=$(dnsbed_parent "$z" strict)
		[ "$p" = . ] && continue                 # example. itself: in the root below
		f=$(dnsbed_zfile "$dir" "$z")
		if [ "${DNSBED_MODE[$z]}" != unsigned ]; then
			dnsbed_sign "$dir" "$z" || return 1
			grep -v '^;' "$dir/keys/${z%.}.ds" >> "$(dnsbed_zfile "$dir" "$p")"
		fi
		printf '%s NS ns.example.\n' "$z" >> "$(dnsbed_zfile "$dir" "$p")"
	done
	dnsbed_sign "$dir" example. || return 1
	grep -v '^;' "$dir/keys/example.ds" > "$dir/anchor"
	# the same anchor as a DNSKEY, laid out like Debian's root.key
	{ printf '; trust anchor of the test tree\n'; grep -v '^;' "$dir/keys/example.key"; } \
		> "$dir/anchor.dnskey"
	awk '{ for (i = 2; i <= NF; i++) if ($i == "DS") break
	       printf "trust-anchors {\n\t%s static-ds %s %s %s \"%s\";\n};\n", $1, $(i+1), $(i+2), $(i+3), $(i+4) }' \
		"$dir/anchor" > "$dir/anchor.conf"

	# the unsigned root: delegates example. to 127.0.0.1
	{
		printf '$TTL 300\n. SOA a.root. hostmaster.root. 1 3600 600 86400 300\n'
		printf '. NS a.root.\na.root. A 127.0.0.1\n'
		printf 'example. NS ns.example.\nns.example. A 127.0.0.1\n'
	} > "$dir/zones/root.zone"
	printf '. 3600000 NS a.root.\na.root. 3600000 A 127.0.0.1\n' > "$dir/root.hints"

	{
		cat <<CONF
server:
	interface: 127.0.0.1
	port: 53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: "$dir/unbound.pid"
	use-syslog: no
	logfile: "$dir/unbound.log"
	verbosity: 1
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	do-not-query-localhost: no
	qname-minimisation: no
	root-hints: "$dir/root.hints"
	local-zone: "example." nodefault
remote-control:
	control-enable: no
CONF
		for z in . "${!DNSBED_MODE[@]}"; do
			[ "$z" = . ] && [ -n "$done_root" ] && continue
			[ "$z" = . ] && done_root=1
			f=$(dnsbed_zfile "$dir" "$z")
			[ "${DNSBED_MODE[$z]}" != unsigned ] && f=$f.signed
			printf 'auth-zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$z" "$f"
			printf '\tfor-upstream: yes\n\tfor-downstream: no\n\tfallback-enabled: no\n'
		done
	} > "$dir/unbound.conf"
	unset done_root
	unbound-checkconf "$dir/unbound.conf" >/dev/null || { dnsbed_die "unbound-checkconf failed"; return 1; }

	$DNSBED_NSENTER unbound -d -c "$dir/unbound.conf" 2>>"$dir/unbound.log" &
	echo "$! unbound" >> "$dir/pids"
	$DNSBED_NSENTER /usr/bin/python3 "$DNSBED_LIB/dnsbed_server.py" silent 127.0.0.53 \
		2>>"$dir/servers.log" &
	echo "$! silent" >> "$dir/pids"
	$DNSBED_NSENTER /usr/bin/python3 "$DNSBED_LIB/dnsbed_server.py" delay 127.0.0.54 \
		"${DNSBED_DELAY_MS:-300}" 127.0.0.1 2>>"$dir/servers.log" &
	echo "$! delay" >> "$dir/pids"
	for ((i = 0; i < 100; i++)); do
		if [ -n "$($DNSBED_NSENTER dig @127.0.0.1 +tries=1 +time=1 +short example. SOA 2>/dev/null)" ]; then
			return 0
		fi
		sleep 0.1
	done
	dnsbed_die "unbound did not answer within 10 s (see $dir/unbound.log)"
}

dnsbed_stop() {
	local dir=$1 pid name i
	[ -f "$dir/pids" ] || return 0
	while read -r pid name; do
		kill -TERM "$pid" 2>/dev/null || continue
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done < "$dir/pids"
	: > "$dir/pids"
}
