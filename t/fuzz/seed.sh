#!/bin/sh
# t/fuzz/seed.sh - write the seed inputs of every harness into DIR/<harness>/
# (one file per seed): values from the unit test tables (t/test_*.c), the
# config files of the tests and etc/, and real Postfix and Sendmail macro
# values.  The committed corpora (t/fuzz/corpus/) are these seeds plus what
# the fuzzers found, minimized with -merge=1 (see FUZZING.md):
#     sh t/fuzz/seed.sh /tmp/seeds
#     ./fuzz_addr -merge=1 t/fuzz/corpus/fuzz_addr /tmp/seeds/fuzz_addr /tmp/found/fuzz_addr
# A new harness adds a section here.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: seed.sh DIR}
n=0

# seed HARNESS FORMAT [ARGS...] - one seed file, written with printf
seed() {
	h=$1
	shift
	mkdir -p "$out/$h"
	n=$((n + 1))
	# shellcheck disable=SC2059
	printf "$@" >"$out/$h/seed-$n"
}

# ---- fuzz_addr: MAIL FROM / RCPT TO arguments, domain names ----
for a in '<user@example.com>' '<User@Example.COM.>' 'user@example.com' '<>' '' '  <a@b.example> ' \
    '<"a b"@example.com>' '<"a@b"@example.com>' '<"a\\"b"@x.example>' '<"<a>"@x.example>' \
    '<@r1.example,@r2.example:user@example.com>' '<user@[192.0.2.1]>' '<user@[IPv6:2001:DB8::1]>' \
    '<postmaster>' 'Postmaster' '<first.last+tag@example.com>' '<<a@b>' '<a@b..c>' '<a@-x.example>' \
    '<u@[192.0.2.1]x>' '<a@b@c.example>' '<"a".b@x.example>' '_dmarc.Example.COM.' '.lawfirm.example' \
    'xn--bcher-kva.example' 'a-b.c_d.example' 'srs0=abcd=xy=example.com=user@bounce.example'; do
	seed fuzz_addr '%s' "$a"
done
seed fuzz_addr '<a\r\n@b>'
seed fuzz_addr '<j\303\266rg@example.com>'
seed fuzz_addr '%s' "$(printf '%063d' 0).$(printf '%063d' 0).$(printf '%063d' 0).$(printf '%061d' 0)"

# ---- fuzz_cidr: rule prefixes and client addresses ----
for c in 0.0.0.0/0 10.0.0.0/8 10.0.0.0/00000008 192.0.2.0/24 192.0.2.1/24 192.0.2.128/25 192.0.2.7/32 \
    192.0.2.0/33 192.0.2/24 256.0.0.1 ::/0 ::1 2001:db8::/32 2001:DB8::1 2001:db8::1/128 2001:db8::2/127 \
    2001:db8::/129 ::ffff:192.0.2.0/120 ::ffff:192.0.2.0/64 ::ffff:192.0.2.1 IPv6:2001:db8::/48 \
    IPv6:2001:db8::1 IPv6:192.0.2.1 fe80::1%eth0 1.2.3.4/ /24 192.0.2.0/24/8; do
	seed fuzz_cidr '%s' "$c"
done

# ---- fuzz_tlsfacts: dialect ('0' auto, '1' postfix, '2' sendmail), presence
# mask (2 bytes), then NUL-separated values in this order:
#   v {tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}
#   {verify} {cert_fp} {cert_md5} {auth_type}
tf() {
	d=$1 lo=$2 hi=$3
	shift 3
	seed fuzz_tlsfacts "$d\\$lo\\$hi%s\\000%s\\000%s\\000%s\\000%s\\000%s\\000%s\\000%s\\000%s\\000%s" "$@"
}
CIPH=TLS_AES_256_GCM_SHA384
# Postfix 3.7: CN-only subject/issuer, sent only for a trusted certificate; no {verify}
tf 0 017 000 'Postfix 3.7.11' TLSv1.3 $CIPH 256 '' '' '' '' '' ''
tf 0 077 000 'Postfix 3.7.11' TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 128 mx.partner.example 'Partner CA' '' '' '' ''
tf 1 377 003 'Postfix 3.7.11' TLSv1.3 $CIPH 256 'mx.bank.example' "R3" '' '' '' PLAIN
tf 0 001 002 'Postfix 3.7.11' '' '' '' '' '' '' '' '' LOGIN
# Sendmail 8.17: xtext DNs, {verify}, {cert_md5}/{cert_fp}
tf 0 377 001 8.17.1 TLSv1.3 $CIPH 256 '/C=DE/O=Bank+20AG/CN=mx.bank.example' \
    '/C=DE/O=Bank+20AG/CN=Bank+20AG+20Issuing+20CA' OK '' '9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15' ''
tf 2 377 001 8.17.1 TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 256 '/C=DE/O=Partner+20GmbH/CN=mx+2Epartner.example' \
    '/C=DE/O=Partner+20GmbH/CN=Partner+20CA' TRUSTED \
    'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c' '' ''
tf 2 317 000 8.17.1 TLSv1.3 $CIPH 256 '' '' NO '' '' ''
tf 2 317 000 8.17.1 TLSv1.2 $CIPH 256 '' '' FAIL '' '' ''
tf 2 317 000 8.17.1 TLSv1.2 $CIPH 256 '' '' NONE '' '' ''
tf 2 377 000 8.17.1 TLSv1.3 $CIPH 256 '/CN=first/OU=x/CN=last' '/CN=CA' TEMP '' '' ''
tf 2 377 000 8.17.1 TLSv1.3 $CIPH 256 'bad+Z1/CN=x' 'line+0D+0Abreak' PROTOCOL '' '' ''
tf 0 377 003 '' tlsv1.2 '' 00000128 'hi+FF' '+' trusted '0A0B' 'ffff' ''
tf 0 000 000 '' '' '' '' '' '' '' '' '' ''
tf 2 126 000 '' '' '' '' '/CN=x' '' OK '' 'ab:cd' ''

# ---- fuzz_reply: template, then NUL-separated values (domain reason
# tls_version cipher_bits client sender recipient rule) ----
for t in '550 5.7.10 Mail for %{domain} is accepted only over TLS (%{reason})' '451 4.7.1 try again' \
    '554 5.7.0 %{domain}%{reason}%{tls_version}%{cipher_bits}%{client}%{sender}%{recipient}%{rule}' \
    '550 5.7.1 100%% sure' '550 5.999.999 x' '550 5.7.1 %{}' '550 5.7.1 hello %{foo} x' '550 5.7.1 a % b' \
    '550 5.7.1 x %{domain' '550 4.7.1 x' '250 2.0.0 ok' '560 5.7.1 x' '5500 5.7.1 x' '550 denied' \
    '550 5.7.01 x' '550 5.7.1' '550 5.7.1 ' '450 4.7.10 Mail from client %{domain} is accepted only over TLS: %{reason}'; do
	seed fuzz_reply '%s' "$t"
done
seed fuzz_reply '550 5.7.1 a\r\n250 ok'
seed fuzz_reply '%s\000%s\000%s\000%s\000%s\000%s\000%s\000%s\000%s' '550 5.7.1 %%s for %{sender} ok %{rule}' \
    d r TLSv1.2 128 192.0.2.1 "$(printf 'a\r\n250 2.0.0 fake\r\n')" r@y 'rule 3'
seed fuzz_reply '%s\000\000\000\000\000%s\000\000\000' '550 5.7.1 <%{client}> %{reason}' "$(printf '\001\033[0m\177\377')"
seed fuzz_reply '%s\000%s\000%s' '550 5.7.1 %{reason}' secure.example '50% done %s'

# ---- fuzz_content: flags byte (1 caseless, 2 strip, 4 small buffer), pattern, NUL, header value ----
seed fuzz_content '\002^\\s*\\[secure\\]\\s*\000[secure] Q3 numbers'
seed fuzz_content '\003^\\[secure\\]\\s*\000[SECURE] x'
seed fuzz_content '\000^restricted$\000restricted'
seed fuzz_content '\002\\[(confidential|secret)\\]\000Re: [secret] plans'
seed fuzz_content '\006(?i)tls\000require TLS for this one please'
seed fuzz_content '\002([unclosed\000x'
seed fuzz_content '\002\\K\000abc'
seed fuzz_content '\002(?=ab\\K)\000xab'
seed fuzz_content '\002^(a+)+$\000aaaaaaaaaaaaaaaaaaaab'

# ---- fuzz_config: the test and sample configs ----
for f in "$top"/etc/tlspolicy-milter.conf "$top"/t/mt/*.conf; do
	mkdir -p "$out/fuzz_config"
	n=$((n + 1))
	sed -e 's|@SOCKET@|/run/tp.sock|g' -e 's|@DIR@|/nonexistent|g' "$f" >"$out/fuzz_config/seed-$n"
done
seed fuzz_config 'socket = "unix:/run/tp.sock";\nprofiles = { tls = { encrypted = true; }; };\nrules = (\n  { recipient_list = "domains.list"; require = "tls"; },\n  { sender_list = "bad.list"; require = "tls"; }\n);\n'
seed fuzz_config 'profiles = { p = { min_version = "TLSv1.2"; min_bits = 128; client_cert = "verified"; subject = "mx"; issuer = "CA"; fingerprint = [ "AB:CD", "ef01" ]; }; };\nrules = ( { client = [ "192.0.2.0/24", "2001:db8::/32", ".partner.example" ]; require = "p"; action = "tempfail"; mode = "testing"; reply = "451 4.7.1 %%{client} needs a cert 100%%%%"; } );\n'
seed fuzz_config 'requiretls = { address_tag = "requiretls"; header = "X-RequireTLS"; trace_header = "X-RequireTLS-Reason"; verify = "off";\n  content = ( { header = "Subject"; match = "^\\\\s*\\\\[secure\\\\]"; strip = true; caseless = true; } ); };\nrules = ( { recipient = "a.example"; requiretls = true; } );\n'
seed fuzz_config 'socket = "inet:99999";\nsocket_mode = "0999";\nuser = "no-such-user";\nlog = { facility = "local9"; level = "loud"; };\nmode = 1;\ncolour = "blue";\nrules = ( { sendr = "b.example"; require = "nope"; } );\n'
seed fuzz_config 'rules = ( { sender = "a.example"; require = tls; } );\n'
seed fuzz_config 'socket = "\\x1b[31m\\n";\n'
echo "seed.sh: $n seeds in $out"
