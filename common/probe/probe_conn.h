/*
 * probe_conn - one SMTP connection of the probe: non-blocking connect,
 * replies read whole (probe_ehlo), commands, and the TLS I/O once a caller
 * has put an SSL object on it.  Internal to the probe layer.
 *
 * Every wait is a poll(2) bounded by conn->deadline (absolute, on the
 * probe_now_ms() clock).  Every function that fails records the status and
 * a short reason in conn->res (probe_result_fail) and returns -1: timeouts,
 * refused/reset/closed connections and 4xx replies are PROBE_TEMPFAIL;
 * malformed replies and 5xx replies PROBE_INFEASIBLE.  Writes never raise
 * SIGPIPE (send with MSG_NOSIGNAL, also under TLS through probe_conn_bio).
 * A probe_conn belongs to one thread.
 */
#ifndef TP_PROBE_CONN_H
#define TP_PROBE_CONN_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "probe/probe.h"
#include "probe/probe_ehlo.h"

struct probe_conn {
	int fd;                         /* -1: none */
	SSL *ssl;                       /* NULL: plaintext; owned, freed by probe_conn_close */
	int dane;                       /* usable TLSA records were added: DANE decides */
	long long deadline;             /* absolute, probe_now_ms() clock */
	struct probe_result *res;       /* where failures go (borrowed) */
	size_t len;                     /* bytes in buf */
	char buf[PROBE_REPLY_MAX + 1];  /* one byte more than a reply may have, so the parser sees the excess */
};

/* probe_conn_init - no socket yet; failures go to res. */
void probe_conn_init(struct probe_conn *c, struct probe_result *res, long long deadline);

/* probe_conn_connect - TCP to addr (textual IPv4/IPv6, already checked):port. */
int probe_conn_connect(struct probe_conn *c, const char *addr, unsigned port);

/*
 * probe_conn_reply - read exactly one reply into *r.  what names the wait
 * in a timeout ("reading banner"), name the reply in a parse error
 * ("banner").  Bytes after the reply are an error: we never pipeline, and
 * data behind the STARTTLS reply would be injected plaintext.
 */
int probe_conn_reply(struct probe_conn *c, struct probe_reply *r, const char *what, const char *name);

/* probe_conn_command - send cmd (no CRLF: added here; at most 260 bytes), read its reply. */
int probe_conn_command(struct probe_conn *c, const char *cmd, struct probe_reply *r, const char *name);

/* probe_conn_want - 0 when r has code, else a failure "STEP: CODE TEXT"
 * (4xx: tempfail, anything else: infeasible). */
int probe_conn_want(struct probe_conn *c, const struct probe_reply *r, int code, const char *step);

/* probe_conn_quit - polite end: QUIT, at most 1 s (and the deadline) for
 * its reply, a close_notify under TLS.  Errors are ignored; c->res is not
 * touched. */
void probe_conn_quit(struct probe_conn *c);

/* probe_conn_close - free the SSL object (and its BIO), close the socket. */
void probe_conn_close(struct probe_conn *c);

/* probe_conn_bio - a new BIO on c->fd whose writes use MSG_NOSIGNAL, for
 * SSL_set_bio; NULL when out of memory. */
BIO *probe_conn_bio(struct probe_conn *c);

/*
 * probe_conn_tls_wait - after an SSL_* call on c->ssl returned r <= 0: wait
 * for what OpenSSL asks (0: call again) or record why it failed (-1).  what
 * names the step ("in TLS handshake"); ssl_status is the status of a TLS
 * protocol error (alert, no shared cipher...).
 */
int probe_conn_tls_wait(struct probe_conn *c, int r, const char *what, enum probe_status ssl_status);

/* probe_conn_tls_error - this thread's first OpenSSL error as text in buf;
 * clears the error queue.  Returns buf. */
const char *probe_conn_tls_error(char *buf, size_t bufsz);

#endif
