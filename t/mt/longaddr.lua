-- t/mt/longaddr.lua - addresses longer than the parser's buffers (config:
-- longaddr.conf, on_error = accept): any length the MTA passes is parsed
-- whole or refused with a clear reply; never accepted past the domain's rule
-- (issue 9 defect 12).
local T = dofile(MTDIR .. "/lib.lua")

T.run(function()
	T.start()
	local r, m, conn
	local long = string.rep("a", 300)
	local route = {}
	for i = 1, 40 do
		route[#route + 1] = string.format("@relay%02d.example", i)
	end
	route = table.concat(route, ",")

	-- a sender of 600+ bytes (source route) in bank.example: parsed whole (it
	-- used to be cut at 511 bytes, then accepted under on_error = accept)
	r, m = T.mail_case{ from = "<" .. route .. ":u@bank.example>" }
	T.check{ "sender of 600+ bytes in bank.example, plaintext: the domain's rule rejects it",
		got = r, reply = SMFIR_REPLYCODE, mark = m, log = { 'rule="sender bank.example', "verdict=reject" } }

	r, m = T.mail_case{ from = "<" .. long .. "@bank.example>" }
	T.check{ "sender with a 300-byte local part: refused 553 5.1.7 whatever on_error",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=mail", 'rule="sender address length"', "verdict=reject",
			'reply="553 5.1.7 Sender address too long to check its TLS policy"' } }

	conn = T.conn{}
	m = T.mark()
	T.mail(conn, "<s@sender.example>")
	r = T.rcpt(conn, "<" .. long .. "@secure.example>")
	T.check{ "recipient with a 300-byte local part: refused 553 5.1.3 (it used to skip every rule)",
		got = r, reply = SMFIR_REPLYCODE, mark = m,
		log = { "stage=rcpt", 'rule="recipient address length"', "verdict=reject",
			'reply="553 5.1.3 Recipient address too long to check its TLS policy"' } }
	r = T.rcpt(conn, "<short@secure.example>")
	T.check{ "the next recipient on the same message is decided as usual",
		got = r, reply = SMFIR_REPLYCODE, mark = m, log = { 'rule="recipient secure.example', "verdict=reject" } }
	mt.disconnect(conn)
end)
