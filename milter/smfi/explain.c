/*
 * explain - the -q mode (see explain.h).  It makes the calls the milter's
 * callbacks make, in the same order, so what it prints is what the daemon
 * would do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smfi/explain.h"
#include "policy/decide.h"
#include "policy/decide_requiretls.h"

#define EXPLAIN_MAX 64

struct explain_in {
	const char *macro_names[EXPLAIN_MAX], *macro_values[EXPLAIN_MAX];
	int nmacros;
	const char *rcpts[EXPLAIN_MAX];
	int nrcpts;
	const char *headers[EXPLAIN_MAX];
	int nheaders;
	char *params[EXPLAIN_MAX];
	int nparams;
	const char *sender, *client, *client_name;
};

static const char *explain_macro(void *arg, const char *name)
{
	const struct explain_in *in = arg;

	for (int i = 0; i < in->nmacros; i++)
		if (strcmp(in->macro_names[i], name) == 0)
			return in->macro_values[i];
	return NULL;
}

static int explain_parse(struct explain_in *in, int nwords, char **words)
{
	static const struct { const char *key, *macro; } macros[] = {
		{ "tls_version", "{tls_version}" }, { "cipher", "{cipher}" }, { "cipher_bits", "{cipher_bits}" },
		{ "cert_subject", "{cert_subject}" }, { "cert_issuer", "{cert_issuer}" }, { "verify", "{verify}" },
		{ "cert_fp", "{cert_fp}" }, { "cert_md5", "{cert_md5}" }, { "auth_type", "{auth_type}" }, { "mta", "v" },
	};

	memset(in, 0, sizeof(*in));
	for (int i = 0; i < nwords; i++) {
		char *eq = strchr(words[i], '=');
		if (!eq) {
			fprintf(stderr, "tlspolicy-milter: -q: '%s' is not key=value\n", words[i]);
			return -1;
		}
		size_t klen = (size_t)(eq - words[i]);
		const char *v = eq + 1;
		int known = 1;
#define KEY(k) (klen == strlen(k) && strncmp(words[i], k, klen) == 0)
		if (KEY("sender"))
			in->sender = v;
		else if (KEY("client"))
			in->client = v;
		else if (KEY("client_name"))
			in->client_name = v;
		else if (KEY("rcpt") && in->nrcpts < EXPLAIN_MAX)
			in->rcpts[in->nrcpts++] = v;
		else if (KEY("header") && in->nheaders < EXPLAIN_MAX)
			in->headers[in->nheaders++] = v;
		else if (KEY("param") && in->nparams < EXPLAIN_MAX - 1)
			in->params[in->nparams++] = (char *)v;
		else {
			known = 0;
			for (size_t m = 0; m < sizeof(macros) / sizeof(macros[0]); m++)
				if (KEY(macros[m].key) && in->nmacros < EXPLAIN_MAX) {
					/* mta=postfix|sendmail stands for the version macro each sends */
					if (strcmp(macros[m].key, "mta") == 0)
						v = strcmp(v, "postfix") == 0 ? "Postfix 3.7" : strcmp(v, "sendmail") == 0 ? "8.17.1" : v;
					in->macro_names[in->nmacros] = macros[m].macro;
					in->macro_values[in->nmacros++] = v;
					known = 1;
				}
		}
#undef KEY
		if (!known) {
			fprintf(stderr, "tlspolicy-milter: -q: unknown key '%.*s'\n", (int)klen, words[i]);
			return -1;
		}
	}
	if (!in->sender) {
		fprintf(stderr, "tlspolicy-milter: -q needs sender=ADDRESS (sender= for the null sender)\n");
		return -1;
	}
	return 0;
}

/* Print the verdicts; return the stage's outcome as an EXPLAIN_* status. */
static int explain_print(const struct policy_decision *d, const char *stage, const struct policy_msg *m,
    const char *rcpt)
{
	char line[2048];

	if (d->n == 0)
		printf("%s%s%s: no rule applies\n", stage, rcpt ? " " : "", rcpt ? rcpt : "");
	for (size_t i = 0; i < d->n; i++) {
		decide_verdict_format(&d->v[i], stage, m, rcpt, line, sizeof(line));
		printf("%s\n", line);
	}
	if (d->act < 0)
		return EXPLAIN_ACCEPT;
	const struct reply *r = &d->v[d->act].reply;
	printf("  => the MTA answers: %s %s %s\n", r->rcode, r->xcode, r->text);
	return d->v[d->act].verdict == VERDICT_REJECT ? EXPLAIN_REJECT : EXPLAIN_TEMPFAIL;
}

static int worse(int a, int b)
{
	return a == EXPLAIN_REJECT || b == EXPLAIN_REJECT ? EXPLAIN_REJECT : a > b ? a : b;
}

int explain_run(const struct ruleset *p, int nwords, char **words)
{
	struct explain_in in;
	struct policy_msg m;
	struct policy_decision d;
	struct requiretls_plan plan;
	struct policy_verdict refuse;
	char sender[600], trig[64];
	int status;

	if (explain_parse(&in, nwords, words) < 0)
		return EXPLAIN_USAGE;
	memset(&m, 0, sizeof(m));
	snprintf(sender, sizeof(sender), "<%s>", in.sender);
	m.sender_raw = sender;
	m.client_addr = in.client;
	m.client_ip_ok = in.client && ipaddr_parse(in.client, &m.client_ip) == 0;
	m.client_name = in.client_name;
	m.sender_ok = addr_parse(sender, &m.sender, &m.sender_err) == 0;
	tlsfacts_collect(&m.tls, p->mta, explain_macro, &in);
	requiretls_plan_init(&plan);

	char tls[80];
	tlsfacts_describe(&m.tls, tls, sizeof(tls));
	printf("session: client=%s tls=%s mta=%s\n", in.client ? in.client : "-", tls,
	    m.tls.mta == TLS_MTA_POSTFIX ? "postfix" : m.tls.mta == TLS_MTA_SENDMAIL ? "sendmail" : "unknown");
	decide_mail(p, &m, &d);
	status = explain_print(&d, "mail", &m, NULL);
	if (status == EXPLAIN_ACCEPT && decide_requiretls_mail(p, &m, in.params, &d, &plan, &refuse)) {
		printf("mail: REQUIRETLS parameter on a plaintext session\n  => the MTA answers: %s %s %s\n",
		    refuse.reply.rcode, refuse.reply.xcode, refuse.reply.text);
		status = EXPLAIN_REJECT;
	}
	if (status != EXPLAIN_ACCEPT) {
		printf("verdict: refused at MAIL FROM\n");
		requiretls_plan_free(&plan);
		return status;
	}
	int accepted = 0;
	for (int i = 0; i < in.nrcpts; i++) {
		char raw[600];
		struct addr a;
		const char *err = NULL;
		snprintf(raw, sizeof(raw), "<%s>", in.rcpts[i]);
		if (addr_parse(raw, &a, &err) == 0)
			err = NULL;
		decide_rcpt(p, &m, &a, err, &d);
		int st = explain_print(&d, "rcpt", &m, raw);
		if (st == EXPLAIN_ACCEPT) {
			accepted++;
			if (!err)
				decide_requiretls_rcpt(p, raw, &a, &d, &plan);
		}
		status = worse(status, st);
	}
	for (int i = 0; i < in.nheaders; i++) {
		char name[200];
		const char *colon = strchr(in.headers[i], ':');
		if (!colon || colon == in.headers[i] || (size_t)(colon - in.headers[i]) >= sizeof(name)) {
			fprintf(stderr, "tlspolicy-milter: -q: header '%s' is not \"Name: value\"\n", in.headers[i]);
			requiretls_plan_free(&plan);
			return EXPLAIN_USAGE;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(colon - in.headers[i]), in.headers[i]);
		const char *value = colon + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		decide_requiretls_header(p, name, value, &plan);
	}
	if (!p->requiretls.enabled)
		printf("requiretls: off (no requiretls block in the config)\n");
	else if (!plan.triggers)
		printf("requiretls: not flagged\n");
	else {
		/* as in the daemon: with content rules it sees the header fields
		 * (those given here), so no blind TLS-Required deletion */
		if (p->requiretls.ncontent > 0)
			plan.headers_seen = 1;
		requiretls_plan_finish(&plan);
		printf("requiretls: flagged (%s): %s\n", requiretls_plan_triggers(&plan, trig, sizeof(trig)), plan.why);
		for (size_t i = 0; i < plan.nrcpts; i++)
			printf("  recipient %s becomes %s\n", plan.rcpts[i].from, plan.rcpts[i].to);
		for (size_t i = 0; i < plan.nhdrs; i++)
			printf("  header %s #%d %s%s%s\n", plan.hdrs[i].name, plan.hdrs[i].index,
			    plan.hdrs[i].value ? "becomes \"" : "is deleted", plan.hdrs[i].value ? plan.hdrs[i].value : "",
			    plan.hdrs[i].value ? "\"" : "");
		printf("  header added: %s: yes\n  header added: %s: %s\n", p->requiretls.header,
		    p->requiretls.trace_header, plan.why);
	}
	printf("verdict: %s\n", in.nrcpts && !accepted ? "every recipient refused" :
	    status == EXPLAIN_ACCEPT ? "accepted" : "some recipients refused");
	requiretls_plan_free(&plan);
	return status;
}
