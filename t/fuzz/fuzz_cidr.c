/*
 * fuzz_cidr - addresses and prefixes (util/cidr), as they come from config
 * rules ("192.0.2.0/24") and from the MTA's client address macro.
 *
 * Input: the bytes up to the first NUL, as one string.
 *
 * Properties:
 *  - cidr_parse: family is AF_INET or AF_INET6, prefix within 0..32/0..128,
 *    no host bit set beyond the prefix, unused address bytes zero, the
 *    prefix contains its own address; print (cidr_format) -> parse gives the
 *    same prefix.  On failure: a reason and a zeroed struct.
 *  - ipaddr_parse: the same family/zero-byte rules; print -> parse gives the
 *    same address; a bare address also parses as a full-length prefix that
 *    contains it and nothing else of a neighbour.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "util/cidr.h"

static int maxbits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* check_ip_shape - family known, bytes past the address zero */
static void check_ip_shape(const struct ipaddr *ip)
{
	size_t i;

	FUZZ_ASSERT(ip->family == AF_INET || ip->family == AF_INET6, "family %d", ip->family);
	if (ip->family == AF_INET)
		for (i = 4; i < sizeof ip->a; i++)
			FUZZ_ASSERT(ip->a[i] == 0, "IPv4 address with byte %zu set", i);
}

static void check_cidr(const char *s)
{
	static const struct cidr zero;
	struct cidr c, c2;
	struct ipaddr probe;
	const char *err = NULL;
	char buf[64], buf2[64];
	int i, bits;

	if (cidr_parse(s, &c, &err) < 0) {
		FUZZ_ASSERT(err != NULL && *err != '\0', "failure without a reason");
		FUZZ_ASSERT(memcmp(&c, &zero, sizeof c) == 0, "failure left a filled struct");
		return;
	}
	FUZZ_ASSERT(err == NULL, "success with a reason: %s", err);
	check_ip_shape(&c.ip);
	bits = maxbits(c.ip.family);
	FUZZ_ASSERT(c.prefix >= 0 && c.prefix <= bits, "prefix %d out of range", c.prefix);
	for (i = c.prefix; i < bits; i++)
		FUZZ_ASSERT(!(c.ip.a[i / 8] & (0x80 >> (i % 8))), "host bit %d set in /%d", i, c.prefix);
	FUZZ_ASSERT(cidr_contains(&c, &c.ip) == 1, "prefix does not contain its own address");

	/* the last address of the prefix is inside; the one past it (if any) is not */
	probe = c.ip;
	for (i = c.prefix; i < bits; i++)
		probe.a[i / 8] |= (unsigned char)(0x80 >> (i % 8));
	FUZZ_ASSERT(cidr_contains(&c, &probe) == 1, "prefix does not contain its last address");
	if (c.prefix > 0) {
		probe = c.ip;
		probe.a[(c.prefix - 1) / 8] ^= (unsigned char)(0x80 >> ((c.prefix - 1) % 8));
		FUZZ_ASSERT(cidr_contains(&c, &probe) == 0, "prefix contains an address differing in bit %d",
		    c.prefix - 1);
	}

	/* print -> parse -> print */
	cidr_format(&c, buf, sizeof buf);
	FUZZ_ASSERT(cidr_parse(buf, &c2, &err) == 0, "reparse of '%s' (from '%s') failed: %s", buf, s, err);
	FUZZ_ASSERT(memcmp(&c, &c2, sizeof c) == 0, "reparse of '%s' differs", buf);
	cidr_format(&c2, buf2, sizeof buf2);
	FUZZ_ASSERT(strcmp(buf, buf2) == 0, "'%s' printed again as '%s'", buf, buf2);
}

static void check_ipaddr(const char *s)
{
	struct ipaddr ip, ip2;
	struct cidr c;
	const char *err;
	char buf[64];

	if (ipaddr_parse(s, &ip) < 0)
		return;
	check_ip_shape(&ip);
	ipaddr_format(&ip, buf, sizeof buf);
	FUZZ_ASSERT(ipaddr_parse(buf, &ip2) == 0, "reparse of '%s' (from '%s') failed", buf, s);
	FUZZ_ASSERT(memcmp(&ip, &ip2, sizeof ip) == 0, "reparse of '%s' differs", buf);
	/* a bare address is its own full-length prefix */
	if (strchr(s, '/') == NULL) {
		FUZZ_ASSERT(cidr_parse(s, &c, &err) == 0, "'%s' is an address but not a prefix: %s", s, err);
		FUZZ_ASSERT(c.prefix == maxbits(ip.family) && memcmp(&c.ip, &ip, sizeof ip) == 0,
		    "'%s' as a prefix is not the address", s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	FUZZ_PLANT(data, size);
	s = fuzz_strndup(data, size);
	check_cidr(s);
	check_ipaddr(s);
	free(s);
	return 0;
}
