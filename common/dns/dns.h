/*
 * dns - DNS lookups through libunbound, validated, with an absolute deadline.
 *
 * One struct dns per configuration: a libunbound context that forwards to the
 * configured resolvers (or the nameservers of /etc/resolv.conf) and validates
 * itself from a trust anchor file.  The system resolver is never used.
 *
 * Threads: dns_query() may be called from any number of threads at once on
 * the same struct dns; each call waits only for its own answer (a dispatcher
 * thread owned by struct dns reads libunbound's answers), so different names
 * resolve in parallel.  dns_free() must not run while queries are in flight.
 *
 * Every wait is bounded: a query gives up at min(deadline_ms, now +
 * conf.timeout_ms) on the monotonic clock (dns_now_ms()) and is reported as
 * a temporary failure.
 *
 * dns_create starts threads (ours and libunbound's, all with every signal
 * blocked): call it after any fork (daemonising), not before.
 */
#ifndef TP_DNS_H
#define TP_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_REASON_MAX 256          /* reason texts, NUL included */
#define DNS_NAME_MAX 253            /* presentation name, no trailing dot */

struct dns_conf {
	/* NULL-terminated list of "IP" or "IP@port" to forward to; NULL or empty:
	 * the nameservers of /etc/resolv.conf. */
	const char *const *resolvers;
	/* Trust anchors: DS or DNSKEY records in zone-file format (unbound's
	 * trust-anchor-file, e.g. Debian's /usr/share/dns/root.key).  NULL: no
	 * anchor, so nothing can be secure (every answer is insecure). */
	const char *trust_anchor_file;
	/* Upper bound for each query in ms (<= 0: 5000). */
	int timeout_ms;
	/* NULL-terminated list of libunbound's built-in local zones to remove,
	 * e.g. "test." (which otherwise answers NXDOMAIN locally).  NULL: keep
	 * them all (production: "test.", "invalid.", "onion." stay local). */
	const char *const *remove_zones;
	/* UDP sockets libunbound may use at once, i.e. queries in flight
	 * (libunbound's outgoing-range; its library default of 16 would
	 * serialise a busy milter).  <= 0: 256.  Each is a file descriptor. */
	int max_parallel;
};

/* What came back, independent of its DNSSEC status. */
enum dns_status {
	DNS_OK = 0,                 /* NOERROR with data */
	DNS_NODATA,                 /* NOERROR, no record of that type */
	DNS_NXDOMAIN,               /* the name does not exist */
	DNS_TEMPFAIL                /* SERVFAIL, timeout, other rcode, resolver error */
};

/* DNSSEC status of the answer (NONE only with DNS_TEMPFAIL).  BOGUS data
 * failed validation: never treat it as INSECURE, never use its data. */
enum dns_security {
	DNS_SEC_NONE = 0,
	DNS_SEC_INSECURE,
	DNS_SEC_SECURE,
	DNS_SEC_BOGUS
};

/* The outcome of one lookup (also embedded in the sets of the wrappers). */
struct dns_outcome {
	enum dns_status status;
	enum dns_security security;
	int rcode;                  /* DNS rcode as received (-1: none) */
	uint32_t ttl;               /* TTL of the RRset (or negative TTL), seconds */
	char reason[DNS_REASON_MAX]; /* temp failure or why_bogus text, printable
				      * ASCII (util/printable); "" if none */
};

/* One answer of dns_query: the outcome and the raw rdata of each record. */
struct dns_answer {
	struct dns_outcome out;
	int rrtype;
	size_t count;               /* records (0 unless status DNS_OK) */
	unsigned char **data;       /* count rdata, wire format, not compressed */
	size_t *len;                /* their lengths */
};

struct dns;

/* Create a context with conf c (copied; c may be freed afterwards).  All
 * libunbound options are set here, before any query.  Returns NULL on error
 * with a message in err. */
struct dns *dns_create(const struct dns_conf *c, char *err, size_t errsz);
/* Stop the dispatcher, delete the context.  NULL is fine.  No query of
 * another thread may be in flight. */
void dns_free(struct dns *d);

/* Milliseconds on the monotonic clock: the clock of every deadline_ms. */
int64_t dns_now_ms(void);

/*
 * dns_query - look up (name, rrtype, class IN) and wait until the answer
 * arrives or until min(deadline_ms, now + timeout_ms) (deadline_ms <= 0:
 * only the timeout).  On return 0, *out is
 * a new answer (caller frees with dns_answer_free) whose out.status says
 * what happened; a timeout is DNS_TEMPFAIL with a reason.  Returns -1 only
 * when no answer object could be made (out of memory, bad arguments), with
 * a message in err.
 */
int dns_query(struct dns *d, const char *name, int rrtype, int64_t deadline_ms,
	      struct dns_answer **out, char *err, size_t errsz);
void dns_answer_free(struct dns_answer *a);

/* dns_query_multi - n lookups at once (e.g. A and AAAA of a host), all
 * bounded by the same deadline; out[0..n-1] each as for dns_query (free each
 * with dns_answer_free).  Returns -1 (and no answers) as dns_query does. */
int dns_query_multi(struct dns *d, size_t n, const char *const *names, const int *rrtypes,
		    int64_t deadline_ms, struct dns_answer **out, char *err, size_t errsz);

/* Static English names for logs: "secure", "insecure", "bogus", "none";
 * "ok", "nodata", "nxdomain", "tempfail". */
const char *dns_security_name(enum dns_security s);
const char *dns_status_name(enum dns_status s);

/* The weaker of two securities for a result built from several RRsets:
 * BOGUS beats NONE beats INSECURE beats SECURE. */
enum dns_security dns_security_weakest(enum dns_security a, enum dns_security b);

#endif
