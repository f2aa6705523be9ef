/*
 * decide - decide a message against a ruleset snapshot, and describe the
 * decision.  The milter and the -q explain mode both call these, so what the
 * daemon does and what -q prints cannot drift apart.
 */
#ifndef TP_DECIDE_H
#define TP_DECIDE_H

#include "util/addr.h"
#include "util/cidr.h"
#include "policy/ruleset.h"

/* What is known about the session and message so far (caller owns all strings). */
struct policy_msg {
	const char *client_addr;    /* text form, or NULL */
	struct ipaddr client_ip;
	int client_ip_ok;           /* client_ip is valid */
	const char *client_name;    /* host name the MTA verified, or NULL */
	const char *queue_id;       /* or NULL */
	struct tls_facts tls;
	const char *sender_raw;     /* MAIL FROM argument as given, or NULL */
	struct addr sender;
	int sender_ok;              /* 1 parsed, 0 unparseable (see sender_err) */
	const char *sender_err;
};

enum verdict {
	VERDICT_PASS = 0,           /* a rule applied and was met (or on_error = accept) */
	VERDICT_REJECT,
	VERDICT_TEMPFAIL,
	VERDICT_WOULD_REJECT,       /* testing mode: logged, accepted */
	VERDICT_WOULD_TEMPFAIL
};

struct policy_verdict {
	const struct rule *rule;    /* NULL for a verdict no rule made */
	const char *what;           /* its label when rule is NULL (static; NULL = "on_error") */
	enum verdict verdict;
	enum profile_fail fail;
	char subject[DOMAIN_MAX + 3];   /* what was matched: domain or client address */
	char reason[256];
	struct reply reply;         /* set unless verdict == VERDICT_PASS */
};

#define POLICY_VERDICTS_MAX 16

struct policy_decision {
	size_t n;                   /* verdicts kept, in evaluation order (beyond POLICY_VERDICTS_MAX a
	                             * failure replaces a kept pass, so the reply is never lost) */
	struct policy_verdict v[POLICY_VERDICTS_MAX];
	int act;                    /* index in v of the reply for the MTA (first reject, else first tempfail), -1 = accept */
	int requiretls;             /* an applicable rule flags the message for REQUIRETLS */
};

/* Client, client name, authenticated and sender rules: decided at MAIL FROM. */
void decide_mail(const struct ruleset *p, const struct policy_msg *m, struct policy_decision *d);

/* Recipient rules for one recipient: decided at RCPT TO.  rcpt_err is the
 * parse error when rcpt could not be parsed (rcpt is then ignored), else NULL. */
void decide_rcpt(const struct ruleset *p, const struct policy_msg *m, const struct addr *rcpt,
    const char *rcpt_err, struct policy_decision *d);

const char *decide_verdict_name(enum verdict v);

/*
 * policy_verdict_format - the key=value log line for one verdict:
 * "decision stage=mail queue=ID client=IP sender=<..> rcpt=<..>|- tls=... bits=...
 *  cert=... rule=\"...\" verdict=... reason=\"...\"".  Quoted values never
 * contain '"' or control characters.
 */
void decide_verdict_format(const struct policy_verdict *v, const char *stage, const struct policy_msg *m,
    const char *rcpt_raw, char *buf, size_t bufsz);

#endif
