-- t/mt/quiet.lua - with log level "warning" no decision or requiretls line is
-- written (the daemon does not even build them: handle.c asks the mctx seam
-- first), and the answers and edits are those of level info (config: quiet.conf).
local T = dofile(MTDIR .. "/lib.lua")

local QUIET = { "decision ", "verdict=", "requiretls queue=" }

T.run(function()
	T.start()
	local r, m, conn

	r, m = T.mail_case{ from = "<u@enforced.example>" }
	T.check{ "level warning: a sender under a require rule on plaintext is still refused at MAIL",
		got = r, reply = SMFIR_REPLYCODE, mark = m, nodecision = true, nolog = QUIET }

	r, m = T.mail_case{ from = "<u@enforced.example>", tls = T.TLS12 }
	T.check{ "level warning: the same sender over TLS passes", got = r, reply = SMFIR_CONTINUE, mark = m,
		nodecision = true, nolog = QUIET }

	r, m = T.mail_case{ from = "<u@trial.example>" }
	T.check{ "level warning: a testing-mode rule still only would-reject (continue)",
		got = r, reply = SMFIR_CONTINUE, mark = m, nodecision = true, nolog = QUIET }

	conn = T.conn{}
	m = T.mark()
	r = T.mail(conn, "<a@sender.example>")
	T.check{ "level warning: MAIL from a domain without a rule: continue", got = r, reply = SMFIR_CONTINUE }
	r = T.rcpt(conn, "<one@other.example>")
	T.check{ "level warning: RCPT without a rule: continue", got = r, reply = SMFIR_CONTINUE }
	r = T.rcpt(conn, "<two@secure.example>")
	T.check{ "level warning: RCPT under a require rule on plaintext: refused", got = r,
		reply = SMFIR_REPLYCODE, mark = m, nodecision = true, nolog = QUIET }
	mt.disconnect(conn)

	-- a flagged message is still rewritten and routed, only its line is not written
	conn = T.conn{}
	m = T.mark()
	r = T.mail(conn, "<s@sender.example>", { "i", "QQUIET" })
	T.check{ "level warning: MAIL of a message to be flagged: continue", got = r, reply = SMFIR_CONTINUE }
	r = T.rcpt(conn, "<a+requiretls@x.example>")
	T.check{ "level warning: RCPT with the requiretls tag: continue", got = r, reply = SMFIR_CONTINUE }
	T.must(mt.eom(conn), "mt.eom")
	r = mt.getreply(conn)
	T.check{ "level warning: the flagged message is accepted at EOM, no requiretls line",
		got = r, reply = SMFIR_CONTINUE, mark = m, nodecision = true, nolog = QUIET }
	T.ok(mt.eom_check(conn, MT_HDRADD, "X-RequireTLS", "yes"),
		"level warning: the flagged message still gets X-RequireTLS: yes")
	T.ok(mt.eom_check(conn, MT_RCPTDELETE, "<a+requiretls@x.example>") and
		mt.eom_check(conn, MT_RCPTADD, "<a@x.example>"),
		"level warning: the tagged recipient is still rewritten to <a@x.example>")
	mt.disconnect(conn)

	-- the level is read per line, not fixed at start: after a reload to level
	-- info the lines are built again (and the runner sees "stopped" at the end)
	T.write_file(CONF, (T.read_file(CONF):gsub('level = "warning"', 'level = "info"')))
	m = T.mark()
	mt.signal(1)    -- SIGHUP
	local back = false
	for _ = 1, 100 do
		r = T.mail_case{ from = "<u@enforced.example>" }
		if #T.lines_with(T.log_since(m), { "decision stage=mail", "verdict=reject" }) > 0 then
			back = true
			break
		end
		mt.sleep(0.05)
	end
	T.ok(back and r == SMFIR_REPLYCODE, "after a reload to level info the refusal's decision line is written again",
		"log since SIGHUP:", T.log_since(m))
end)
