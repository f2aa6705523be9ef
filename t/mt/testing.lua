-- t/mt/testing.lua - global testing mode with a per-rule enforce override (config: testing.conf).
local T = dofile(MTDIR .. "/lib.lua")

T.run(function()
	T.start()
	local r, m

	r, m = T.mail_case{ from = "<u@trial.example>" }
	T.check{ "global testing mode: accepted, logged verdict=would-reject with the reply it would give",
		got = r, reply = SMFIR_ACCEPT, mark = m, decisions = 1,
		log = { "stage=mail", 'rule="sender trial.example', "verdict=would-reject",
			'reply="550 5.7.10 Mail from trial.example is accepted only over TLS: ' ..
			'session is not encrypted (no STARTTLS)"' } }

	r, m = T.mail_case{ from = "<u@strict.example>" }
	T.check{ "mode = enforce on a rule overrides global testing: rejected",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=mail", 'rule="sender strict.example', "verdict=reject", 'reply="550 5.7.10 ' } }

	r, m = T.mail_case{ from = "<u@trial-temp.example>" }
	T.check{ "global testing mode with action tempfail: accepted, verdict=would-tempfail, 450 4.7.10",
		got = r, reply = SMFIR_ACCEPT, mark = m,
		log = { "stage=mail", "verdict=would-tempfail", 'reply="450 4.7.10 Mail from trial-temp.example' } }

	r, m = T.mail_case{ from = "<u@trial.example>", tls = T.TLS13 }
	T.check{ "global testing mode, requirement met: pass",
		got = r, reply = SMFIR_ACCEPT, mark = m, log = { "verdict=pass" }, nolog = { "would-" } }

	-- issue 9 defect 9: would-tempfail has its own counter (was counted as would_reject)
	m = T.mark()
	mt.signal(10)
	T.wait_log(m, "stats ", 5)
	local line = T.log_since(m)
	T.ok(line:find(" would_reject=1 ", 1, true) ~= nil and line:find(" would_tempfail=1", 1, true) ~= nil,
		"SIGUSR1 counters: would_reject=1 and would_tempfail=1", "log since SIGUSR1:", line)
end)
