/*
 * session - the state of one MTA-to-milter connection (struct session) and
 * of the message in progress on it (struct session_msg), as OpenDKIM keeps a
 * connection context and a message context.  A message is reset at each
 * MAIL FROM and at abort; the connection part lives until close.
 */
#ifndef TP_SESSION_H
#define TP_SESSION_H

#include "policy/ruleset.h"
#include "policy/decide.h"
#include "policy/testing_notes.h"
#include "requiretls/requiretls_plan.h"

/* A recipient accepted so far: its domain, for REQUIRETLS checks at end of
 * message when the flag became known only after its RCPT. */
struct session_rcpt {
	char *domain;                   /* malloc'd, normalised */
	int checked;                    /* its domain passed the check at RCPT */
	int relayed;                    /* sent on by SMTP (not a local mailer or [route]) */
};

struct session_msg {
	struct policy_msg facts;        /* its strings point into this struct and the session */
	char *sender_raw;               /* malloc'd MAIL FROM argument, whole (any length) */
	char queue_id[64];
	struct requiretls_plan plan;    /* REQUIRETLS triggers and end-of-message edits */
	struct policy_decision decision;    /* scratch for the current stage: kept off the thread stack */
	struct session_rcpt *rcpts;
	size_t nrcpts, caprcpts;
	struct testing_notes testing;   /* would-verdicts for testing_header, added at end of message */
};

struct session {
	struct ruleset *policy;         /* reference held for the whole connection */
	unsigned long proto;            /* protocol flags agreed with the MTA (SMFIP_*) */
	char client_addr[64];
	struct ipaddr client_ip;        /* client_addr parsed once, at connect */
	int client_ip_ok;
	char client_name[256];
	struct session_msg msg;         /* the message in progress */
};

/* A new session; takes over the caller's reference policy (not NULL).
 * NULL on ENOMEM (the reference is then dropped).  Free with session_free(). */
struct session *session_create(struct ruleset *policy);
void session_free(struct session *s);

/*
 * session_msg_start - start a message with sender (the MAIL FROM argument as
 * the MTA gave it, copied whole): clears the message part and points its
 * facts at the connection's client.  -1 on ENOMEM (the message is then empty).
 */
int session_msg_start(struct session *s, const char *sender);
/* session_set_client - the connecting client's address (text, or NULL/"" when
 * unknown; parsed here once for all messages) and host name. */
void session_set_client(struct session *s, const char *addr, const char *name);
/* session_msg_rcpt - remember an accepted recipient; -1 on ENOMEM. */
int session_msg_rcpt(struct session *s, const char *domain, int checked, int relayed);
/* session_msg_reset - forget the message in progress (abort, close). */
void session_msg_reset(struct session *s);

#endif
