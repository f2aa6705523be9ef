-- t/mt/modes.lua - per-rule testing mode, action tempfail, default on_error (config: modes.conf).
local T = dofile(MTDIR .. "/lib.lua")

T.run(function()
	T.start()
	local r, m, conn

	r, m = T.mail_case{ from = "<u@enforced.example>" }
	T.check{ "(control) enforce rule on plaintext: rejected",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=mail", "verdict=reject", 'reply="550 5.7.10 Mail from enforced.example' } }

	r, m = T.mail_case{ from = "<u@trial.example>" }
	T.check{ "per-rule testing mode: accepted (continue), logged verdict=would-reject with the reply",
		got = r, reply = SMFIR_CONTINUE, mark = m, decisions = 1,
		log = { "stage=mail", 'rule="sender trial.example', "verdict=would-reject",
			'reply="550 5.7.10 Mail from trial.example is accepted only over TLS: ' ..
			'session is not encrypted (no STARTTLS)"' } }

	r, m = T.mail_case{ from = "<u@busy.example>" }
	T.check{ "action tempfail: tempfailed at MAIL with the default 450 4.7.10 reply",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=mail", 'rule="sender busy.example', "verdict=tempfail",
			'reply="450 4.7.10 Mail from busy.example is accepted only over TLS: ' ..
			'session is not encrypted (no STARTTLS)"' } }

	r, m = T.mail_case{ from = "<u@later.example>" }
	T.check{ "action tempfail with a reply template: its 450 4.7.10 text with %{domain}",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "verdict=tempfail",
			'reply="450 4.7.10 Please retry later.example over TLS: session is not encrypted (no STARTTLS)"' } }

	conn = T.conn{}
	T.mail(conn, "<u@sender.example>")
	m = T.mark()
	r = T.rcpt(conn, "<x@trial-rcpt.example>")
	T.check{ "per-rule testing mode at RCPT: continue, verdict=would-reject",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "stage=rcpt", "verdict=would-reject", 'reply="550 5.7.10 Mail for trial-rcpt.example' } }
	m = T.mark()
	r = T.rcpt(conn, "<x@busy-rcpt.example>")
	T.check{ "action tempfail at RCPT: 450 4.7.10",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=rcpt", "verdict=tempfail", 'reply="450 4.7.10 Mail for busy-rcpt.example' } }
	mt.disconnect(conn)

	r, m = T.mail_case{ from = "<a@b..c>" }
	T.check{ "unparseable sender with sender rules, default on_error: tempfail 451 4.3.0",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=mail", "sender=<a@b..c>", 'rule="on_error"', "verdict=tempfail",
			'reply="451 4.3.0 TLS policy check failed: ' } }

	conn = T.conn{}
	T.mail(conn, "<u@sender.example>")
	m = T.mark()
	r = T.rcpt(conn, "<x@y..example>")
	T.check{ "unparseable recipient with recipient rules, default on_error: tempfail 451 4.3.0",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=rcpt", "rcpt=<x@y..example>", "verdict=tempfail",
			'reply="451 4.3.0 TLS policy check failed: recipient address not understood' } }
	mt.disconnect(conn)
end)
