/*
 * ipaddr - IPv4/IPv6 addresses (see ipaddr.h).
 *
 * Parsing is inet_pton(3) so that the accepted forms are the system's.  Two
 * spellings are folded so that one rule matches however the MTA writes the
 * client: an IPv4-mapped IPv6 address (Postfix on a dual-stack socket) is
 * stored as IPv4, and Sendmail's "IPv6:2001:db8::1" prefix is accepted.
 * Unused bytes of ipaddr.a are always zero, so an ipaddr can be hashed and
 * compared with memcmp.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/ipaddr.h"

/* ipaddr_parse_v6 - ipaddr_parse that also says whether the text was IPv6 */
int ipaddr_parse_v6(const char *s, struct ipaddr *out, int *was_v6)
{
	unsigned char b[16];
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(out, 0, sizeof(*out));
	*was_v6 = 0;
	if (s == NULL)
		return -1;
	if (strncasecmp(s, "IPv6:", 5) == 0) {
		s += 5;
		if (strchr(s, ':') == NULL)
			return -1;
	}
	if (strchr(s, ':') == NULL) {
		if (inet_pton(AF_INET, s, b) != 1)
			return -1;
		out->family = AF_INET;
		memcpy(out->a, b, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) != 1)
		return -1;
	*was_v6 = 1;
	if (memcmp(b, mapped, sizeof(mapped)) == 0) {
		out->family = AF_INET;
		memcpy(out->a, b + 12, 4);
	} else {
		out->family = AF_INET6;
		memcpy(out->a, b, 16);
	}
	return 0;
}

/* ipaddr_parse - parse a bare IPv4 or IPv6 address */
int ipaddr_parse(const char *s, struct ipaddr *out)
{
	int was_v6;

	return ipaddr_parse_v6(s, out, &was_v6);
}

/* ipaddr_format - inet_ntop into buf; "?" for an unknown family */
char *ipaddr_format(const struct ipaddr *ip, char *buf, size_t bufsz)
{
	char tmp[INET6_ADDRSTRLEN];

	if (bufsz == 0)
		return buf;
	if ((ip->family != AF_INET && ip->family != AF_INET6)
	    || inet_ntop(ip->family, ip->a, tmp, sizeof(tmp)) == NULL)
		snprintf(buf, bufsz, "?");
	else
		snprintf(buf, bufsz, "%s", tmp);
	return buf;
}
