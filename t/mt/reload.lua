-- t/mt/reload.lua - SIGHUP reload: a good new file replaces the policy for new
-- connections; a broken one is refused with file:line and the old policy kept
-- (config: reload.conf = policy A, rule for alpha.example).
local T = dofile(MTDIR .. "/lib.lua")

local SIGHUP = 1

local function policy(extra, domain, sock, pidfile)
	return 'socket = "unix:' .. (sock or SOCK) .. '";\n' ..
		'pidfile = "' .. (pidfile or DIR .. "/milter.pid") .. '";\n' ..
		extra ..
		'profiles = { tls = { encrypted = true; }; };\n' ..
		'rules = ( { sender = "' .. domain .. '"; require = "tls"; } );\n'
end

-- plaintext MAIL from domain on a new connection: the reply
local function try(domain)
	local r = T.mail_case{ from = "<u@" .. domain .. ">" }
	return r
end

T.run(function()
	T.start()
	local r, m

	r, m = T.mail_case{ from = "<u@alpha.example>" }
	T.check{ "policy A: plaintext from alpha.example rejected", got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { 'rule="sender alpha.example', "verdict=reject" } }
	r, m = T.mail_case{ from = "<u@beta.example>" }
	T.check{ "policy A: plaintext from beta.example accepted", got = r, reply = SMFIR_ACCEPT, mark = m,
		nodecision = true }

	-- a session opened before the reload keeps the policy it started with
	local old = T.conn{}

	-- B: the rule moves to beta.example
	T.write_file(CONF, policy("", "beta.example"))
	m = T.mark()
	mt.signal(SIGHUP)
	local reloaded = T.wait_log(m, "reloaded " .. CONF, 5)
	T.ok(reloaded, "SIGHUP with a good file B: logged \"reloaded\"", "log since SIGHUP:", T.log_since(m))

	local conn = mt.connect("unix:" .. SOCK, 20, 0.05)
	T.ok(conn ~= nil, "daemon still accepts connections after SIGHUP (SIGHUP did not stop it)",
		"log:", T.log_since(m))
	if conn then
		mt.disconnect(conn)
	end
	r, m = T.mail_case{ from = "<u@beta.example>" }
	T.check{ "policy B on a new connection: plaintext from beta.example rejected",
		got = r, reply = SMFIR_REPLYCODE, mark = m, log = { 'rule="sender beta.example', "verdict=reject" } }
	r, m = T.mail_case{ from = "<u@alpha.example>" }
	T.check{ "policy B on a new connection: plaintext from alpha.example accepted",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }

	m = T.mark()
	r = T.mail(old, "<u@alpha.example>")
	T.check{ "a connection opened before the reload keeps policy A (alpha.example rejected)",
		got = r, reply = SMFIR_REPLYCODE, mark = m, log = { 'rule="sender alpha.example', "verdict=reject" } }
	mt.disconnect(old)

	-- broken file: unknown key on line 3
	T.write_file(CONF, policy("colour = \"blue\";\n", "gamma.example"))
	m = T.mark()
	mt.signal(SIGHUP)
	local refused = T.wait_log(m, "keeping the previous policy", 5)
	local since = T.log_since(m)
	T.ok(refused and since:find(CONF .. ":3: error: unknown key 'colour'", 1, true) ~= nil,
		"SIGHUP with a broken file: logs FILE:3: error: unknown key and \"keeping the previous policy\"",
		"expected \"" .. CONF .. ":3: error: unknown key 'colour'\" and \"keeping the previous policy\"",
		"log since SIGHUP:", since)

	conn = mt.connect("unix:" .. SOCK, 20, 0.05)
	T.ok(conn ~= nil, "daemon still alive after the failed reload", "log:", T.log_since(m))
	if conn then
		mt.disconnect(conn)
	end
	r, m = T.mail_case{ from = "<u@beta.example>" }
	T.check{ "after the failed reload, policy B still applies (beta.example rejected)",
		got = r, reply = SMFIR_REPLYCODE, mark = m, log = { 'rule="sender beta.example', "verdict=reject" } }
	r, m = T.mail_case{ from = "<u@gamma.example>" }
	T.check{ "after the failed reload, the broken file's rule is not in force (gamma.example accepted)",
		got = r, reply = SMFIR_ACCEPT, mark = m, nodecision = true }

	-- and a good file again is picked up
	T.write_file(CONF, policy("", "gamma.example"))
	m = T.mark()
	mt.signal(SIGHUP)
	reloaded = T.wait_log(m, "reloaded " .. CONF, 5)
	r, m = T.mail_case{ from = "<u@gamma.example>" }
	T.check{ "fixing the file and SIGHUP again: the new rule applies (gamma.example rejected)",
		got = r, reply = SMFIR_REPLYCODE, mark = m, log = { 'rule="sender gamma.example', "verdict=reject" } }

	-- SIGUSR1: counters, and the daemon goes on
	m = T.mark()
	mt.signal(10)
	local stats = T.wait_log(m, "stats ", 5)
	T.ok(stats and T.log_since(m):find("reloads=2 reload_failures=1", 1, true) ~= nil,
		"SIGUSR1 logs counters (reloads=2 reload_failures=1)", "log since SIGUSR1:", T.log_since(m))
	r, m = T.mail_case{ from = "<u@gamma.example>" }
	T.check{ "daemon still answers after SIGUSR1", got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "verdict=reject" } }

	-- the file is gone: the policy stays
	os.remove(CONF)
	m = T.mark()
	mt.signal(SIGHUP)
	refused = T.wait_log(m, "keeping the previous policy", 5)
	T.ok(refused and T.log_since(m):find("cannot read the file", 1, true) ~= nil,
		"SIGHUP with the file missing: \"cannot read the file\", previous policy kept",
		"log since SIGHUP:", T.log_since(m))
	r, m = T.mail_case{ from = "<u@gamma.example>" }
	T.check{ "after the failed reload (file missing) the policy still applies",
		got = r, reply = SMFIR_REPLYCODE, mark = m, log = { 'rule="sender gamma.example', "verdict=reject" } }

	-- a new socket and pidfile in the file: policy reloaded, the daemon stays
	-- on its socket (and must still remove the pidfile it wrote when it stops:
	-- t/miltertest.sh checks that milter.pid is gone and new.pid never existed)
	T.write_file(CONF, policy("", "delta.example", DIR .. "/other.sock", DIR .. "/new.pid"))
	m = T.mark()
	mt.signal(SIGHUP)
	reloaded = T.wait_log(m, "reloaded " .. CONF, 5)
	T.ok(reloaded and T.log_since(m):find("changes take effect only after a restart", 1, true),
		"SIGHUP with a changed socket: reloaded, warns that the socket changes only on restart",
		"log since SIGHUP:", T.log_since(m))
	r, m = T.mail_case{ from = "<u@delta.example>" }
	T.check{ "after a reload with a changed socket the old socket serves the new policy",
		got = r, reply = SMFIR_REPLYCODE, mark = m, log = { 'rule="sender delta.example', "verdict=reject" } }
end)
