/*
 * mtasts_fetch - fetch and parse https://mta-sts.DOMAIN/.well-known/mta-sts.txt
 * (RFC 8461 section 3.3) with libcurl.
 *
 * The caller resolves mta-sts.DOMAIN itself (through libunbound) and passes
 * the addresses; they reach libcurl by CURLOPT_RESOLVE, so the system
 * resolver is never used, and proxies from the environment are ignored.
 * Only https, no redirects (a 3xx is a failure), status 200 only, media type
 * text/plain (parameters allowed), body at most MTASTS_POLICY_MAX bytes
 * (reading stops as soon as it is exceeded), certificate verified (PKIX)
 * for mta-sts.DOMAIN, every wait bounded by one deadline.
 *
 * Thread-safe: each call uses its own curl handle; curl_global_init runs
 * once (pthread_once) on the first call.  No signals are used (NOSIGNAL).
 */
#ifndef TP_MTASTS_FETCH_H
#define TP_MTASTS_FETCH_H

#include <stddef.h>

#include "mtasts/mtasts_policy.h"

#define MTASTS_FETCH_TIMEOUT_MS 10000L   /* default total time */

enum mtasts_fetch_status {
	MTASTS_FETCH_OK = 0,      /* policy fetched and valid: body and policy set */
	MTASTS_FETCH_PERM,        /* the domain has no (valid) policy there: 404,
	                           * redirect, wrong type, oversize, bad certificate,
	                           * invalid body, no address... */
	MTASTS_FETCH_TEMP         /* could not finish: timeout, deadline, connection
	                           * refused or reset, HTTP 5xx, out of memory */
};

struct mtasts_fetch_opts {
	const char *ca_file;      /* PEM bundle; NULL = libcurl's default (system store) */
	unsigned port;            /* 0 = 443 (tests use another) */
	long timeout_ms;          /* total for this fetch; 0 = MTASTS_FETCH_TIMEOUT_MS */
	long long deadline_ms;    /* absolute CLOCK_MONOTONIC time in ms, 0 = none;
	                           * the earlier of this and timeout_ms applies */
};

struct mtasts_fetch_result {
	enum mtasts_fetch_status status;
	char reason[256];         /* English, printable; "" on OK */
	long http_status;         /* 0 when no response was read */
	char *body;               /* OK: the raw body, NUL-terminated (malloced) */
	size_t len;               /* its length */
	struct mtasts_policy *policy;   /* OK: the parsed body */
};

/*
 * mtasts_fetch - fetch the policy of domain (a host name; case and one
 * trailing dot are normalised) from the n numeric addresses addrs (IPv4 or
 * IPv6 text, no brackets) of mta-sts.DOMAIN.  opts may be NULL (defaults).
 * Always fills *res (status, reason); on OK res->body and res->policy belong
 * to the caller: release with mtasts_fetch_result_clear.  Returns res->status.
 */
enum mtasts_fetch_status mtasts_fetch(const char *domain, const char *const *addrs, size_t n,
    const struct mtasts_fetch_opts *opts, struct mtasts_fetch_result *res);

/* mtasts_fetch_result_clear - free body and policy, zero *res. */
void mtasts_fetch_result_clear(struct mtasts_fetch_result *res);

/* mtasts_fetch_status_name - "ok", "no-policy", "temporary". */
const char *mtasts_fetch_status_name(enum mtasts_fetch_status s);

/* mtasts_now_ms - CLOCK_MONOTONIC in ms (for deadline_ms). */
long long mtasts_now_ms(void);

#endif
