/*
 * dns_addr - the IPv4 and IPv6 addresses of a host (A and AAAA, queried in
 * parallel).
 */
#ifndef TP_DNS_ADDR_H
#define TP_DNS_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

struct dns_addr {
	int family;                 /* AF_INET or AF_INET6 */
	char text[46];              /* numeric form */
};

struct dns_addr_set {
	/* Combined: DNS_OK if either family has addresses and neither is
	 * TEMPFAIL; TEMPFAIL if either family is; else NXDOMAIN or NODATA.
	 * security = dns_security_weakest of the two; ttl the smaller. */
	struct dns_outcome out;
	struct dns_outcome a, aaaa; /* each family on its own */
	size_t n;
	struct dns_addr *addrs;     /* IPv4 first, then IPv6, in answer order */
};

/* Returns 0 with *out set (free with dns_addr_set_free); -1 with err for a
 * bad host name or out of memory. */
int dns_addr_lookup(struct dns *d, const char *host, int64_t deadline_ms,
		    struct dns_addr_set **out, char *err, size_t errsz);
void dns_addr_set_free(struct dns_addr_set *s);

#endif
