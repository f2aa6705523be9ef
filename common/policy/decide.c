/*
 * decide - decisions against a ruleset snapshot (see decide.h).
 *
 * Each applicable rule yields one verdict.  A rule's profile is checked
 * against the TLS facts; a failure becomes reject/tempfail, or would-reject/
 * would-tempfail in testing mode.  The reply is expanded here, so the text the
 * SMTP client sees, the log line and -q all come from one place.
 */
#include <stdio.h>
#include <string.h>

#include "util/domain.h"
#include "util/log.h"
#include "policy/decide.h"

static const char *const verdict_names[] = {
	"pass", "reject", "tempfail", "would-reject", "would-tempfail",
};

const char *decide_verdict_name(enum verdict v)
{
	return verdict_names[v];
}

static void decision_init(struct policy_decision *d)
{
	d->n = 0;
	d->act = -1;
	d->nfound = 0;
}

enum decide_outcome decide_outcome(const struct policy_decision *d)
{
	if (d->act < 0)
		return DECIDE_ACCEPT;
	return d->v[d->act].verdict == VERDICT_REJECT ? DECIDE_REJECT : DECIDE_TEMPFAIL;
}

uint32_t decide_found_id(const struct policy_decision *d, size_t f, uint32_t i)
{
	return d->found[f].ids ? d->found[f].ids[i] : d->found[f].one;
}

/* Remember the rules a lookup found (at most DECIDE_FOUND_MAX lookups per stage). */
static void decision_found(struct policy_decision *d, const uint32_t *ids, uint32_t n, uint32_t one)
{
	if (d->nfound == DECIDE_FOUND_MAX)
		return;     /* cannot happen: one slot per lookup of a stage */
	d->found[d->nfound].ids = ids;
	d->found[d->nfound].n = n;
	d->found[d->nfound++].one = one;
}

/* The slot for the next verdict; past the limit a scratch slot whose failure still acts. */
static struct policy_verdict *decision_next(struct policy_decision *d, struct policy_verdict *scratch)
{
	return d->n < POLICY_VERDICTS_MAX ? &d->v[d->n++] : scratch;
}

/* Point act at v if it is the first reject (or the first tempfail while no reject). */
static void decision_note(struct policy_decision *d, struct policy_verdict *v)
{
	if (v->verdict != VERDICT_REJECT && v->verdict != VERDICT_TEMPFAIL)
		return;
	if (v < d->v || v >= d->v + POLICY_VERDICTS_MAX) {
		/* beyond the kept list: keep it by overwriting the last kept pass */
		for (size_t i = d->n; i-- > 0;)
			if (d->v[i].verdict == VERDICT_PASS) {
				d->v[i] = *v;
				v = &d->v[i];
				break;
			}
		if (v < d->v || v >= d->v + POLICY_VERDICTS_MAX)
			return;
	}
	int idx = (int)(v - d->v);
	if (d->act < 0 || (v->verdict == VERDICT_REJECT && d->v[d->act].verdict == VERDICT_TEMPFAIL))
		d->act = idx;
}

static void expand_reply(const struct ruleset *p, const struct rule *r, const struct policy_msg *m,
    const char *rcpt, struct policy_verdict *v)
{
	struct tlsfacts_text tls;
	const struct reply_tpl *t;
	int action = v->verdict == VERDICT_TEMPFAIL || v->verdict == VERDICT_WOULD_TEMPFAIL;

	if (!r)
		t = p->defaults.on_error[action];
	else if (r->reply)
		t = r->reply;
	else
		t = p->defaults.reply[r->kind][profile_fail_is_cert(v->fail)][action];
	tlsfacts_render(&m->tls, &tls);
	struct reply_vars vars = {
		.domain = v->subject,
		.reason = v->reason,
		.tls_version = tls.version,
		.cipher_bits = tls.bits,
		.client = m->client_addr,
		.sender = m->sender_raw,
		.recipient = rcpt,
		.rule = r ? r->label : "on_error",
	};
	reply_tpl_expand(t, &vars, &v->reply);
}

/* Check one rule and record its verdict. */
static void decide_rule(const struct ruleset *p, const struct rule *r, const struct policy_msg *m,
    const char *subject, const char *rcpt, struct policy_decision *d)
{
	struct policy_verdict scratch, *v = decision_next(d, &scratch);

	memset(v, 0, sizeof(*v));
	v->rule = r;
	snprintf(v->subject, sizeof(v->subject), "%s", subject);
	v->fail = r->require ? profile_check(r->require, &m->tls, v->reason, sizeof(v->reason)) : PROFILE_OK;
	if (v->fail == PROFILE_OK) {
		v->verdict = VERDICT_PASS;
		snprintf(v->reason, sizeof(v->reason), "%s", r->require ? "requirements met" : "no TLS requirement");
		return;
	}
	if (r->mode == POLICY_TESTING)
		v->verdict = r->action == POLICY_TEMPFAIL ? VERDICT_WOULD_TEMPFAIL : VERDICT_WOULD_REJECT;
	else
		v->verdict = r->action == POLICY_TEMPFAIL ? VERDICT_TEMPFAIL : VERDICT_REJECT;
	expand_reply(p, r, m, rcpt, v);
	decision_note(d, v);
}

/* A check that could not be made: the configured on_error. */
static void decide_fail(const struct ruleset *p, const struct policy_msg *m, const char *subject,
    const char *reason, const char *rcpt, struct policy_decision *d)
{
	struct policy_verdict scratch, *v = decision_next(d, &scratch);

	memset(v, 0, sizeof(*v));
	snprintf(v->subject, sizeof(v->subject), "%s", subject);
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	switch (p->on_error) {
	case ON_ERROR_ACCEPT:
		v->verdict = VERDICT_PASS;
		return;
	case ON_ERROR_REJECT:
		v->verdict = VERDICT_REJECT;
		break;
	default:
		v->verdict = VERDICT_TEMPFAIL;
		break;
	}
	expand_reply(p, NULL, m, rcpt, v);
	decision_note(d, v);
}

/* An address too long to parse: refused whatever on_error says (see decide.h). */
static int decide_too_long(const char *raw, const char *err, int rcpt, struct policy_decision *d)
{
	struct policy_verdict scratch, *v;
	size_t len = raw ? strlen(raw) : 0;

	if (len <= ADDR_LOCAL_MAX)
		return 0;
	v = decision_next(d, &scratch);
	memset(v, 0, sizeof(*v));
	v->what = rcpt ? "recipient address length" : "sender address length";
	v->verdict = VERDICT_REJECT;
	snprintf(v->subject, sizeof(v->subject), "%s", rcpt ? "recipient" : "sender");
	snprintf(v->reason, sizeof(v->reason), "address of %zu bytes not parsed (%s)", len, err ? err : "too long");
	snprintf(v->reply.rcode, sizeof(v->reply.rcode), "553");
	snprintf(v->reply.xcode, sizeof(v->reply.xcode), "%s", rcpt ? "5.1.3" : "5.1.7");
	snprintf(v->reply.text, sizeof(v->reply.text), "%s address too long to check its TLS policy",
	    rcpt ? "Recipient" : "Sender");
	decision_note(d, v);
	return 1;
}

static void decide_value(const struct ruleset *p, const uint32_t *value, const struct policy_msg *m,
    const char *subject, const char *rcpt, struct policy_decision *d)
{
	uint32_t n;
	const uint32_t *rules = ruleset_value_rules(p, value, &n);

	/* a single rule comes back as value itself, the caller's local: keep a copy */
	if (rules == value)
		decision_found(d, NULL, 1, *value);
	else
		decision_found(d, rules, n, 0);
	for (uint32_t i = 0; i < n; i++)
		decide_rule(p, &p->rules[rules[i]], m, subject, rcpt, d);
}

static void decide_domain(const struct ruleset *p, const struct dtable *t, const char *domain,
    const struct policy_msg *m, const char *rcpt, struct policy_decision *d)
{
	uint32_t value;

	if (domain[0] && dtable_lookup(t, domain, &value, NULL))
		decide_value(p, &value, m, domain, rcpt, d);
}

void decide_mail(const struct ruleset *p, const struct policy_msg *m, struct policy_decision *d)
{
	uint32_t value;

	decision_init(d);
	if (m->client_ip_ok && ctable_lookup(p->clients, &m->client_ip, &value, NULL))
		decide_value(p, &value, m, m->client_addr ? m->client_addr : "", NULL, d);
	if (m->client_name && dtable_count(p->client_names) > 0) {
		char name[DOMAIN_MAX + 1];
		const char *err;
		/* "unknown" (Postfix) and "[192.0.2.1]" (Sendmail) mean no verified name */
		if (m->client_name[0] != '[' && strcmp(m->client_name, "unknown") != 0 &&
		    domain_normalize(m->client_name, strlen(m->client_name), name, sizeof(name), &err) == 0)
			decide_domain(p, p->client_names, name, m, NULL, d);
	}
	if (p->auth_rule >= 0 && m->tls.authenticated) {
		decision_found(d, NULL, 1, (uint32_t)p->auth_rule);
		decide_rule(p, &p->rules[p->auth_rule], m, m->tls.auth_type, NULL, d);
	}
	if (dtable_count(p->senders) > 0) {
		if (!m->sender_ok && decide_too_long(m->sender_raw, m->sender_err, 0, d))
			return;
		if (!m->sender_ok)
			decide_fail(p, m, m->sender_raw ? m->sender_raw : "", m->sender_err ? m->sender_err :
			    "sender address not understood", NULL, d);
		else if (!m->sender.null && !m->sender.literal)
			decide_domain(p, p->senders, m->sender.domain, m, NULL, d);
	}
}

void decide_rcpt(const struct ruleset *p, const struct policy_msg *m, const char *rcpt_raw,
    const struct addr *rcpt, const char *rcpt_err, struct policy_decision *d)
{
	decision_init(d);
	if (dtable_count(p->recipients) == 0)
		return;
	if (rcpt_err && decide_too_long(rcpt_raw, rcpt_err, 1, d))
		return;
	if (rcpt_err) {
		char why[200];
		snprintf(why, sizeof(why), "recipient address not understood: %s", rcpt_err);
		decide_fail(p, m, "", why, NULL, d);
		return;
	}
	if (!rcpt->null && !rcpt->literal) {
		char text[ADDR_LOCAL_MAX + DOMAIN_MAX + 8];
		if (addr_format(rcpt, text, sizeof(text)) < 0)
			text[0] = '\0';
		decide_domain(p, p->recipients, rcpt->domain, m, text, d);
	}
}

void decide_only(struct policy_decision *d, const struct policy_verdict *v)
{
	decision_init(d);
	d->v[0] = *v;
	d->n = 1;
	decision_note(d, &d->v[0]);
}

void decide_error(const struct ruleset *p, const struct policy_msg *m, const char *reason,
    struct policy_decision *d)
{
	decision_init(d);
	decide_fail(p, m, "", reason, NULL, d);
}

void decide_verdict_format(const struct policy_verdict *v, const char *stage, const struct policy_msg *m,
    const char *rcpt_raw, char *buf, size_t bufsz)
{
	char sender[300], rcpt[300], client[80], queue[40], rule[300], reason[300], tls[40], reply[500];
	struct tlsfacts_text t;

	log_quote(sender, sizeof(sender), m->sender_raw ? m->sender_raw : "-");
	log_quote(rcpt, sizeof(rcpt), rcpt_raw ? rcpt_raw : "-");
	log_quote(client, sizeof(client), m->client_addr ? m->client_addr : "-");
	log_quote(queue, sizeof(queue), m->queue_id && m->queue_id[0] ? m->queue_id : "-");
	log_quote(rule, sizeof(rule), v->rule ? v->rule->label : v->what ? v->what : "on_error");
	log_quote(reason, sizeof(reason), v->reason);
	tlsfacts_render(&m->tls, &t);
	log_quote(tls, sizeof(tls), t.version);
	reply[0] = '\0';
	if (v->verdict != VERDICT_PASS) {
		char text[REPLY_TEXT_MAX + 1];
		log_quote(text, sizeof(text), v->reply.text);
		snprintf(reply, sizeof(reply), " reply=\"%s %s %s\"", v->reply.rcode, v->reply.xcode, text);
	}
	snprintf(buf, bufsz, "decision stage=%s queue=%s client=%s sender=%s rcpt=%s tls=%s bits=%s cert=%s "
	    "rule=\"%s\" verdict=%s reason=\"%s\"%s", stage, queue, client, sender, rcpt, tls, t.bits, t.cert, rule,
	    decide_verdict_name(v->verdict), reason, reply);
}
