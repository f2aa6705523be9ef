/*
 * ipaddr - IPv4/IPv6 addresses, as the MTA writes a client's.
 */
#ifndef TP_IPADDR_H
#define TP_IPADDR_H

#include <stddef.h>

struct ipaddr {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char a[16];        /* network byte order; IPv4 uses a[0..3]; the rest zero */
};

/* Parse "192.0.2.1" or "2001:db8::1" (an IPv4-mapped IPv6 address becomes IPv4).
 * Returns 0 or -1. */
int ipaddr_parse(const char *s, struct ipaddr *out);
/* The same; *was_v6 says whether the text was IPv6 (so a "::ffff:a.b.c.d/120"
 * prefix can be rebased onto IPv4). */
int ipaddr_parse_v6(const char *s, struct ipaddr *out, int *was_v6);
/* Text form (inet_ntop); "?" for an unknown family.  Returns buf. */
char *ipaddr_format(const struct ipaddr *ip, char *buf, size_t bufsz);

#endif
