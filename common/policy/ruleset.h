/*
 * ruleset - one immutable, reference-counted snapshot of the configuration:
 * daemon settings, profiles, rules and the lookup tables that map sender
 * domains, recipient domains and client addresses to rules.
 *
 * Built by config_load() (config/config.h), then never changed: any number of
 * threads read it without locks.  Each session holds a reference
 * (ruleset_ref) for as long as it uses the snapshot, so a reload can swap in a
 * new one while old sessions finish on the old.
 *
 * Ownership: the ruleset owns every pointer reachable from it (strings,
 * profiles, rules, labels, reply templates, tables, the block sub-structs);
 * the last ruleset_unref frees them all.  Anything a caller gets from it
 * (ruleset_profile, ruleset_value_rules, rule->require, table lookups) is
 * borrowed and valid only while the caller holds a reference.
 *
 * Each optional top-level block of the config file has its own sub-struct
 * here (struct ruleset_requiretls; next dns, mta_sts, probe, policy_socket),
 * filled only by its loader common/config/config_BLOCK.c and released in
 * ruleset.c.
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

/* Outbound TLS level a recipient rule asks of the MTA (the socketmap maps),
 * weakest first: the strongest of evidence and rules wins. */
enum outbound_level { OUTBOUND_NONE = 0, OUTBOUND_ENCRYPT, OUTBOUND_VERIFY, OUTBOUND_SECURE, OUTBOUND_DANE_ONLY };

struct rule {
	enum rule_kind kind;
	char *label;                /* owned: "sender bank.example (FILE:12)", for logs and -q; never NULL */
	int line;                   /* config line */
	const struct profile *require;  /* borrowed from profiles[]; NULL: no TLS requirement (requiretls only) */
	int requiretls;             /* flag matching mail for REQUIRETLS */
	enum outbound_level outbound;   /* recipient rules: what the outbound maps require */
	enum policy_mode mode;
	enum policy_action action;
	struct reply_tpl *reply;    /* owned; NULL = the default reply for the failure */
};

/* REQUIRETLS handling (the "requiretls" block, config_requiretls.c); off when
 * the block is absent.  All pointers owned. */
struct ruleset_requiretls {
	int enabled;
	char *tag;                  /* address tag, NULL = convention off */
	char *header;               /* routing field, value "yes"; set when enabled */
	char *trace_header;         /* field saying why the message was flagged; set when enabled */
	struct requiretls_content **content;
	size_t ncontent;
	/* feasibility of flagged recipients before acceptance (RFC 8689) */
	enum rt_verify { RT_VERIFY_OFF = 0, RT_VERIFY_DNSSEC_OR_MTASTS, RT_VERIFY_PROBE } verify;
	struct reply_tpl *reply;            /* infeasible: "550 5.7.30 ..." (owned) */
	struct reply_tpl *tempfail_reply;   /* check could not finish, on_error tempfail (owned) */
	int mode;                           /* enum policy_mode, or -1: the global mode */
	long timeout_ms;                    /* one deadline for the whole check of a domain */
	char **skip_mailers;                /* {rcpt_mailer} values delivered locally: not checked */
	size_t nskip_mailers;
	int skip_bracket_nexthop;           /* {rcpt_host} "[host]": an explicit route, not checked */
};

/* The network blocks (dns, mta_sts, probe): plain settings; the daemon
 * builds the contexts from them (common/feasible). */
#define RULESET_TRUST_ANCHOR "/usr/share/dns/root.key"  /* Debian's dns-root-data */
struct ruleset_dns {
	char **resolvers;                   /* "IP[@port]"; none: /etc/resolv.conf */
	size_t nresolvers;
	char *trust_anchor_file;
	long timeout_ms;
	char **remove_zones;                /* libunbound local zones to drop (tests: "test.") */
	size_t nremove_zones;
};
struct ruleset_mtasts {
	char *ca_file;                      /* NULL: the system store */
	long timeout_ms;
	char *store;                        /* NULL: policies kept in memory */
	unsigned port;                      /* 443 */
	long refresh_s;                     /* fetch stored policies again before expiry, this often; 0 off */
};
struct ruleset_probe {
	char *ca_file;
	long timeout_ms;
	unsigned port;                      /* 25 */
	char *helo;                         /* NULL: the host name */
};

/* Default reply templates: [kind][cert failure?][action].  Owned; never NULL
 * in a snapshot config_load returned (a failed parse fails the load). */
struct policy_defaults {
	struct reply_tpl *reply[RULE_KINDS][2][2];
	struct reply_tpl *on_error[2];  /* [action] for internal errors */
};

struct ruleset {
	int refs;                   /* atomic */
	char *file;                 /* config path */

	/* daemon settings (a reload cannot change socket, user, group); owned */
	char *socket;               /* never NULL in a loaded snapshot */
	int socket_mode;            /* -1 = leave as created */
	char *user, *group, *pidfile;   /* NULL = not set */
	int log_facility, log_level;
	int mta_timeout;            /* seconds, for smfi_settimeout (restart to change) */
	char *policy_socket;        /* the socketmap listener; NULL = none (restart to change) */
	int policy_socket_mode;     /* -1 = leave as created */
	int policy_socket_timeout;  /* seconds an idle or unfinished request may wait */
	char *metrics;              /* Prometheus endpoint "inet:PORT@HOST"; NULL = off (restart to change) */
	char *control_socket;       /* unix socket path for --cache; NULL = none (restart to change) */
	int control_socket_set;     /* control_socket was given (else derived: a failure only warns) */
	enum tls_mta mta;

	char *testing_header;       /* field name for would-verdicts (policy/testing_notes.h); NULL = off */

	enum policy_mode mode;      /* defaults for rules */
	enum policy_action action;
	enum policy_on_error on_error;

	/* The core every block refers to (config_profiles.c, config_rules.c). */
	struct profile **profiles;  /* owned, each profile owned */
	size_t nprofiles;
	struct rule *rules;         /* owned; indexes are the table values */
	size_t nrules;

	/* Table values: a rule index, or POLICY_MULTI | index into multi[]
	 * when one key names several rules (all of them apply). */
	struct dtable *senders, *recipients, *client_names;
	struct dtable *outbound;    /* recipient keys of rules with an outbound level (the socketmap maps) */
	struct ctable *clients;
	struct policy_multi { uint32_t *rules; uint32_t n, cap; } *multi;
	uint32_t nmulti, capmulti;
	int auth_rule;              /* rule index or -1 */
	size_t nkeys[RULE_KINDS];   /* keys per kind, for summaries */

	struct policy_defaults defaults;
	struct ruleset_requiretls requiretls;
	struct ruleset_dns dns;
	struct ruleset_mtasts mta_sts;
	struct ruleset_probe probe;

	/* The network contexts a front end built for this snapshot (a struct
	 * feasible, common/feasible), freed with the snapshot by feasible_free.
	 * NULL when requiretls.verify is off.  Set once, before the snapshot is
	 * shared; the snapshot owns it. */
	void *feasible;
	void (*feasible_free)(void *);
};

#define POLICY_MULTI 0x80000000u

/* Allocate an empty ruleset with defaults and refs = 1.  NULL on ENOMEM. */
struct ruleset *ruleset_create(void);
/* Take a reference (any thread); returns p. */
struct ruleset *ruleset_ref(struct ruleset *p);
/* Drop a reference (any thread); the last one frees p and all it owns.  NULL is a no-op. */
void ruleset_unref(struct ruleset *p);

/* The profile named name (borrowed: lives as long as p), or NULL. */
const struct profile *ruleset_profile(const struct ruleset *p, const char *name);

/*
 * ruleset_bind_domain - make key (normalised domain key, see domain.h; the
 * table copies it) of table t (one of p's) point at rule ruleidx, joining any
 * rule already bound to it.  ruleset_bind_cidr likewise for p->clients.
 * For config loaders only: a snapshot is immutable once published.
 * Returns 0, 1 if ruleidx was already bound to that key, -1 on ENOMEM (the
 * binding is then missing: the caller must fail the load).
 */
int ruleset_bind_domain(struct ruleset *p, struct dtable *t, const char *key, uint32_t ruleidx);
int ruleset_bind_cidr(struct ruleset *p, const struct cidr *c, uint32_t ruleidx);

/*
 * ruleset_value_rules - the rule indexes a table value stands for; fills *n.
 * Careful: for a value naming one rule the result IS value (the caller's own
 * pointer, *n = 1), so it lives only as long as the caller's copy of the
 * value; for POLICY_MULTI it is p's array (borrowed, lives as long as p).
 * Never free it; do not keep it beyond both.
 */
const uint32_t *ruleset_value_rules(const struct ruleset *p, const uint32_t *value, uint32_t *n);

/* 1 when some recipient rule exists or REQUIRETLS needs to see recipients
 * (else the milter can decide the whole message at MAIL). */
int ruleset_needs_rcpt(const struct ruleset *p);

/* Print a human summary (for -t) on fp. */
void ruleset_summary(const struct ruleset *p, FILE *fp);

#endif
