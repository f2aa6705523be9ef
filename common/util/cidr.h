/*
 * cidr - IPv4/IPv6 prefixes.
 */
#ifndef TP_CIDR_H
#define TP_CIDR_H

#include <stddef.h>

#include "util/ipaddr.h"

struct cidr {
	struct ipaddr ip;           /* host bits are zero */
	int prefix;                 /* 0..32 or 0..128 */
};

/* Parse "192.0.2.0/24", "2001:db8::/32" or a bare address (full-length prefix).
 * Host bits set beyond the prefix are an error.  Returns 0, or -1 with *err set
 * to a static English reason. */
int cidr_parse(const char *s, struct cidr *out, const char **err);

/* 1 if ip lies in c, else 0. */
int cidr_contains(const struct cidr *c, const struct ipaddr *ip);

/* Text form ("192.0.2.0/24"); buf of at least 64 bytes.  Returns buf. */
char *cidr_format(const struct cidr *c, char *buf, size_t bufsz);

#endif
