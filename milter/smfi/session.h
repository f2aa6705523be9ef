/*
 * session - per-connection state of one MTA-to-milter conversation and of
 * the message in progress on it.
 */
#ifndef TP_SESSION_H
#define TP_SESSION_H

#include "policy/ruleset.h"
#include "policy/decide.h"
#include "requiretls/requiretls_plan.h"

struct session {
	struct ruleset *policy;          /* reference held for the whole connection */
	unsigned long proto;            /* protocol flags agreed with the MTA (SMFIP_*) */
	char client_addr[64];
	char client_name[256];
	/* the message in progress */
	struct policy_msg msg;          /* its strings point into the buffers below */
	char sender_raw[512];
	char queue_id[64];
	struct requiretls_plan plan;    /* REQUIRETLS triggers and end-of-message edits */
	struct policy_decision decision;    /* scratch for the current stage: kept off the thread stack */
};

/* A new session holding a reference to the current policy; NULL on ENOMEM
 * or when no policy is loaded.  Free with session_free(). */
struct session *session_create(void);
void session_free(struct session *s);

/* Start a new message: clears the message part (and frees the plan), keeps the client part. */
void session_reset_message(struct session *s);

#endif
