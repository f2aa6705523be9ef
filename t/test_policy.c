/*
 * test_policy - policy_decide_mail / policy_decide_rcpt over one config:
 * precedence (exact > parent, longest prefix), combination of rules, modes,
 * actions, on_error, null sender, reply expansion and the log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "util/log.h"
#include "policy/decide.h"
#include "tap.h"

static const char conf[] =
    "profiles = {\n"
    "  tls = { encrypted = true; };\n"
    "  strong = { min_version = \"TLSv1.2\"; min_bits = 128; };\n"
    "  v13 = { min_version = \"TLSv1.3\"; };\n"
    "  partner = { client_cert = \"verified\"; issuer = \"Partner CA\"; };\n"
    "};\n"
    "rules = (\n"
    "  { sender = \"bank.example\"; require = \"strong\"; },\n"
    "  { sender = \".bank.example\"; require = \"v13\"; },\n"
    "  { recipient = \"secure.example\"; require = \"tls\";\n"
    "    reply = \"550 5.7.10 Accepting only secure delivery (STARTTLS) for %{domain}\"; },\n"
    "  { recipient = \"test.example\"; require = \"tls\"; mode = \"testing\"; },\n"
    "  { recipient = \"temp.example\"; require = \"tls\"; action = \"tempfail\"; },\n"
    "  { client = \"192.0.2.0/24\"; require = \"partner\"; },\n"
    "  { client = \"192.0.2.128/25\"; require = \"tls\"; },\n"
    "  { client = \"2001:db8::/32\"; require = \"tls\"; },\n"
    "  { client = \".partner.example\"; require = \"tls\"; },\n"
    "  { authenticated = true; require = \"tls\"; },\n"
    "  { recipient = \"dup.example\"; require = \"tls\"; },\n"
    "  { recipient = [\"dup.example\", \"v13.example\"]; require = \"v13\"; },\n"
    "  { recipient = \"pct.example\"; require = \"tls\"; reply = \"550 5.7.10 100%% sure: %{recipient} (%{reason})\"; }\n"
    ");\n";

struct macro { const char *name, *value; };

static const char *get(void *arg, const char *name)
{
	for (const struct macro *m = arg; m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m->value;
	return NULL;
}

#define PLAIN { { "v", "Postfix 3.7.11" }, { NULL, NULL } }
#define TLS13 { { "v", "Postfix 3.7.11" }, { "{tls_version}", "TLSv1.3" }, { "{cipher_bits}", "256" }, { NULL, NULL } }
#define TLS11 { { "v", "Postfix 3.7.11" }, { "{tls_version}", "TLSv1.1" }, { "{cipher_bits}", "256" }, { NULL, NULL } }
#define TLS12W { { "v", "Postfix 3.7.11" }, { "{tls_version}", "TLSv1.2" }, { "{cipher_bits}", "56" }, { NULL, NULL } }
#define TLS12 { { "v", "Postfix 3.7.11" }, { "{tls_version}", "TLSv1.2" }, { "{cipher_bits}", "128" }, { NULL, NULL } }
#define PF_CERT { { "v", "Postfix 3.7.11" }, { "{tls_version}", "TLSv1.3" }, { "{cipher_bits}", "256" }, \
	{ "{cert_subject}", "relay.partner.example" }, { "{cert_issuer}", "Partner CA" }, { NULL, NULL } }
#define PF_OTHER { { "v", "Postfix 3.7.11" }, { "{tls_version}", "TLSv1.3" }, { "{cipher_bits}", "256" }, \
	{ "{cert_subject}", "relay.partner.example" }, { "{cert_issuer}", "Other CA" }, { NULL, NULL } }
#define SM_OK { { "v", "8.17.1" }, { "{tls_version}", "TLSv1.3" }, { "{cipher_bits}", "256" }, { "{verify}", "OK" }, \
	{ "{cert_subject}", "/C=DE/CN=relay" }, { "{cert_issuer}", "/C=DE/O=Partner/CN=Partner+20CA" }, { NULL, NULL } }
#define SM_FAIL { { "v", "8.17.1" }, { "{tls_version}", "TLSv1.3" }, { "{cipher_bits}", "256" }, { "{verify}", "FAIL" }, \
	{ "{cert_subject}", "/C=DE/CN=relay" }, { "{cert_issuer}", "/C=DE/O=Partner/CN=Partner+20CA" }, { NULL, NULL } }
#define SM_NOVERIFY { { "v", "8.17.1" }, { "{tls_version}", "TLSv1.3" }, { "{cipher_bits}", "256" }, \
	{ "{cert_subject}", "/C=DE/CN=relay" }, { "{cert_issuer}", "/C=DE/O=Partner/CN=Partner+20CA" }, { NULL, NULL } }
#define AUTH_PLAIN { { "v", "Postfix 3.7.11" }, { "{auth_type}", "PLAIN" }, { NULL, NULL } }

#define ACCEPT (-1)

static const struct row {
	const char *label;
	const char *client, *client_name;
	struct macro macros[8];
	const char *sender;
	const char *rcpt;           /* NULL: MAIL stage */
	int n;                      /* verdicts expected */
	int act;                    /* verdict the MTA hears, or ACCEPT */
	const char *reply;          /* prefix of "rcode xcode text", or NULL */
	const char *reason;         /* substring of the acting (or first) verdict's reason, or NULL */
} rows[] = {
	{ "no rule applies", "198.51.100.1", NULL, PLAIN, "<a@other.example>", NULL, 0, ACCEPT, NULL, NULL },
	{ "sender rule, plaintext", "198.51.100.1", NULL, PLAIN, "<a@bank.example>", NULL, 1, VERDICT_REJECT,
	  "550 5.7.10 Mail from bank.example is accepted only over TLS: session is not encrypted", "not encrypted" },
	{ "sender rule, mixed case and trailing dot", "198.51.100.1", NULL, PLAIN, "<a@BANK.Example.>", NULL, 1,
	  VERDICT_REJECT, "550 5.7.10", NULL },
	{ "sender rule met", "198.51.100.1", NULL, TLS13, "<a@bank.example>", NULL, 1, ACCEPT, NULL, "requirements met" },
	{ "sender rule, old version", "198.51.100.1", NULL, TLS11, "<a@bank.example>", NULL, 1, VERDICT_REJECT,
	  "550 5.7.10", "TLSv1.1 is below the required TLSv1.2" },
	{ "sender rule, weak cipher", "198.51.100.1", NULL, TLS12W, "<a@bank.example>", NULL, 1, VERDICT_REJECT,
	  "550 5.7.10", "56 bits" },
	{ "parent rule for subdomain is stricter", "198.51.100.1", NULL, TLS12, "<a@mx.bank.example>", NULL, 1,
	  VERDICT_REJECT, "550 5.7.10 Mail from mx.bank.example", "TLSv1.2 is below the required TLSv1.3" },
	{ "exact rule wins over parent", "198.51.100.1", NULL, TLS12, "<a@bank.example>", NULL, 1, ACCEPT, NULL, NULL },
	{ "null sender: no sender rules", "198.51.100.1", NULL, PLAIN, "<>", NULL, 0, ACCEPT, NULL, NULL },
	{ "unparseable sender: on_error tempfail", "198.51.100.1", NULL, PLAIN, "<a@bank..example>", NULL, 1,
	  VERDICT_TEMPFAIL, "451 4.3.0 TLS policy check failed: ", NULL },
	{ "domain literal sender: no domain rule", "198.51.100.1", NULL, PLAIN, "<a@[192.0.2.1]>", NULL, 0, ACCEPT, NULL, NULL },
	{ "client /24 needs partner cert", "192.0.2.9", NULL, TLS13, "<a@x.example>", NULL, 1, VERDICT_REJECT,
	  "550 5.7.1 Mail from client 192.0.2.9 is accepted only with a trusted client certificate", "no trusted client certificate" },
	{ "client /24 with Postfix trusted cert", "192.0.2.9", NULL, PF_CERT, "<a@x.example>", NULL, 1, ACCEPT, NULL, NULL },
	{ "client /24 with wrong issuer", "192.0.2.9", NULL, PF_OTHER, "<a@x.example>", NULL, 1, VERDICT_REJECT,
	  "550 5.7.1", "Other CA" },
	{ "client /24 with Sendmail verify=OK, DN issuer", "192.0.2.9", NULL, SM_OK, "<a@x.example>", NULL, 1, ACCEPT,
	  NULL, NULL },
	{ "client /24 with Sendmail verify=FAIL", "192.0.2.9", NULL, SM_FAIL, "<a@x.example>", NULL, 1, VERDICT_REJECT,
	  "550 5.7.1", "verify=FAIL" },
	{ "client /24 with Sendmail, no {verify}", "192.0.2.9", NULL, SM_NOVERIFY, "<a@x.example>", NULL, 1,
	  VERDICT_REJECT, "550 5.7.1", "{verify}" },
	{ "longest prefix /25 wins", "192.0.2.200", NULL, TLS13, "<a@x.example>", NULL, 1, ACCEPT, NULL, NULL },
	{ "IPv6 client rule", "2001:db8::5", NULL, PLAIN, "<a@x.example>", NULL, 1, VERDICT_REJECT, "550 5.7.10 Mail from client 2001:db8::5", NULL },
	{ "client name rule", "198.51.100.1", "mx1.partner.example", PLAIN, "<a@x.example>", NULL, 1, VERDICT_REJECT,
	  "550 5.7.10 Mail from client mx1.partner.example", NULL },
	{ "client name unknown is no name", "198.51.100.1", "unknown", PLAIN, "<a@x.example>", NULL, 0, ACCEPT, NULL, NULL },
	{ "client and sender rules combine", "192.0.2.200", NULL, PLAIN, "<a@bank.example>", NULL, 2, VERDICT_REJECT,
	  "550 5.7.10 Mail from client 192.0.2.200", NULL },
	{ "AUTH on plaintext", "198.51.100.1", NULL, AUTH_PLAIN, "<a@x.example>", NULL, 1, VERDICT_REJECT,
	  "550 5.7.10 Authenticated mail is accepted only over TLS", NULL },
	{ "recipient rule with template", "198.51.100.1", NULL, PLAIN, "<a@x.example>", "<u@Secure.Example>", 1,
	  VERDICT_REJECT, "550 5.7.10 Accepting only secure delivery (STARTTLS) for secure.example", NULL },
	{ "recipient rule met", "198.51.100.1", NULL, TLS13, "<a@x.example>", "<u@secure.example>", 1, ACCEPT, NULL, NULL },
	{ "other recipient unaffected", "198.51.100.1", NULL, PLAIN, "<a@x.example>", "<u@other.example>", 0, ACCEPT, NULL, NULL },
	{ "recipient testing mode", "198.51.100.1", NULL, PLAIN, "<a@x.example>", "<u@test.example>", 1, ACCEPT, NULL,
	  "not encrypted" },
	{ "recipient tempfail action", "198.51.100.1", NULL, PLAIN, "<a@x.example>", "<u@temp.example>", 1,
	  VERDICT_TEMPFAIL, "450 4.7.10 Mail for temp.example", NULL },
	{ "recipient under two rules: both apply", "198.51.100.1", NULL, TLS12, "<a@x.example>", "<u@dup.example>", 2,
	  VERDICT_REJECT, "550 5.7.10", "TLSv1.3" },
	{ "recipient rules from null sender", "198.51.100.1", NULL, PLAIN, "<>", "<u@secure.example>", 1, VERDICT_REJECT,
	  "550 5.7.10", NULL },
	{ "percent and recipient in template", "198.51.100.1", NULL, PLAIN, "<a@x.example>", "<u%x@pct.example>", 1,
	  VERDICT_REJECT, "550 5.7.10 100% sure: u%x@pct.example (session is not encrypted", NULL },
	{ "unparseable recipient: on_error", "198.51.100.1", NULL, PLAIN, "<a@x.example>", "<u@sec..example>", 1,
	  VERDICT_TEMPFAIL, "451 4.3.0 TLS policy check failed: recipient address not understood", NULL },
};

int main(void)
{
	char dir[] = "/tmp/tp-test-policy-XXXXXX", path[600];
	struct diag d;

	log_stderr_only();
	log_set_level(LOG_LVL_ERR);
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/policy.conf", dir);
	FILE *fp = fopen(path, "w");
	fputs(conf, fp);
	fclose(fp);
	diag_init(&d);
	struct ruleset *p = config_load(path, &d);
	diag_print(&d, stdout);
	diag_free(&d);
	unlink(path);
	rmdir(dir);
	if (!ok(p != NULL, "test config loads"))
		return tap_done();

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct policy_msg m;
		struct policy_decision dec;
		struct addr rcpt;
		const char *rerr = NULL;

		memset(&m, 0, sizeof(m));
		m.client_addr = r->client;
		m.client_ip_ok = ipaddr_parse(r->client, &m.client_ip) == 0;
		m.client_name = r->client_name;
		m.sender_raw = r->sender;
		m.sender_ok = addr_parse(r->sender, &m.sender, &m.sender_err) == 0;
		tlsfacts_collect(&m.tls, TLS_MTA_AUTO, get, (void *)r->macros);
		if (r->rcpt) {
			if (addr_parse(r->rcpt, &rcpt, &rerr) == 0)
				rerr = NULL;
			decide_rcpt(p, &m, r->rcpt, &rcpt, rerr, &dec);
		} else
			decide_mail(p, &m, &dec);

		is_int(dec.n, r->n, "%s: %d verdict(s)", r->label, r->n);
		if (r->act == ACCEPT)
			is_int(dec.act, -1, "%s: accepted", r->label);
		else if (ok(dec.act >= 0, "%s: refused", r->label))
			is_str(decide_verdict_name(dec.v[dec.act].verdict), decide_verdict_name(r->act), "%s: verdict", r->label);
		if (r->reply && dec.act >= 0) {
			char got[600];
			const struct reply *rp = &dec.v[dec.act].reply;
			snprintf(got, sizeof(got), "%s %s %s", rp->rcode, rp->xcode, rp->text);
			if (!ok(strncmp(got, r->reply, strlen(r->reply)) == 0, "%s: reply", r->label))
				printf("#   got: \"%s\"\n#  want: \"%s...\"\n", got, r->reply);
		}
		if (r->reason && dec.n > 0) {
			const struct policy_verdict *v = &dec.v[dec.act >= 0 ? dec.act : 0];
			if (!ok(strstr(v->reason, r->reason) != NULL, "%s: reason", r->label))
				printf("#   got: \"%s\"\n#  want: *%s*\n", v->reason, r->reason);
		}
		/* the log line: one line, key=value, no CR/LF */
		for (size_t k = 0; k < dec.n; k++) {
			char line[2048];
			decide_verdict_format(&dec.v[k], r->rcpt ? "rcpt" : "mail", &m, r->rcpt, line, sizeof(line));
			ok(strncmp(line, "decision stage=", 15) == 0 && !strpbrk(line, "\r\n") &&
			    strstr(line, decide_verdict_name(dec.v[k].verdict)), "%s: log line %zu", r->label, k);
		}
	}

	/* testing mode logs would-reject */
	{
		struct policy_msg m;
		struct policy_decision dec;
		struct addr rcpt;
		const char *err;
		memset(&m, 0, sizeof(m));
		m.sender_raw = "<a@x.example>";
		addr_parse("<u@test.example>", &rcpt, &err);
		decide_rcpt(p, &m, "<u@test.example>", &rcpt, NULL, &dec);
		ok(dec.n == 1 && dec.v[0].verdict == VERDICT_WOULD_REJECT, "testing mode gives would-reject");
	}
	/* issue 9 defect 12: an address longer than the parser holds is refused
	 * (553) whatever on_error says, at MAIL and at RCPT */
	{
		struct policy_msg m;
		struct policy_decision dec;
		struct addr rcpt;
		const char *err;
		char longaddr[400];
		memset(&m, 0, sizeof(m));
		snprintf(longaddr, sizeof(longaddr), "<%0300d@bank.example>", 0);
		m.sender_raw = longaddr;
		m.sender_ok = addr_parse(longaddr, &m.sender, &m.sender_err) == 0;
		decide_mail(p, &m, &dec);
		ok(!m.sender_ok && decide_outcome(&dec) == DECIDE_REJECT &&
		    strcmp(dec.v[dec.act].reply.rcode, "553") == 0 && strcmp(dec.v[dec.act].reply.xcode, "5.1.7") == 0,
		    "300-byte sender local part: refused with 553 5.1.7");
		m.sender_raw = "<a@x.example>";
		m.sender_ok = addr_parse(m.sender_raw, &m.sender, &m.sender_err) == 0;
		snprintf(longaddr, sizeof(longaddr), "<%0300d@x.example>", 0);
		if (addr_parse(longaddr, &rcpt, &err) == 0)
			err = NULL;
		decide_rcpt(p, &m, longaddr, &rcpt, err, &dec);
		ok(err && decide_outcome(&dec) == DECIDE_REJECT && strcmp(dec.v[dec.act].reply.xcode, "5.1.3") == 0,
		    "300-byte recipient local part: refused with 553 5.1.3");
		addr_parse("<u@nowhere.example>", &rcpt, &err);
		decide_rcpt(p, &m, "<u@nowhere.example>", &rcpt, NULL, &dec);
		ok(decide_outcome(&dec) == DECIDE_ACCEPT, "no rule: outcome accept");
	}
	ruleset_unref(p);
	return tap_done();
}
