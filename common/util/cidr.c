/*
 * cidr - IPv4/IPv6 prefixes (addresses: ipaddr.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/cidr.h"

/* cidr_bits - address length in bits for a family */
static int cidr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* cidr_host_bits_set - 1 if any bit of ip after the first prefix bits is set */
static int cidr_host_bits_set(const struct ipaddr *ip, int prefix)
{
	int nbytes = cidr_bits(ip->family) / 8, i = prefix / 8;

	if (prefix % 8 && (ip->a[i++] & (0xff >> (prefix % 8))))
		return 1;
	for (; i < nbytes; i++)
		if (ip->a[i])
			return 1;
	return 0;
}

/* cidr_parse - parse "address/prefix" or a bare address */
int cidr_parse(const char *s, struct cidr *out, const char **err)
{
	const char *dummy, *slash, *q;
	char abuf[64];
	size_t alen;
	int was_v6, prefix, max;

	if (err == NULL)
		err = &dummy;
	*err = NULL;
	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == 0) {
		*err = "empty address";
		return -1;
	}
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen >= sizeof(abuf)) {
		*err = "bad address";
		return -1;
	}
	memcpy(abuf, s, alen);
	abuf[alen] = 0;
	if (ipaddr_parse_v6(abuf, &out->ip, &was_v6) < 0) {
		*err = "bad address";
		return -1;
	}
	max = cidr_bits(out->ip.family);
	if (slash == NULL) {
		out->prefix = max;
		return 0;
	}
	if (slash[1] == 0) {
		*err = "empty prefix length";
		goto fail;
	}
	/* Digits only: no sign, no spaces, and at most three of them. */
	for (prefix = 0, q = slash + 1; *q; q++) {
		if (*q < '0' || *q > '9') {
			*err = "prefix length is not a number";
			goto fail;
		}
		if (q - slash > 3) {
			*err = "prefix length out of range";
			goto fail;
		}
		prefix = prefix * 10 + (*q - '0');
	}
	/* "::ffff:192.0.2.0/120" is the IPv4 prefix 192.0.2.0/24. */
	if (was_v6 && out->ip.family == AF_INET) {
		if (prefix < 96 || prefix > 128) {
			*err = "prefix length out of range";
			goto fail;
		}
		prefix -= 96;
	}
	if (prefix > max) {
		*err = "prefix length out of range";
		goto fail;
	}
	if (cidr_host_bits_set(&out->ip, prefix)) {
		*err = "host bits set beyond the prefix";
		goto fail;
	}
	out->prefix = prefix;
	return 0;

fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

/* cidr_contains - 1 if the first c->prefix bits of ip equal those of c */
int cidr_contains(const struct cidr *c, const struct ipaddr *ip)
{
	int full = c->prefix / 8, rest = c->prefix % 8;

	if (c->ip.family != ip->family || c->prefix < 0 || c->prefix > cidr_bits(ip->family))
		return 0;
	if (memcmp(c->ip.a, ip->a, (size_t)full) != 0)
		return 0;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));

		if ((c->ip.a[full] & mask) != (ip->a[full] & mask))
			return 0;
	}
	return 1;
}

/* cidr_format - "address/prefix" */
char *cidr_format(const struct cidr *c, char *buf, size_t bufsz)
{
	char tmp[INET6_ADDRSTRLEN];

	if (bufsz == 0)
		return buf;
	ipaddr_format(&c->ip, tmp, sizeof(tmp));
	snprintf(buf, bufsz, "%s/%d", tmp, c->prefix);
	return buf;
}
