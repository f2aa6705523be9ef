-- t/mt/requiretls_off.lua - REQUIRETLS off and on without content rules
-- (config: requiretls_off.conf = no requiretls block).  Part 1 runs without the
-- block; then the script writes a block without content rules but with its
-- own field names and address tag, reloads (SIGHUP), and runs part 2 on new
-- connections.
local T = dofile(MTDIR .. "/lib.lua")

local SIGHUP = 1

local ACTIONS = { ADDRCPT = SMFIF_ADDRCPT, DELRCPT = SMFIF_DELRCPT, ADDHDRS = SMFIF_ADDHDRS,
	CHGHDRS = SMFIF_CHGHDRS }

-- "ADDRCPT=true DELRCPT=false ..." for diagnostics
local function actions(conn)
	local v = {}
	for _, n in ipairs({ "ADDRCPT", "DELRCPT", "ADDHDRS", "CHGHDRS" }) do
		v[#v + 1] = n .. "=" .. tostring(mt.test_action(conn, ACTIONS[n]))
	end
	return table.concat(v, " ")
end

-- MAIL, RCPTs, the header fields { {name, value}, ... } (only where
-- negotiated), end of message; returns the EOM reply, or the first reply that
-- was not CONTINUE and a text naming its step.
local function message(conn, from, rcpts, macros, headers)
	local r = T.mail(conn, from, macros)
	if r ~= SMFIR_CONTINUE then
		return r, "MAIL " .. from .. " answered " .. T.reply_name(r)
	end
	for _, to in ipairs(rcpts) do
		r = T.rcpt(conn, to)
		if r ~= SMFIR_CONTINUE then
			return r, "RCPT " .. to .. " answered " .. T.reply_name(r)
		end
	end
	for _, h in ipairs(headers or {}) do
		T.must(mt.header(conn, h[1], h[2]), "mt.header(" .. h[1] .. ")")
	end
	T.must(mt.eom(conn), "mt.eom")
	return mt.getreply(conn)
end

-- EOM actions: every entry of has must be requested, none of hasnot.
local function eom(what, conn, early, has, hasnot, added)
	local problems = {}
	if early then
		problems[#problems + 1] = "the message did not reach end of message: " .. early
	end
	for _, e in ipairs(has or {}) do
		if not mt.eom_check(conn, table.unpack(e)) then
			problems[#problems + 1] = "expected EOM action " .. table.concat(e, " ", 2) .. " (op " .. e[1] .. ")"
		end
	end
	for _, e in ipairs(hasnot or {}) do
		if mt.eom_check(conn, table.unpack(e)) then
			problems[#problems + 1] = "expected no EOM action " .. table.concat(e, " ", 2) .. " (op " .. e[1] .. ")"
		end
	end
	for _, a in ipairs(added or {}) do
		local v = mt.getheader(conn, a[1], 0)
		if v ~= a[2] then
			problems[#problems + 1] = string.format('added field %s: expected "%s", got %s', a[1], a[2],
				v == nil and "none" or '"' .. T.visible(v) .. '"')
		end
	end
	return T.ok(#problems == 0, what, table.unpack(problems))
end

T.run(function()
	T.start()
	local r, m, conn, early

	-- part 1: no requiretls block
	conn = T.conn{}
	T.ok(not mt.test_action(conn, SMFIF_ADDRCPT) and not mt.test_action(conn, SMFIF_DELRCPT)
		and not mt.test_action(conn, SMFIF_ADDHDRS) and not mt.test_action(conn, SMFIF_CHGHDRS),
		"no requiretls block: no ADDRCPT, DELRCPT, ADDHDRS or CHGHDRS requested", actions(conn))
	T.ok(mt.test_option(conn, SMFIP_NOHDRS) and mt.test_option(conn, SMFIP_NOBODY),
		"no requiretls block: no header fields, no body (SMFIP_NOHDRS, SMFIP_NOBODY)")
	m = T.mark()
	r, early = message(conn, "<s@sender.example>", { "<bob+requiretls@y.example>" }, { "i", "QOFF" })
	T.check{ "no requiretls block: a tagged recipient is not flagged (no requiretls log line)",
		got = r, reply = SMFIR_CONTINUE, mark = m, nolog = { "requiretls queue=" } }
	eom("no requiretls block: no EOM edits for a tagged recipient", conn, early, {},
		{ { MT_HDRADD }, { MT_HDRDELETE }, { MT_RCPTDELETE, "<bob+requiretls@y.example>" },
			{ MT_RCPTADD, "<bob@y.example>" } })
	mt.disconnect(conn)

	-- part 2: a block without content rules, with configured names
	T.write_file(CONF, 'socket = "unix:' .. SOCK .. '";\n' ..
		'pidfile = "' .. DIR .. '/milter.pid";\n' ..
		'profiles = { tls = { encrypted = true; }; };\n' ..
		'requiretls = { header = "X-Secure-Route"; trace_header = "X-Why"; address_tag = "secure"; };\n' ..
		'rules = ( { recipient = "secure.example"; require = "tls"; } );\n')
	m = T.mark()
	mt.signal(SIGHUP)
	T.ok(T.wait_log(m, "reloaded " .. CONF, 5), "SIGHUP with a requiretls block: logged \"reloaded\"",
		"log since SIGHUP:", T.log_since(m))

	conn = T.conn{}
	-- every "TLS-Required: No" must be seen to be deleted (issue 9, defect 3)
	T.ok(not mt.test_option(conn, SMFIP_NOHDRS) and mt.test_option(conn, SMFIP_NR_HDR),
		"requiretls block without content rules: header fields negotiated (no SMFIP_NOHDRS), no reply (SMFIP_NR_HDR)")
	T.ok(mt.test_action(conn, SMFIF_ADDRCPT) and mt.test_action(conn, SMFIF_DELRCPT)
		and mt.test_action(conn, SMFIF_ADDHDRS) and mt.test_action(conn, SMFIF_CHGHDRS),
		"requiretls block without content rules: ADDRCPT, DELRCPT, ADDHDRS and CHGHDRS requested", actions(conn))
	m = T.mark()
	r, early = message(conn, "<s@sender.example>", { "<carol+Secure@y.example>", "<dave@z.example>" },
		{ "i", "QNAMES" }, { { "Subject", "hi" } })
	T.check{ "address_tag = \"secure\": <carol+Secure@y.example> flagged; logged with the configured field",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QNAMES", "triggers=tag ", "rcpts_rewritten=1 ",
			-- no TLS-Required field: nothing deleted
			"headers_changed=0 ",
			'added="X-Secure-Route: yes"', 'why="address tag <carol+Secure@y.example>"' } }
	eom("configured names: recipient untagged, X-Secure-Route: yes and X-Why added, no X-RequireTLS",
		conn, early,
		{ { MT_RCPTDELETE, "<carol+Secure@y.example>" }, { MT_RCPTADD, "<carol@y.example>" },
			{ MT_HDRADD, "X-Secure-Route", "yes" }, { MT_HDRADD, "X-Why", "address tag <carol+Secure@y.example>" } },
		{ { MT_HDRADD, "X-RequireTLS" }, { MT_HDRADD, "X-RequireTLS-Reason" }, { MT_HDRDELETE },
			{ MT_RCPTDELETE, "<dave@z.example>" } },
		{ { "X-Secure-Route", "yes" }, { "X-Why", "address tag <carol+Secure@y.example>" } })

	-- three "TLS-Required: No" fields (and one "Yes", kept) without content
	-- rules: all three deleted, not only the first (issue 9, defect 3)
	m = T.mark()
	r, early = message(conn, "<s@sender.example>", { "<erin+secure@y.example>" }, { "i", "QTLSREQ3" },
		{ { "TLS-Required", "No" }, { "Subject", "x" }, { "TLS-Required", " no " }, { "TLS-Required", "Yes" },
			{ "TLS-Required", "NO" } })
	T.check{ "three TLS-Required: No fields without content rules: all three deleted",
		got = r, reply = SMFIR_CONTINUE, mark = m,
		log = { "requiretls queue=QTLSREQ3", "triggers=tag ", "rcpts_rewritten=1 ", "headers_changed=3 " } }
	eom("three TLS-Required: No fields: deletions requested", conn, early, { { MT_HDRDELETE, "TLS-Required" } })

	m = T.mark()
	r, early = message(conn, "<s@sender.example>", { "<dave+requiretls@y.example>" }, { "i", "QDEFTAG" })
	T.check{ "address_tag = \"secure\": the default tag +requiretls no longer flags",
		got = r, reply = SMFIR_CONTINUE, mark = m, nolog = { "requiretls queue=" } }
	eom("the default tag with a configured one: no EOM edits (and message 1's plan is gone)", conn, early, {},
		{ { MT_HDRADD }, { MT_HDRDELETE }, { MT_RCPTDELETE, "<dave+requiretls@y.example>" },
			{ MT_RCPTDELETE, "<carol+Secure@y.example>" } })
	mt.disconnect(conn)
end)
