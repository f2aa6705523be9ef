/*
 * handle - the milter steps: negotiate, connect, HELO, MAIL, RCPT, header,
 * end of message, abort, close.  They gather the facts from macros, call
 * common/policy (decide, decide_requiretls), report every verdict and answer
 * the MTA, all through the mctx seam (mctx.h).  The daemon runs them from
 * libmilter's callbacks (callbacks.c), -q from the command line (explain.c):
 * one code path, so the two cannot drift.
 *
 * The session (session.h) is the driver's private pointer: created at
 * negotiation (or connect), freed at close.
 */
#ifndef TP_HANDLE_H
#define TP_HANDLE_H

#include <sys/socket.h>
#include <libmilter/mfapi.h>

#include "smfi/mctx.h"

sfsistat handle_negotiate(const struct mctx *m, unsigned long f0, unsigned long f1, unsigned long *pf0,
    unsigned long *pf1);
/* hostaddr may be NULL (unknown client). */
sfsistat handle_connect(const struct mctx *m, const char *hostname, const struct sockaddr *hostaddr);
sfsistat handle_helo(const struct mctx *m);
/* argv: the MAIL FROM argument, then its ESMTP parameters, NULL-terminated. */
sfsistat handle_envfrom(const struct mctx *m, char **argv);
sfsistat handle_envrcpt(const struct mctx *m, char **argv);
sfsistat handle_header(const struct mctx *m, const char *name, const char *value);
sfsistat handle_eom(const struct mctx *m);
sfsistat handle_abort(const struct mctx *m);
sfsistat handle_close(const struct mctx *m);

#endif
