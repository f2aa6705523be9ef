/*
 * decide_requiretls - REQUIRETLS triggers per stage (see decide_requiretls.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/decide_requiretls.h"
#include "requiretls/requiretls_tag.h"

/* Flag every applicable rule with requiretls = true: all rules the stage's
 * lookups found, not only the verdicts kept for the log. */
static int flag_rules(const struct ruleset *p, const struct policy_decision *d, struct requiretls_plan *plan)
{
	int ret = 0;

	for (size_t f = 0; f < d->nfound; f++)
		for (uint32_t i = 0; i < d->found[f].n; i++) {
			uint32_t id = decide_found_id(d, f, i);
			if (id < p->nrules && p->rules[id].requiretls &&
			    requiretls_plan_rule(plan, id, p->rules[id].label) < 0)
				ret = -1;
		}
	return ret;
}

int decide_requiretls_mail(const struct ruleset *p, const struct policy_msg *m, char *const *params,
    const struct policy_decision *d, struct requiretls_plan *plan, struct policy_verdict *refuse)
{
	int param = 0;

	for (; params && *params; params++)
		if (strcasecmp(*params, "REQUIRETLS") == 0)
			param = 1;
	/* RFC 8689: REQUIRETLS is only meaningful on a TLS-protected session */
	if (param && !m->tls.encrypted) {
		memset(refuse, 0, sizeof(*refuse));
		refuse->what = "REQUIRETLS parameter";
		refuse->verdict = VERDICT_REJECT;
		refuse->fail = PROFILE_NO_TLS;
		snprintf(refuse->subject, sizeof(refuse->subject), "%s", m->sender_raw ? m->sender_raw : "");
		snprintf(refuse->reason, sizeof(refuse->reason), "REQUIRETLS on a plaintext session");
		snprintf(refuse->reply.rcode, sizeof(refuse->reply.rcode), "530");
		snprintf(refuse->reply.xcode, sizeof(refuse->reply.xcode), "5.7.10");
		snprintf(refuse->reply.text, sizeof(refuse->reply.text), "REQUIRETLS needs a TLS session: use STARTTLS first");
		return 1;
	}
	if (!p->requiretls.enabled)
		return 0;
	if (param)
		requiretls_plan_flag(plan, REQUIRETLS_PARAM, "MAIL FROM parameter REQUIRETLS");
	flag_rules(p, d, plan);
	return 0;
}

int decide_requiretls_rcpt(const struct ruleset *p, const char *rcpt_raw, const struct addr *rcpt,
    const struct policy_decision *d, struct requiretls_plan *plan)
{
	char untagged[ADDR_LOCAL_MAX + DOMAIN_MAX + 8], detail[600];

	if (!p->requiretls.enabled)
		return 0;
	if (flag_rules(p, d, plan) < 0)
		return -1;
	if (!p->requiretls.tag || requiretls_tag_strip(rcpt, p->requiretls.tag, untagged, sizeof(untagged)) != 1)
		return 0;
	snprintf(detail, sizeof(detail), "address tag %s", rcpt_raw);
	requiretls_plan_flag(plan, REQUIRETLS_TAG, detail);
	return requiretls_plan_rcpt(plan, rcpt_raw, untagged);
}

int decide_requiretls_header(const struct ruleset *p, const char *name, const char *value,
    struct requiretls_plan *plan)
{
	if (!p->requiretls.enabled)
		return 0;
	return requiretls_plan_header(plan, p->requiretls.content, p->requiretls.ncontent, p->file, name, value);
}

void decide_requiretls_infeasible(const struct ruleset *p, const struct policy_msg *m, const char *domains,
    int temp, const char *reason, const char *rcpt_raw, struct policy_verdict *v)
{
	const struct ruleset_requiretls *r = &p->requiretls;
	int mode = r->mode >= 0 ? r->mode : (int)p->mode;
	const struct reply_tpl *t = r->reply;

	memset(v, 0, sizeof(*v));
	v->what = "requiretls feasibility";
	snprintf(v->subject, sizeof(v->subject), "%s", domains);
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	if (!temp)
		v->verdict = VERDICT_REJECT;
	else if (p->on_error == ON_ERROR_ACCEPT) {
		v->verdict = VERDICT_PASS;
		return;
	} else if (p->on_error == ON_ERROR_REJECT)
		v->verdict = VERDICT_REJECT;
	else {
		v->verdict = VERDICT_TEMPFAIL;
		t = r->tempfail_reply;
	}
	if (mode == POLICY_TESTING)
		v->verdict = v->verdict == VERDICT_REJECT ? VERDICT_WOULD_REJECT : VERDICT_WOULD_TEMPFAIL;
	struct tlsfacts_text tt;
	tlsfacts_render(&m->tls, &tt);
	struct reply_vars vars = {
		.domain = domains, .reason = reason, .tls_version = tt.version, .cipher_bits = tt.bits,
		.client = m->client_addr, .sender = m->sender_raw, .recipient = rcpt_raw, .rule = v->what,
	};
	if (t)
		reply_tpl_expand(t, &vars, &v->reply);
	else {          /* cannot happen after a good load: never answer without a code */
		snprintf(v->reply.rcode, sizeof(v->reply.rcode), "%s", temp ? "451" : "550");
		snprintf(v->reply.xcode, sizeof(v->reply.xcode), "%s", temp ? "4.4.3" : "5.7.30");
		snprintf(v->reply.text, sizeof(v->reply.text), "REQUIRETLS cannot be honoured");
	}
}
