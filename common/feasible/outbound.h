/*
 * outbound - the answers of the outbound TLS policy maps (socketmap, §4a of
 * the SPEC): what TLS the MTA must insist on when it sends to a next hop,
 * from the strongest evidence first: DANE (secure MX + usable TLSA) >
 * MTA-STS enforce > the admin's outbound rules > nothing (NOTFOUND).
 *
 * Maps:
 *   tls         Postfix smtp_tls_policy_maps: "dane-only", "secure match=...
 *               servername=hostname", "encrypt", "verify", ...
 *   requiretls  the strict REQUIRETLS transport: only levels RFC 8689
 *               allows; without evidence a level that cannot deliver
 *   sendmail    the same decisions in Sendmail's TLS_Rcpt syntax
 *               ("VERIFY", "ENCR:bits", "VERIFY+CN:name")
 * Keys are next-hop domains ("example.com"), Postfix's parent-domain keys
 * (".example.com"); anything else ("[host]:port", IP literals) is NOTFOUND.
 *
 * Threads: outbound_lookup may run in any number of threads at once.
 */
#ifndef TP_OUTBOUND_H
#define TP_OUTBOUND_H

#include <stddef.h>

#include "policy/ruleset.h"
#include "feasible/feasible.h"

enum outbound_map { OUTBOUND_TLS = 0, OUTBOUND_REQUIRETLS, OUTBOUND_SENDMAIL, OUTBOUND_MAPS };

enum outbound_kind {
	OUTBOUND_OK = 0,                /* value holds the answer */
	OUTBOUND_NOTFOUND,              /* no policy: the MTA's default applies */
	OUTBOUND_TEMP,                  /* a lookup could not finish: the MTA tries again later */
	OUTBOUND_PERM                   /* a permanent error (e.g. an unknown map) */
};

#define OUTBOUND_VALUE_MAX 1000         /* a socketmap reply must fit a netstring the MTA accepts */

struct outbound_answer {
	enum outbound_kind kind;
	char value[OUTBOUND_VALUE_MAX];  /* OK: the map value; TEMP/PERM: the reason (printable) */
	const char *source;             /* static: "dane", "mta-sts", "rule", "dnssec", "none" */
	char evidence[FEASIBLE_EVIDENCE_MAX];
	int cached;
	long long elapsed_ms;
};

/* 0 and *m for "tls", "requiretls", "sendmail"; -1 otherwise. */
int outbound_map_parse(const char *name, enum outbound_map *m);
const char *outbound_map_name(enum outbound_map m);
/* "OK", "NOTFOUND", "TEMP", "PERM". */
const char *outbound_kind_name(enum outbound_kind k);

/*
 * outbound_lookup - the answer of map for key under snapshot p, with the
 * network context f (NULL: no DNS evidence; only the admin's rules answer,
 * and the requiretls map answers with its level that cannot deliver).
 * Always fills *a.  Bounded by f's timeout.
 */
void outbound_lookup(const struct ruleset *p, struct feasible *f, enum outbound_map map, const char *key,
    struct outbound_answer *a);

/* outbound_format - the one log line of an answer: "socketmap map=M key=K
 * answer=KIND value=\"...\" source=S cached=yes|no ms=N". */
void outbound_format(enum outbound_map map, const char *key, const struct outbound_answer *a, char *buf,
    size_t bufsz);

#endif
