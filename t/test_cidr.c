/*
 * test_cidr - table tests for ipaddr_parse, cidr_parse, cidr_contains and
 * the format functions.
 */
#include <string.h>
#include <sys/socket.h>

#include "tap.h"
#include "util/cidr.h"

/* ipaddr_parse rows: the text form after a round trip, or NULL = error */
static const struct {
	const char *label, *in, *want;
	int family;
} iprows[] = {
	{"ipv4", "192.0.2.1", "192.0.2.1", AF_INET},
	{"ipv6", "2001:DB8::1", "2001:db8::1", AF_INET6},
	{"ipv4-mapped becomes ipv4", "::ffff:192.0.2.1", "192.0.2.1", AF_INET},
	{"sendmail IPv6: form", "IPv6:2001:db8::1", "2001:db8::1", AF_INET6},
	{"sendmail form, lower case tag", "ipv6:::1", "::1", AF_INET6},
	{"sendmail form of mapped", "IPv6:::ffff:10.0.0.1", "10.0.0.1", AF_INET},
	{"any", "::", "::", AF_INET6},
	{"empty", "", NULL, 0},
	{"ipv4 out of range", "256.0.0.1", NULL, 0},
	{"ipv4 short", "192.0.2", NULL, 0},
	{"ipv4 with tag", "IPv6:192.0.2.1", NULL, 0},
	{"bare tag", "IPv6:", NULL, 0},
	{"ipv6 zone", "fe80::1%eth0", NULL, 0},
	{"hostname", "mail.example.com", NULL, 0},
	{"trailing space", "192.0.2.1 ", NULL, 0},
};

/* cidr_parse rows */
static const struct {
	const char *label, *in, *want, *err;
} crows[] = {
	{"v4 /24", "192.0.2.0/24", "192.0.2.0/24", NULL},
	{"v4 bare", "192.0.2.7", "192.0.2.7/32", NULL},
	{"v4 /0", "0.0.0.0/0", "0.0.0.0/0", NULL},
	{"v4 /32", "192.0.2.7/32", "192.0.2.7/32", NULL},
	{"v4 /31", "192.0.2.6/31", "192.0.2.6/31", NULL},
	{"v6 /32", "2001:db8::/32", "2001:db8::/32", NULL},
	{"v6 bare", "2001:db8::1", "2001:db8::1/128", NULL},
	{"v6 /0", "::/0", "::/0", NULL},
	{"v6 /127", "2001:db8::2/127", "2001:db8::2/127", NULL},
	{"mapped /120 is v4 /24", "::ffff:192.0.2.0/120", "192.0.2.0/24", NULL},
	{"sendmail form", "IPv6:2001:db8::/48", "2001:db8::/48", NULL},
	{"host bits v4", "192.0.2.1/24", NULL, "host bits set beyond the prefix"},
	{"host bits v4 /31", "192.0.2.7/31", NULL, "host bits set beyond the prefix"},
	{"host bits v6", "2001:db8::1/64", NULL, "host bits set beyond the prefix"},
	{"host bits /0", "10.0.0.0/0", NULL, "host bits set beyond the prefix"},
	{"v4 /33", "192.0.2.0/33", NULL, "prefix length out of range"},
	{"v6 /129", "2001:db8::/129", NULL, "prefix length out of range"},
	{"huge prefix", "10.0.0.0/00000008", NULL, "prefix length out of range"},
	{"mapped /64", "::ffff:192.0.2.0/64", NULL, "prefix length out of range"},
	{"empty prefix", "192.0.2.0/", NULL, "empty prefix length"},
	{"negative prefix", "192.0.2.0/-1", NULL, "prefix length is not a number"},
	{"prefix with space", "192.0.2.0/ 24", NULL, "prefix length is not a number"},
	{"prefix hex", "192.0.2.0/0x18", NULL, "prefix length is not a number"},
	{"two slashes", "192.0.2.0/24/8", NULL, "prefix length is not a number"},
	{"bad address", "192.0.2/24", NULL, "bad address"},
	{"empty", "", NULL, "empty address"},
	{"slash only", "/24", NULL, "bad address"},
	{"long garbage", "1111111111111111111111111111111111111111111111111111111111111111111/8",
	    NULL, "bad address"},
};

/* cidr_contains rows */
static const struct {
	const char *cidr, *ip;
	int want;
} inrows[] = {
	{"192.0.2.0/24", "192.0.2.0", 1},
	{"192.0.2.0/24", "192.0.2.255", 1},
	{"192.0.2.0/24", "192.0.3.0", 0},
	{"192.0.2.0/23", "192.0.3.9", 1},
	{"192.0.2.0/23", "192.0.4.0", 0},
	{"10.0.0.0/8", "10.255.255.255", 1},
	{"10.0.0.0/8", "11.0.0.0", 0},
	{"0.0.0.0/0", "203.0.113.9", 1},
	{"0.0.0.0/0", "2001:db8::1", 0},
	{"192.0.2.1", "192.0.2.1", 1},
	{"192.0.2.1", "192.0.2.2", 0},
	{"192.0.2.128/25", "192.0.2.127", 0},
	{"192.0.2.128/25", "192.0.2.200", 1},
	{"192.0.2.0/24", "::ffff:192.0.2.5", 1},
	{"2001:db8::/32", "2001:db8:ffff::1", 1},
	{"2001:db8::/32", "2001:db9::1", 0},
	{"2001:db8::/33", "2001:db8:8000::", 0},
	{"2001:db8::/33", "2001:db8:7fff::", 1},
	{"::/0", "2001:db8::1", 1},
	{"::/0", "192.0.2.1", 0},
	{"2001:db8::1", "2001:db8::1", 1},
	{"2001:db8::1", "2001:db8::2", 0},
};

int main(void)
{
	char buf[64];
	const char *err;
	struct ipaddr ip;
	struct cidr c;
	size_t i;

	for (i = 0; i < sizeof(iprows) / sizeof(iprows[0]); i++) {
		int rc = ipaddr_parse(iprows[i].in, &ip);

		is_int(rc, iprows[i].want ? 0 : -1, "ipaddr %s: return", iprows[i].label);
		if (iprows[i].want) {
			is_int(ip.family, iprows[i].family, "ipaddr %s: family", iprows[i].label);
			is_str(ipaddr_format(&ip, buf, sizeof(buf)), iprows[i].want, "ipaddr %s: format", iprows[i].label);
		}
	}
	for (i = 0; i < sizeof(crows) / sizeof(crows[0]); i++) {
		int rc;

		err = "unset";
		rc = cidr_parse(crows[i].in, &c, &err);
		is_int(rc, crows[i].want ? 0 : -1, "cidr %s: return", crows[i].label);
		if (crows[i].want)
			is_str(cidr_format(&c, buf, sizeof(buf)), crows[i].want, "cidr %s: format", crows[i].label);
		is_str(err, crows[i].err, "cidr %s: reason", crows[i].label);
	}
	for (i = 0; i < sizeof(inrows) / sizeof(inrows[0]); i++) {
		int rc = cidr_parse(inrows[i].cidr, &c, NULL) == 0 && ipaddr_parse(inrows[i].ip, &ip) == 0;

		ok(rc, "contains fixture %s / %s parses", inrows[i].cidr, inrows[i].ip);
		is_int(cidr_contains(&c, &ip), inrows[i].want, "%s contains %s", inrows[i].cidr, inrows[i].ip);
	}

	/* Unused bytes are zero, so ipaddrs compare with memcmp (ctable relies on it). */
	ipaddr_parse("::ffff:192.0.2.1", &ip);
	{
		static const unsigned char zero[12];

		ok(memcmp(ip.a + 4, zero, 12) == 0, "mapped ipv4: bytes 4..15 zero");
	}
	/* Short buffers truncate, never overflow. */
	cidr_parse("2001:db8::/32", &c, NULL);
	is_str(cidr_format(&c, buf, 5), "2001", "cidr_format truncates to bufsz");
	ip.family = 12345;
	is_str(ipaddr_format(&ip, buf, sizeof(buf)), "?", "unknown family formats as ?");
	return tap_done();
}
