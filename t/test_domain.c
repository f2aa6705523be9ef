/*
 * test_domain - table tests for domain_normalize and domain_key_normalize.
 */
#include <string.h>

#include "tap.h"
#include "util/domain.h"

#define KEY 1                       /* run domain_key_normalize */

struct row {
	const char *label;
	int key;
	const char *in;
	int want;                       /* 0 or -1 */
	const char *out;                /* on success */
	const char *err;                /* on failure */
};

static char l63[64], l64[65], n253[254], n254[255], n253dot[255], k253[254], k254[255];

static const struct row rows[] = {
	{"plain", 0, "example.com", 0, "example.com", NULL},
	{"upper case", 0, "Example.COM", 0, "example.com", NULL},
	{"trailing dot", 0, "example.com.", 0, "example.com", NULL},
	{"single label", 0, "localhost", 0, "localhost", NULL},
	{"digits, hyphen, underscore", 0, "_dmarc.x-1.EXAMPLE", 0, "_dmarc.x-1.example", NULL},
	{"idn a-label", 0, "xn--bcher-kva.example", 0, "xn--bcher-kva.example", NULL},
	{"63-byte label", 0, l63, 0, l63, NULL},
	{"64-byte label", 0, l64, -1, NULL, "label longer than 63 bytes"},
	{"253 bytes", 0, n253, 0, n253, NULL},
	{"253 bytes + dot", 0, n253dot, 0, n253, NULL},
	{"254 bytes", 0, n254, -1, NULL, "name longer than 253 bytes"},
	{"empty", 0, "", -1, NULL, "empty name"},
	{"root alone", 0, ".", -1, NULL, "empty name"},
	{"two trailing dots", 0, "example.com..", -1, NULL, "empty label"},
	{"empty label", 0, "a..b", -1, NULL, "empty label"},
	{"leading dot, not a key", 0, ".example.com", -1, NULL, "empty label"},
	{"space", 0, "exa mple.com", -1, NULL, "invalid character"},
	{"control char", 0, "exa\tmple.com", -1, NULL, "invalid character"},
	{"non-ascii", 0, "b\xc3\xbc" "cher.example", -1, NULL, "invalid character"},
	{"at sign", 0, "user@example.com", -1, NULL, "invalid character"},
	{"leading hyphen", 0, "-a.example", -1, NULL, "label starts with '-'"},
	{"trailing hyphen, inner label", 0, "a-.example", -1, NULL, "label ends with '-'"},
	{"trailing hyphen, last label", 0, "a.example-", -1, NULL, "label ends with '-'"},
	{"key: exact", KEY, "Example.com", 0, "example.com", NULL},
	{"key: parent", KEY, ".Example.COM.", 0, ".example.com", NULL},
	{"key: two leading dots", KEY, "..example.com", -1, NULL, "empty label"},
	{"key: dot alone", KEY, ".", -1, NULL, "empty name"},
	{"key: empty", KEY, "", -1, NULL, "empty name"},
	{"key: dot dot", KEY, "..", -1, NULL, "empty name"},
	{"key: bad char after dot", KEY, ".exa*mple.com", -1, NULL, "invalid character"},
	{"key: 253 bytes with the dot", KEY, k253, 0, k253, NULL},
	{"key: 254 bytes with the dot", KEY, k254, -1, NULL, "name longer than 253 bytes"},
};

/* fill - build the long-name fixtures (labels of 'a', dots between) */
static void fill(void)
{
	size_t i;

	memset(l63, 'a', 63);
	memset(l64, 'a', 64);
	/* 63+1+63+1+63+1+61 = 253 */
	for (i = 0; i < 253; i++)
		n253[i] = (i % 64 == 63) ? '.' : 'b';
	memcpy(n254, n253, 253);
	n254[253] = 'c';
	memcpy(n253dot, n253, 253);
	n253dot[253] = '.';
	k253[0] = '.';
	memcpy(k253 + 1, n253 + 1, 252);      /* ".bbb...": 252 bytes behind the dot */
	k254[0] = '.';
	memcpy(k254 + 1, n253, 253);
}

int main(void)
{
	char out[DOMAIN_MAX + 1];
	const char *err;
	size_t i;

	fill();
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		int rc;

		memset(out, 'X', sizeof(out));
		err = "unset";
		rc = (r->key ? domain_key_normalize : domain_normalize)(r->in, strlen(r->in), out, sizeof(out), &err);
		is_int(rc, r->want, "%s: return", r->label);
		if (r->want == 0) {
			is_str(out, r->out, "%s: output", r->label);
			ok(err == NULL, "%s: no error", r->label);
		} else {
			is_str(err, r->err, "%s: reason", r->label);
			is_str(out, "", "%s: output cleared", r->label);
		}
	}

	/* len is honoured: the bytes after it are not part of the name. */
	is_int(domain_normalize("example.comXYZ", 11, out, sizeof(out), &err), 0, "len: return");
	is_str(out, "example.com", "len: stops at len");
	/* An embedded NUL within len is a bad character, not an early end. */
	is_int(domain_normalize("a\0b", 3, out, sizeof(out), &err), -1, "embedded NUL rejected");
	/* outsz too small is an error, never an overflow. */
	is_int(domain_normalize("example.com", 11, out, 5, &err), -1, "small outsz rejected");
	is_int(domain_normalize("example.com", 11, out, sizeof(out), NULL), 0, "NULL err allowed");
	return tap_done();
}
