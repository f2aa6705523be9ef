-- t/mt/client.lua - client address rules (v4, v6, nested prefixes) and client
-- certificates in the Postfix and Sendmail macro dialects (config: client.conf).
local T = dofile(MTDIR .. "/lib.lua")

local PARTNER_PF = { "{cert_subject}", "client.partner.example", "{cert_issuer}", "Partner CA" }
local SM_SUBJECT = "/C=DE/O=Partner/CN=client.partner.example"
local SM_ISSUER = "/C=DE/O=Partner/CN=Partner+20CA"

T.run(function()
	T.start()
	local r, m

	-- /16 vs /24: the most specific prefix decides, alone
	r, m = T.mail_case{ ip = "192.0.3.5", connect = T.POSTFIX, from = "<a@sender.example>" }
	T.check{ "client in 192.0.0.0/16 on plaintext: rejected at MAIL by the /16 rule",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { "decision stage=mail", "client=192.0.3.5", 'rule="client 192.0.0.0/16', "verdict=reject",
			'reply="550 5.7.10 Mail from client 192.0.3.5 is accepted only over TLS: ' ..
			'session is not encrypted (no STARTTLS)"' } }

	r, m = T.mail_case{ ip = "192.0.3.5", connect = T.POSTFIX, from = "<a@sender.example>", tls = T.TLS12 }
	T.check{ "client in 192.0.0.0/16 over TLS without a cert: accepted (the /16 profile is met)",
		got = r, reply = SMFIR_ACCEPT, mark = m, decisions = 1,
		log = { "client=192.0.3.5", 'rule="client 192.0.0.0/16', "verdict=pass" } }

	r, m = T.mail_case{ ip = "192.0.2.9", connect = T.POSTFIX, from = "<a@sender.example>", tls = T.TLS12 }
	T.check{ "client in 192.0.2.0/24 (inside the /16) over TLS without a cert: the /24 rule rejects, alone",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { "client=192.0.2.9", "cert=none", 'rule="client 192.0.2.0/24', "verdict=reject",
			'reason="no trusted client certificate"',
			'reply="550 5.7.1 Mail from client 192.0.2.9 is accepted only with a trusted client ' ..
			'certificate: no trusted client certificate"' },
		nolog = { "192.0.0.0/16" } }

	-- Postfix: {cert_subject} present = trusted certificate
	r, m = T.mail_case{ ip = "192.0.2.9", connect = T.POSTFIX, from = "<a@sender.example>",
		tls = T.macros(T.TLS12, PARTNER_PF) }
	T.check{ "Postfix, {cert_subject} present and issuer Partner CA: verified, accepted",
		got = r, reply = SMFIR_ACCEPT, mark = m, decisions = 1,
		log = { "client=192.0.2.9", "cert=verified", 'rule="client 192.0.2.0/24', "verdict=pass" } }

	r, m = T.mail_case{ ip = "192.0.2.9", connect = T.POSTFIX, from = "<a@sender.example>",
		tls = T.macros(T.TLS12, { "{cert_subject}", "client.partner.example", "{cert_issuer}", "Other CA" }) }
	T.check{ "Postfix, trusted cert from another issuer: rejected, reason names the issuers",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "cert=verified", "verdict=reject", "Other CA", "does not match", "Partner CA",
			'reply="550 5.7.1 ' } }

	r, m = T.mail_case{ ip = "192.0.2.9", connect = T.POSTFIX, from = "<a@sender.example>",
		tls = T.macros({ "{tls_version}", "TLSv1.1", "{cipher_bits}", "256" }, PARTNER_PF) }
	T.check{ "Postfix, trusted cert but TLSv1.1 against the partner profile's TLSv1.2: rejected (5.7.10)",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "verdict=reject", "TLSv1.1 is below the required TLSv1.2", 'reply="550 5.7.10 ' } }

	-- Sendmail: {verify} decides; DNs are xtext
	r, m = T.mail_case{ ip = "192.0.2.9", connect = T.SENDMAIL, from = "<a@sender.example>",
		tls = T.macros(T.TLS12, { "{verify}", "OK", "{cert_subject}", SM_SUBJECT, "{cert_issuer}", SM_ISSUER }) }
	T.check{ "Sendmail, {verify}=OK, xtext issuer DN with CN=Partner+20CA: accepted",
		got = r, reply = SMFIR_ACCEPT, mark = m, decisions = 1,
		log = { "client=192.0.2.9", "cert=verified", "verdict=pass" } }

	r, m = T.mail_case{ ip = "192.0.2.9", connect = T.SENDMAIL, from = "<a@sender.example>",
		tls = T.macros(T.TLS12, { "{verify}", "FAIL", "{cert_subject}", SM_SUBJECT, "{cert_issuer}", SM_ISSUER }) }
	T.check{ "Sendmail, {verify}=FAIL: rejected, reason names verify=FAIL",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "cert=unverified", "verdict=reject", 'reason="client certificate not verified (verify=FAIL)"',
			'reply="550 5.7.1 Mail from client 192.0.2.9 is accepted only with a trusted client certificate' } }

	r, m = T.mail_case{ ip = "192.0.2.9", connect = T.SENDMAIL, from = "<a@sender.example>",
		tls = T.macros(T.TLS12, { "{verify}", "OK", "{cert_subject}", SM_SUBJECT,
			"{cert_issuer}", "/C=DE/O=Other/CN=Other+20CA" }) }
	T.check{ "Sendmail, {verify}=OK but issuer CN Other CA: rejected, decoded issuer in the reason",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "cert=verified", "verdict=reject", "Other CA", "does not match", 'reply="550 5.7.1 ' } }

	local w0 = T.count(T.read_log(), "did not send {verify}")
	r, m = T.mail_case{ ip = "192.0.2.9", connect = T.SENDMAIL, from = "<a@sender.example>",
		tls = T.macros(T.TLS12, { "{cert_subject}", SM_SUBJECT, "{cert_issuer}", SM_ISSUER }) }
	T.check{ "Sendmail without {verify}: rejected, reason mentions {verify}, a warning is logged",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "verdict=reject", 'reason="client certificate cannot be verified: the MTA did not send {verify}"',
			'reply="550 5.7.1 ' },
		-- the advice matches etc/sendmail.mc (and the README): confMILTER_MACROS_HELO
		log2 = { "warning:", "Sendmail did not send {verify}", "confMILTER_MACROS_HELO" } }
	r, m = T.mail_case{ ip = "192.0.2.9", connect = T.SENDMAIL, from = "<b@sender.example>",
		tls = T.macros(T.TLS12, { "{cert_subject}", SM_SUBJECT, "{cert_issuer}", SM_ISSUER }) }
	T.check{ "Sendmail without {verify} again: rejected again", got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "verdict=reject", "did not send {verify}" } }
	local w = T.count(T.read_log(), "Sendmail did not send {verify}")
	T.ok(w0 == 0 and w == 1, "the \"did not send {verify}\" warning is logged once per process",
		string.format("expected 0 before and 1 after two sessions, got %d and %d", w0, w))

	-- IPv6
	r, m = T.mail_case{ ip = "2001:db8::9", connect = T.POSTFIX, from = "<a@sender.example>", tls = T.TLS12 }
	T.check{ "IPv6 client in 2001:db8::/32 with TLSv1.2 against min TLSv1.3: rejected",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { "client=2001:db8::9", 'rule="client 2001:db8::/32', "verdict=reject",
			'reason="TLSv1.2 is below the required TLSv1.3"',
			'reply="550 5.7.10 Mail from client 2001:db8::9 is accepted only over TLS: ' ..
			'TLSv1.2 is below the required TLSv1.3"' } }

	r, m = T.mail_case{ ip = "2001:db8::9", connect = T.POSTFIX, from = "<a@sender.example>", tls = T.TLS13 }
	T.check{ "IPv6 client in 2001:db8::/32 with TLSv1.3: accepted",
		got = r, reply = SMFIR_ACCEPT, mark = m, log = { "client=2001:db8::9", "verdict=pass" } }

	r, m = T.mail_case{ ip = "2001:db8:1::5", connect = T.POSTFIX, from = "<a@sender.example>", tls = T.TLS12 }
	T.check{ "IPv6 client in 2001:db8:1::/48 (inside the /32) with TLSv1.2: the /48 rule passes, alone",
		got = r, reply = SMFIR_ACCEPT, mark = m, decisions = 1,
		log = { "client=2001:db8:1::5", 'rule="client 2001:db8:1::/48', "verdict=pass" },
		nolog = { "2001:db8::/32" } }

	r, m = T.mail_case{ ip = "2001:db9::1", connect = T.POSTFIX, from = "<a@sender.example>" }
	T.check{ "IPv6 client outside every prefix, plaintext: accepted, no decision",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }

	r, m = T.mail_case{ ip = "198.51.100.7", connect = T.POSTFIX, from = "<a@sender.example>" }
	T.check{ "IPv4 client outside every prefix, plaintext: accepted, no decision",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }

	r, m = T.mail_case{ ip = "::ffff:192.0.2.9", connect = T.POSTFIX, from = "<a@sender.example>", tls = T.TLS12 }
	T.check{ "IPv4-mapped IPv6 client ::ffff:192.0.2.9 (dual-stack MTA) falls under 192.0.2.0/24",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { 'rule="client 192.0.2.0/24', "verdict=reject", 'reason="no trusted client certificate"' } }

	r, m = T.mail_case{ ip = "unspec", connect = T.POSTFIX, from = "<a@sender.example>" }
	T.check{ "client of an unknown protocol family (no address): accepted, no decision",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }

	-- host name rules: only a name the MTA verified counts
	r, m = T.mail_case{ host = "mx.partner.example", ip = "198.51.100.20", connect = T.POSTFIX,
		from = "<a@sender.example>" }
	T.check{ "client host name under the rule .partner.example on plaintext: rejected",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { 'rule="client .partner.example', "verdict=reject",
			'reply="550 5.7.10 Mail from client mx.partner.example is accepted only over TLS' } }
	r, m = T.mail_case{ host = "MX.Partner.Example.", ip = "198.51.100.20", connect = T.POSTFIX,
		from = "<a@sender.example>", tls = T.TLS12 }
	T.check{ "client host name in mixed case with a trailing dot, over TLS: pass",
		got = r, reply = SMFIR_ACCEPT, mark = m, log = { 'rule="client .partner.example', "verdict=pass" } }
	r, m = T.mail_case{ host = "unknown", ip = "198.51.100.20", connect = T.POSTFIX, from = "<a@sender.example>" }
	T.check{ "Postfix host name \"unknown\": no host name rule applies",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }
	r, m = T.mail_case{ host = "[198.51.100.20]", ip = "198.51.100.20", connect = T.SENDMAIL,
		from = "<a@sender.example>" }
	T.check{ "Sendmail host name \"[198.51.100.20]\": no host name rule applies",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }

	r, m = T.mail_case{ ip = "198.51.100.7", connect = T.POSTFIX, from = "<a@b..c>" }
	T.check{ "unparseable sender and no sender rules: on_error is not involved (accepted, no decision)",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }

	-- (client.conf has no sender rules, so a bad sender reaches the REQUIRETLS check)
	r, m = T.mail_case{ ip = "198.51.100.7", connect = T.POSTFIX, params = { "REQUIRETLS" },
		from = '<a\r\nforged: line "x@x.example>' }
	local new = T.log_since(m)
	T.check{ "REQUIRETLS on plaintext with CR/LF and '\"' in the sender: refused, no CR/LF in the log",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { "decision stage=mail", 'rule="REQUIRETLS parameter"', "verdict=reject" },
		nolog = { "\r", "\nforged:", 'line "x@' } }

	r, m = T.mail_case{ ip = "192.0.2.9", connect = T.POSTFIX, from = "<>" }
	T.check{ "null sender from a client under a rule: the client rule still applies",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "sender=<>", 'rule="client 192.0.2.0/24', "verdict=reject" } }
end)
