/*
 * explain - the -q mode: run the daemon's milter steps (handle.h) on one
 * message given on the command line, through the mctx seam, and print what
 * the daemon would log, the replies the MTA would give, and the
 * end-of-message edits REQUIRETLS handling would request.
 */
#ifndef TP_EXPLAIN_H
#define TP_EXPLAIN_H

#include "policy/ruleset.h"

/* Exit statuses of -q. */
#define EXPLAIN_ACCEPT 0
#define EXPLAIN_NOTFOUND 1          /* next_hop=: no outbound policy */
#define EXPLAIN_USAGE 2
#define EXPLAIN_REJECT 3
#define EXPLAIN_TEMPFAIL 4

/*
 * explain_run - words are "key=value" arguments (see tlspolicy-milter(8)):
 * sender=, rcpt= (repeatable), client=, client_name=, mta=, param=,
 * header="Name: value" (repeatable), and the macros tls_version=, cipher=,
 * cipher_bits=, cert_subject=, cert_issuer=, verify=, cert_fp=, auth_type=.
 * Prints to stdout; returns an EXPLAIN_* status.
 */
int explain_run(const struct ruleset *p, int nwords, char **words);

/* explain_outbound_run - "next_hop=DOMAIN [map=NAME]": the outbound map's
 * answer and evidence (explain_run hands over when next_hop= is given).
 * EXPLAIN_ACCEPT for OK, EXPLAIN_NOTFOUND, EXPLAIN_TEMPFAIL, EXPLAIN_REJECT
 * for PERM, EXPLAIN_USAGE. */
int explain_outbound_run(const struct ruleset *p, int nwords, char **words);

#endif
