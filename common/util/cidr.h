/*
 * cidr - IPv4/IPv6 addresses and prefixes.
 */
#ifndef TP_CIDR_H
#define TP_CIDR_H

#include <stddef.h>

struct ipaddr {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char a[16];        /* network byte order; IPv4 uses a[0..3] */
};

struct cidr {
	struct ipaddr ip;           /* host bits are zero */
	int prefix;                 /* 0..32 or 0..128 */
};

/* Parse "192.0.2.1" or "2001:db8::1" (an IPv4-mapped IPv6 address becomes IPv4).
 * Returns 0 or -1. */
int ipaddr_parse(const char *s, struct ipaddr *out);

/* Parse "192.0.2.0/24", "2001:db8::/32" or a bare address (full-length prefix).
 * Host bits set beyond the prefix are an error.  Returns 0, or -1 with *err set
 * to a static English reason. */
int cidr_parse(const char *s, struct cidr *out, const char **err);

/* 1 if ip lies in c, else 0. */
int cidr_contains(const struct cidr *c, const struct ipaddr *ip);

/* Text form ("192.0.2.0/24"); buf of at least 64 bytes.  Returns buf. */
char *cidr_format(const struct cidr *c, char *buf, size_t bufsz);
char *ipaddr_format(const struct ipaddr *ip, char *buf, size_t bufsz);

#endif
