/*
 * test_requiretls - the address tag, content rules (match, strip, bad
 * pattern with file:line), the plan (why, edits, TLS-Required) and the
 * requiretls config block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "util/log.h"
#include "policy/decide_requiretls.h"
#include "requiretls/requiretls_tag.h"
#include "tap.h"

/* Overwrite the stack below the caller, where finished calls had their frames. */
static __attribute__((noinline)) void clobber_stack(void)
{
	volatile char buf[8192];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)0xff;
}

static const struct {
	const char *arg, *tag;
	int want;
	const char *untagged;
} tags[] = {
	{ "<a+requiretls@x.example>", "requiretls", 1, "<a@x.example>" },
	{ "<A+RequireTLS@X.Example>", "requiretls", 1, "<A@x.example>" },
	{ "<a+b+requiretls@x.example>", "requiretls", 1, "<a+b@x.example>" },
	{ "<\"a+requiretls\"@x.example>", "requiretls", 0, NULL },
	{ "<requiretls@x.example>", "requiretls", 0, NULL },
	{ "<a+requiretlsx@x.example>", "requiretls", 0, NULL },
	{ "<a+requiretls+b@x.example>", "requiretls", 0, NULL },
	{ "<>", "requiretls", 0, NULL },
	{ "<+requiretls@x.example>", "requiretls", 0, NULL },
	{ "<a+requiretls>", "requiretls", 0, NULL },
	{ "<a@requiretls.example>", "requiretls", 0, NULL },
	{ "<a+secure@x.example>", "secure", 1, "<a@x.example>" },
	{ "<a+requiretls@x.example>", "secure", 0, NULL },
	{ "a+requiretls@x.example.", "requiretls", 1, "<a@x.example>" },
	{ "<@relay.example:a+requiretls@x.example>", "requiretls", 1, "<a@x.example>" },
};

static const struct {
	const char *label, *header, *pattern;
	int caseless, strip;
	const char *name, *value;
	int want;
	const char *stripped;
} contents[] = {
	{ "subject prefix", "Subject", "^\\s*\\[secure\\]\\s*", 0, 1, "Subject", "[secure] Q3 numbers", 1, "Q3 numbers" },
	{ "field name is case-insensitive", "Subject", "^\\[secure\\]\\s*", 0, 1, "SUBJECT", "[secure] x", 1, "x" },
	{ "caseless pattern", "Subject", "^\\[secure\\]\\s*", 1, 1, "Subject", "[SECURE] x", 1, "x" },
	{ "case-sensitive pattern", "Subject", "^\\[secure\\]", 0, 1, "Subject", "[SECURE] x", 0, NULL },
	{ "no match", "Subject", "^\\[secure\\]", 0, 1, "Subject", "hello [secure]", 0, NULL },
	{ "other field", "Subject", "secure", 0, 1, "X-Other", "secure", 0, NULL },
	{ "match in the middle, strip", "Subject", "\\s*\\(confidential\\)", 0, 1, "Subject", "Q3 (confidential) v2", 1, "Q3 v2" },
	{ "match without strip", "X-Classification", "^restricted$", 0, 0, "X-Classification", "restricted", 1, NULL },
};

int main(void)
{
	char out[600];

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		struct addr a;
		const char *err;
		addr_parse(tags[i].arg, &a, &err);
		int got = requiretls_tag_strip(&a, tags[i].tag, out, sizeof(out));
		is_int(got, tags[i].want, "tag %s (tag %s)", tags[i].arg, tags[i].tag);
		if (tags[i].want == 1)
			is_str(out, tags[i].untagged, "untagged %s", tags[i].arg);
	}
	{
		struct addr a;
		const char *err;
		addr_parse("<a+requiretls@x.example>", &a, &err);
		is_int(requiretls_tag_strip(&a, "requiretls", out, 8), -1, "too small a buffer is an error, not a cut address");
	}

	for (size_t i = 0; i < sizeof(contents) / sizeof(contents[0]); i++) {
		char err[200], stripped[200] = "";
		struct requiretls_content *c = requiretls_content_create(contents[i].header, contents[i].pattern,
		    contents[i].caseless, contents[i].strip, 7, err, sizeof(err));
		if (!ok(c != NULL, "%s: compiles", contents[i].label))
			continue;
		is_int(requiretls_content_match(c, contents[i].name, contents[i].value, stripped, sizeof(stripped)),
		    contents[i].want, "%s: match", contents[i].label);
		if (contents[i].stripped)
			is_str(stripped, contents[i].stripped, "%s: stripped", contents[i].label);
		requiretls_content_free(c);
	}
	{
		char err[200];
		ok(requiretls_content_create("Subject", "([unclosed", 0, 1, 1, err, sizeof(err)) == NULL &&
		    strstr(err, "offset"), "bad pattern is refused with an offset: %s", err);
	}

	/* the plan */
	{
		struct requiretls_plan p;
		char err[200], trig[64];
		struct requiretls_content *c = requiretls_content_create("Subject", "^\\[secure\\]\\s*", 0, 1, 12, err, sizeof(err));
		requiretls_plan_init(&p);
		requiretls_plan_header(&p, &c, 1, "f.conf", "TLS-Required", "No");
		requiretls_plan_header(&p, &c, 1, "f.conf", "Subject", "first");
		requiretls_plan_header(&p, &c, 1, "f.conf", "Subject", "[secure] second");
		requiretls_plan_header(&p, &c, 1, "f.conf", "tls-required", " no ");
		requiretls_plan_header(&p, &c, 1, "f.conf", "TLS-Required", "yes please");
		is_int(p.triggers, REQUIRETLS_CONTENT, "content trigger");
		is_str(p.why, "content Subject (f.conf:12)", "why names the rule and its line");
		requiretls_plan_rcpt(&p, "<a+requiretls@x>", "<a@x>");
		requiretls_plan_flag(&p, REQUIRETLS_TAG, "address tag <a+requiretls@x>\r\n");
		is_str(p.why, "content Subject (f.conf:12); address tag <a+requiretls@x>??", "why is printable, joined with '; '");
		is_str(requiretls_plan_triggers(&p, trig, sizeof(trig)), "tag,content", "trigger names");
		requiretls_plan_finish(&p);
		is_int(p.nhdrs, 3, "one strip and two TLS-Required deletions");
		ok(p.nhdrs == 3 && strcmp(p.hdrs[0].name, "Subject") == 0 && p.hdrs[0].index == 2 &&
		    strcmp(p.hdrs[0].value, "second") == 0, "second Subject is rewritten by index");
		ok(p.nhdrs == 3 && p.hdrs[1].index == 2 && !p.hdrs[1].value && p.hdrs[2].index == 1,
		    "TLS-Required: No fields deleted highest index first; \"yes please\" kept");
		requiretls_plan_free(&p);
		is_int(p.nhdrs + p.nrcpts + p.triggers, 0, "free leaves an empty plan");
		requiretls_plan_finish(&p);
		is_int(p.nhdrs, 0, "no TLS-Required field seen: nothing deleted");
		requiretls_plan_free(&p);

		/* issue 9 defect 3: every "TLS-Required: No" goes, whatever the count
		 * (occurrences 30+ used to collapse onto one bit) */
		for (int i = 0; i < 40; i++)
			requiretls_plan_header(&p, &c, 1, "f.conf", "TLS-Required", "No");
		requiretls_plan_header(&p, &c, 1, "f.conf", "Subject", "[secure] x");
		requiretls_plan_finish(&p);
		int all = p.nhdrs == 41;
		for (size_t i = 1; all && i < p.nhdrs; i++)
			all = strcmp(p.hdrs[i].name, "TLS-Required") == 0 && p.hdrs[i].index == 41 - (int)i &&
			    !p.hdrs[i].value;
		ok(all, "40 TLS-Required: No fields: 40 deletions, #40 down to #1 (got %zu edits)", p.nhdrs);
		requiretls_plan_free(&p);

		/* more distinct field names than the old fixed table of 16: still counted */
		struct requiretls_content *rules[20];
		for (int i = 0; i < 20; i++) {
			char h[96];
			snprintf(h, sizeof(h), "X-Field-%02d-with-a-long-name-beyond-sixty-four-bytes-of-text-%d", i, i);
			rules[i] = requiretls_content_create(h, "^\\[secure\\]\\s*", 0, 1, 20 + i, err, sizeof(err));
		}
		for (int i = 0; i < 20; i++)
			requiretls_plan_header(&p, rules, 20, "f.conf", requiretls_content_header(rules[i]), "no tag");
		requiretls_plan_header(&p, rules, 20, "f.conf", requiretls_content_header(rules[19]), "[secure] y");
		ok(p.nhdrs == 1 && p.hdrs[0].index == 2 && strcmp(p.hdrs[0].value, "y") == 0,
		    "20 distinct long field names: the strip of the 20th field's 2nd occurrence is kept");
		requiretls_plan_free(&p);
		for (int i = 0; i < 20; i++)
			requiretls_content_free(rules[i]);

		/* issue 9 defect 13: a stripped value is written back without CR/LF */
		requiretls_plan_header(&p, &c, 1, "f.conf", "Subject", "[secure] a\r\n\tb\r\nBcc: x@evil.example");
		ok(p.nhdrs == 1 && !strpbrk(p.hdrs[0].value, "\r\n\t"),
		    "stripped value with CR/LF: unfolded, printable: \"%s\"", p.nhdrs ? p.hdrs[0].value : "");
		is_str(p.nhdrs ? p.hdrs[0].value : "", "a bBcc: x@evil.example", "stripped value: CR/LF dropped, tab a space");
		requiretls_plan_free(&p);

		/* issue 9 defect 9: a Subject that is only the tag keeps the field */
		requiretls_plan_header(&p, &c, 1, "f.conf", "Subject", "[secure]");
		ok(p.nhdrs == 1 && strcmp(p.hdrs[0].value, " ") == 0,
		    "Subject that is only the tag: written back as \" \" (an empty value deletes the field)");
		requiretls_plan_free(&p);
		requiretls_content_free(c);
	}

	/* issue 9 defect 2: a pattern that backtracks catastrophically ends in an
	 * error (-1, on_error applies), and soon: explicit limits */
	{
		char err[200];
		struct requiretls_content *c = requiretls_content_create("Subject", "(\\w+\\s?)*!|\\[secure\\]", 0, 0, 3,
		    err, sizeof(err));
		struct requiretls_plan p;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int m = requiretls_content_match(c, "Subject",
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa [secure]", NULL, 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		is_int(m, -1, "catastrophic backtracking: the match fails with an error");
		/* generous: sanitizer builds on a loaded machine are slow; without
		 * limits this input runs for hours */
		ok(secs < 10.0, "and ends within 10 s (%.3f s): explicit match/depth limits", secs);
		requiretls_plan_init(&p);
		is_int(requiretls_plan_header(&p, &c, 1, "f.conf", "Subject",
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa [secure]"), -1,
		    "the plan reports the error");
		ok(p.error && !p.triggers, "plan.error set (the front end applies on_error even though not flagged)");
		requiretls_plan_free(&p);
		requiretls_content_free(c);
	}

	/* config */
	char dir[] = "/tmp/tp-test-rtls-XXXXXX", path[600];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/r.conf", dir);
	log_stderr_only();
	log_set_level(LOG_LVL_ERR);
	static const struct { const char *label, *text, *want; } bad[] = {
		{ "invalid PCRE2", "requiretls = {\n content = (\n  { header = \"Subject\"; match = \"([x\"; }\n );\n};\n",
		  "r.conf:3: error: bad pattern '([x': " },
		{ "content without match", "requiretls = {\n content = ( { header = \"Subject\"; } );\n};\n",
		  "r.conf:2: error: a content rule needs match" },
		{ "bad header name", "requiretls = {\n header = \"X Require\";\n};\n", "r.conf:2: error: header 'X Require'" },
		{ "unknown key", "requiretls = {\n adress_tag = \"x\";\n};\n", "r.conf:2: error: unknown key 'adress_tag' in requiretls" },
		{ "verify unknown", "requiretls = {\n verify = \"dnssec\";\n};\n", "r.conf:2: error: verify 'dnssec': expected one of off, dnssec-or-mta-sts, probe" },
		{ "verify reply class", "requiretls = {\n verify = \"probe\";\n reply = \"451 4.4.3 no\";\n};\n", "r.conf:3: error: reply '451 4.4.3 no': must be a 5xx reply" },
		{ "dns resolver", "requiretls = { };\ndns = { resolver = \"localhost\"; };\n", "r.conf:2: error: resolver 'localhost': expected an IP address" },
		{ "dns timeout", "requiretls = { };\ndns = {\n timeout = 0; };\n", "r.conf:3: error: timeout 0: expected 1..60 seconds" },
		{ "mta_sts relative store", "mta_sts = { store = \"x.db\"; };\n", "r.conf:1: error: store 'x.db': the path must be absolute" },
		{ "probe port", "probe = { port = 0; };\n", "r.conf:1: error: port 0: expected 1..65535" },
		{ "outbound level", "rules = ( { recipient = \"a.example\"; outbound = \"strict\"; } );\n", "r.conf:1: error: outbound 'strict': expected one of none, encrypt, verify, secure, dane-only" },
		{ "outbound kind", "rules = ( { sender = \"a.example\";\n outbound = \"encrypt\"; } );\n", "r.conf:2: error: outbound applies to recipient rules only" },
		{ "rule without block", "profiles = { t = { encrypted = true; }; };\nrules = (\n { recipient = \"x.example\"; requiretls = true; }\n);\n",
		  "r.conf:3: error: requiretls = true needs a top-level requiretls" },
		{ "bad tag", "requiretls = {\n address_tag = \"a+b\";\n};\n", "r.conf:2: error: address_tag 'a+b'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct diag d;
		FILE *fp = fopen(path, "w");
		fputs(bad[i].text, fp);
		fclose(fp);
		diag_init(&d);
		struct ruleset *p = config_load(path, &d);
		int found = 0;
		for (size_t k = 0; k < d.nkept; k++)
			found |= strstr(d.msgs[k], bad[i].want) != NULL;
		ok(!p && found, "config %s: \"%s\"", bad[i].label, bad[i].want);
		if (!found)
			diag_print(&d, stdout);
		ruleset_unref(p);
		diag_free(&d);
	}
	{
		struct diag d;
		FILE *fp = fopen(path, "w");
		fputs("requiretls = { };\n", fp);
		fclose(fp);
		diag_init(&d);
		struct ruleset *p = config_load(path, &d);
		ok(p && p->requiretls.enabled && strcmp(p->requiretls.tag, "requiretls") == 0 &&
		    strcmp(p->requiretls.header, "X-RequireTLS") == 0 && strcmp(p->requiretls.trace_header,
		    "X-RequireTLS-Reason") == 0 && p->requiretls.ncontent == 0, "empty block: defaults");
		ok(p && ruleset_needs_rcpt(p), "requiretls needs the RCPT stage");
		/* the MAIL parameter */
		struct policy_msg m;
		struct policy_decision dec = { 0 };
		struct requiretls_plan plan;
		struct policy_verdict refuse;
		char *params[] = { "BODY=8BITMIME", "requiretls", NULL };
		memset(&m, 0, sizeof(m));
		dec.act = -1;
		requiretls_plan_init(&plan);
		is_int(decide_requiretls_mail(p, &m, params, &dec, &plan, &refuse), 1, "REQUIRETLS on plaintext is refused");
		is_str(refuse.reply.rcode, "530", "with 530");
		m.tls.encrypted = 1;
		is_int(decide_requiretls_mail(p, &m, params, &dec, &plan, &refuse), 0, "REQUIRETLS over TLS is taken");
		is_int(plan.triggers, REQUIRETLS_PARAM, "and flags the message");
		requiretls_plan_free(&plan);
		ruleset_unref(p);
		diag_free(&d);
	}
	/* issue 9 defect 9: the 17th rule that applies (beyond the verdicts kept
	 * for the log) still flags the message; each rule is named once */
	{
		struct diag d;
		FILE *fp = fopen(path, "w");
		fputs("profiles = { tls = { encrypted = true; }; };\nrequiretls = { };\nrules = (\n", fp);
		for (int i = 0; i < 16; i++)
			fputs(" { recipient = \"many.example\"; require = \"tls\"; },\n", fp);
		fputs(" { recipient = \"many.example\"; requiretls = true; },\n", fp);
		fputs(" { recipient = \"one.example\"; requiretls = true; }\n);\n", fp);
		fclose(fp);
		diag_init(&d);
		struct ruleset *p = config_load(path, &d);
		if (!ok(p != NULL, "17 rules for one domain: config loads"))
			diag_print(&d, stdout);
		else {
			struct policy_msg m;
			struct policy_decision dec;
			struct requiretls_plan plan;
			struct addr a;
			const char *err;
			char trig[64];
			memset(&m, 0, sizeof(m));
			m.tls.encrypted = 1;
			requiretls_plan_init(&plan);
			addr_parse("<u@many.example>", &a, &err);
			decide_rcpt(p, &m, "<u@many.example>", &a, NULL, &dec);
			decide_requiretls_rcpt(p, "<u@many.example>", &a, &dec, &plan);
			addr_parse("<v@many.example>", &a, &err);
			decide_rcpt(p, &m, "<v@many.example>", &a, NULL, &dec);
			decide_requiretls_rcpt(p, "<v@many.example>", &a, &dec, &plan);
			is_int(dec.n, POLICY_VERDICTS_MAX, "17 verdicts: %d kept for the log", POLICY_VERDICTS_MAX);
			is_str(requiretls_plan_triggers(&plan, trig, sizeof(trig)), "rule", "the 17th rule flags the message");
			ok(strstr(plan.why, ":20)") != NULL && strstr(plan.why, ";") == NULL,
			    "why names the rule once for two recipients: %s", plan.why);
			requiretls_plan_free(&plan);

			/* a domain with a single rule: the decision must not point at the
			 * lookup's local copy of it (gone once decide_rcpt returns) */
			addr_parse("<w@one.example>", &a, &err);
			decide_rcpt(p, &m, "<w@one.example>", &a, NULL, &dec);
			clobber_stack();
			decide_requiretls_rcpt(p, "<w@one.example>", &a, &dec, &plan);
			ok(plan.triggers == REQUIRETLS_RULE && strstr(plan.why, ":21)") != NULL,
			    "a single-rule domain flags by its rule after the lookup's frame is gone: %s", plan.why);
			requiretls_plan_free(&plan);
		}
		ruleset_unref(p);
		diag_free(&d);
	}
	unlink(path);
	rmdir(dir);
	return tap_done();
}
