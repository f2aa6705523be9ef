-- t/mt/privs.lua - the daemon drops root after opening its socket (config: privs.conf).
-- Needs root, as CI and the README's test command run: without it this fails, never skips.
local T = dofile(MTDIR .. "/lib.lua")

local function sh(cmd)
	local f = io.popen(cmd)
	local out = f:read("*a")
	f:close()
	return (out:gsub("%s+$", ""))
end

T.run(function()
	local uid = sh("id -u")
	if not T.ok(uid == "0", "privilege drop test runs as root", "id -u: " .. uid) then
		return
	end
	-- as in a real runtime directory, the service user may remove its pidfile there
	os.execute("chmod 777 '" .. DIR .. "'")
	local m = T.mark()
	T.start()
	local r
	r, m = T.mail_case{ from = "<a@bank.example>" }
	T.check{ "after the drop the milter still decides: plaintext from bank.example refused",
		got = r, reply = SMFIR_REPLYCODE, mark = m, log = { "verdict=reject" },
		nolog = { "running as root" } }

	-- the pidfile names the supervising parent (root, runs no libmilter code);
	-- the milter process is its only child
	local ppid = T.read_file(DIR .. "/milter.pid"):gsub("%s+$", "")
	local pstatus = T.read_file("/proc/" .. ppid .. "/status") or ""
	T.ok((pstatus:match("\nUid:%s+(%d+)") or "") == "0", "the pidfile names the supervising parent, which stays root",
		"status of " .. ppid .. ":", pstatus)
	local pid = sh("cat /proc/" .. ppid .. "/task/*/children"):gsub("%s+$", "")
	T.ok(pid:match("^%d+$") ~= nil, "the supervisor has one child, the milter process", "children: " .. pid)
	local status = T.read_file("/proc/" .. pid .. "/status") or ""
	local nobody, nogroup = sh("id -u nobody"), sh("getent group nogroup | cut -d: -f3")
	local u = status:match("\nUid:%s+([%d%s]-)\n") or ""
	local g = status:match("\nGid:%s+([%d%s]-)\n") or ""
	local groups = status:match("\nGroups:%s*([%d ]*)\n") or "?"
	T.ok(u:gsub("%s+", " ") == string.rep(nobody, 4, " "),
		"real, effective, saved and fs uid are nobody's (" .. nobody .. ")", "Uid: " .. u)
	T.ok(g:gsub("%s+", " ") == string.rep(nogroup, 4, " "),
		"real, effective, saved and fs gid are nogroup's (" .. nogroup .. ")", "Gid: " .. g)
	T.ok(groups:gsub("%s+$", "") == nogroup, "supplementary groups are only nogroup", "Groups: " .. groups)

	local st = sh("stat -c '%a %U %G' '" .. SOCK .. "'")
	T.ok(st == "660 nobody nogroup", "unix socket has socket_mode 0660, owner nobody, group nogroup", "stat: " .. st)

	-- a reload still works after the drop (the config is readable by nobody)
	m = T.mark()
	mt.signal(1)
	T.ok(T.wait_log(m, "reloaded ", 5), "SIGHUP reload works as nobody", T.log_since(m))
end)
