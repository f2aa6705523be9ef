-- t/mt/ciphers.lua - (recipient rules exist, so a passing MAIL continues) cipher exclusions (exclude_ciphers) against the macros of
-- both MTAs: Postfix and Sendmail both send {cipher} as OpenSSL names it
-- ("DES-CBC3-SHA", "TLS_AES_256_GCM_SHA384"), Sendmail also {verify} and a
-- full-DN {cert_subject}.  Config: ciphers.conf.
local T = dofile(MTDIR .. "/lib.lua")

local function tls(version, cipher, bits)
	local m = { "{tls_version}", version, "{cipher_bits}", bits }
	if cipher then
		m[#m + 1] = "{cipher}"
		m[#m + 1] = cipher
	end
	return m
end

-- Sendmail sends these once TLS is up, whether or not a certificate was shown.
local SM_TLS = { "{verify}", "NO", "{cert_subject}", "", "{cert_issuer}", "" }

local dialects = {
	{ name = "postfix", connect = T.POSTFIX, extra = {} },
	{ name = "sendmail", connect = T.SENDMAIL, extra = SM_TLS },
}

T.run(function()
	T.start()
	local r, m

	for _, d in ipairs(dialects) do
		local function mac(version, cipher, bits)
			return T.macros(tls(version, cipher, bits), d.extra)
		end

		r, m = T.mail_case{ from = "<u@bank.example>", connect = d.connect,
			tls = mac("TLSv1.2", "DES-CBC3-SHA", "112") }
		T.check{ d.name .. ": 3DES (112 bits, min_bits 112 passes) excluded: rejected at MAIL naming the cipher",
			got = r, reply = SMFIR_REPLYCODE, mark = m, decisions = 1,
			log = { "stage=mail", "tls=TLSv1.2", "bits=112", 'rule="sender bank.example', "verdict=reject",
				'reason="cipher DES-CBC3-SHA is excluded (3DES)"',
				'reply="550 5.7.10 Mail from bank.example is accepted only over TLS: ' ..
				'cipher DES-CBC3-SHA is excluded (3DES)"' } }

		r, m = T.mail_case{ from = "<u@bank.example>", connect = d.connect,
			tls = mac("TLSv1.2", "ECDHE-RSA-RC4-SHA", "128") }
		T.check{ d.name .. ": RC4 excluded: rejected at MAIL",
			got = r, reply = SMFIR_REPLYCODE, mark = m,
			log = { "stage=mail", "verdict=reject", 'reason="cipher ECDHE-RSA-RC4-SHA is excluded (RC4)"' } }

		r, m = T.mail_case{ from = "<u@bank.example>", connect = d.connect,
			tls = mac("TLSv1.2", "EDH-RSA-DES-CBC-SHA", "128") }
		T.check{ d.name .. ": single DES matched by the run DES-CBC: rejected",
			got = r, reply = SMFIR_REPLYCODE, mark = m,
			log = { "verdict=reject", 'reason="cipher EDH-RSA-DES-CBC-SHA is excluded (DES-CBC)"' } }

		r, m = T.mail_case{ from = "<u@bank.example>", connect = d.connect,
			tls = mac("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "256") }
		T.check{ d.name .. ": ECDHE-RSA-AES256-GCM-SHA384 passes",
			got = r, reply = SMFIR_CONTINUE, mark = m, log = { "verdict=pass" }, nolog = { "verdict=reject" } }

		r, m = T.mail_case{ from = "<u@bank.example>", connect = d.connect,
			tls = mac("TLSv1.3", "TLS_AES_256_GCM_SHA384", "256") }
		T.check{ d.name .. ": TLS 1.3 TLS_AES_256_GCM_SHA384 passes",
			got = r, reply = SMFIR_CONTINUE, mark = m, log = { "verdict=pass" }, nolog = { "verdict=reject" } }

		r, m = T.mail_case{ from = "<u@bank.example>", connect = d.connect,
			tls = mac("TLSv1.2", nil, "256") }
		T.check{ d.name .. ": TLS without {cipher}: fails closed, reason 'cipher unknown'",
			got = r, reply = SMFIR_REPLYCODE, mark = m,
			log = { "verdict=reject", 'reason="cipher unknown (the MTA did not send {cipher}), ' ..
				'some ciphers are excluded"' } }

		r, m = T.mail_case{ from = "<u@bank.example>", connect = d.connect,
			tls = mac("TLSv1.2", "RC4 SHA\r\n", "256") }
		T.check{ d.name .. ": a {cipher} that is no OpenSSL name fails closed, sanitised",
			got = r, reply = SMFIR_REPLYCODE, mark = m,
			log = { "verdict=reject", "reason=\"cipher unknown ('RC4 SHA??' is not an OpenSSL cipher name)" } }

		-- recipient rule with its own reply template, per recipient at RCPT
		m = T.mark()
		local conn = T.conn{ connect = d.connect }
		r = T.mail(conn, "<u@plain.example>", mac("TLSv1.2", "EXP-RC4-MD5", "128"))
		T.ok(r == SMFIR_CONTINUE, d.name .. ": MAIL continues (recipient rules follow)", "got " .. T.reply_name(r))
		r = T.rcpt(conn, "<a@secure.example>")
		T.check{ d.name .. ": EXP-RC4-MD5 to secure.example: rejected at RCPT, the rule's reply names the cipher",
			got = r, reply = SMFIR_REPLYCODE, mark = m,
			log = { "stage=rcpt", "rcpt=<a@secure.example>", "verdict=reject",
				'reason="cipher EXP-RC4-MD5 is excluded (RC4)"',
				'reply="550 5.7.10 secure.example refuses this cipher: cipher EXP-RC4-MD5 is excluded (RC4)"' } }
		m = T.mark()
		r = T.rcpt(conn, "<b@other.example>")
		T.check{ d.name .. ": other recipient of the same message unaffected",
			got = r, reply = SMFIR_CONTINUE, mark = m, nodecision = true }
		mt.disconnect(conn)

		m = T.mark()
		conn = T.conn{ connect = d.connect }
		T.mail(conn, "<u@plain.example>", mac("TLSv1.3", "TLS_AES_128_CCM_8_SHA256", "128"))
		r = T.rcpt(conn, "<a@iot.example>")
		T.check{ d.name .. ": a full TLS 1.3 name excluded: rejected at RCPT",
			got = r, reply = SMFIR_REPLYCODE, mark = m,
			log = { "stage=rcpt", "verdict=reject",
				'reason="cipher TLS_AES_128_CCM_8_SHA256 is excluded (TLS_AES_128_CCM_8_SHA256)"' } }
		m = T.mark()
		r = T.rcpt(conn, "<a@secure.example>")
		T.check{ d.name .. ": TLS_AES_128_CCM_8_SHA256 passes the family list",
			got = r, reply = SMFIR_CONTINUE, mark = m, log = { "stage=rcpt", "verdict=pass" } }
		mt.disconnect(conn)
	end
end)
