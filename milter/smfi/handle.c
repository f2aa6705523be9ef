/*
 * handle - the milter steps (see handle.h).  Thin by design: every decision
 * is made in common/policy; this file gathers the facts, reports the
 * verdicts and answers through the mctx seam.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smfi/handle.h"
#include "smfi/negotiate.h"
#include "smfi/session.h"
#include "util/log.h"
#include "policy/decide_requiretls.h"
#include "feasible/feasible.h"
#include "daemon/stats.h"

static struct session *sess(const struct mctx *m)
{
	return m->ops->getpriv(m->ctx);
}

static const char *get_macro(void *arg, const char *name)
{
	const struct mctx *m = arg;

	return m->ops->getsymval(m->ctx, name);
}

/* Warn once per process about each kind of missing macro: it explains
 * surprising verdicts without flooding the log. */
static int warned_verify, warned_mta;

static void warn_missing_macros(const struct policy_msg *f)
{
	if (f->tls.encrypted && f->tls.mta == TLS_MTA_SENDMAIL && !f->tls.verify_known &&
	    !__atomic_exchange_n(&warned_verify, 1, __ATOMIC_RELAXED))
		log_warn("Sendmail did not send {verify}: client certificates cannot be proven; "
		    "add {verify} to confMILTER_MACROS_HELO (see etc/sendmail.mc)");
	if (f->tls.mta == TLS_MTA_AUTO && !__atomic_exchange_n(&warned_mta, 1, __ATOMIC_RELAXED))
		log_warn("the MTA did not send macro v at connect, so its macro dialect is unknown: "
		    "client certificates count as verified only with {verify}=OK; set mta = \"postfix\" "
		    "or \"sendmail\" in the config");
}

/* Will a line of this kind be kept?  Lines are built only then. */
static int reporting(const struct mctx *m, int err)
{
	return m->ops->reporting == NULL || m->ops->reporting(m->ctx, err);
}

/* The queue id, for a line about to be built.  Postfix may assign it only at
 * RCPT or EOM, so it is asked for at the stage of each line; a stage without
 * it keeps the one seen before. */
static void collect_queue_id(const struct mctx *m, struct session *s)
{
	const char *qid = m->ops->getsymval(m->ctx, "i");

	if (qid)
		snprintf(s->msg.queue_id, sizeof(s->msg.queue_id), "%s", qid);
}

/* The counter of each verdict. */
static const enum stats_counter verdict_stat[] = {
	[VERDICT_PASS] = STAT_PASS, [VERDICT_REJECT] = STAT_REJECT, [VERDICT_TEMPFAIL] = STAT_TEMPFAIL,
	[VERDICT_WOULD_REJECT] = STAT_WOULD_REJECT, [VERDICT_WOULD_TEMPFAIL] = STAT_WOULD_TEMPFAIL,
};

/* Report every verdict and turn the decision's outcome into the answer. */
static sfsistat answer(const struct mctx *m, struct session *s, const struct policy_decision *d,
    const char *stage, const char *rcpt)
{
	char line[2048];
	int build = d->n > 0 && reporting(m, 0);

	if (build)
		collect_queue_id(m, s);
	for (size_t i = 0; i < d->n; i++) {
		if (build) {
			decide_verdict_format(&d->v[i], stage, &s->msg.facts, rcpt, line, sizeof(line));
			m->ops->report(m->ctx, 0, line);
		}
		stats_add(verdict_stat[d->v[i].verdict]);
		stats_verdict(stage, (int)d->v[i].verdict);
		if (d->v[i].rule)
			stats_rule_verdict(d->v[i].rule->label, (int)d->v[i].verdict);
	}
	enum decide_outcome o = decide_outcome(d);
	if (o == DECIDE_ACCEPT) {
		/* the message goes on: its would-verdicts go into the testing header */
		if (s->policy->testing_header)
			testing_notes_add(&s->msg.testing, d, stage);
		return SMFIS_CONTINUE;
	}
	const struct reply *r = &d->v[d->act].reply;
	if (m->ops->setreply(m->ctx, r->rcode, r->xcode, r->text) < 0)
		log_err("setting the reply \"%s %s %s\" failed", r->rcode, r->xcode, r->text);
	return o == DECIDE_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

sfsistat handle_negotiate(const struct mctx *m, unsigned long f0, unsigned long f1, unsigned long *pf0,
    unsigned long *pf1)
{
	/* Never answer REJECT here: the MTA would go on without the milter.
	 * Without a session the connect and MAIL steps tempfail instead. */
	struct ruleset *p = m->ops->ruleset(m->ctx);
	struct session *s = p ? session_create(p) : NULL;

	*pf0 = f0 & SMFIF_SETSYMLIST;
	*pf1 = f1 & TP_PROTO_SKIP_BASE;
	if (s && s->policy->requiretls.enabled) {
		*pf0 |= f0 & TP_ACTIONS_REQUIRETLS;
		/* every header field, content rules or not: each "TLS-Required: No"
		 * must be seen to be deleted, whatever their number */
		*pf1 = (*pf1 & ~(unsigned long)SMFIP_NOHDRS) | (f1 & TP_PROTO_HEADERS_NR);
	}
	if (s && s->policy->testing_header)     /* would-verdicts are told in a header field */
		*pf0 |= f0 & SMFIF_ADDHDRS;
	if (!s)         /* connect must be able to answer TEMPFAIL */
		*pf1 &= ~(unsigned long)(SMFIP_NR_CONN | SMFIP_NR_HELO);
	if (s) {
		s->proto = *pf1;
		m->ops->setpriv(m->ctx, s);
	} else
		log_err("out of memory or no policy: this connection will be tempfailed");
	if (f0 & SMFIF_SETSYMLIST) {
		m->ops->setsymlist(m->ctx, SMFIM_CONNECT, TP_MACROS_CONNECT);
		m->ops->setsymlist(m->ctx, SMFIM_ENVFROM, TP_MACROS_MAIL);
		m->ops->setsymlist(m->ctx, SMFIM_ENVRCPT, TP_MACROS_RCPT);
		m->ops->setsymlist(m->ctx, SMFIM_EOM, TP_MACROS_EOM);
	}
	return SMFIS_CONTINUE;
}

sfsistat handle_connect(const struct mctx *m, const char *hostname, const struct sockaddr *hostaddr)
{
	struct session *s = sess(m);

	stats_add(STAT_CONNECTIONS);
	if (!s) {
		/* the session could not be made at negotiation: try again, else tempfail */
		struct ruleset *p = m->ops->ruleset(m->ctx);
		if (!p || !(s = session_create(p)))
			return SMFIS_TEMPFAIL;
		m->ops->setpriv(m->ctx, s);
	}
	char addr[INET6_ADDRSTRLEN] = "";
	if (hostaddr && hostaddr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)hostaddr)->sin_addr, addr, sizeof(addr));
	else if (hostaddr && hostaddr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)hostaddr)->sin6_addr, addr,
		    sizeof(addr));
	session_set_client(s, addr, hostname);
	return (s->proto & SMFIP_NR_CONN) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

sfsistat handle_helo(const struct mctx *m)
{
	struct session *s = sess(m);

	return s && (s->proto & SMFIP_NR_HELO) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

sfsistat handle_envfrom(const struct mctx *m, char **argv)
{
	struct session *s = sess(m);

	if (!s)
		return SMFIS_TEMPFAIL;
	struct policy_decision *d = &s->msg.decision;
	struct policy_msg *f = &s->msg.facts;
	stats_add(STAT_MESSAGES);
	if (session_msg_start(s, argv[0]) < 0) {
		log_err("out of memory: tempfailing MAIL FROM");
		return SMFIS_TEMPFAIL;
	}
	tlsfacts_collect(&f->tls, s->policy->mta, get_macro, (void *)m);
	f->sender_ok = addr_parse(s->msg.sender_raw, &f->sender, &f->sender_err) == 0;
	warn_missing_macros(f);
	decide_mail(s->policy, f, d);
	sfsistat r = answer(m, s, d, "mail", NULL);
	if (r != SMFIS_CONTINUE)
		return r;
	struct policy_verdict refuse;
	if (decide_requiretls_mail(s->policy, f, argv[0] ? argv + 1 : NULL, d, &s->msg.plan, &refuse)) {
		/* the refusal is answered like any other verdict */
		decide_only(d, &refuse);
		return answer(m, s, d, "mail", NULL);
	}
	/* Nothing is left to decide for this message: spare the MTA the later round trips
	 * (unless a testing header waits for end of message). */
	return ruleset_needs_rcpt(s->policy) || s->msg.testing.n > 0 ? SMFIS_CONTINUE : SMFIS_ACCEPT;
}

/* ---- REQUIRETLS feasibility (requiretls.verify) ---- */

/* Is the recipient relayed over SMTP (so RFC 8689 applies)?  Local mailers
 * and explicit [nexthop] routes are the admin's own business. */
static int rcpt_relayed(const struct mctx *m, const struct ruleset_requiretls *r)
{
	const char *mailer = m->ops->getsymval(m->ctx, "{rcpt_mailer}");
	const char *host = m->ops->getsymval(m->ctx, "{rcpt_host}");

	for (size_t i = 0; mailer && i < r->nskip_mailers; i++)
		if (strcasecmp(mailer, r->skip_mailers[i]) == 0)
			return 0;
	return !(r->skip_bracket_nexthop && host && host[0] == '[');
}

static sfsistat eom_error(const struct mctx *m, struct session *s, const char *what);

/* Report a check's line and count it. */
static void report_check(const struct mctx *m, const char *domain, const struct feasible_result *fr)
{
	char line[1400];

	feasible_format(domain, fr, line, sizeof(line));
	m->ops->report(m->ctx, fr->status == FEASIBLE_TEMP, line);
	stats_add(fr->status == FEASIBLE_YES ? STAT_RT_FEASIBLE : fr->status == FEASIBLE_NO ? STAT_RT_INFEASIBLE :
	    STAT_RT_CHECK_ERRORS);
	stats_check(fr->method, fr->status == FEASIBLE_YES ? 0 : fr->status == FEASIBLE_NO ? 1 : 2);
}

/* Check one domain and report the check's line. */
static void check_domain(const struct mctx *m, struct session *s, const char *domain, struct feasible_result *fr)
{
	int64_t t0 = stats_now_usec();
	feasible_check(s->policy->feasible, domain, fr);
	stats_observe(STATS_H_FEASIBLE, stats_now_usec() - t0);
	report_check(m, domain, fr);
}

/*
 * At RCPT, once the message is flagged: check this recipient's domain.
 * Returns the answer (SMFIS_CONTINUE when the recipient may stay); a refused
 * recipient's part of the plan is taken back.
 */
static sfsistat rcpt_feasible(const struct mctx *m, struct session *s, const char *raw, const struct addr *rcpt,
    const struct requiretls_plan_mark *mark, int *checked)
{
	struct feasible_result fr;
	struct policy_verdict v;
	struct policy_decision *d = &s->msg.decision;

	check_domain(m, s, rcpt->domain, &fr);
	if (fr.status == FEASIBLE_YES) {
		*checked = 1;
		return SMFIS_CONTINUE;
	}
	decide_requiretls_infeasible(s->policy, &s->msg.facts, rcpt->domain, fr.status == FEASIBLE_TEMP, fr.reason,
	    raw, &v);
	decide_only(d, &v);
	sfsistat r = answer(m, s, d, "rcpt", raw);
	if (r != SMFIS_CONTINUE)
		requiretls_plan_rollback(&s->msg.plan, mark);
	return r;
}

/* At end of message: the accepted recipients whose domains were not checked
 * at RCPT (the flag came later), all checked at once so the message waits
 * about one check's time.  SMFIS_CONTINUE when all can be served. */
static sfsistat eom_feasible(const struct mctx *m, struct session *s)
{
	struct session_msg *msg = &s->msg;
	char no[400] = "", why[FEASIBLE_REASON_MAX * 2] = "", temp[400] = "", twhy[FEASIBLE_REASON_MAX * 2] = "";
	const char **doms = calloc(msg->nrcpts + 1, sizeof(*doms));
	struct feasible_result *res = calloc(msg->nrcpts + 1, sizeof(*res));
	size_t n = 0;

	if (!doms || !res) {
		free(doms);
		free(res);
		return eom_error(m, s, "out of memory");
	}
	for (size_t i = 0; i < msg->nrcpts; i++) {
		struct session_rcpt *r = &msg->rcpts[i];
		int seen = 0;
		if (r->checked || !r->relayed || !r->domain[0])
			continue;
		for (size_t j = 0; j < n && !seen; j++)
			seen = strcmp(doms[j], r->domain) == 0;
		if (!seen)
			doms[n++] = r->domain;
	}
	int64_t t0 = stats_now_usec();
	feasible_check_many(s->policy->feasible, doms, n, res);
	if (n)
		stats_observe(STATS_H_FEASIBLE, stats_now_usec() - t0);
	for (size_t i = 0; i < n; i++) {
		struct feasible_result *fr = &res[i];
		report_check(m, doms[i], fr);
		if (fr->status == FEASIBLE_YES)
			continue;
		char *list = fr->status == FEASIBLE_NO ? no : temp, *reasons = fr->status == FEASIBLE_NO ? why : twhy;
		size_t ll = strlen(list), rl = strlen(reasons);
		snprintf(list + ll, 400 - ll, "%s%s", ll ? ", " : "", doms[i]);
		snprintf(reasons + rl, sizeof(why) - rl, "%s%s: %s", rl ? "; " : "", doms[i], fr->reason);
	}
	free(doms);
	free(res);
	if (!no[0] && !temp[0])
		return SMFIS_CONTINUE;
	struct policy_verdict v;
	if (no[0])
		decide_requiretls_infeasible(s->policy, &msg->facts, no, 0, why, NULL, &v);
	else
		decide_requiretls_infeasible(s->policy, &msg->facts, temp, 1, twhy, NULL, &v);
	decide_only(&msg->decision, &v);
	return answer(m, s, &msg->decision, "eom", NULL);
}

sfsistat handle_envrcpt(const struct mctx *m, char **argv)
{
	struct session *s = sess(m);
	struct addr rcpt;
	const char *err = NULL, *raw = argv[0] ? argv[0] : "";

	if (!s)
		return SMFIS_TEMPFAIL;
	struct policy_decision *d = &s->msg.decision;
	stats_add(STAT_RECIPIENTS);
	if (addr_parse(raw, &rcpt, &err) == 0)
		err = NULL;
	/* a recipient refused below (REQUIRETLS) takes its testing fields back */
	size_t testing_n = s->msg.testing.n, testing_omitted = s->msg.testing.omitted;
	decide_rcpt(s->policy, &s->msg.facts, raw, &rcpt, err, d);
	sfsistat r = answer(m, s, d, "rcpt", raw);
	if (r != SMFIS_CONTINUE || err)
		return r;
	struct requiretls_plan_mark mark;
	int checked = 0, relayed = 1;
	requiretls_plan_mark(&s->msg.plan, &mark);
	decide_requiretls_rcpt(s->policy, raw, &rcpt, d, &s->msg.plan);
	if (s->policy->feasible && !rcpt.null && !rcpt.literal) {
		relayed = rcpt_relayed(m, &s->policy->requiretls);
		/* unflagged mail costs nothing: no lookup until a trigger is known */
		if (relayed && s->msg.plan.triggers &&
		    (r = rcpt_feasible(m, s, raw, &rcpt, &mark, &checked)) != SMFIS_CONTINUE) {
			s->msg.testing.n = testing_n;
			s->msg.testing.omitted = testing_omitted;
			return r;
		}
	}
	if (s->policy->feasible && session_msg_rcpt(s, rcpt.domain, checked, relayed) < 0)
		s->msg.plan.error = 1;  /* EOM applies on_error: an unchecked recipient must not pass */
	return r;
}

sfsistat handle_header(const struct mctx *m, const char *name, const char *value)
{
	struct session *s = sess(m);

	if (s)
		decide_requiretls_header(s->policy, name, value ? value : "", &s->msg.plan);
	return s && (s->proto & SMFIP_NR_HDR) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* A needed edit failed or could not be planned: on_error decides, since
 * accepting would let flagged mail leave without its routing header. */
static sfsistat eom_error(const struct mctx *m, struct session *s, const char *what)
{
	char line[300], queue[64];

	stats_add(STAT_ERRORS);
	collect_queue_id(m, s);
	snprintf(line, sizeof(line), "requiretls queue=%s: %s: applying on_error",
	    log_quote(queue, sizeof(queue), s->msg.queue_id[0] ? s->msg.queue_id : "-"), what);
	m->ops->report(m->ctx, 1, line);
	decide_error(s->policy, &s->msg.facts, what, &s->msg.decision);
	return answer(m, s, &s->msg.decision, "eom", NULL);
}

/* At end of message, REQUIRETLS: check, edit, or refuse the flagged message. */
static sfsistat eom_requiretls(const struct mctx *m, struct session *s)
{
	const struct mctx_ops *op = m->ops;
	struct requiretls_plan *pl;
	char trig[64], sender[512], queue[64], line[2048];

	pl = &s->msg.plan;
	/* an error counts whether or not the message was flagged: a content rule
	 * that could not run might have flagged it */
	if (pl->error)
		return eom_error(m, s, "out of memory or a content pattern could not be run");
	if (!pl->triggers)
		return SMFIS_CONTINUE;
	if (requiretls_plan_finish(pl) < 0)
		return eom_error(m, s, "out of memory");
	if (s->policy->feasible) {
		sfsistat r = eom_feasible(m, s);
		if (r != SMFIS_CONTINUE)
			return r;
	}
	for (size_t i = 0; i < pl->nrcpts; i++)
		if (op->delrcpt(m->ctx, pl->rcpts[i].from) < 0 || op->addrcpt(m->ctx, pl->rcpts[i].to) < 0)
			return eom_error(m, s, "the MTA refused to rewrite a recipient");
	for (size_t i = 0; i < pl->nhdrs; i++)
		if (op->chgheader(m->ctx, pl->hdrs[i].name, pl->hdrs[i].index, pl->hdrs[i].value) < 0)
			return eom_error(m, s, "the MTA refused to change a header field");
	const struct ruleset_requiretls *cf = &s->policy->requiretls;
	if (op->addheader(m->ctx, cf->header, "yes") < 0 || op->addheader(m->ctx, cf->trace_header, pl->why) < 0)
		return eom_error(m, s, "the MTA refused to add a header field");
	stats_flagged(pl->triggers);
	if (!reporting(m, 0))
		return SMFIS_CONTINUE;
	collect_queue_id(m, s);
	snprintf(line, sizeof(line), "requiretls queue=%s client=%s sender=%s triggers=%s rcpts_rewritten=%zu "
	    "headers_changed=%zu added=\"%s: yes\" why=\"%s\"",
	    log_quote(queue, sizeof(queue), s->msg.queue_id[0] ? s->msg.queue_id : "-"),
	    s->client_addr[0] ? s->client_addr : "-", log_quote(sender, sizeof(sender), s->msg.sender_raw ? s->msg.sender_raw : "-"),
	    requiretls_plan_triggers(pl, trig, sizeof(trig)), pl->nrcpts, pl->nhdrs, cf->header, pl->why);
	op->report(m->ctx, 0, line);
	return SMFIS_CONTINUE;
}

/*
 * A message that goes on carries one testing_header field per would-verdict
 * (policy/testing_notes.h).  The field only informs: if the MTA refuses it,
 * the error is logged and the message is not held back for it.
 */
static void eom_testing(const struct mctx *m, struct session *s)
{
	struct testing_notes *t = &s->msg.testing;
	const char *name = s->policy->testing_header;
	char more[100], queue[64], sender[512], line[800];
	size_t added = 0;

	if (!name || t->n == 0)
		return;
	for (size_t i = 0; i < t->n; i++)
		added += m->ops->addheader(m->ctx, name, t->v[i]) == 0;
	if (t->omitted) {
		testing_notes_omitted_format(t, more, sizeof(more));
		added += m->ops->addheader(m->ctx, name, more) == 0;
	}
	size_t want = t->n + (t->omitted > 0);
	if (!reporting(m, added != want))
		return;
	collect_queue_id(m, s);
	snprintf(line, sizeof(line), "testing queue=%s client=%s sender=%s header=%s added=%zu%s",
	    log_quote(queue, sizeof(queue), s->msg.queue_id[0] ? s->msg.queue_id : "-"),
	    s->client_addr[0] ? s->client_addr : "-",
	    log_quote(sender, sizeof(sender), s->msg.sender_raw ? s->msg.sender_raw : "-"), name, added,
	    added == want ? "" : " error=\"the MTA refused to add a header field\"");
	m->ops->report(m->ctx, added != want, line);
}

sfsistat handle_eom(const struct mctx *m)
{
	struct session *s = sess(m);

	if (!s)
		return SMFIS_CONTINUE;
	sfsistat r = eom_requiretls(m, s);
	if (r == SMFIS_CONTINUE)
		eom_testing(m, s);
	return r;
}

sfsistat handle_abort(const struct mctx *m)
{
	struct session *s = sess(m);

	if (s)
		session_msg_reset(s);
	return SMFIS_CONTINUE;
}

sfsistat handle_close(const struct mctx *m)
{
	session_free(sess(m));
	m->ops->setpriv(m->ctx, NULL);
	return SMFIS_CONTINUE;
}
