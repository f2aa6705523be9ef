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
#define REQUIRETLS_NAMES 16

struct requiretls_plan {
	unsigned triggers;          /* enum requiretls_trigger bits */
	char why[REQUIRETLS_WHY_MAX];   /* "tag <a+requiretls@x>; content Subject (FILE:12); ..." */
	struct requiretls_rcpt *rcpts;
	size_t nrcpts, caprcpts;
	struct requiretls_hdr *hdrs;    /* content strips and TLS-Required deletions */
	size_t nhdrs, caphdrs;
	int headers_seen;           /* header fields were passed to requiretls_plan_header() */
	int tls_required;           /* "TLS-Required: No" fields seen */
	int error;                  /* out of memory, or a pattern could not be run */
	struct { char name[64]; int count; } seen[REQUIRETLS_NAMES];    /* occurrences per field name */
	size_t nseen;
};

/* Empty plan.  requiretls_plan_free() releases it (and leaves it empty, reusable). */
void requiretls_plan_init(struct requiretls_plan *p);
void requiretls_plan_free(struct requiretls_plan *p);

/* Flag the message for trigger t; detail is appended to why. */
void requiretls_plan_flag(struct requiretls_plan *p, enum requiretls_trigger t, const char *detail);

/* A tagged recipient: from (as the MTA gave it) becomes to at end of message. */
int requiretls_plan_rcpt(struct requiretls_plan *p, const char *from, const char *to);

/*
 * requiretls_plan_header - one header field of the message, in order: runs
 * the content rules (flagging and recording strips) and notes
 * "TLS-Required: No".  rule_label(i) names rule i for why ("content Subject
 * (FILE:12)").  Returns 0, -1 on error (p->error set).
 */
int requiretls_plan_header(struct requiretls_plan *p, struct requiretls_content *const *rules, size_t nrules,
    const char *file, const char *name, const char *value);

/*
 * requiretls_plan_finish - called at end of message when flagged: adds the
 * TLS-Required deletions (highest index first, so indexes stay valid; when
 * no header fields were seen, one blind deletion of occurrence 1).
 */
int requiretls_plan_finish(struct requiretls_plan *p);

/* "tag,content" etc. for logs; buf of 64 bytes. */
const char *requiretls_plan_triggers(const struct requiretls_plan *p, char *buf, size_t bufsz);

#endif
