-- t/mt/lib.lua - shared helpers for the miltertest scripts of t/miltertest.sh.
--
-- Globals set by the harness with miltertest -D:
--   BIN   the daemon          CONF  the generated config    SOCK  its unix socket
--   LOG   the file miltertest's (and so the daemon's) stderr goes to
--   DIR   the script's temp dir          NAME  the script's short name
--
-- A script does:
--   local T = dofile(MTDIR .. "/lib.lua")
--   T.run(function() ... T.check{...} ... end)
--
-- Output is TAP without numbers ("ok - [name] what", "not ok - ...", "# ...");
-- the harness renumbers the lines of all scripts into one stream.  T.run
-- catches Lua errors (miltertest itself swallows their text), reports them
-- as "not ok", and prints the "#@done" marker only when the script ran to
-- its end, so a crash can never look like a pass.

local T = {}

local reply_names = {}
for _, n in ipairs({ "SMFIR_ACCEPT", "SMFIR_CONTINUE", "SMFIR_REPLYCODE", "SMFIR_REJECT",
	"SMFIR_TEMPFAIL", "SMFIR_DISCARD", "SMFIR_SKIP", "SMFIR_ADDHEADER", "SMFIR_INSHEADER",
	"SMFIR_CHGHEADER", "SMFIR_ADDRCPT", "SMFIR_DELRCPT", "SMFIR_PROGRESS", "SMFIR_QUARANTINE" }) do
	if _G[n] ~= nil then
		reply_names[_G[n]] = n
	end
end

function T.reply_name(r)
	if r == nil then
		return "nil"
	end
	return reply_names[r] or string.format("%s ('%s')", tostring(r),
		(type(r) == "number" and r > 0 and r < 256) and string.char(math.floor(r)) or "?")
end

local function out(s)
	io.stdout:write(s, "\n")
	io.stdout:flush()
end

-- Control characters made visible (\r -> \013) for diagnostics.
local function visible(s)
	return (tostring(s):gsub("[%c]", function(c) return string.format("\\%03d", c:byte()) end))
end
T.visible = visible

local function diag(s)
	for line in (tostring(s) .. "\n"):gmatch("(.-)\n") do
		out("# " .. line)
	end
end
T.diag = diag

T.failures = 0

-- ---- the daemon's log ----

local function read_log()
	local f = io.open(LOG, "r")
	if not f then
		return ""
	end
	local s = f:read("a") or ""
	f:close()
	return s
end
T.read_log = read_log

-- Position in the log; T.log_since(mark) is what was written after it.
function T.mark()
	return #read_log()
end

function T.log_since(mark)
	return read_log():sub(mark + 1)
end

-- Lines of text containing every string of needles (plain matching).
local function lines_with(text, needles)
	local found = {}
	for line in text:gmatch("[^\n]*") do
		if line ~= "" then
			local all = true
			for _, n in ipairs(needles) do
				if not line:find(n, 1, true) then
					all = false
					break
				end
			end
			if all then
				found[#found + 1] = line
			end
		end
	end
	return found
end
T.lines_with = lines_with

-- Count plain occurrences of needle in text.
function T.count(text, needle)
	local n, pos = 0, 1
	while true do
		local s, e = text:find(needle, pos, true)
		if not s then
			return n
		end
		n, pos = n + 1, e + 1
	end
end

-- Wait up to secs seconds for needle to appear in the log after mark.
function T.wait_log(mark, needle, secs)
	local deadline = os.time() + (secs or 5) + 1
	repeat
		if T.log_since(mark):find(needle, 1, true) then
			return true
		end
		mt.sleep(0.05)
	until os.time() > deadline
	return false
end

-- ---- TAP ----

function T.ok(cond, what, ...)
	if cond then
		out("ok - [" .. NAME .. "] " .. what)
	else
		T.failures = T.failures + 1
		out("not ok - [" .. NAME .. "] " .. what)
		for _, d in ipairs({ ... }) do
			diag(d)
		end
		diag("temp dir: " .. DIR .. " (log: " .. LOG .. ", config: " .. CONF .. ")")
	end
	return cond
end

--[[
T.check{ what, conn=, reply=SMFIR_..., mark=, log={needles of ONE decision line},
         log2={needles of a second line}, nolog={strings no new line may contain},
         nodecision=true (no "decision " line at all), decisions=N }
One TAP line: the milter's reply and the decision lines logged since mark.
]]
function T.check(c)
	local problems = {}
	local got = c.got
	if got == nil and c.conn ~= nil then
		got = mt.getreply(c.conn)
	end
	if c.reply ~= nil and got ~= c.reply then
		problems[#problems + 1] = string.format("expected reply %s, got %s", T.reply_name(c.reply),
			T.reply_name(got))
	end
	local new = c.mark and T.log_since(c.mark) or ""
	local decisions = lines_with(new, { "decision " })
	for _, key in ipairs({ "log", "log2" }) do
		if c[key] and #lines_with(new, c[key]) == 0 then
			local v = {}
			for i, n in ipairs(c[key]) do
				v[i] = visible(n)
			end
			problems[#problems + 1] = "expected a log line containing all of: " .. table.concat(v, " | ")
		end
	end
	for _, n in ipairs(c.nolog or {}) do
		if new:find(n, 1, true) then
			problems[#problems + 1] = "expected no log line containing: " .. visible(n)
		end
	end
	if c.nodecision and #decisions > 0 then
		problems[#problems + 1] = "expected no decision line"
	end
	if c.decisions and #decisions ~= c.decisions then
		problems[#problems + 1] = string.format("expected %d decision line(s), got %d", c.decisions,
			#decisions)
	end
	if #problems > 0 then
		problems[#problems + 1] = "log lines written during this case:"
		local any = false
		for line in new:gmatch("[^\n]+") do
			problems[#problems + 1] = "  " .. visible(line)
			any = true
		end
		if not any then
			problems[#problems + 1] = "  (none)"
		end
	end
	return T.ok(#problems == 0, c[1], table.unpack(problems))
end

-- ---- the daemon and connections ----

function T.start()
	mt.startfilter(BIN, "-f", "-c", CONF)
end

local function must(r, what)
	if r ~= nil then
		error(what .. " failed: " .. tostring(r), 2)
	end
end
T.must = must

-- A connection that has been through negotiate, connect and HELO.
-- opts: host, ip, connect = { macro, value, ... }, helo = { macro, value, ... }
function T.conn(opts)
	opts = opts or {}
	-- CONNECT_TRIES (-D, optional): more than 5 s for a slow start (valgrind)
	local conn = mt.connect("unix:" .. SOCK, tonumber(CONNECT_TRIES) or 100, 0.05)
	if conn == nil then
		error("cannot connect to the milter at " .. SOCK .. " (did it start? see " .. LOG .. ")", 2)
	end
	must(mt.negotiate(conn, nil, nil, nil), "mt.negotiate")
	if opts.connect then
		must(mt.macro(conn, SMFIC_CONNECT, table.unpack(opts.connect)), "mt.macro(CONNECT)")
	end
	must(mt.conninfo(conn, opts.host or "client.test", opts.ip or "192.0.2.200"), "mt.conninfo")
	-- HELO explicitly: an implicit one (from mt.mailfrom) would discard the MAIL macros.
	if opts.helo then
		must(mt.macro(conn, SMFIC_HELO, table.unpack(opts.helo)), "mt.macro(HELO)")
	end
	must(mt.helo(conn, opts.heloname or "client.test"), "mt.helo")
	return conn
end

-- MAIL FROM with optional MAIL-stage macros ({name, value, ...}) and ESMTP
-- parameters ({"REQUIRETLS", ...}); returns the reply.
function T.mail(conn, from, macros, params)
	if macros and #macros > 0 then
		must(mt.macro(conn, SMFIC_MAIL, table.unpack(macros)), "mt.macro(MAIL)")
	end
	must(mt.mailfrom(conn, from, table.unpack(params or {})), "mt.mailfrom")
	return mt.getreply(conn)
end

function T.rcpt(conn, to, macros)
	if macros and #macros > 0 then
		must(mt.macro(conn, SMFIC_RCPT, table.unpack(macros)), "mt.macro(RCPT)")
	end
	must(mt.rcptto(conn, to), "mt.rcptto")
	return mt.getreply(conn)
end

-- One whole case on a fresh connection: MAIL only.
-- opts as T.conn, plus from, tls = { macros at MAIL }, params = { ESMTP parameters }.
function T.mail_case(opts)
	local m = T.mark()
	local conn = T.conn(opts)
	local r = T.mail(conn, opts.from, opts.tls, opts.params)
	mt.disconnect(conn)
	return r, m
end

-- Common TLS macro sets.
T.TLS13 = { "{tls_version}", "TLSv1.3", "{cipher}", "TLS_AES_256_GCM_SHA384", "{cipher_bits}", "256" }
T.TLS12 = { "{tls_version}", "TLSv1.2", "{cipher}", "ECDHE-RSA-AES256-GCM-SHA384", "{cipher_bits}", "256" }
T.POSTFIX = { "v", "Postfix 3.7.11" }
T.SENDMAIL = { "v", "8.17.1" }

-- Join macro lists: T.macros(T.TLS12, {"{verify}", "OK"})
function T.macros(...)
	local r = {}
	for _, l in ipairs({ ... }) do
		for _, v in ipairs(l) do
			r[#r + 1] = v
		end
	end
	return r
end

function T.write_file(path, text)
	local f = assert(io.open(path, "w"))
	f:write(text)
	f:close()
end

function T.read_file(path)
	local f = assert(io.open(path, "r"))
	local s = f:read("a")
	f:close()
	return s
end

-- Run the script body; report a crash as "not ok" and mark a complete run.
function T.run(body)
	local okrun, err = xpcall(body, debug.traceback)
	if not okrun then
		T.failures = T.failures + 1
		out("not ok - [" .. NAME .. "] script crashed")
		diag(err)
		local lines = {}
		for line in read_log():gmatch("[^\n]+") do
			lines[#lines + 1] = line
		end
		diag("last lines of the log:")
		for i = math.max(1, #lines - 15), #lines do
			diag("  " .. lines[i])
		end
		diag("temp dir: " .. DIR .. " (log: " .. LOG .. ")")
	else
		out("#@done")
	end
end

return T
