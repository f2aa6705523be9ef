/*
 * dns_tlsa - the TLSA RRset of a service, _PORT._tcp.HOST (RFC 6698, 7672).
 * Only a SECURE RRset may be used for DANE; a secure NXDOMAIN or NODATA
 * means "no TLSA" (PKIX applies); anything else (bogus, tempfail) is an error
 * for the caller to apply fail-closed.
 */
#ifndef TP_DNS_TLSA_H
#define TP_DNS_TLSA_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

struct dns_tlsa {
	uint8_t usage, selector, mtype;
	size_t len;
	unsigned char *data;        /* len bytes of association data */
};

struct dns_tlsa_set {
	struct dns_outcome out;     /* malformed TLSA rdata: DNS_TEMPFAIL */
	size_t n;
	struct dns_tlsa *rrs;
};

/* TLSA of _port._tcp.host.  Returns 0 with *out set (free with
 * dns_tlsa_set_free), -1 with err. */
int dns_tlsa_lookup(struct dns *d, const char *host, unsigned port, int64_t deadline_ms,
		    struct dns_tlsa_set **out, char *err, size_t errsz);
void dns_tlsa_set_free(struct dns_tlsa_set *s);

#endif
