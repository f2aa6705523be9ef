/*
 * callbacks - libmilter glue (see callbacks.h).  Thin by design: every
 * decision is made in common/policy/decide.c; this file only gathers the
 * facts from macros, logs the verdicts and answers the MTA.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "smfi/callbacks.h"
#include "util/log.h"
#include "smfi/negotiate.h"
#include "policy/decide_requiretls.h"
#include "smfi/session.h"
#include "daemon/stats.h"

static struct session *sess(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

static const char *get_macro(void *ctx, const char *name)
{
	return smfi_getsymval((SMFICTX *)ctx, (char *)name);
}

/* Warn once per process about each kind of missing macro: it explains
 * surprising verdicts without flooding the log. */
static int warned_verify, warned_mta;

static void warn_missing_macros(const struct policy_msg *m)
{
	if (m->tls.encrypted && m->tls.mta == TLS_MTA_SENDMAIL && !m->tls.verify_known &&
	    !__atomic_exchange_n(&warned_verify, 1, __ATOMIC_RELAXED))
		log_warn("Sendmail did not send {verify}: client certificates cannot be proven; "
		    "add {verify} to confMILTER_MACROS_ENVFROM (see etc/sendmail.mc)");
	if (m->tls.mta == TLS_MTA_AUTO && !__atomic_exchange_n(&warned_mta, 1, __ATOMIC_RELAXED))
		log_warn("the MTA did not send macro v at connect, so its macro dialect is unknown: "
		    "client certificates count as verified only with {verify}=OK; set mta = \"postfix\" "
		    "or \"sendmail\" in the config");
}

/* Postfix may assign the queue id only at RCPT or EOM: refresh it at each stage. */
static void collect_queue_id(SMFICTX *ctx, struct session *s)
{
	const char *qid = smfi_getsymval(ctx, "i");

	if (qid)
		snprintf(s->queue_id, sizeof(s->queue_id), "%s", qid);
}

/* Log every verdict and turn the acting one into a reply. */
static sfsistat answer(SMFICTX *ctx, struct session *s, const struct policy_decision *d, const char *stage,
    const char *rcpt)
{
	char line[2048];

	for (size_t i = 0; i < d->n; i++) {
		const struct policy_verdict *v = &d->v[i];
		decide_verdict_format(v, stage, &s->msg, rcpt, line, sizeof(line));
		log_info("%s", line);
		switch (v->verdict) {
		case VERDICT_PASS: stats_add(STAT_PASS); break;
		case VERDICT_REJECT: stats_add(STAT_REJECT); break;
		case VERDICT_TEMPFAIL: stats_add(STAT_TEMPFAIL); break;
		default: stats_add(STAT_WOULD_REJECT); break;
		}
	}
	if (d->act < 0)
		return SMFIS_CONTINUE;
	const struct policy_verdict *v = &d->v[d->act];
	char text[2 * REPLY_TEXT_MAX + 1];
	if (smfi_setreply(ctx, (char *)v->reply.rcode, (char *)v->reply.xcode,
	    reply_escape_percent(v->reply.text, text, sizeof(text))) != MI_SUCCESS)
		log_err("smfi_setreply failed for \"%s %s %s\"", v->reply.rcode, v->reply.xcode, v->reply.text);
	return v->verdict == VERDICT_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
    unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	/* Never answer REJECT here: the MTA would go on without the milter.
	 * Without a session the connect and MAIL callbacks tempfail instead. */
	struct session *s = session_create();

	*pf0 = f0 & SMFIF_SETSYMLIST;
	*pf1 = f1 & TP_PROTO_SKIP_BASE;
	if (s && s->policy->requiretls.enabled) {
		*pf0 |= f0 & TP_ACTIONS_REQUIRETLS;
		if (s->policy->requiretls.ncontent > 0)
			*pf1 = (*pf1 & ~(unsigned long)SMFIP_NOHDRS) | (f1 & TP_PROTO_HEADERS_NR);
	}
	if (!s)         /* connect must be able to answer TEMPFAIL */
		*pf1 &= ~(unsigned long)(SMFIP_NR_CONN | SMFIP_NR_HELO);
	*pf2 = *pf3 = 0;
	if (s) {
		s->proto = *pf1;
		smfi_setpriv(ctx, s);
	} else
		log_err("out of memory or no policy: this connection will be tempfailed");
	if (f0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_CONNECT, TP_MACROS_CONNECT);
		smfi_setsymlist(ctx, SMFIM_ENVFROM, TP_MACROS_MAIL);
		smfi_setsymlist(ctx, SMFIM_ENVRCPT, TP_MACROS_RCPT);
		smfi_setsymlist(ctx, SMFIM_EOM, TP_MACROS_EOM);
	}
	return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct session *s = sess(ctx);

	stats_add(STAT_CONNECTIONS);
	if (!s) {
		/* the session could not be made at negotiation: tempfail, but answer
		 * nothing if the MTA was told it need not wait for a reply here */
		if (!(s = session_create()))
			return SMFIS_TEMPFAIL;
		smfi_setpriv(ctx, s);
	}
	s->client_addr[0] = '\0';
	if (hostaddr && hostaddr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)hostaddr)->sin_addr, s->client_addr,
		    sizeof(s->client_addr));
	else if (hostaddr && hostaddr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)hostaddr)->sin6_addr, s->client_addr,
		    sizeof(s->client_addr));
	snprintf(s->client_name, sizeof(s->client_name), "%s", hostname ? hostname : "");
	return (s->proto & SMFIP_NR_CONN) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
	struct session *s = sess(ctx);

	return s && (s->proto & SMFIP_NR_HELO) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct session *s = sess(ctx);

	if (!s)
		return SMFIS_TEMPFAIL;
	struct policy_decision *d = &s->decision;
	stats_add(STAT_MESSAGES);
	session_reset_message(s);
	snprintf(s->sender_raw, sizeof(s->sender_raw), "%s", argv[0] ? argv[0] : "");
	collect_queue_id(ctx, s);
	tlsfacts_collect(&s->msg.tls, s->policy->mta, get_macro, ctx);
	s->msg.sender_ok = addr_parse(s->sender_raw, &s->msg.sender, &s->msg.sender_err) == 0;
	warn_missing_macros(&s->msg);
	decide_mail(s->policy, &s->msg, d);
	sfsistat r = answer(ctx, s, d, "mail", NULL);
	if (r != SMFIS_CONTINUE)
		return r;
	struct policy_verdict refuse;
	if (decide_requiretls_mail(s->policy, &s->msg, argv[0] ? argv + 1 : NULL, d, &s->plan, &refuse)) {
		/* the MAIL verdicts are logged: the refusal is answered like one of them */
		d->v[0] = refuse;
		d->n = 1;
		d->act = 0;
		return answer(ctx, s, d, "mail", NULL);
	}
	/* Nothing is left to decide for this message: spare the MTA the later round trips. */
	return ruleset_needs_rcpt(s->policy) ? SMFIS_CONTINUE : SMFIS_ACCEPT;
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct session *s = sess(ctx);
	struct addr rcpt;
	const char *err = NULL;

	if (!s)
		return SMFIS_TEMPFAIL;
	struct policy_decision *d = &s->decision;
	stats_add(STAT_RECIPIENTS);
	collect_queue_id(ctx, s);
	if (addr_parse(argv[0] ? argv[0] : "", &rcpt, &err) == 0)
		err = NULL;
	decide_rcpt(s->policy, &s->msg, &rcpt, err, d);
	sfsistat r = answer(ctx, s, d, "rcpt", argv[0]);
	if (r == SMFIS_CONTINUE && !err)
		decide_requiretls_rcpt(s->policy, argv[0], &rcpt, d, &s->plan);
	return r;
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct session *s = sess(ctx);

	if (s)
		decide_requiretls_header(s->policy, name, value ? value : "", &s->plan);
	return s && (s->proto & SMFIP_NR_HDR) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* A needed edit failed or could not be planned: on_error decides, since
 * accepting would let flagged mail leave without its routing header. */
static sfsistat eom_error(SMFICTX *ctx, struct session *s, const char *what)
{
	stats_add(STAT_ERRORS);
	log_err("requiretls queue=%s: %s: applying on_error", s->queue_id[0] ? s->queue_id : "-", what);
	switch (s->policy->on_error) {
	case ON_ERROR_ACCEPT:
		return SMFIS_CONTINUE;
	case ON_ERROR_REJECT:
		smfi_setreply(ctx, "550", "5.7.0", "REQUIRETLS handling failed");
		return SMFIS_REJECT;
	default:
		smfi_setreply(ctx, "451", "4.3.0", "REQUIRETLS handling failed, try again later");
		return SMFIS_TEMPFAIL;
	}
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	struct session *s = sess(ctx);
	struct requiretls_plan *pl;
	char trig[64], sender[512], queue[64];

	if (!s || !s->plan.triggers)
		return SMFIS_CONTINUE;
	pl = &s->plan;
	collect_queue_id(ctx, s);
	if (pl->error || requiretls_plan_finish(pl) < 0)
		return eom_error(ctx, s, "out of memory or a content pattern could not be run");
	for (size_t i = 0; i < pl->nrcpts; i++)
		if (smfi_delrcpt(ctx, pl->rcpts[i].from) != MI_SUCCESS || smfi_addrcpt(ctx, pl->rcpts[i].to) != MI_SUCCESS)
			return eom_error(ctx, s, "the MTA refused to rewrite a recipient");
	for (size_t i = 0; i < pl->nhdrs; i++)
		if (smfi_chgheader(ctx, pl->hdrs[i].name, pl->hdrs[i].index, pl->hdrs[i].value) != MI_SUCCESS)
			return eom_error(ctx, s, "the MTA refused to change a header field");
	const struct ruleset_requiretls *cf = &s->policy->requiretls;
	if (smfi_addheader(ctx, cf->header, "yes") != MI_SUCCESS ||
	    smfi_addheader(ctx, cf->trace_header, pl->why) != MI_SUCCESS)
		return eom_error(ctx, s, "the MTA refused to add a header field");
	log_info("requiretls queue=%s client=%s sender=%s triggers=%s rcpts_rewritten=%zu headers_changed=%zu "
	    "added=\"%s: yes\" why=\"%s\"", log_quote(queue, sizeof(queue), s->queue_id[0] ? s->queue_id : "-"),
	    s->client_addr[0] ? s->client_addr : "-", log_quote(sender, sizeof(sender), s->sender_raw),
	    requiretls_plan_triggers(pl, trig, sizeof(trig)), pl->nrcpts, pl->nhdrs, cf->header, pl->why);
	return SMFIS_CONTINUE;
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	struct session *s = sess(ctx);

	if (s)
		session_reset_message(s);
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	session_free(sess(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

struct smfiDesc callbacks_desc = {
	.xxfi_name = "tlspolicy-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_SETSYMLIST | TP_ACTIONS_REQUIRETLS,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_negotiate = cb_negotiate,
};
