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
# ---- fuzz_dns_rdata: selector (0 name, 1 MX, 2 TXT, 3 TLSA, 4 A, 5 AAAA, 6 all), then the rdata
# (the shapes of t/test_dns_rdata.c and of real answers: gmail.com's MX, _mta-sts TXT, a DANE TLSA) ----
seed fuzz_dns_rdata '\000\003mx1\007example\003com\000'
seed fuzz_dns_rdata '\000\003MX1\007Example\003COM\000trailing'
seed fuzz_dns_rdata '\000\000'
seed fuzz_dns_rdata '\000\004_tcp\003a-b\007example\000'
seed fuzz_dns_rdata '\000\300\014'
seed fuzz_dns_rdata '\000\003mx1\007exa'
seed fuzz_dns_rdata '\000\003m.x\000'
seed fuzz_dns_rdata '\000\077%s\000' "$(printf '%063d' 0)"
seed fuzz_dns_rdata '\000\100%s\000' "$(printf '%064d' 0)"
seed fuzz_dns_rdata '\000\077%s\077%s\077%s\075%s\000' "$(printf '%063d' 0)" "$(printf '%063d' 0)" "$(printf '%063d' 0)" "$(printf '%061d' 0)"
seed fuzz_dns_rdata '\000\077%s\077%s\077%s\076%s\000' "$(printf '%063d' 0)" "$(printf '%063d' 0)" "$(printf '%063d' 0)" "$(printf '%062d' 0)"
seed fuzz_dns_rdata '\001\000\005\015gmail-smtp-in\001l\006google\003com\000'
seed fuzz_dns_rdata '\001\000\050\004alt4\015gmail-smtp-in\001l\006google\003com\000'
seed fuzz_dns_rdata '\001\000\000\000'
seed fuzz_dns_rdata '\001\000\012\002mx\007example\000\000'
seed fuzz_dns_rdata '\001\000\012'
seed fuzz_dns_rdata '\002\033v=STSv1; id=20190429T010101;'
seed fuzz_dns_rdata '\002\007v=STSv1\010; id=abc'
seed fuzz_dns_rdata '\002\000'
seed fuzz_dns_rdata '\002\011v=spf1 -all\000'
seed fuzz_dns_rdata '\002\040short'
seed fuzz_dns_rdata '\002'
seed fuzz_dns_rdata '\003\003\001\001%s' "$(printf '\322\074\225\013\003\147\262\317\325\031\064\321\057\055\277\134\165\371\144\177\213\212\336\252\023\315\256\134\332\356\101\073')"
seed fuzz_dns_rdata '\003\002\000\001\000'
seed fuzz_dns_rdata '\003\003\001\001'
seed fuzz_dns_rdata '\004\300\000\002\001'
seed fuzz_dns_rdata '\004\300\000\002'
seed fuzz_dns_rdata '\005\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\001'
seed fuzz_dns_rdata '\005\000\000\000\000\000\000\000\000\000\000\377\377\300\000\002\001'
seed fuzz_dns_rdata '\006\002mx\000'

# ---- fuzz_mtasts_txt: one record, or NUL-separated records for select (t/test_mtasts.c,
# records as published: "v=STSv1; id=20190429T010101;" is gmail.com's shape) ----
for r in 'v=STSv1; id=20160831085700Z;' 'v=STSv1; id=abc' 'v=STSv1;id=abc;' 'v=STSv1; id=abc \t' 'v=STSv1  ' \
    'v=STSv1 \t;\t id=abc \t; ' 'v=STSv1; foo=bar; id=X1' 'v=STSv1; id=X1; ext-1.a_b=v!al:ue' \
    'v=STSv1; id=abcdefghijklmnopqrstuvwxyz012345' 'v=STSv1; id=abcdefghijklmnopqrstuvwxyz0123456' 'v=STSv1; id=;' \
    'v=STSv1; id=a-b;' 'v=STSv1; foo=bar' 'v=STSv1' 'v=STSv1;' 'v=STSv1; id=a; id=b' 'v=STSv2; id=abc' 'v=stsv1; id=abc' \
    ' v=STSv1; id=abc' 'id=abc; v=STSv1' 'v=STSv1 id=abc' 'v=STSv1; id=abc; junk' 'v=STSv1; id=abc def' \
    'v=STSv1; id=a; _x=1' 'v=STSv1; id=a; x=' 'v=STSv1; ID=abc' 'v=STSv1; id=20190429T010101;'; do
	seed fuzz_mtasts_txt '%s' "$r"
done
seed fuzz_mtasts_txt 'v=spf1 -all\000v=STSv1; id=one\000hello'
seed fuzz_mtasts_txt 'v=spf1 -all\000v=STSv10; id=x'
seed fuzz_mtasts_txt 'v=STSv1; id=one\000v=STSv1; id=two'
seed fuzz_mtasts_txt 'v=STSv1; id=one\000v=STSv1'
seed fuzz_mtasts_txt 'v=STSv1; id=a\001b'

# ---- fuzz_mtasts_policy: a body; after a NUL, NUL-separated MX host names (t/test_mtasts.c,
# gmail.com's published policy) ----
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmx: gmail-smtp-in.l.google.com\nmx: *.gmail-smtp-in.l.google.com\nmax_age: 86400\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmx: gmail-smtp-in.l.google.com\nmx: *.gmail-smtp-in.l.google.com\nmax_age: 86400\n\000gmail-smtp-in.l.google.com\000alt1.gmail-smtp-in.l.google.com\000ALT2.Gmail-Smtp-In.L.Google.Com.\000a.b.gmail-smtp-in.l.google.com\000mx.example'
seed fuzz_mtasts_policy 'version: STSv1\r\nmode: testing\r\nmx: mail.example.com\r\nmax_age: 86400\r\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\r\nmx: a.example\nmax_age: 1'
seed fuzz_mtasts_policy 'version:STSv1 \nmode:\tenforce\t\nmx:a.example  \nmax_age:5'
seed fuzz_mtasts_policy 'mx: a.example\nmax_age: 5\nmode: enforce\nversion: STSv1\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: none\nmax_age: 0\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmax_age: 86400\nmx: MAIL.Example.COM.\nmx: *.Example.Net.\n\000mail.example.com\000x.example.net\000example.net'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmax_age: 86400\nmx: a.example\nfoo: bar baz\nx_y-z.1: \303\251t\303\251\n'
seed fuzz_mtasts_policy 'version: STSv1\nMode: enforce\nmode: testing\nmax_age: 5\nmx: a.example\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmax_age: 86400\nmx: a.example\n\n\r\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557600\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 0000000007\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmx: 192.0.2.1\nmax_age: 5\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmx: a.*.example\nmax_age: 5\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmx: mx.example.123\nmax_age: 5\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmx: a.example\n\nmax_age: 5\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\rmx: a.example\nmax_age: 5\n'
seed fuzz_mtasts_policy 'version: STSv1\nversion: STSv1\nmode: enforce\nmx: a.example\nmax_age: 5\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\n mx: a.example\nmax_age: 5\n'
seed fuzz_mtasts_policy 'version: STSv1\nmode: enforce\nmx: *.com\nmax_age: 5\n\000example.com\000*.com\000[192.0.2.1]\0001.2.3.4'

# ---- fuzz_ehlo: replies as servers send them (t/test_probe_ehlo.c; Postfix's and Gmail's EHLO) ----
seed fuzz_ehlo '220 mx.google.com ESMTP a1-20020a05600c000000b00000000000000si0000000wmq.0 - gsmtp\r\n'
seed fuzz_ehlo '250-mx.google.com at your service, [192.0.2.1]\r\n250-SIZE 157286400\r\n250-8BITMIME\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n'
seed fuzz_ehlo '250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250-REQUIRETLS\r\n250 CHUNKING\r\n'
for r in '250\r\n' '250 \r\n' '220 a\tb\r\n' '250-mx\r\n250-starttls\r\n250 RequireTLS\r\n' '250-mx\r\n250 REQUIRETLS x y\r\n' \
    '250-mx\r\n250-\r\n250 STARTTLS\r\n' '250 STARTTLS\r\n' '250-mx\r\n250-STARTTLSX\r\n250 XREQUIRETLS\r\n' \
    '250-mx\r\n250 STARTTLS\t\r\n' '250-mx\r\n250 AUTH STARTTLS REQUIRETLS\r\n' '220 ok\r\n250 more\r\n' \
    '454 4.7.0 TLS not available due to local problem\r\n' '554-no\r\n554 go away\r\n' '220 2.0.0 Ready to start TLS\r\n' \
    '' '2' '220' '220 mx.exa' '220 mx\r' '250-mx\r\n250 STA' 'HTTP/1.1 400\r\n' 'SSH-2.0-OpenSSH_9.2\r\n' '123 x\r\n' \
    '650 x\r\n' '250-mx\r\n251 x\r\n' '250 a\rb\r\n' '250 a\n' '250 \303\251\r\n' '421 4.3.2 Service shutting down\r\n'; do
	seed fuzz_ehlo "$r"
done
seed fuzz_ehlo '250 %s\r\n' "$(printf '%0507d' 0)"
seed fuzz_ehlo '250 %s\r\n' "$(printf '%0508d' 0)"

# ---- fuzz_netstring: max selector byte (0 = NETSTRING_MAX), then the stream (Postfix socketmap
# requests "NAME KEY", Sendmail's, replies) ----
seed fuzz_netstring '\00030:tlspolicy-outbound example.com,'
seed fuzz_netstring '\00030:tlspolicy-outbound example.com,21:tlspolicy-outbound .,'
seed fuzz_netstring '\00052:tlspolicy-outbound user@[192.0.2.1].example.com.long,'
seed fuzz_netstring '\000%s' '0:,3:abc,'
seed fuzz_netstring '\000%s' '01:a,'
seed fuzz_netstring '\000%s' ':a,'
seed fuzz_netstring '\000%s' '3:abcd'
seed fuzz_netstring '\000%s' '10001:x'
seed fuzz_netstring '\000%s' '100000:'
seed fuzz_netstring '\000%s' '3:a\000b,'
seed fuzz_netstring '\000%s' '5:hello'
seed fuzz_netstring '\002%s' '14:abcdefghijklmn,15:abcdefghijklmno,'
seed fuzz_netstring '\001%s' '7:1234567,8:12345678,'
seed fuzz_netstring '\000%s' '6:OK yes,9:NOTFOUND ,12:TEMP timeout,'
seed fuzz_netstring '\000%s' '-1:,'

# ---- fuzz_session: records "OP STRING\0" (see fuzz_session.c): Postfix and Sendmail sessions ----
# sess FILE-WORDS: each argument is OP:STRING (OP decimal)
sess() {
	mkdir -p "$out/fuzz_session"
	n=$((n + 1))
	: >"$out/fuzz_session/seed-$n"
	for r in "$@"; do
		# shellcheck disable=SC2059
		printf "\\$(printf '%03o' "${r%%:*}")${r#*:}\\000" >>"$out/fuzz_session/seed-$n"
	done
}
# macros: STRING[0] = 020 + index ({tls_version} 0, {cipher} 1, {cipher_bits} 2, {cert_subject} 3,
# {cert_issuer} 4, {verify} 5, i 9 = 011, v 10 = 012)
# negotiate config 0 (Postfix) with setsymlist + edit actions (0x0c = 014), config 1 (Sendmail, 015), 2 (016)
sess '0:\014' '9:\012Postfix 3.7.11' '1:198.51.100.7' '2:' '9:\020TLSv1.3' '9:\021TLS_AES_256_GCM_SHA384' '9:\022256' \
    '9:\011A1B2C3' '3:<a@bank.example>\nSIZE=100\nREQUIRETLS' '4:<u@lawfirm.example>' '4:<x@secure.example>' \
    '5:Subject: [secure] Q3 numbers' '5:TLS-Required:No' '6:' '8:'
sess '0:\014' '1:mail.example' '3:<b@corp.example>' '4:<u+requiretls@other.example>' '4:<v@x.lawfirm.example>' \
    '5:X-Catastrophe:help me!' '6:' '3:<>' '4:<postmaster>' '6:' '8:'
sess '0:\014' '1:192.0.2.9' '9:\020TLSv1.2' '9:\022128' '9:\023mx.partner.example' '9:\024Partner CA' '3:<s@secret.example>' \
    '4:<r@lawfirm.example>' '4:<r2@lawfirm.example>' '11:' '6:' '7:' '8:'
sess '0:\015' '9:\0128.17.1' '1:2001:db8::1' '2:' '9:\020TLSv1.3' '9:\022256' '9:\023/C=DE/O=Bank+20AG/CN=mx.bank.example' \
    '9:\025OK' '3:<a@a.example>' '4:<x@flag.example>' '5:Subject:[tls] hi' '6:' '8:'
sess '0:\015' '1:client.partner.example' '3:<a@b.example>' '4:<x@y.example>' '7:' '3:<a@a.example>\nBODY=8BITMIME' '4:<>' '8:'
sess '0:\016' '1:192.0.2.1' '3:<z@b.example>' '4:<q@c.example>' '6:' '8:'
sess '0:\034' '1:[192.0.2.1]' '2:' '3:<a@bank.example>' '8:'
sess '0:\040' '1:x' '3:<a@bank.example>' '3:<a@corp.example>' '4:<%%s@secure.example>' '4:<a\001b@secure.example>' '8:'
echo "seed.sh: $n seeds in $out"
