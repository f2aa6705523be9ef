/*
 * feasible - can a recipient domain receive mail that requires TLS
 * (RFC 8689 §4.1)?  Joins the network layers: the MX RRset must be
 * DNSSEC-secure (dns/), or the domain must publish an MTA-STS policy in mode
 * enforce that covers at least one of its MX hosts (mtasts/); in probe mode
 * an MX host must also accept STARTTLS with a certificate valid for its name
 * (PKIX or DANE) and announce REQUIRETLS (probe/).
 *
 * Results are cached per domain in a shared cache (cache/): concurrent
 * checks of one domain wait for one lookup, different domains are looked up
 * in parallel.  MTA-STS policies are also kept in a store (SQLite, or memory
 * when no file is configured), so a policy host that is down does not undo
 * a policy fetched before (RFC 8461 §5).
 *
 * Threads: feasible_check may run in any number of threads at once.
 */
#ifndef TP_FEASIBLE_H
#define TP_FEASIBLE_H

#include <stddef.h>

#include "cache/cache.h"
#include "dns/dns.h"

enum feasible_mode {
	FEASIBLE_OFF = 0,
	FEASIBLE_DNSSEC_OR_MTASTS,
	FEASIBLE_PROBE
};

struct feasible_conf {
	enum feasible_mode mode;
	struct dns_conf dns;            /* copied by dns_create */
	long timeout_ms;                /* one deadline for a whole check (requiretls.timeout) */
	const char *mtasts_ca_file;     /* NULL: the system store */
	unsigned mtasts_port;           /* 0: 443 */
	long mtasts_timeout_ms;         /* per fetch; 0: 10 s */
	const char *mtasts_store;       /* SQLite file; NULL: policies kept in memory only */
	const char *probe_ca_file;      /* NULL: the system store */
	unsigned probe_port;            /* 0: 25 */
	long probe_timeout_ms;          /* per probe; 0: 10 s */
	const char *helo;               /* our EHLO name in probes */
	long negative_ttl_ms;           /* how long a failed lookup is remembered; 0: 60 s */
	long max_ttl_ms;                /* cap on a cached answer; 0: 1 h */
};

enum feasible_status {
	FEASIBLE_YES = 0,               /* the domain can receive REQUIRETLS mail */
	FEASIBLE_NO,                    /* it cannot: reason says why */
	FEASIBLE_TEMP                   /* the check could not finish (timeout, SERVFAIL, bogus...) */
};

#define FEASIBLE_REASON_MAX 256
#define FEASIBLE_EVIDENCE_MAX 768

struct feasible_result {
	enum feasible_status status;
	const char *method;             /* static: the evidence found: "dnssec", "mta-sts", "dnssec+probe",
	                                 * "mta-sts+probe", "none" (a probe-mode refusal keeps the
	                                 * evidence that passed before the probe failed) */
	char reason[FEASIBLE_REASON_MAX];       /* printable; "" when YES */
	char evidence[FEASIBLE_EVIDENCE_MAX];   /* printable: what was seen (MX names, policy id, probe) */
	int cached;                     /* answered from the cache */
	long long elapsed_ms;
};

struct feasible;

/*
 * feasible_create - contexts for the mode in c (copied): a libunbound
 * context, the MTA-STS store.  cache is shared and stays the caller's (it
 * must outlive the result) and must run on the default clock (monotonic
 * ms): its deadlines are handed to the DNS, HTTPS and probe layers.  NULL with err on failure (bad trust anchor, a
 * store that cannot be opened...).  Free with feasible_free once no check
 * runs any more.
 */
struct feasible *feasible_create(const struct feasible_conf *c, struct cache *cache, char *err, size_t errsz);
void feasible_free(struct feasible *f);

/*
 * feasible_check - is domain (a normalised domain name) feasible?  Always
 * fills *r.  Bounded by the conf's timeout_ms from the call, cache waits
 * included.  Never blocks on the network when the answer is cached.
 */
void feasible_check(struct feasible *f, const char *domain, struct feasible_result *r);

/* feasible_check_many (feasible_many.c) - feasible_check for n domains at once (a few
 * threads), so a message with several slow domains takes about one check's
 * time, not the sum.  results[i] belongs to domains[i]. */
void feasible_check_many(struct feasible *f, const char *const *domains, size_t n, struct feasible_result *results);

/* feasible_refresh - fetch again the stored MTA-STS policies that expire
 * within horizon_s seconds (RFC 8461 §3.3: refresh before expiry, so a
 * policy host that is down at the wrong moment does not end a policy).
 * Each fetch is bounded by the check timeout.  Returns how many were
 * fetched, -1 when the store cannot be read. */
int feasible_refresh(struct feasible *f, long long horizon_s);

/* feasible_format - the one log line of a check: "requiretls-check
 * domain=D method=M result=R cached=yes|no ms=N reason=\"...\" evidence=\"...\"". */
void feasible_format(const char *domain, const struct feasible_result *r, char *buf, size_t bufsz);

/* What MTA-STS says about a domain whose MX set is known (the outbound
 * maps use it; feasible_check uses the same code). */
struct feasible_sts {
	enum feasible_status status;    /* YES: an enforce policy matching >= 1 MX; NO: none (reason); TEMP */
	int have_policy;                /* a policy was found (any mode) */
	int enforce;                    /* its mode is enforce */
	char id[40];
	char match[FEASIBLE_EVIDENCE_MAX];  /* the matching MX host names, ":"-separated (Postfix match=) */
	long long max_age_ms;
	char reason[FEASIBLE_REASON_MAX];
	char evidence[FEASIBLE_EVIDENCE_MAX];
};
struct dns_mx_set;
struct dns;
/* feasible_sts - MTA-STS of domain with MX set mx, by deadline (dns_now_ms
 * clock).  Uses and updates the MTA-STS store.  Always fills *out. */
void feasible_sts(struct feasible *f, const char *domain, const struct dns_mx_set *mx, int64_t deadline,
    struct feasible_sts *out);
/* The contexts, for the outbound maps (owned by f). */
struct dns *feasible_dns(struct feasible *f);
struct cache *feasible_cache(struct feasible *f);
long feasible_timeout_ms(const struct feasible *f);
long feasible_negative_ttl_ms(const struct feasible *f);
long feasible_max_ttl_ms(const struct feasible *f);

/* "yes", "no", "tempfail"; "off", "dnssec-or-mta-sts", "probe". */
const char *feasible_status_name(enum feasible_status s);
const char *feasible_mode_name(enum feasible_mode m);
/* 0 and *m, or -1 when s is none of the mode names. */
int feasible_mode_parse(const char *s, enum feasible_mode *m);

#endif
