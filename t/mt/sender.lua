-- t/mt/sender.lua - sender rules, decided at MAIL FROM (config: sender.conf).
local T = dofile(MTDIR .. "/lib.lua")

T.run(function()
	T.start()
	local r, m

	r, m = T.mail_case{ from = "<u@bank.example>" }
	T.check{ "plaintext MAIL from a required domain: rejected at MAIL with the rule's reply",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { "decision stage=mail", "sender=<u@bank.example>", "rcpt=-", "tls=none",
			'rule="sender bank.example', "verdict=reject",
			'reason="session is not encrypted (no STARTTLS)"',
			'reply="550 5.7.10 Mail from bank.example must use TLS 1.2 or better ' ..
			'(session is not encrypted (no STARTTLS))"' } }

	r, m = T.mail_case{ from = "<u@bank.example>", tls = T.TLS13 }
	T.check{ "TLSv1.3/256 meets the profile: accepted (no recipient rules), logged as pass",
		got = r, reply = SMFIR_ACCEPT, mark = m, decisions = 1,
		log = { "decision stage=mail", "sender=<u@bank.example>", "tls=TLSv1.3", "bits=256",
			'rule="sender bank.example', "verdict=pass" },
		nolog = { "reply=" } }

	r, m = T.mail_case{ from = "<u@bank.example>",
		tls = { "{tls_version}", "TLSv1.1", "{cipher_bits}", "256" } }
	T.check{ "TLSv1.1 against min_version TLSv1.2: rejected, reason names the versions",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=mail", "tls=TLSv1.1", "verdict=reject",
			'reason="TLSv1.1 is below the required TLSv1.2"',
			'reply="550 5.7.10 Mail from bank.example must use TLS 1.2 or better ' ..
			'(TLSv1.1 is below the required TLSv1.2)"' } }

	r, m = T.mail_case{ from = "<u@bank.example>",
		tls = { "{tls_version}", "TLSv1.2", "{cipher_bits}", "56" } }
	T.check{ "56-bit cipher against min_bits 128: rejected, reason names the bits",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=mail", "tls=TLSv1.2", "bits=56", "verdict=reject",
			'reason="cipher strength 56 bits is below the required 128"',
			'reply="550 5.7.10 Mail from bank.example must use TLS 1.2 or better (cipher strength 56' } }

	r, m = T.mail_case{ from = "<u@bank.example>",
		tls = { "{tls_version}", "TLSv1.2", "{cipher_bits}", "128" } }
	T.check{ "exactly min_version and min_bits: accepted",
		got = r, reply = SMFIR_ACCEPT, mark = m, log = { "stage=mail", "bits=128", "verdict=pass" } }

	r, m = T.mail_case{ from = "<Some.User@BaNk.EXAMPLE.>" }
	T.check{ "mixed-case sender domain with a trailing dot matches the rule",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "sender=<Some.User@BaNk.EXAMPLE.>", 'rule="sender bank.example', "verdict=reject",
			'reply="550 5.7.10 Mail from bank.example must use' } }

	r, m = T.mail_case{ from = "<x@a.b.corp.example>" }
	T.check{ "rule .corp.example matches a.b.corp.example (default reply names the domain)",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=mail", 'rule="sender .corp.example', "verdict=reject",
			'reply="550 5.7.10 Mail from a.b.corp.example is accepted only over TLS: ' ..
			'session is not encrypted (no STARTTLS)"' } }

	r, m = T.mail_case{ from = "<x@A.B.Corp.Example.>" }
	T.check{ "rule .corp.example matches A.B.Corp.Example. (case, trailing dot)",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { 'rule="sender .corp.example', "verdict=reject", "Mail from a.b.corp.example " } }

	local TLS11 = { "{tls_version}", "TLSv1.1", "{cipher_bits}", "256" }
	r, m = T.mail_case{ from = "<x@other.corp.example>", tls = TLS11 }
	T.check{ "TLSv1.1 from other.corp.example: only .corp.example (encrypted) applies, pass",
		got = r, reply = SMFIR_ACCEPT, mark = m, decisions = 1,
		log = { 'rule="sender .corp.example', "verdict=pass" } }
	r, m = T.mail_case{ from = "<x@vip.corp.example>", tls = TLS11 }
	T.check{ "exact rule vip.corp.example beats the parent .corp.example: TLSv1.1 rejected, one verdict",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { 'rule="sender vip.corp.example', "verdict=reject", "TLSv1.1 is below the required TLSv1.2" } }
	r, m = T.mail_case{ from = "<x@a.deep.corp.example>", tls = TLS11 }
	T.check{ "longest parent suffix .deep.corp.example beats .corp.example: TLSv1.1 rejected, one verdict",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { 'rule="sender .deep.corp.example', "verdict=reject" } }

	r, m = T.mail_case{ from = "<x@corp.example>" }
	T.check{ "rule .corp.example does not match corp.example itself",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }

	r, m = T.mail_case{ from = "<x@sub.bank.example>" }
	T.check{ "exact rule bank.example does not match sub.bank.example",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }

	r, m = T.mail_case{ from = "<x@notbank.example>" }
	T.check{ "rule bank.example does not match notbank.example",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }

	r, m = T.mail_case{ from = "<>" }
	T.check{ "null sender: sender rules do not apply",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }

	r, m = T.mail_case{ from = "<a@b..c>" }
	T.check{ 'unparseable sender with on_error = "accept": accepted, logged',
		got = r, reply = SMFIR_ACCEPT, mark = m,
		log = { "stage=mail", "sender=<a@b..c>", 'rule="on_error"', "verdict=pass" },
		nolog = { "reply=" } }

	-- two messages on one connection: TLS facts and queue id are per message
	-- (a new MAIL macro set replaces the previous one, as with a real MTA)
	local conn = T.conn{}
	m = T.mark()
	r = T.mail(conn, "<u@bank.example>", T.macros(T.TLS13, { "i", "QID1" }))
	T.check{ "one connection, message 1 over TLSv1.3: accepted, queue id logged",
		got = r, reply = SMFIR_ACCEPT, mark = m, log = { "stage=mail", "queue=QID1", "verdict=pass" } }
	m = T.mark()
	r = T.mail(conn, "<u@bank.example>", { "i", "QID2" })
	T.check{ "one connection, message 2 without TLS macros: rejected (no stale facts)",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=mail", "queue=QID2", "tls=none", "verdict=reject" } }
	mt.disconnect(conn)

	local w = T.count(T.read_log(), "did not send macro v")
	T.ok(w == 1, "an MTA that sends no macro v: warned once per process, not per message",
		"\"did not send macro v\" warnings: " .. w)
end)
