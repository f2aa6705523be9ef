-- t/mt/content.lua - content rules at their limits (config: content.conf):
-- a pattern over PCRE2's match limit, a stripped value with CR/LF in it, a
-- Subject that is only the tag, and many TLS-Required: No fields (issue 9,
-- defects 2, 3, 9 and 13).
local T = dofile(MTDIR .. "/lib.lua")

-- MAIL, one RCPT, the header fields, end of message; returns the EOM reply
-- (or the first reply that was not CONTINUE).
local function message(conn, qid, headers)
	local r = T.mail(conn, "<s@sender.example>", { "i", qid })
	if r ~= SMFIR_CONTINUE then
		return r
	end
	r = T.rcpt(conn, "<bob@y.example>")
	if r ~= SMFIR_CONTINUE then
		return r
	end
	for _, h in ipairs(headers) do
		T.must(mt.header(conn, h[1], h[2]), "mt.header(" .. h[1] .. ")")
	end
	T.must(mt.eom(conn), "mt.eom")
	return mt.getreply(conn)
end

T.run(function()
	T.start()
	local r, m, conn

	-- defect 2: the pattern backtracks until PCRE2's limit; the message must
	-- not leave unflagged: on_error (tempfail) applies at end of message
	conn = T.conn{}
	m = T.mark()
	r = message(conn, "QLIMIT", { { "X-Catastrophe",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa [secure]" } })
	T.check{ "content pattern over its match limit: end of message tempfailed (on_error), not accepted unflagged",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "decision stage=eom", "queue=QLIMIT", 'rule="on_error"', "verdict=tempfail",
			'reply="451 4.3.0 TLS policy check failed: ' } }
	T.ok(not mt.eom_check(conn, MT_HDRADD), "and no routing field is added")
	mt.disconnect(conn)

	-- defect 13: CR/LF in a value the milter rewrites must not reach the MTA
	conn = T.conn{}
	m = T.mark()
	r = message(conn, "QCRLF", { { "Subject", "[secure] report\r\n\tpart two\r\nBcc: spy@evil.example" } })
	T.check{ "stripped Subject with CR/LF: flagged", got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QCRLF", "triggers=content ", "headers_changed=1 " } }
	T.ok(mt.eom_check(conn, MT_HDRCHANGE, "Subject", "report part twoBcc: spy@evil.example"),
		"the value written back is unfolded, without CR or LF",
		"HDRCHANGE Subject with CR/LF: " .. tostring(mt.eom_check(conn, MT_HDRCHANGE, "Subject",
			"report\r\n\tpart two\r\nBcc: spy@evil.example")))
	mt.disconnect(conn)

	-- defect 9: a Subject that is only the tag keeps the field (empty = delete)
	conn = T.conn{}
	m = T.mark()
	r = message(conn, "QONLY", { { "Subject", "[secure]" } })
	T.check{ "Subject that is only [secure]: flagged", got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QONLY", "headers_changed=1 " } }
	T.ok(mt.eom_check(conn, MT_HDRCHANGE, "Subject", " ") and not mt.eom_check(conn, MT_HDRCHANGE, "Subject", "")
		and not mt.eom_check(conn, MT_HDRDELETE, "Subject"),
		"Subject is changed to \" \", not to \"\" (which the MTAs take as delete)")
	mt.disconnect(conn)

	-- defect 3: 35 TLS-Required: No fields with content rules: all deleted
	-- (occurrences 30+ used to collapse onto one)
	local h = { { "Subject", "[secure] many" } }
	for _ = 1, 35 do
		h[#h + 1] = { "TLS-Required", "No" }
	end
	conn = T.conn{}
	m = T.mark()
	r = message(conn, "QMANY", h)
	T.check{ "35 TLS-Required: No fields: 35 deletions and the strip (headers_changed=36)",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QMANY", "triggers=content ", "headers_changed=36 " } }
	T.ok(mt.eom_check(conn, MT_HDRDELETE, "TLS-Required"), "TLS-Required deletions requested")
	mt.disconnect(conn)
end)
