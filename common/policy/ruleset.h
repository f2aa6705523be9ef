/*
 * ruleset - one immutable, reference-counted snapshot of the configuration:
 * daemon settings, profiles, rules and the lookup tables that map sender
 * domains, recipient domains and client addresses to rules.
 *
 * Built by config_load() (config.h), then never changed: any number of
 * threads read it without locks.  Each session holds a reference
 * (ruleset_ref) for as long as it uses the snapshot, so a reload can swap in a
 * new one while old sessions finish on the old.
 */
#ifndef TP_RULESET_H
#define TP_RULESET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/ctable.h"
#include "util/dtable.h"
#include "policy/profile.h"
#include "policy/reply.h"
#include "requiretls/requiretls_content.h"
#include "policy/tlsfacts.h"

enum policy_mode { POLICY_ENFORCE = 0, POLICY_TESTING };
enum policy_action { POLICY_REJECT = 0, POLICY_TEMPFAIL };
enum policy_on_error { ON_ERROR_TEMPFAIL = 0, ON_ERROR_ACCEPT, ON_ERROR_REJECT };

enum rule_kind {
	RULE_SENDER = 0,            /* MAIL FROM domain */
	RULE_RECIPIENT,             /* RCPT TO domain */
	RULE_CLIENT,                /* client address (CIDR) */
	RULE_CLIENT_NAME,           /* client host name (as the MTA verified it) */
	RULE_AUTH,                  /* every authenticated (SMTP AUTH) session */
	RULE_KINDS
};

struct rule {
	enum rule_kind kind;
	char *label;                /* "sender bank.example (FILE:12)": for logs and -q */
	int line;                   /* config line */
	const struct profile *require;  /* NULL: no TLS requirement (e.g. requiretls only) */
	int requiretls;             /* flag matching mail for REQUIRETLS */
	enum policy_mode mode;
	enum policy_action action;
	struct reply_tpl *reply;    /* owned; NULL = the default reply for the failure */
};

/* REQUIRETLS handling (the "requiretls" block); off when the block is absent. */
struct ruleset_requiretls {
	int enabled;
	char *tag;                  /* address tag, NULL = convention off */
	char *header;               /* routing field, value "yes" */
	char *trace_header;         /* field saying why the message was flagged */
	struct requiretls_content **content;
	size_t ncontent;
};

/* Default reply templates: [kind][cert failure?][action]. */
struct policy_defaults {
	struct reply_tpl *reply[RULE_KINDS][2][2];
	struct reply_tpl *on_error[2];  /* [action] for internal errors */
};

struct ruleset {
	int refs;                   /* atomic */
	char *file;                 /* config path */

	/* daemon settings (a reload cannot change socket, user, group) */
	char *socket;
	int socket_mode;            /* -1 = leave as created */
	char *user, *group, *pidfile;
	int log_facility, log_level;
	int mta_timeout;            /* seconds, for smfi_settimeout (restart to change) */
	enum tls_mta mta;

	enum policy_mode mode;      /* defaults for rules */
	enum policy_action action;
	enum policy_on_error on_error;

	struct profile **profiles;
	size_t nprofiles;
	struct rule *rules;
	size_t nrules;

	/* Table values: a rule index, or POLICY_MULTI | index into multi[]
	 * when one key names several rules (all of them apply). */
	struct dtable *senders, *recipients, *client_names;
	struct ctable *clients;
	struct policy_multi { uint32_t *rules; uint32_t n, cap; } *multi;
	uint32_t nmulti, capmulti;
	int auth_rule;              /* rule index or -1 */
	size_t nkeys[RULE_KINDS];   /* keys per kind, for summaries */

	struct policy_defaults defaults;
	struct ruleset_requiretls requiretls;
};

#define POLICY_MULTI 0x80000000u

/* Allocate an empty policy with defaults and refs = 1.  NULL on ENOMEM. */
struct ruleset *ruleset_create(void);
/* Take / drop a reference; the last ruleset_unref frees everything. */
struct ruleset *ruleset_ref(struct ruleset *p);
void ruleset_unref(struct ruleset *p);

/* Find a profile by name; NULL if none. */
const struct profile *ruleset_profile(const struct ruleset *p, const char *name);

/*
 * policy_bind - make key (normalised domain key, see domain.h) of the given
 * table point at rule ruleidx, joining any rule already bound to it.
 * Returns 0, 1 if ruleidx was already bound to that key, -1 on ENOMEM.
 */
int ruleset_bind_domain(struct ruleset *p, struct dtable *t, const char *key, uint32_t ruleidx);
int ruleset_bind_cidr(struct ruleset *p, const struct cidr *c, uint32_t ruleidx);

/* The rules a table value stands for: fills *n and returns the array. */
const uint32_t *ruleset_value_rules(const struct ruleset *p, const uint32_t *value, uint32_t *n);

/* 1 when some recipient rule exists or REQUIRETLS needs to see recipients
 * (else the milter can decide the whole message at MAIL). */
int ruleset_needs_rcpt(const struct ruleset *p);

/* Print a human summary (for -t) on fp. */
void ruleset_summary(const struct ruleset *p, FILE *fp);

#endif
