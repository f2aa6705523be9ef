/*
 * fuzz_dns_rdata - the rdata decoders of dns/dns_rdata (what libunbound hands
 * over from a stranger's DNS server): names, MX, TXT, TLSA, A, AAAA.
 *
 * Input: one selector byte (low 3 bits: 0 name, 1 MX, 2 TXT, 3 TLSA, 4 A,
 * 5 AAAA, 6/7 all of them), then the rdata.  The rdata is the tail of
 * libFuzzer's buffer, so ASan sees any read past len.
 *
 * Properties: success and failure are exclusive (an error has a printable
 * reason, a success none needed); a decoded name is lower case, at most
 * DNS_NAME_MAX bytes, "." or labels of 1..63 letters/digits/'-'/'_' joined
 * by single dots, and encoding it back to wire format gives the input's
 * first *used bytes lower-cased; MX takes exactly len bytes (2 + name);
 * TXT output equals the independently concatenated character-strings,
 * *outlen < outsz, NUL-terminated; TLSA fields are the first three bytes
 * and the data the rest (>= 1 byte, pointing into the input); A/AAAA
 * succeed exactly for 4/16 bytes and the text parses back to the bytes.
 */
#include <arpa/inet.h>
#include <ctype.h>

#include "fuzz.h"
#include "dns/dns_rdata.h"

static void check_err(int rc, const char *err)
{
	FUZZ_ASSERT(rc == 0 || rc == -1, "return %d", rc);
	if (rc != 0)
		FUZZ_ASSERT(err != NULL && *err != '\0' && fuzz_printable(err), "error without a printable reason");
}

/* check_name - the decoded text against the wire bytes p[0..used) */
static void check_name(const unsigned char *p, size_t len, size_t used, const char *name)
{
	unsigned char wire[DNS_NAME_MAX + 2];
	size_t n = strlen(name), w = 0, i;
	const char *s = name;

	FUZZ_ASSERT(used >= 1 && used <= len, "used %zu of %zu", used, len);
	FUZZ_ASSERT(n >= 1 && n <= DNS_NAME_MAX, "name length %zu", n);
	if (strcmp(name, ".") == 0) {
		FUZZ_ASSERT(used == 1 && p[0] == 0, "root name from %zu bytes", used);
		return;
	}
	/* labels of 1..63 host-name bytes, lower case, no empty label, no trailing dot */
	while (*s) {
		size_t l = strcspn(s, ".");

		FUZZ_ASSERT(l >= 1 && l <= 63, "label of %zu bytes in '%s'", l, name);
		wire[w++] = (unsigned char)l;
		for (i = 0; i < l; i++) {
			unsigned char c = (unsigned char)s[i];

			FUZZ_ASSERT(islower(c) || isdigit(c) || c == '-' || c == '_', "byte 0x%02x in '%s'", c, name);
			wire[w++] = c;
		}
		s += l;
		if (*s == '.') {
			s++;
			FUZZ_ASSERT(*s != '\0', "trailing dot in '%s'", name);
		}
	}
	wire[w++] = 0;
	FUZZ_ASSERT(w == used, "'%s' is %zu wire bytes, decoder used %zu", name, w, used);
	for (i = 0; i < w; i++)
		FUZZ_ASSERT(wire[i] == (unsigned char)tolower(p[i]), "'%s' differs from the wire at byte %zu", name, i);
}

static void fuzz_name(const unsigned char *p, size_t len)
{
	char out[DNS_NAME_MAX + 1];
	const char *err = NULL;
	size_t used = 0;
	int rc;

	memset(out, 'X', sizeof out);
	rc = dns_rdata_name(p, len, &used, out, sizeof out, &err);
	check_err(rc, err);
	if (rc == 0) {
		FUZZ_ASSERT(fuzz_terminated(out, sizeof out), "name not terminated");
		check_name(p, len, used, out);
	}
}

static void fuzz_mx(const unsigned char *p, size_t len)
{
	char out[DNS_NAME_MAX + 1];
	const char *err = NULL;
	uint16_t pref = 0;
	int rc;

	memset(out, 'X', sizeof out);
	rc = dns_rdata_mx(p, len, &pref, out, sizeof out, &err);
	check_err(rc, err);
	if (rc == 0) {
		FUZZ_ASSERT(len >= 3, "MX from %zu bytes", len);
		FUZZ_ASSERT(pref == (uint16_t)(p[0] << 8 | p[1]), "preference %u", pref);
		FUZZ_ASSERT(fuzz_terminated(out, sizeof out), "MX name not terminated");
		/* trailing bytes are an error: the name takes all the rest */
		check_name(p + 2, len - 2, len - 2, out);
	}
}

static void fuzz_txt(const unsigned char *p, size_t len)
{
	/* outsz = len: the header says that is always enough */
	size_t outsz = len ? len : 1;
	char *out = malloc(outsz), *exp = malloc(len + 1);
	const char *err = NULL;
	size_t outlen = 12345, e = 0, i = 0, nstr = 0;
	int rc, ok = 1;

	if (out == NULL || exp == NULL)
		abort();
	/* independent decoding: 1 or more <len><bytes>, exactly filling len */
	while (i < len) {
		size_t l = p[i++];

		if (l > len - i) {
			ok = 0;
			break;
		}
		memcpy(exp + e, p + i, l);
		e += l;
		i += l;
		nstr++;
	}
	if (nstr == 0)
		ok = 0;
	rc = dns_rdata_txt(p, len, out, outsz, &outlen, &err);
	check_err(rc, err);
	FUZZ_ASSERT((rc == 0) == ok, "TXT rc %d, independent decoder %d (len %zu)", rc, ok, len);
	if (rc == 0) {
		FUZZ_ASSERT(outlen == e && outlen + nstr == len, "outlen %zu, expected %zu", outlen, e);
		FUZZ_ASSERT(out[outlen] == '\0', "TXT not terminated");
		FUZZ_ASSERT(memcmp(out, exp, e) == 0, "TXT text differs");
	}
	free(out);
	free(exp);
}

static void fuzz_tlsa(const unsigned char *p, size_t len)
{
	struct dns_tlsa_rr t;
	const char *err = NULL;
	int rc;

	memset(&t, 0, sizeof t);
	rc = dns_rdata_tlsa(p, len, &t, &err);
	check_err(rc, err);
	FUZZ_ASSERT((rc == 0) == (len >= 4), "TLSA rc %d for %zu bytes", rc, len);
	if (rc == 0) {
		FUZZ_ASSERT(t.usage == p[0] && t.selector == p[1] && t.mtype == p[2], "TLSA fields");
		FUZZ_ASSERT(t.data == p + 3 && t.datalen == len - 3, "TLSA data %zu bytes", t.datalen);
	}
}

static void fuzz_addr(const unsigned char *p, size_t len, int af)
{
	char out[64];
	unsigned char back[16];
	const char *err = NULL;
	size_t want = af == AF_INET ? 4 : 16;
	int rc;

	memset(out, 'X', sizeof out);
	rc = af == AF_INET ? dns_rdata_a(p, len, out, 46, &err) : dns_rdata_aaaa(p, len, out, 46, &err);
	check_err(rc, err);
	FUZZ_ASSERT((rc == 0) == (len == want), "address rc %d for %zu bytes", rc, len);
	if (rc == 0) {
		FUZZ_ASSERT(fuzz_terminated(out, 46) && fuzz_printable(out), "address text");
		FUZZ_ASSERT(inet_pton(af, out, back) == 1 && memcmp(back, p, want) == 0, "'%s' is not the bytes", out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p;
	size_t len;
	unsigned sel;

	if (size < 1)
		return 0;
	sel = data[0] & 7;
	p = data + 1;
	len = size - 1;
	if (sel == 0 || sel >= 6)
		fuzz_name(p, len);
	if (sel == 1 || sel >= 6)
		fuzz_mx(p, len);
	if (sel == 2 || sel >= 6)
		fuzz_txt(p, len);
	if (sel == 3 || sel >= 6)
		fuzz_tlsa(p, len);
	if (sel == 4 || sel >= 6)
		fuzz_addr(p, len, AF_INET);
	if (sel == 5 || sel >= 6)
		fuzz_addr(p, len, AF_INET6);
	return 0;
}
