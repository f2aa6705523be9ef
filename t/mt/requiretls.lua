-- t/mt/requiretls.lua - REQUIRETLS handling (config: requiretls.conf): negotiation,
-- the address tag, the Subject content rule, domain rules, the MAIL FROM
-- parameter, TLS-Required: No, and the plan reset between messages.  Each case
-- is two TAP lines: the milter's replies with the daemon's log line, and the
-- edits requested at end of message.
local T = dofile(MTDIR .. "/lib.lua")

local op_names = {}
for _, n in ipairs({ "MT_HDRADD", "MT_HDRCHANGE", "MT_HDRDELETE", "MT_HDRINSERT", "MT_RCPTADD",
	"MT_RCPTDELETE", "MT_BODYCHANGE", "MT_QUARANTINE", "MT_SMTPREPLY" }) do
	if _G[n] ~= nil then
		op_names[_G[n]] = n
	end
end

local function describe(e)
	local v = { op_names[e[1]] or tostring(e[1]) }
	for i = 2, #e do
		local a = T.visible(e[i])
		v[#v + 1] = #a <= 80 and '"' .. a .. '"' or string.format('"%s..." (%d bytes)', a:sub(1, 60), #e[i])
	end
	return table.concat(v, " ")
end

-- The line of the config holding needle (for "FILE:LINE" in the trace).
local function conf_line(needle)
	local n = 0
	for line in (T.read_file(CONF) .. "\n"):gmatch("(.-)\n") do
		n = n + 1
		if line:find(needle, 1, true) then
			return n
		end
	end
	error("no line containing " .. needle .. " in " .. CONF)
end

-- One message on a connection that has had HELO: MAIL (o.mail macros,
-- o.params), each of o.rcpts, the header fields o.headers = { {name, value}, ... },
-- end of message.  DATA, EOH and the body are negotiated away, so they are not
-- sent.  Returns the EOM reply, or the first reply that was not CONTINUE and a
-- text naming its step (the EOM checks then fail too, as they should).
local function message(conn, o)
	local r = T.mail(conn, o.from or "<s@sender.example>", o.mail, o.params)
	if r ~= SMFIR_CONTINUE then
		return r, "MAIL " .. (o.from or "<s@sender.example>") .. " answered " .. T.reply_name(r)
	end
	for _, to in ipairs(o.rcpts or {}) do
		r = T.rcpt(conn, to)
		if r ~= SMFIR_CONTINUE then
			return r, "RCPT " .. to .. " answered " .. T.reply_name(r)
		end
	end
	for _, h in ipairs(o.headers or {}) do
		T.must(mt.header(conn, h[1], h[2]), "mt.header(" .. h[1] .. ")")
	end
	T.must(mt.eom(conn), "mt.eom")
	return mt.getreply(conn)
end

--[[
eom{ what, conn=, early= (text from message()), has = { {MT_..., args...}, ... },
     hasnot = { {MT_..., args...}, ... }, added = { {field, value}, ... } }
One TAP line: the edits the filter requested at end of message.
]]
local function eom(c)
	local problems = {}
	if c.early then
		problems[#problems + 1] = "the message did not reach end of message: " .. c.early
	end
	for _, e in ipairs(c.has or {}) do
		if not mt.eom_check(c.conn, table.unpack(e)) then
			problems[#problems + 1] = "expected EOM action " .. describe(e)
		end
	end
	for _, e in ipairs(c.hasnot or {}) do
		if mt.eom_check(c.conn, table.unpack(e)) then
			problems[#problems + 1] = "expected no EOM action " .. describe(e)
		end
	end
	for _, a in ipairs(c.added or {}) do
		local v = mt.getheader(c.conn, a[1], 0)
		if v ~= a[2] then
			problems[#problems + 1] = string.format('added field %s: expected "%s", got %s', a[1],
				T.visible(a[2]), v == nil and "none" or '"' .. T.visible(v) .. '"')
		end
	end
	return T.ok(#problems == 0, c[1], table.unpack(problems))
end

-- A flagged message's routing field, and no edit at all for an unflagged one.
local ROUTED = { MT_HDRADD, "X-RequireTLS", "yes" }
local NO_EDITS = { { MT_HDRADD }, { MT_HDRCHANGE }, { MT_HDRDELETE } }

T.run(function()
	T.start()
	local r, m, conn, early
	local lawfirm_line = conf_line('".lawfirm.example"')
	local secret_line = conf_line('"secret.example"')
	local content_line = conf_line('header = "Subject"')
	local RULE_LAW = "rule recipient .lawfirm.example (" .. CONF .. ":" .. lawfirm_line .. ")"
	local RULE_SECRET = "rule sender secret.example (" .. CONF .. ":" .. secret_line .. ")"
	local CONTENT = "content Subject (" .. CONF .. ":" .. content_line .. ")"

	-- 1. negotiation with content rules
	conn = T.conn{}
	T.ok(not mt.test_option(conn, SMFIP_NOHDRS),
		"content rules configured: header fields are negotiated (no SMFIP_NOHDRS)")
	T.ok(mt.test_option(conn, SMFIP_NR_HDR) and mt.test_option(conn, SMFIP_NOBODY)
		and mt.test_option(conn, SMFIP_NOEOH),
		"content rules configured: header fields need no reply (SMFIP_NR_HDR); no EOH, no body")
	T.ok(mt.test_action(conn, SMFIF_ADDRCPT) and mt.test_action(conn, SMFIF_DELRCPT)
		and mt.test_action(conn, SMFIF_ADDHDRS) and mt.test_action(conn, SMFIF_CHGHDRS),
		"requiretls block: SMFIF_ADDRCPT, DELRCPT, ADDHDRS and CHGHDRS requested",
		"ADDRCPT " .. tostring(mt.test_action(conn, SMFIF_ADDRCPT)) ..
		" DELRCPT " .. tostring(mt.test_action(conn, SMFIF_DELRCPT)) ..
		" ADDHDRS " .. tostring(mt.test_action(conn, SMFIF_ADDHDRS)) ..
		" CHGHDRS " .. tostring(mt.test_action(conn, SMFIF_CHGHDRS)))
	mt.disconnect(conn)

	-- 2. the address tag
	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QTAG" },
		rcpts = { "<Bob+RequireTLS@y.example>", "<carol@z.example>" },
		headers = { { "From", "s@sender.example" }, { "Subject", "hello" } } })
	T.check{ "tag +RequireTLS (any case) with an untagged recipient: flagged, logged with the tag",
		got = r, reply = SMFIR_CONTINUE, mark = m, nodecision = true,
		log = { "requiretls queue=QTAG", "sender=<s@sender.example>", "triggers=tag ",
			"rcpts_rewritten=1 ", "headers_changed=0 ", 'added="X-RequireTLS: yes"',
			'why="address tag <Bob+RequireTLS@y.example>"' } }
	eom{ "tag: the tagged recipient is replaced by its untagged form, the other one untouched; fields added",
		conn = conn, early = early,
		has = { { MT_RCPTDELETE, "<Bob+RequireTLS@y.example>" }, { MT_RCPTADD, "<Bob@y.example>" }, ROUTED,
			{ MT_HDRADD, "X-RequireTLS-Reason", "address tag <Bob+RequireTLS@y.example>" } },
		hasnot = { { MT_RCPTDELETE, "<carol@z.example>" }, { MT_RCPTADD, "<carol@z.example>" },
			{ MT_HDRCHANGE }, { MT_HDRDELETE } },
		added = { { "X-RequireTLS", "yes" }, { "X-RequireTLS-Reason", "address tag <Bob+RequireTLS@y.example>" } } }
	mt.disconnect(conn)

	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QTAG2" }, rcpts = { "<a+other+requiretls@x.example>" },
		headers = { { "Subject", "hello" } } })
	T.check{ "tag as the last of several + parts (a+other+requiretls): flagged",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QTAG2", "triggers=tag ", "rcpts_rewritten=1 ",
			'why="address tag <a+other+requiretls@x.example>"' } }
	eom{ "a+other+requiretls@x.example becomes a+other@x.example", conn = conn, early = early,
		has = { { MT_RCPTDELETE, "<a+other+requiretls@x.example>" }, { MT_RCPTADD, "<a+other@x.example>" },
			ROUTED } }
	mt.disconnect(conn)

	for _, to in ipairs({ "<a+requiretls+b@x.example>", '<"a+requiretls"@x.example>', "<+requiretls@x.example>",
		"<a+requiretlsx@x.example>" }) do
		conn = T.conn{}
		m = T.mark()
		r, early = message(conn, { mail = { "i", "QNOTAG" }, rcpts = { to }, headers = { { "Subject", "hello" } } })
		T.check{ "not a tag: " .. to .. " is not flagged (no requiretls log line)",
			got = r, reply = SMFIR_CONTINUE, mark = m, nolog = { "requiretls queue=" } }
		eom{ "not a tag: " .. to .. " gets no EOM edits", conn = conn, early = early,
			hasnot = { { MT_HDRADD }, { MT_HDRCHANGE }, { MT_HDRDELETE }, { MT_RCPTDELETE, to } } }
		mt.disconnect(conn)
	end

	-- 3. the content rule
	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QCONTENT" }, rcpts = { "<x@plain.example>" },
		headers = { { "From", "s@sender.example" }, { "Subject", "[secure] Q3" } } })
	T.check{ "Subject \"[secure] Q3\": flagged by the content rule, trace names it with file:line",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QCONTENT", "triggers=content ", "rcpts_rewritten=0 ", "headers_changed=1 ",
			'why="' .. CONTENT .. '"' } }
	eom{ "content rule with strip: Subject becomes \"Q3\", routing and trace fields added",
		conn = conn, early = early,
		has = { { MT_HDRCHANGE, "Subject", "Q3" }, ROUTED, { MT_HDRADD, "X-RequireTLS-Reason", CONTENT } },
		hasnot = { { MT_RCPTDELETE, "<x@plain.example>" }, { MT_HDRDELETE } } }
	mt.disconnect(conn)

	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QCASE" }, rcpts = { "<x@plain.example>" },
		headers = { { "SUBJECT", "  [SECURE]   Board minutes" } } })
	T.check{ "caseless rule and field name: \"SUBJECT:   [SECURE]   Board minutes\" flagged",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QCASE", "triggers=content ", "headers_changed=1 " } }
	eom{ "caseless: the field becomes \"Board minutes\"", conn = conn, early = early,
		has = { { MT_HDRCHANGE, "SUBJECT", "Board minutes" }, ROUTED } }
	mt.disconnect(conn)

	-- a long Subject: folded Subject lines of 1000+ bytes are legal (RFC 5322
	-- limits lines, not fields); miltertest itself overflows above ~1030 bytes
	local long = string.rep("Quarterly figures, part ", 42)      -- 1008 bytes
	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QLONG" }, rcpts = { "<x@plain.example>" },
		headers = { { "Subject", "[secure] " .. long } } })
	T.check{ "Subject of 1017 bytes with the tag: flagged by the content rule",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QLONG", "triggers=content ", "headers_changed=1 " } }
	eom{ "long Subject: stripped to its whole remaining text (1008 bytes, not cut at 999)",
		conn = conn, early = early, has = { { MT_HDRCHANGE, "Subject", long }, ROUTED } }
	mt.disconnect(conn)

	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QPLAIN" }, rcpts = { "<x@plain.example>" },
		headers = { { "Subject", "Re: [secure] Q3" }, { "X-Subject", "[secure] Q3" } } })
	T.check{ "Subject without the leading tag (and the tag in another field): not flagged",
		got = r, reply = SMFIR_CONTINUE, mark = m, nolog = { "requiretls queue=" } }
	eom{ "unflagged content: no EOM edits", conn = conn, early = early, hasnot = NO_EDITS }
	mt.disconnect(conn)

	-- 4. domain rules with requiretls = true
	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QLAW" }, rcpts = { "<partner@a.lawfirm.example>", "<x@plain.example>" },
		headers = { { "Subject", "contract" } } })
	T.check{ "recipient rule .lawfirm.example with requiretls = true: flagged (rule), nothing rewritten",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QLAW", "triggers=rule ", "rcpts_rewritten=0 ", "headers_changed=0 ",
			'why="' .. RULE_LAW .. '"' } }
	eom{ "recipient rule: routing and trace fields added, no recipient rewritten", conn = conn, early = early,
		has = { ROUTED, { MT_HDRADD, "X-RequireTLS-Reason", RULE_LAW } },
		hasnot = { { MT_RCPTDELETE, "<partner@a.lawfirm.example>" }, { MT_RCPTDELETE, "<x@plain.example>" },
			{ MT_HDRCHANGE }, { MT_HDRDELETE } } }
	mt.disconnect(conn)

	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QLAW2" }, rcpts = { "<partner@lawfirm.example>" },
		headers = { { "Subject", "contract" } } })
	T.check{ "rule .lawfirm.example does not flag lawfirm.example itself",
		got = r, reply = SMFIR_CONTINUE, mark = m, nolog = { "requiretls queue=" } }
	eom{ "lawfirm.example: no EOM edits", conn = conn, early = early, hasnot = NO_EDITS }
	mt.disconnect(conn)

	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { from = "<boss@secret.example>", mail = { "i", "QSECRET" },
		rcpts = { "<x@plain.example>" }, headers = { { "Subject", "plans" } } })
	T.check{ "sender rule secret.example with requiretls = true: flagged (rule) at MAIL",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QSECRET", "sender=<boss@secret.example>", "triggers=rule ",
			"rcpts_rewritten=0 ", 'why="' .. RULE_SECRET .. '"' } }
	eom{ "sender rule: routing and trace fields added, no recipient rewritten", conn = conn, early = early,
		has = { ROUTED, { MT_HDRADD, "X-RequireTLS-Reason", RULE_SECRET } },
		hasnot = { { MT_RCPTDELETE, "<x@plain.example>" } } }
	mt.disconnect(conn)

	-- 5. the MAIL FROM parameter
	conn = T.conn{ helo = T.TLS13 }
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QPARAM" }, params = { "REQUIRETLS" },
		rcpts = { "<x@plain.example>" }, headers = { { "Subject", "hi" } } })
	T.check{ "MAIL FROM ... REQUIRETLS over TLS (macros at HELO): flagged (param)",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QPARAM", "triggers=param ", "rcpts_rewritten=0 ",
			'why="MAIL FROM parameter REQUIRETLS"' },
		nolog = { "530 " } }
	eom{ "REQUIRETLS parameter: routing and trace fields added", conn = conn, early = early,
		has = { ROUTED, { MT_HDRADD, "X-RequireTLS-Reason", "MAIL FROM parameter REQUIRETLS" } } }
	mt.disconnect(conn)

	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { mail = T.macros(T.TLS12, { "i", "QPARAM2" }), params = { "SIZE=100", "requiretls" },
		rcpts = { "<Bob+requiretls@y.example>" }, headers = { { "Subject", "[secure] both" } } })
	T.check{ "requiretls (lower case, after SIZE=) over TLS (macros at MAIL) with tag and content: all triggers",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QPARAM2", "triggers=tag,content,param ", "rcpts_rewritten=1 ",
			"headers_changed=1 ",
			'why="MAIL FROM parameter REQUIRETLS; address tag <Bob+requiretls@y.example>; ' .. CONTENT .. '"' } }
	eom{ "three triggers: recipient untagged, Subject stripped, fields added", conn = conn, early = early,
		has = { { MT_RCPTDELETE, "<Bob+requiretls@y.example>" }, { MT_RCPTADD, "<Bob@y.example>" },
			{ MT_HDRCHANGE, "Subject", "both" }, ROUTED } }
	mt.disconnect(conn)

	conn = T.conn{}
	m = T.mark()
	r = T.mail(conn, "<s@sender.example>", { "i", "QPARAM3" }, { "REQUIRETLS" })
	T.check{ "MAIL FROM ... REQUIRETLS on a plaintext session: refused at MAIL with 530 5.7.10",
		got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
		log = { "decision stage=mail", "queue=QPARAM3", "sender=<s@sender.example>",
			'rule="REQUIRETLS parameter"', "verdict=reject", 'reason="REQUIRETLS on a plaintext session"',
			'reply="530 5.7.10 REQUIRETLS needs a TLS session: use STARTTLS first"' },
		nolog = { "requiretls queue=" } }
	mt.disconnect(conn)

	-- 6. TLS-Required: No
	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QTLSREQ" }, rcpts = { "<bob+requiretls@y.example>" },
		headers = { { "Subject", "hi" }, { "TLS-Required", "No" } } })
	T.check{ "flagged message with TLS-Required: No: the deletion is counted",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QTLSREQ", "triggers=tag ", "rcpts_rewritten=1 ", "headers_changed=1 " } }
	eom{ "flagged message: TLS-Required: No is deleted", conn = conn, early = early,
		has = { { MT_HDRDELETE, "TLS-Required" }, ROUTED } }
	mt.disconnect(conn)

	conn = T.conn{}
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QTLSREQ2" }, rcpts = { "<bob@y.example>" },
		headers = { { "Subject", "hi" }, { "TLS-Required", "No" } } })
	T.check{ "unflagged message with TLS-Required: No: not flagged",
		got = r, reply = SMFIR_CONTINUE, mark = m, nolog = { "requiretls queue=" } }
	eom{ "unflagged message: TLS-Required: No is kept (no deletion, no edits)", conn = conn, early = early,
		hasnot = NO_EDITS }
	mt.disconnect(conn)

	-- 7. several messages on one connection: the plan is per message
	conn = T.conn{ helo = T.TLS13 }
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QMSG1" }, params = { "REQUIRETLS" },
		rcpts = { "<bob+requiretls@y.example>" }, headers = { { "Subject", "[secure] one" } } })
	T.check{ "one connection, message 1: flagged (param, tag, content)",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QMSG1", "triggers=tag,content,param ", "rcpts_rewritten=1 " } }
	eom{ "one connection, message 1: edits requested", conn = conn, early = early,
		has = { { MT_RCPTDELETE, "<bob+requiretls@y.example>" }, { MT_HDRCHANGE, "Subject", "one" }, ROUTED } }
	m = T.mark()
	r, early = message(conn, { mail = { "i", "QMSG2" }, rcpts = { "<carol@z.example>" },
		headers = { { "Subject", "two" }, { "TLS-Required", "No" } } })
	T.check{ "one connection, message 2 (no trigger): not flagged, no requiretls log line",
		got = r, reply = SMFIR_CONTINUE, mark = m, nolog = { "requiretls queue=" } }
	eom{ "one connection, message 2: no EOM edits (plan reset)", conn = conn, early = early,
		hasnot = { { MT_HDRADD }, { MT_HDRCHANGE }, { MT_HDRDELETE },
			{ MT_RCPTDELETE, "<bob+requiretls@y.example>" }, { MT_RCPTADD, "<bob@y.example>" } } }
	mt.disconnect(conn)

	-- a recipient refused by its rule is not rewritten, even when tagged
	conn = T.conn{}
	m = T.mark()
	T.mail(conn, "<s@sender.example>", { "i", "QREFUSED" })
	r = T.rcpt(conn, "<x+requiretls@secure.example>")
	T.check{ "tagged recipient refused by a recipient rule (plaintext): rejected at RCPT",
		got = r, reply = SMFIR_REPLYCODE, mark = m, log = { "stage=rcpt", "verdict=reject" } }
	r = T.rcpt(conn, "<y@plain.example>")
	early = r ~= SMFIR_CONTINUE and "RCPT <y@plain.example> answered " .. T.reply_name(r) or nil
	T.must(mt.header(conn, "Subject", "hi"), "mt.header(Subject)")
	T.must(mt.eom(conn), "mt.eom")
	eom{ "the refused tagged recipient flags nothing: no EOM edits", conn = conn, early = early,
		hasnot = { { MT_HDRADD }, { MT_RCPTDELETE, "<x+requiretls@secure.example>" },
			{ MT_RCPTADD, "<x@secure.example>" } } }
	mt.disconnect(conn)
end)
