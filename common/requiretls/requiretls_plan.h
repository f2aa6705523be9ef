/*
 * requiretls_plan - what REQUIRETLS handling decided for one message: the
 * triggers that flagged it (and why, for the trace header and the log), and
 * the edits the MTA must make at end of message.  The milter executes the
 * plan; -q prints it.
 *
 * Edits for a flagged message: each tagged recipient is replaced by its
 * untagged form, stripped content tags are written back, every
 * "TLS-Required: No" field is deleted (RFC 8689 section 4: it is ignored
 * under REQUIRETLS), and the routing and trace fields are added.
 */
#ifndef TP_REQUIRETLS_PLAN_H
#define TP_REQUIRETLS_PLAN_H

#include <stddef.h>

#include "requiretls/requiretls_content.h"

enum requiretls_trigger {
	REQUIRETLS_TAG = 1,         /* local+requiretls@domain recipient */
	REQUIRETLS_CONTENT = 2,     /* a content rule matched a header field */
	REQUIRETLS_RULE = 4,        /* a sender/recipient rule with requiretls = true */
	REQUIRETLS_PARAM = 8        /* MAIL FROM ... REQUIRETLS */
};

struct requiretls_rcpt {
	char *from, *to;            /* malloc'd "<a+requiretls@x>" -> "<a@x>" */
};

struct requiretls_hdr {
	char *name;                 /* malloc'd */
	int index;                  /* 1-based occurrence of name, as smfi_chgheader counts */
	char *value;                /* malloc'd new value, NULL = delete */
};

#define REQUIRETLS_WHY_MAX 900

struct requiretls_seen {
	char *name;                 /* malloc'd field name */
	int count;                  /* occurrences so far */
};

/* All arrays grow as needed (no count is too large): a failed allocation sets error. */
struct requiretls_plan {
	unsigned triggers;          /* enum requiretls_trigger bits */
	char why[REQUIRETLS_WHY_MAX];   /* "tag <a+requiretls@x>; content Subject (FILE:12); ..." (printable) */
	struct requiretls_rcpt *rcpts;
	size_t nrcpts, caprcpts;
	struct requiretls_hdr *hdrs;    /* content strips and TLS-Required deletions */
	size_t nhdrs, caphdrs;
	int *tls_required;          /* occurrence index of each "TLS-Required: No" field seen */
	size_t ntls_required, captls_required;
	unsigned *rules;            /* ids of the rules that flagged the message (each once) */
	size_t nrules, caprules;
	struct requiretls_seen *seen;   /* occurrences per field name (those that matter) */
	size_t nseen, capseen;
	int error;                  /* out of memory, or a pattern could not be run */
};

/* Empty plan.  requiretls_plan_free() releases it (and leaves it empty, reusable). */
void requiretls_plan_init(struct requiretls_plan *p);
void requiretls_plan_free(struct requiretls_plan *p);

/* Flag the message for trigger t; detail is appended to why. */
void requiretls_plan_flag(struct requiretls_plan *p, enum requiretls_trigger t, const char *detail);

/*
 * requiretls_plan_rule - rule id (any number that names one rule for the
 * message's lifetime) with requiretls = true applies: flags REQUIRETLS_RULE
 * and names "rule LABEL" in why, once per id however often it applies.
 * Returns 0, -1 on ENOMEM (p->error set; the trigger is still set).
 */
int requiretls_plan_rule(struct requiretls_plan *p, unsigned id, const char *label);

/* A tagged recipient: from (as the MTA gave it) becomes to at end of message. */
int requiretls_plan_rcpt(struct requiretls_plan *p, const char *from, const char *to);

/*
 * requiretls_plan_header - one header field of the message, in order: runs
 * the content rules (flagging and recording strips) and notes
 * "TLS-Required: No".  file names the config in why ("content Subject
 * (FILE:12)").  A stripped value is written back unfolded (CR and LF
 * dropped) and printable (printable_inplace: tabs and other bytes become
 * spaces), and never empty (an empty value would make the MTA delete the field): " " then.
 * Returns 0, -1 on error (p->error set: out of memory, or a pattern hit its
 * match limit).
 */
int requiretls_plan_header(struct requiretls_plan *p, struct requiretls_content *const *rules, size_t nrules,
    const char *file, const char *name, const char *value);

/*
 * requiretls_plan_finish - called at end of message when flagged: adds a
 * deletion of every "TLS-Required: No" field seen, whatever their number
 * (highest index first, so indexes stay valid).  The caller must have passed
 * every header field (the milter negotiates them whenever REQUIRETLS
 * handling is on).  0, or -1 on ENOMEM (p->error set).
 */
int requiretls_plan_finish(struct requiretls_plan *p);

/* A point to return to: what one recipient added (its untag entry, its
 * triggers, its part of why) can be taken back when that recipient is
 * refused, so the message is neither flagged nor rewritten because of it. */
struct requiretls_plan_mark {
	unsigned triggers;
	size_t whylen, nrcpts, nrules;
};
void requiretls_plan_mark(const struct requiretls_plan *p, struct requiretls_plan_mark *m);
void requiretls_plan_rollback(struct requiretls_plan *p, const struct requiretls_plan_mark *m);

/* "tag,content" etc. for logs; buf of 64 bytes. */
const char *requiretls_plan_triggers(const struct requiretls_plan *p, char *buf, size_t bufsz);

#endif
