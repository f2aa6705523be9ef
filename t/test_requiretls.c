/*
 * test_requiretls - the address tag, content rules (match, strip, bad
 * pattern with file:line), the plan (why, edits, TLS-Required) and the
 * requiretls config block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "util/log.h"
#include "policy/decide_requiretls.h"
#include "requiretls/requiretls_tag.h"
#include "tap.h"

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
		ok(p.nhdrs == 1 && p.hdrs[0].index == 1 && !p.hdrs[0].value, "headers unseen: one blind TLS-Required deletion");
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
		{ "verify not yet", "requiretls = {\n verify = \"dnssec-or-mta-sts\";\n};\n", "r.conf:2: error: verify 'dnssec-or-mta-sts'" },
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
	unlink(path);
	rmdir(dir);
	return tap_done();
}
