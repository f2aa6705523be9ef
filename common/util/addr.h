/*
 * addr - parse the envelope address argument that an MTA hands to a milter
 * (MAIL FROM / RCPT TO argv[0]).
 *
 * Accepts "<user@example.com>", "user@example.com" (missing brackets), "<>",
 * mixed case, a trailing dot in the domain, quoted local parts
 * ("<\"a b\"@example.com>", "<\"a@b\"@example.com>"), source routes
 * ("<@relay.example,@r2.example:user@example.com>": the route is dropped), and
 * domain literals ("<user@[192.0.2.1]>", "<user@[IPv6:2001:db8::1]>").
 */
#ifndef TP_ADDR_H
#define TP_ADDR_H

#include "util/domain.h"

#define ADDR_LOCAL_MAX 256

struct addr {
	int null;                          /* "<>" (or empty): no local part, no domain */
	int literal;                       /* domain is an address literal: domain[] holds it with brackets */
	int quoted;                        /* the local part was a quoted string */
	char local[ADDR_LOCAL_MAX + 1];    /* local part exactly as written (quotes kept) */
	char domain[DOMAIN_MAX + 3];       /* normalised (lower case, no trailing dot); "" when null or absent */
};

/*
 * addr_parse - parse arg into *out.  Returns 0, or -1 with *err set to a static
 * English reason (unbalanced bracket or quote, empty domain, over-long part,
 * bad domain, control characters...).  A local part without '@' (e.g. "postmaster")
 * parses with an empty domain.  *out is always initialised.
 */
int addr_parse(const char *arg, struct addr *out, const char **err);

/*
 * addr_format - write "local@domain" (no brackets; "" for null) into buf.
 * Returns the length, or -1 if it did not fit.
 */
int addr_format(const struct addr *a, char *buf, size_t bufsz);

#endif
