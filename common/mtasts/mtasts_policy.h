/*
 * mtasts_policy - the MTA-STS policy body (RFC 8461 section 3.2) and the
 * matching of MX host names against its "mx" patterns (section 4.1).
 *
 * The body is what https://mta-sts.DOMAIN/.well-known/mta-sts.txt returned:
 * "key: value" lines ended by LF or CRLF.  Parsing is strict where the RFC
 * is (fields, values, limits) and ignores unknown keys as it demands.
 */
#ifndef TP_MTASTS_POLICY_H
#define TP_MTASTS_POLICY_H

#include <stddef.h>

#define MTASTS_POLICY_MAX  65536L      /* bytes: larger bodies are refused */
#define MTASTS_MAX_AGE_MAX 31557600L   /* seconds (about one year), RFC 8461 */
#define MTASTS_MX_MAX      256         /* mx lines kept at most; more is an error */

enum mtasts_mode { MTASTS_MODE_NONE = 0, MTASTS_MODE_TESTING, MTASTS_MODE_ENFORCE };

struct mtasts_policy {
	enum mtasts_mode mode;
	long max_age;                 /* 0 .. MTASTS_MAX_AGE_MAX seconds */
	size_t nmx;                   /* 0 only when mode is none */
	char **mx;                    /* nmx patterns, lower case, no trailing dot,
	                               * "*.example.com" or "mx.example.com" */
};

/*
 * mtasts_policy_parse - parse len bytes of body (need not be NUL-terminated).
 * Rules (RFC 8461 section 3.2 grammar):
 *  - lines end in LF or CRLF; the last may lack one; empty lines are allowed
 *    only at the end; a bare CR or a NUL anywhere is an error;
 *  - "key:" then optional spaces/tabs, value, optional trailing spaces/tabs;
 *    keys are case-sensitive and start at the beginning of the line;
 *  - version: STSv1, mode: enforce|testing|none and max_age: 1*10 DIGIT
 *    (<= 31557600) are each required exactly once ("required once" in the
 *    grammar): a repeated one is an error, never a silent choice;
 *  - mx: one or more (none allowed only with mode none), each a host name or
 *    "*." + host name; an IP address or any other value is an error;
 *  - unknown keys (extension syntax) are ignored; a line that is not
 *    "key: value" is an error; len > MTASTS_POLICY_MAX is an error.
 * Returns a new policy (free with mtasts_policy_free), or NULL with *err a
 * static English reason (also "out of memory").
 */
struct mtasts_policy *mtasts_policy_parse(const char *body, size_t len, const char **err);

/* mtasts_policy_free - free p and its patterns; NULL is fine. */
void mtasts_policy_free(struct mtasts_policy *p);

/* mtasts_mode_name - "none", "testing", "enforce". */
const char *mtasts_mode_name(enum mtasts_mode m);

/* mtasts_mode_parse - the reverse; 0, or -1 when s is none of them. */
int mtasts_mode_parse(const char *s, enum mtasts_mode *m);

/*
 * mtasts_mx_match - 1 when host matches pattern, else 0.  Both are compared
 * case-insensitively with one trailing dot ignored; "*.example.com" matches
 * exactly one extra non-empty label ("a.example.com", not "example.com", not
 * "a.b.example.com"); any other '*' matches nothing.  A host or pattern that
 * is an IP address (or not a valid host name) matches nothing.
 */
int mtasts_mx_match(const char *pattern, const char *host);

/*
 * mtasts_policy_match - test each of the n MX host names against every
 * pattern of p.  matched (may be NULL) receives n flags (1 = matches).
 * Returns the number of hosts that match.
 */
size_t mtasts_policy_match(const struct mtasts_policy *p, const char *const *hosts, size_t n,
    unsigned char *matched);

#endif
