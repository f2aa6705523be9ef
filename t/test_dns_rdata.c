/*
 * test_dns_rdata - table tests for the rdata decoders (MX, TXT, TLSA, A, AAAA)
 * and the wire-name decoder: well-formed and malformed input.
 */
#include <stdint.h>
#include <string.h>

#include "dns/dns_rdata.h"
#include "tap.h"

#define B(...) (const unsigned char[]){__VA_ARGS__}, sizeof((const unsigned char[]){__VA_ARGS__})
#define EMPTY (const unsigned char[]){0}, 0

enum kind { MX, TXT, TLSA, A, AAAA, NAME };

struct row {
	const char *label;
	enum kind kind;
	const unsigned char *rd;
	size_t len;
	int want;               /* 0 or -1 */
	const char *out;        /* MX name, TXT text, A/AAAA text, NAME text */
	long num;               /* MX pref; TLSA usage*65536+selector*256+mtype; NAME used */
	const char *err;        /* on failure (static reason) */
};

static const struct row rows[] = {
	/* MX */
	{"MX 10 mx.example", MX, B(0, 10, 2, 'm', 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0), 0,
	 "mx.example", 10, NULL},
	{"MX upper case lowered", MX, B(1, 0, 2, 'M', 'X', 1, 'E', 0), 0, "mx.e", 256, NULL},
	{"MX pref 65535", MX, B(0xff, 0xff, 1, 'a', 0), 0, "a", 65535, NULL},
	{"null MX (0 .)", MX, B(0, 0, 0), 0, ".", 0, NULL},
	{"MX empty", MX, B(0), -1, NULL, 0, "MX rdata too short"},
	{"MX only preference", MX, B(0, 10), -1, NULL, 0, "MX rdata too short"},
	{"MX name without end", MX, B(0, 10, 2, 'm', 'x'), -1, NULL, 0, "name runs past the end of the rdata"},
	{"MX label past end", MX, B(0, 10, 5, 'm', 'x', 0), -1, NULL, 0,
	 "label runs past the end of the rdata"},
	{"MX compression pointer", MX, B(0, 10, 0xc0, 0x0c), -1, NULL, 0, "compressed name in rdata"},
	{"MX label length 64 (0x40)", MX, B(0, 10, 0x40, 'a', 0), -1, NULL, 0, "bad label length"},
	{"MX trailing byte", MX, B(0, 10, 1, 'a', 0, 0), -1, NULL, 0, "trailing bytes after the MX name"},
	{"MX space in name", MX, B(0, 10, 3, 'a', ' ', 'b', 0), -1, NULL, 0, "invalid character in name"},
	{"MX NUL in name", MX, B(0, 10, 2, 'a', 0, 0), -1, NULL, 0, "invalid character in name"},
	{"MX dot in label", MX, B(0, 10, 3, 'a', '.', 'b', 0), -1, NULL, 0, "invalid character in name"},
	/* TXT */
	{"TXT one string", TXT, B(5, 'h', 'e', 'l', 'l', 'o'), 0, "hello", 5, NULL},
	{"TXT two strings joined", TXT, B(3, 'v', '=', 'S', 2, 'T', 'S'), 0, "v=STS", 5, NULL},
	{"TXT empty string", TXT, B(0), 0, "", 0, NULL},
	{"TXT empty rdata", TXT, EMPTY, -1, NULL, 0, "empty TXT rdata"},
	{"TXT string past end", TXT, B(4, 'a', 'b'), -1, NULL, 0,
	 "TXT string runs past the end of the rdata"},
	{"TXT second string past end", TXT, B(1, 'a', 3, 'b'), -1, NULL, 0,
	 "TXT string runs past the end of the rdata"},
	/* TLSA */
	{"TLSA 3 1 1 + 1 byte", TLSA, B(3, 1, 1, 0xab), 0, NULL, 3 * 65536 + 256 + 1, NULL},
	{"TLSA 2 0 0 + 2 bytes", TLSA, B(2, 0, 0, 1, 2), 0, NULL, 2 * 65536, NULL},
	{"TLSA no data", TLSA, B(3, 1, 1), -1, NULL, 0, "TLSA rdata too short"},
	{"TLSA empty", TLSA, B(3), -1, NULL, 0, "TLSA rdata too short"},
	/* A / AAAA */
	{"A 127.0.0.10", A, B(127, 0, 0, 10), 0, "127.0.0.10", 0, NULL},
	{"A 3 bytes", A, B(127, 0, 0), -1, NULL, 0, "A rdata is not 4 bytes"},
	{"A 5 bytes", A, B(127, 0, 0, 1, 1), -1, NULL, 0, "A rdata is not 4 bytes"},
	{"AAAA ::1", AAAA, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 0, "::1", 0, NULL},
	{"AAAA 2001:db8::5", AAAA, B(0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5), 0,
	 "2001:db8::5", 0, NULL},
	{"AAAA 4 bytes", AAAA, B(127, 0, 0, 1), -1, NULL, 0, "AAAA rdata is not 16 bytes"},
	/* names */
	{"name root", NAME, B(0), 0, ".", 1, NULL},
	{"name with bytes after it", NAME, B(1, 'a', 0, 9, 9), 0, "a", 3, NULL},
	{"name underscore and hyphen", NAME, B(4, '_', '2', '5', '-', 0), 0, "_25-", 6, NULL},
	{"name empty input", NAME, EMPTY, -1, NULL, 0, "name runs past the end of the rdata"},
	{"name 0x80 label type", NAME, B(0x80, 0), -1, NULL, 0, "bad label length"},
};

/* long names: 4 labels of 63 = 255 text bytes (too long); 3x63 + 61 = 253 */
static unsigned char longname[300], okname[300];
static size_t longlen, oklen;

static size_t build(unsigned char *p, const int *labels, int n)
{
	size_t o = 0;
	int i, k;

	for (i = 0; i < n; i++) {
		p[o++] = (unsigned char)labels[i];
		for (k = 0; k < labels[i]; k++)
			p[o++] = 'a';
	}
	p[o++] = 0;
	return o;
}

static void run_row(const struct row *r, size_t len)
{
	char out[DNS_NAME_MAX + 1 + 300];
	struct dns_tlsa_rr t;
	const char *err = NULL;
	uint16_t pref = 0;
	size_t used = 0, olen = 0;
	int rc = -2;
	long num = 0;

	memset(out, 0, sizeof(out));
	switch (r->kind) {
	case MX:
		rc = dns_rdata_mx(r->rd, len, &pref, out, DNS_NAME_MAX + 1, &err);
		num = pref;
		break;
	case TXT:
		rc = dns_rdata_txt(r->rd, len, out, len + 1, &olen, &err);
		num = (long)olen;
		break;
	case TLSA:
		rc = dns_rdata_tlsa(r->rd, len, &t, &err);
		if (rc == 0) {
			num = t.usage * 65536L + t.selector * 256L + t.mtype;
			ok(t.data == r->rd + 3 && t.datalen == len - 3, "%s: data points into rdata",
			   r->label);
		}
		break;
	case A:
		rc = dns_rdata_a(r->rd, len, out, sizeof(out), &err);
		break;
	case AAAA:
		rc = dns_rdata_aaaa(r->rd, len, out, sizeof(out), &err);
		break;
	case NAME:
		rc = dns_rdata_name(r->rd, len, &used, out, DNS_NAME_MAX + 1, &err);
		num = (long)used;
		break;
	}
	is_int(rc, r->want, "%s: result", r->label);
	if (r->want == 0) {
		if (r->out != NULL)
			is_str(out, r->out, "%s: text", r->label);
		if (r->kind != A && r->kind != AAAA)
			is_int(num, r->num, "%s: value", r->label);
	} else {
		is_str(err, r->err, "%s: reason", r->label);
	}
}

int main(void)
{
	static const int too_long[] = {63, 63, 63, 63};
	static const int just[] = {63, 63, 63, 61};
	char out[DNS_NAME_MAX + 1];
	const char *err = NULL;
	unsigned char mx[310];
	uint16_t pref;
	size_t used, i, k;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i], rows[i].len);

	longlen = build(longname, too_long, 4);
	oklen = build(okname, just, 4);
	is_int(dns_rdata_name(okname, oklen, &used, out, sizeof(out), &err), 0, "253-byte name decodes");
	is_int(strlen(out), 253, "253-byte name: length");
	is_int(dns_rdata_name(longname, longlen, &used, out, sizeof(out), &err), -1,
	       "255-byte name rejected");
	is_str(err, "name longer than 253 bytes", "255-byte name: reason");
	is_int(dns_rdata_name(okname, oklen, &used, out, 100, &err), -1, "small output buffer rejected");

	/* MX with the longest allowed exchange, and with one byte more */
	mx[0] = 0;
	mx[1] = 5;
	memcpy(mx + 2, okname, oklen);
	is_int(dns_rdata_mx(mx, oklen + 2, &pref, out, sizeof(out), &err), 0, "MX with 253-byte name");
	memcpy(mx + 2, longname, longlen);
	is_int(dns_rdata_mx(mx, longlen + 2, &pref, out, sizeof(out), &err), -1,
	       "MX with 255-byte name rejected");

	/* every truncation of a good MX fails cleanly (no read past len) */
	{
		static const unsigned char good[] = {0, 10, 2, 'm', 'x', 7, 'e', 'x', 'a', 'm', 'p',
						     'l', 'e', 0};
		int bad = 0;

		for (k = 0; k < sizeof(good); k++) {
			unsigned char copy[sizeof(good)];

			memcpy(copy, good, k);
			if (dns_rdata_mx(copy, k, &pref, out, sizeof(out), &err) != -1)
				bad++;
		}
		is_int(bad, 0, "every truncated MX is rejected");
	}
	/* every truncation of a two-string TXT is rejected or shorter */
	{
		static const unsigned char good[] = {3, 'a', 'b', 'c', 2, 'd', 'e'};
		char o[sizeof(good) + 1];
		size_t ol;
		int bad = 0;

		for (k = 1; k < sizeof(good); k++)
			if (dns_rdata_txt(good, k, o, k + 1, &ol, &err) == 0 && k != 4)
				bad++;
		is_int(bad, 0, "truncated TXT rejected except at a string boundary");
	}
	return tap_done();
}
