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

/* The rules one lookup found (all of them apply): ids into ruleset.rules. */
struct decide_found {
	const uint32_t *ids;        /* into the ruleset (a multi-rule list); NULL: the rule is one */
	uint32_t n;
	uint32_t one;               /* storage when a single rule was found without a table */
};

/* Lookups per stage: client, client name, authenticated, sender (MAIL); recipient (RCPT). */
#define DECIDE_FOUND_MAX 4

struct policy_decision {
	size_t n;                   /* verdicts kept, in evaluation order (beyond POLICY_VERDICTS_MAX a
	                             * failure replaces a kept pass, so the reply is never lost) */
	struct policy_verdict v[POLICY_VERDICTS_MAX];
	int act;                    /* index in v of the reply for the MTA (first reject, else first tempfail), -1 = accept */
	/* every rule that applied, however many (the verdicts above may be cut):
	 * REQUIRETLS flags of rules are taken from here, as data */
	struct decide_found found[DECIDE_FOUND_MAX];
	size_t nfound;
};

/* What the MTA is told for a stage: the one mapping from verdicts to outcomes. */
enum decide_outcome {
	DECIDE_ACCEPT = 0,
	DECIDE_REJECT,
	DECIDE_TEMPFAIL
};

/* The outcome of d: that of v[act] (reject/tempfail), else accept. */
enum decide_outcome decide_outcome(const struct policy_decision *d);

/* Rule id i of d->found[f] (i < d->found[f].n). */
uint32_t decide_found_id(const struct policy_decision *d, size_t f, uint32_t i);

/*
 * An address the parser cannot hold (more than ADDR_LOCAL_MAX bytes and not
 * parsed) is refused with a clear reply whatever on_error says, because its
 * domain may have a rule: the MTA may accept longer addresses than we parse
 * (Postfix takes command lines up to line_length_limit).
 */

/* Client, client name, authenticated and sender rules: decided at MAIL FROM. */
void decide_mail(const struct ruleset *p, const struct policy_msg *m, struct policy_decision *d);

/* Recipient rules for one recipient: decided at RCPT TO.  rcpt_raw is the
 * argument as the MTA gave it, rcpt_err the parse error when rcpt could not be
 * parsed (rcpt is then ignored), else NULL. */
void decide_rcpt(const struct ruleset *p, const struct policy_msg *m, const char *rcpt_raw,
    const struct addr *rcpt, const char *rcpt_err, struct policy_decision *d);

/*
 * decide_error - a check that could not be made outside the rule lookups
 * (e.g. a content pattern that hit its limit at end of message): d holds
 * one verdict for the configured on_error, with reason, labelled "on_error".
 */
void decide_error(const struct ruleset *p, const struct policy_msg *m, const char *reason,
    struct policy_decision *d);

/* decide_only - d holds v alone (e.g. the REQUIRETLS refusal at MAIL). */
void decide_only(struct policy_decision *d, const struct policy_verdict *v);

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
