/*
 * dns_txt - the TXT records of a name, each record's character-strings
 * concatenated (RFC 7208 §3.3, RFC 8461 §3.1 read them so).
 */
#ifndef TP_DNS_TXT_H
#define TP_DNS_TXT_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

struct dns_txt_set {
	struct dns_outcome out;     /* malformed TXT rdata: DNS_TEMPFAIL */
	size_t n;
	char **txt;                 /* n NUL-terminated strings */
	size_t *len;                /* their byte lengths (a TXT may hold a NUL:
				     * compare strlen(txt[i]) != len[i]) */
};

/* Returns 0 with *out set (free with dns_txt_set_free); -1 with err for a
 * name that is not a host name (underscores allowed) or out of memory. */
int dns_txt_lookup(struct dns *d, const char *name, int64_t deadline_ms,
		   struct dns_txt_set **out, char *err, size_t errsz);
void dns_txt_set_free(struct dns_txt_set *s);

#endif
