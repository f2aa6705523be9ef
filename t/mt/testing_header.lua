-- t/mt/testing_header.lua - testing_header (config: testing_header.conf): each
-- would-verdict of a message that goes on becomes one header field at end of
-- message, also when it was made at MAIL (the milter then does not answer
-- ACCEPT there, so the MTA still sends end of message); with the macros of
-- both MTAs.
local T = dofile(MTDIR .. "/lib.lua")

local HDR = "X-TLSPolicy-Testing"
local PLAIN = "session is not encrypted (no STARTTLS)"

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

local function label(kind, key)
	return string.format("%s %s (%s:%d)", kind, key, CONF, conf_line('{ ' .. kind .. ' = "' .. key .. '"'))
end

-- One message: MAIL (macros), RCPTs, EOM.  Returns the MAIL reply, the RCPT
-- replies and the EOM reply (nil when the message ended earlier).
local function message(conn, from, macros, rcpts)
	local rr = {}
	local r = T.mail(conn, from, macros)
	if r ~= SMFIR_CONTINUE then
		return r, rr, nil
	end
	local any = #rcpts == 0
	for i, to in ipairs(rcpts) do
		rr[i] = T.rcpt(conn, to)
		any = any or rr[i] == SMFIR_CONTINUE
	end
	if not any then
		return r, rr, nil
	end
	T.must(mt.eom(conn), "mt.eom")
	return r, rr, mt.getreply(conn)
end

-- The fields added at EOM, in the order the milter added them (miltertest's
-- mt.getheader counts from the newest).
local function fields(conn, max)
	local v = {}
	for i = 0, (max or 12) - 1 do
		local h = mt.getheader(conn, HDR, i)
		if h == nil then
			break
		end
		table.insert(v, 1, h)
	end
	return v
end

local function expect_fields(what, conn, want, extra)
	local got = fields(conn)
	local problems = {}
	for _, p in ipairs(extra or {}) do
		problems[#problems + 1] = p
	end
	if #got ~= #want then
		problems[#problems + 1] = string.format("expected %d %s field(s), got %d", #want, HDR, #got)
	end
	for i = 1, math.max(#got, #want) do
		if got[i] ~= want[i] then
			problems[#problems + 1] = string.format('field %d: expected "%s"', i, T.visible(want[i] or "(none)"))
			problems[#problems + 1] = string.format('          got      "%s"', T.visible(got[i] or "(none)"))
		end
	end
	return T.ok(#problems == 0, what, table.unpack(problems))
end

local dialects = {
	{ name = "postfix", connect = T.POSTFIX, extra = {} },
	{ name = "sendmail", connect = T.SENDMAIL,
	  extra = { "{verify}", "NO", "{cert_subject}", "", "{cert_issuer}", "" } },
}

T.run(function()
	T.start()
	local r, rr, e, m, conn

	for _, d in ipairs(dialects) do
		-- a would-reject at MAIL, no recipient rule for the recipient: still a field at EOM
		m = T.mark()
		conn = T.conn{ connect = d.connect }
		r, rr, e = message(conn, "<u@trial.example>", {}, { "<x@open.example>" })
		T.check{ d.name .. ": plaintext from trial.example (testing): MAIL continues (EOM must come), logged",
			got = r, reply = SMFIR_CONTINUE, mark = m,
			log = { "stage=mail", "verdict=would-reject" } }
		T.ok(e == SMFIR_CONTINUE, d.name .. ": end of message accepted", "EOM reply " .. T.reply_name(e))
		expect_fields(d.name .. ": one field says what enforcement would have done at MAIL", conn, {
			string.format('would-reject stage=mail rule="%s" key="trial.example" reason="%s" ' ..
				'reply="550 5.7.10"', label("sender", "trial.example"), PLAIN) })
		T.ok(T.wait_log(m, "testing queue=- client=192.0.2.200 sender=<u@trial.example> header=" .. HDR .. " added=1", 3),
			d.name .. ": the daemon logs the field it added", T.log_since(m))

		-- the next message on the same connection starts without fields
		r, rr, e = message(conn, "<u@open.example>", {}, { "<x@open.example>" })
		T.ok(e == SMFIR_CONTINUE and #fields(conn) == 0,
			d.name .. ": a second message on the connection without would-verdicts: no field",
			"EOM " .. T.reply_name(e) .. ", fields " .. #fields(conn))
		mt.disconnect(conn)

		-- recipient rules: two recipients of pilot.example give one field; a
		-- .many.example recipient another; a rejected recipient adds none
		local tls = T.macros({ "{tls_version}", "TLSv1.2", "{cipher}", "DES-CBC3-SHA", "{cipher_bits}", "112" },
			d.extra)
		m = T.mark()
		conn = T.conn{ connect = d.connect }
		r, rr, e = message(conn, "<u@open.example>", tls,
			{ "<a@pilot.example>", "<b@pilot.example>", "<c@sub.many.example>" })
		T.ok(r == SMFIR_CONTINUE and rr[1] == SMFIR_CONTINUE and rr[2] == SMFIR_CONTINUE and
			rr[3] == SMFIR_CONTINUE and e == SMFIR_CONTINUE,
			d.name .. ": 3DES session, testing rules at RCPT: every step continues",
			string.format("MAIL %s RCPT %s %s %s EOM %s", T.reply_name(r), T.reply_name(rr[1]),
				T.reply_name(rr[2]), T.reply_name(rr[3]), T.reply_name(e)))
		expect_fields(d.name .. ": one field per distinct would-verdict, in order (the cipher is named)", conn, {
			string.format('would-reject stage=rcpt rule="%s" key="pilot.example" ' ..
				'reason="cipher DES-CBC3-SHA is excluded (3DES)" reply="550 5.7.10"',
				label("recipient", "pilot.example")) })
		mt.disconnect(conn)

		m = T.mark()
		conn = T.conn{ connect = d.connect }
		r, rr, e = message(conn, "<u@open.example>", {},
			{ "<c@sub.many.example>", "<s@secure.example>", "<a@pilot.example>" })
		T.ok(rr[2] == SMFIR_REPLYCODE and e == SMFIR_CONTINUE,
			d.name .. ": plaintext: secure.example (enforce) refused, the message goes on",
			"RCPT secure " .. T.reply_name(rr[2]) .. " EOM " .. T.reply_name(e))
		expect_fields(d.name .. ": would-tempfail and would-reject fields; none for the refused recipient", conn, {
			string.format('would-tempfail stage=rcpt rule="%s" key="sub.many.example" reason="%s" ' ..
				'reply="450 4.7.10"', label("recipient", ".many.example"), PLAIN),
			string.format('would-reject stage=rcpt rule="%s" key="pilot.example" reason="%s" ' ..
				'reply="550 5.7.10"', label("recipient", "pilot.example"), PLAIN) })
		mt.disconnect(conn)
	end

	-- a rejected MAIL (enforce) ends the message: no EOM, nothing to add
	r, m = T.mail_case{ from = "<u@strict.example>" }
	T.check{ "enforce rule at MAIL: rejected as before", got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "verdict=reject" }, nolog = { "testing queue=" } }

	-- a pass at MAIL with recipient rules: nothing added
	m = T.mark()
	conn = T.conn{}
	r, rr, e = message(conn, "<u@trial.example>", T.TLS13, { "<a@pilot.example>" })
	T.ok(e == SMFIR_CONTINUE and #fields(conn) == 0, "requirements met everywhere: no field",
		"EOM " .. T.reply_name(e) .. ", fields " .. #fields(conn))
	mt.disconnect(conn)

	-- bounded: 10 distinct would-verdicts give 8 fields and one saying 2 more
	local rcpts = {}
	for i = 1, 10 do
		rcpts[i] = string.format("<u@d%d.many.example>", i)
	end
	conn = T.conn{}
	r, rr, e = message(conn, "<u@open.example>", {}, rcpts)
	local got = fields(conn, 20)
	T.ok(e == SMFIR_CONTINUE and #got == 9 and got[8]:find('key="d8.many.example"', 1, true) ~= nil and
		got[9] == "2 more would-verdicts not shown (see the log)",
		"10 distinct would-verdicts: 8 fields and one saying 2 more (bounded)",
		"EOM " .. T.reply_name(e), "fields: " .. #got, "last: " .. tostring(got[#got]))
	mt.disconnect(conn)
end)
