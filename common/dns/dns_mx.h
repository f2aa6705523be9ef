/*
 * dns_mx - the mail exchangers of a domain, as RFC 5321 §5.1 finds them.
 *
 * The MX RRset sorted by preference (ties by name, so results are
 * reproducible); a null MX (RFC 7505) is reported as such; with no MX at
 * all (NODATA) the domain itself is the one host ("implicit MX") and the
 * security is that of the MX denial combined with the domain's A and AAAA
 * RRsets (dns_security_weakest), because they are what a sender then uses.
 */
#ifndef TP_DNS_MX_H
#define TP_DNS_MX_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

struct dns_mx {
	uint16_t pref;
	char name[DNS_NAME_MAX + 1];    /* lower case, no trailing dot */
};

struct dns_mx_set {
	/* status DNS_OK: hosts below (or null_mx).  NXDOMAIN/NODATA (NODATA only
	 * when neither MX nor address records exist), TEMPFAIL: no hosts.
	 * security: of the RRsets used; BOGUS whenever any of them is bogus (the
	 * hosts are then still listed, for the evidence, but must not be used). */
	struct dns_outcome out;
	int null_mx;                /* an MX with exchange "." (RFC 7505): no mail */
	int implicit;               /* no MX: hosts[0] is the domain, pref 0 */
	size_t n;
	struct dns_mx *hosts;       /* n entries, sorted; "." entries left out */
};

/* dns_mx_lookup - MX set of domain (a host name, no trailing dot needed).
 * Returns 0 with *out set (caller frees with dns_mx_set_free), -1 with err
 * when no set could be made.  Malformed MX rdata is DNS_TEMPFAIL with the
 * reason (the resolver sent something unusable: fail closed). */
int dns_mx_lookup(struct dns *d, const char *domain, int64_t deadline_ms,
		  struct dns_mx_set **out, char *err, size_t errsz);
void dns_mx_set_free(struct dns_mx_set *s);

#endif
