/*
 * dns_rdata - pure decoders of the rdata of one resource record.
 *
 * Each decoder checks every length before it reads; see dns_rdata.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "dns/dns_rdata.h"

static int fail(const char **err, const char *why)
{
	*err = why;
	return -1;
}

static int host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int dns_rdata_name(const unsigned char *p, size_t len, size_t *used,
		   char *out, size_t outsz, const char **err)
{
	size_t i = 0, o = 0, l, k;

	if (outsz < 2)
		return fail(err, "output buffer too small");
	for (;;) {
		if (i >= len)
			return fail(err, "name runs past the end of the rdata");
		l = p[i++];
		if (l == 0)
			break;
		if ((l & 0xc0) == 0xc0)
			return fail(err, "compressed name in rdata");
		if (l > 63)
			return fail(err, "bad label length");
		if (l > len - i)
			return fail(err, "label runs past the end of the rdata");
		/* label, plus a dot before it unless first */
		if (o + (o ? 1 : 0) + l > DNS_NAME_MAX || o + (o ? 1 : 0) + l >= outsz)
			return fail(err, "name longer than 253 bytes");
		if (o)
			out[o++] = '.';
		for (k = 0; k < l; k++) {
			unsigned char c = p[i + k];

			if (!host_char(c))
				return fail(err, "invalid character in name");
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		i += l;
	}
	if (o == 0)
		out[o++] = '.';         /* the root */
	out[o] = '\0';
	*used = i;
	return 0;
}

int dns_rdata_mx(const unsigned char *rd, size_t len, uint16_t *pref,
		 char *name, size_t namesz, const char **err)
{
	size_t used;

	if (len < 3)
		return fail(err, "MX rdata too short");
	if (dns_rdata_name(rd + 2, len - 2, &used, name, namesz, err) != 0)
		return -1;
	if (used != len - 2)
		return fail(err, "trailing bytes after the MX name");
	*pref = (uint16_t)(rd[0] << 8 | rd[1]);
	return 0;
}

int dns_rdata_txt(const unsigned char *rd, size_t len, char *out, size_t outsz,
		  size_t *outlen, const char **err)
{
	size_t i = 0, o = 0, l;

	if (len == 0)
		return fail(err, "empty TXT rdata");
	while (i < len) {
		l = rd[i++];
		if (l > len - i)
			return fail(err, "TXT string runs past the end of the rdata");
		if (o + l >= outsz)
			return fail(err, "output buffer too small");
		memcpy(out + o, rd + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

int dns_rdata_tlsa(const unsigned char *rd, size_t len, struct dns_tlsa_rr *t,
		   const char **err)
{
	if (len < 4)
		return fail(err, "TLSA rdata too short");
	t->usage = rd[0];
	t->selector = rd[1];
	t->mtype = rd[2];
	t->data = rd + 3;
	t->datalen = len - 3;
	return 0;
}

static int addr(int af, const unsigned char *rd, size_t len, size_t want, char *out,
		size_t outsz, const char **err)
{
	if (len != want)
		return fail(err, af == AF_INET ? "A rdata is not 4 bytes" : "AAAA rdata is not 16 bytes");
	if (outsz < INET6_ADDRSTRLEN)
		return fail(err, "output buffer too small");
	if (inet_ntop(af, rd, out, (socklen_t)outsz) == NULL)
		return fail(err, "cannot format the address");
	return 0;
}

int dns_rdata_a(const unsigned char *rd, size_t len, char *out, size_t outsz, const char **err)
{
	return addr(AF_INET, rd, len, 4, out, outsz, err);
}

int dns_rdata_aaaa(const unsigned char *rd, size_t len, char *out, size_t outsz, const char **err)
{
	return addr(AF_INET6, rd, len, 16, out, outsz, err);
}
