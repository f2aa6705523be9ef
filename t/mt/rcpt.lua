-- t/mt/rcpt.lua - recipient rules at RCPT TO, null sender, reply sanitising (config: rcpt.conf).
local T = dofile(MTDIR .. "/lib.lua")

T.run(function()
	T.start()
	local r, m, conn

	-- plaintext, several recipients: only the one under the rule is refused
	conn = T.conn{}
	m = T.mark()
	r = T.mail(conn, "<a@sender.example>")
	T.check{ "MAIL from a domain without a rule: continue (recipient rules pending)",
		got = r, reply = SMFIR_CONTINUE, mark = m, nodecision = true }
	m = T.mark()
	r = T.rcpt(conn, "<one@other.example>")
	T.check{ "RCPT 1 (no rule): continue", got = r, reply = SMFIR_CONTINUE, mark = m, nodecision = true }
	m = T.mark()
	r = T.rcpt(conn, "<two@secure.example>")
	T.check{ "RCPT 2 under a require rule on plaintext: refused at RCPT with the rule's reply",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { "decision stage=rcpt", "sender=<a@sender.example>", "rcpt=<two@secure.example>",
			'rule="recipient secure.example', "verdict=reject",
			'reply="550 5.7.10 Mail for secure.example is accepted only over TLS (STARTTLS)"' } }
	m = T.mark()
	r = T.rcpt(conn, "<three@third.example>")
	T.check{ "RCPT 3 (no rule) after the refusal: continue", got = r, reply = SMFIR_CONTINUE, mark = m,
		nodecision = true }
	m = T.mark()
	r = T.rcpt(conn, "<Four@SECURE.Example.>")
	T.check{ "RCPT 4, rule domain in mixed case with a trailing dot: refused",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=rcpt", "rcpt=<Four@SECURE.Example.>", "verdict=reject",
			"Mail for secure.example is accepted only" } }
	mt.disconnect(conn)

	-- the same recipient over TLS (macros at MAIL)
	conn = T.conn{}
	r = T.mail(conn, "<a@sender.example>", T.TLS12)
	m = T.mark()
	r = T.rcpt(conn, "<two@secure.example>")
	T.check{ "RCPT under the rule over TLS (macros at MAIL): continue, logged as pass",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "stage=rcpt", "rcpt=<two@secure.example>", "tls=TLSv1.2", "verdict=pass" } }
	mt.disconnect(conn)

	-- TLS macros only at HELO (the MTAs' default): still known at RCPT
	conn = T.conn{ helo = T.TLS13 }
	T.ok(not mt.test_option(conn, SMFIP_NOHELO), "negotiation keeps HELO (no SMFIP_NOHELO): TLS macros arrive there")
	T.ok(mt.test_option(conn, SMFIP_NR_CONN) and mt.test_option(conn, SMFIP_NR_HELO)
		and mt.test_option(conn, SMFIP_NOBODY) and mt.test_option(conn, SMFIP_NOHDRS),
		"negotiation: no reply needed at connect/HELO, no headers or body asked for")
	r = T.mail(conn, "<a@sender.example>")
	m = T.mark()
	r = T.rcpt(conn, "<two@secure.example>")
	T.check{ "TLS macros sent at HELO only: RCPT under the rule passes",
		got = r, reply = SMFIR_CONTINUE, mark = m, log = { "stage=rcpt", "tls=TLSv1.3", "verdict=pass" } }
	mt.disconnect(conn)

	-- null sender: sender rules do not apply, recipient rules do
	r, m = T.mail_case{ from = "<u@bank.example>" }
	T.check{ "(control) plaintext MAIL from bank.example is rejected by its sender rule",
		got = r, reply = SMFIR_REPLYCODE, mark = m, log = { "stage=mail", "verdict=reject" } }
	r, m = T.mail_case{ from = "<u@bank.example>", tls = T.TLS12 }
	T.check{ "(control) over TLS the same sender passes: continue (recipient rules pending)",
		got = r, reply = SMFIR_CONTINUE, mark = m, log = { "stage=mail", "verdict=pass" } }
	conn = T.conn{}
	m = T.mark()
	r = T.mail(conn, "<>")
	T.check{ "null sender <>: sender rules do not apply (continue)",
		got = r, reply = SMFIR_CONTINUE, mark = m, nodecision = true }
	m = T.mark()
	r = T.rcpt(conn, "<x@secure.example>")
	T.check{ "null sender <>: a recipient rule still refuses at RCPT",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=rcpt", "sender=<>", "rcpt=<x@secure.example>", "verdict=reject",
			'reply="550 5.7.10 Mail for secure.example' } }
	mt.disconnect(conn)

	-- reply sanitising
	conn = T.conn{}
	T.mail(conn, "<a@sender.example>")
	m = T.mark()
	r = T.rcpt(conn, "<100%off@sanitize.example>")
	T.check{ "%% in a reply template is one % in the reply; a % in %{recipient} stays one %",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { "stage=rcpt", "rcpt=<100%off@sanitize.example>", "verdict=reject",
			'reply="550 5.7.10 100% TLS required for 100%off@sanitize.example at sanitize.example"' },
		nolog = { "100%%" } }
	m = T.mark()
	r = T.rcpt(conn, "<j\xc3\xb6rg@sanitize.example>")
	T.check{ "8-bit bytes from the recipient reach neither reply nor log (shown as ?)",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { "rcpt=<j??rg@sanitize.example>", "verdict=reject",
			'reply="550 5.7.10 100% TLS required for j??rg@sanitize.example at sanitize.example"' },
		nolog = { "\xc3" } }
	m = T.mark()
	r = T.rcpt(conn, "<x\r\ny@sanitize.example>")
	local new = T.log_since(m)
	T.check{ "CR/LF in a recipient: on_error tempfail, one log line, no CR/LF in log or reply",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { "stage=rcpt", "rcpt=<x??y@sanitize.example>", "verdict=tempfail",
			'reply="451 4.3.0 TLS policy check failed: recipient address not understood: ' ..
			'control character in address"' },
		nolog = { "\r" } }
	T.ok(not new:find("\ny@sanitize", 1, true), "CR/LF in a recipient does not split the log line",
		"log: " .. new)
	mt.disconnect(conn)

	-- bounded length: 200 '%' in the local part, expanded twice, must be cut to
	-- 400 bytes and still fit smfi_setreply once '%' is doubled (else libmilter
	-- refuses the reply and the MTA sees a bare SMFIR_REJECT)
	conn = T.conn{}
	T.mail(conn, "<" .. string.rep("s", 200) .. "@sender.example>")
	m = T.mark()
	local pct = string.rep("%", 200)
	r = T.rcpt(conn, "<" .. pct .. "@long.example>")
	new = T.log_since(m)
	local text = new:match('reply="550 5%.7%.10 ([^"]*)"')
	T.check{ "a very long expanded reply is refused with SMFIR_REPLYCODE (smfi_setreply accepted it)",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { "stage=rcpt", "verdict=reject", 'reply="550 5.7.10 ' .. pct .. "@long.example " },
		nolog = { "smfi_setreply failed" } }
	T.ok(text ~= nil and #text == 400, "a very long expanded reply text is cut to 400 bytes",
		"reply text length: " .. (text and #text or "no reply in the log"), "log: " .. new)
	mt.disconnect(conn)
end)
