/*
 * fuzz_addr - envelope addresses (util/addr) and domain names (util/domain).
 *
 * Input: raw bytes.  domain_normalize and domain_key_normalize see all of
 * them (they take a length, so NULs included); addr_parse sees the bytes up
 * to the first NUL, as the MTA would hand them over.
 *
 * Properties:
 *  - domain_normalize succeeds exactly when an independent checker (below)
 *    says the name is a valid host name, and then returns the input
 *    lower-cased, without its one trailing dot; normalising the result again
 *    gives the same bytes.  The same for domain_key_normalize with its
 *    optional leading dot.  On failure: a reason and an empty output.
 *  - addr_parse: a parsed domain is lower-case and valid (or a bracketed
 *    address literal inet_pton accepts); the local part has no control
 *    characters; print (addr_format) -> parse gives the same result, with
 *    and without angle brackets.  On failure: a reason and a zeroed struct.
 */
#include <arpa/inet.h>
#include <ctype.h>

#include "fuzz.h"
#include "util/addr.h"
#include "util/domain.h"

/* ref_label_char - the host-name alphabet, any case */
static int ref_label_char(unsigned char c)
{
	return isascii(c) && (isalnum(c) || c == '-' || c == '_');
}

/*
 * ref_host - independent check of [s, s+len) as a host name: labels of
 * letters, digits, '-', '_', 1..63 bytes, no '-' at either end of a label,
 * at most max bytes in all.
 */
static int ref_host(const char *s, size_t len, size_t max)
{
	size_t i, start = 0;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			size_t n = i - start;

			if (n == 0 || n > 63 || s[start] == '-' || s[i - 1] == '-')
				return 0;
			start = i + 1;
		} else if (!ref_label_char((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* ref_domain - what domain_(key_)normalize should accept */
static int ref_domain(const char *in, size_t len, int lead_dot)
{
	size_t pre = lead_dot && len > 0 && in[0] == '.' ? 1 : 0;

	if (len > pre && in[len - 1] == '.')
		len--;
	/* the limit counts the kept leading dot */
	return len <= DOMAIN_MAX && ref_host(in + pre, len - pre, DOMAIN_MAX);
}

/* lower_eq - out is in[0..len) lower-cased (ASCII) */
static int lower_eq(const char *out, const char *in, size_t len)
{
	size_t i;

	if (strlen(out) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (out[i] != (char)tolower((unsigned char)in[i]) || isupper((unsigned char)out[i]))
			return 0;
	return 1;
}

static void check_domain(const uint8_t *data, size_t size, int lead_dot)
{
	const char *in = (const char *)data, *err = NULL, *err2 = NULL;
	char out[DOMAIN_MAX + 2], again[DOMAIN_MAX + 2];
	int rc, want;
	size_t len;

	memset(out, 'X', sizeof out);
	rc = lead_dot ? domain_key_normalize(in, size, out, sizeof out, &err)
	    : domain_normalize(in, size, out, sizeof out, &err);
	want = ref_domain(in, size, lead_dot);
	FUZZ_ASSERT(rc == 0 || rc == -1, "rc %d", rc);
	FUZZ_ASSERT((rc == 0) == want, "normalize says %d, reference says %d (err %s, lead_dot %d)",
	    rc, want, err ? err : "-", lead_dot);
	if (rc < 0) {
		FUZZ_ASSERT(err != NULL && *err != '\0', "failure without a reason");
		FUZZ_ASSERT(out[0] == '\0', "failure left output '%.20s'", out);
		return;
	}
	FUZZ_ASSERT(err == NULL, "success with a reason: %s", err);
	FUZZ_ASSERT(fuzz_terminated(out, sizeof out), "output not terminated");
	len = size;
	if (len > (lead_dot && in[0] == '.' ? 1u : 0u) && in[len - 1] == '.')
		len--;
	FUZZ_ASSERT(lower_eq(out, in, len), "output '%s' is not the input lower-cased", out);
	FUZZ_ASSERT(strlen(out) <= DOMAIN_MAX, "output longer than %d", DOMAIN_MAX);
	/* idempotent */
	rc = lead_dot ? domain_key_normalize(out, strlen(out), again, sizeof again, &err2)
	    : domain_normalize(out, strlen(out), again, sizeof again, &err2);
	FUZZ_ASSERT(rc == 0 && strcmp(out, again) == 0, "normalising '%s' again gave '%s' (%s)",
	    out, rc == 0 ? again : "error", err2 ? err2 : "-");
	/* a plain name is also a valid key, with the same spelling */
	if (!lead_dot) {
		rc = domain_key_normalize(in, size, again, sizeof again, &err2);
		FUZZ_ASSERT(rc == 0 && strcmp(out, again) == 0, "key form of '%s' differs", out);
	}
}

/* check_literal - "[a.b.c.d]" or "[ipv6:...]", lower case */
static void check_literal(const char *d)
{
	size_t n = strlen(d);
	char body[80];
	unsigned char bin[16];
	const char *p;

	FUZZ_ASSERT(n >= 3 && d[0] == '[' && d[n - 1] == ']', "literal '%s' not bracketed", d);
	FUZZ_ASSERT(n - 2 < sizeof body, "literal '%s' too long", d);
	memcpy(body, d + 1, n - 2);
	body[n - 2] = '\0';
	for (p = body; *p; p++)
		FUZZ_ASSERT(!isupper((unsigned char)*p), "literal '%s' not lower case", d);
	if (strncmp(body, "ipv6:", 5) == 0)
		FUZZ_ASSERT(inet_pton(AF_INET6, body + 5, bin) == 1, "bad IPv6 literal '%s'", d);
	else
		FUZZ_ASSERT(inet_pton(AF_INET, body, bin) == 1, "bad IPv4 literal '%s'", d);
}

static int addr_same(const struct addr *a, const struct addr *b)
{
	return a->null == b->null && a->literal == b->literal && a->quoted == b->quoted
	    && strcmp(a->local, b->local) == 0 && strcmp(a->domain, b->domain) == 0;
}

static void check_addr(const char *s)
{
	static const struct addr zero;
	struct addr a, b;
	const char *err = NULL;
	char buf[ADDR_LOCAL_MAX + DOMAIN_MAX + 8], wrapped[sizeof buf + 2];
	const char *p;
	int n;

	if (addr_parse(s, &a, &err) < 0) {
		FUZZ_ASSERT(err != NULL && *err != '\0', "failure without a reason");
		FUZZ_ASSERT(memcmp(&a, &zero, sizeof a) == 0, "failure left a half-filled struct");
		return;
	}
	FUZZ_ASSERT(err == NULL, "success with a reason: %s", err);
	FUZZ_ASSERT(fuzz_terminated(a.local, sizeof a.local) && fuzz_terminated(a.domain, sizeof a.domain),
	    "field not terminated");
	if (a.null) {
		FUZZ_ASSERT(a.local[0] == '\0' && a.domain[0] == '\0' && !a.literal && !a.quoted,
		    "null address with content");
	} else {
		FUZZ_ASSERT(a.local[0] != '\0', "non-null address with an empty local part");
		for (p = a.local; *p; p++)
			FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f, "control byte 0x%02x in local part",
			    (unsigned char)*p);
		if (a.quoted)
			FUZZ_ASSERT(a.local[0] == '"' && a.local[strlen(a.local) - 1] == '"',
			    "quoted local part '%s' without quotes", a.local);
	}
	if (a.literal) {
		check_literal(a.domain);
	} else if (a.domain[0] != '\0') {
		FUZZ_ASSERT(ref_host(a.domain, strlen(a.domain), DOMAIN_MAX), "domain '%s' is not valid", a.domain);
		for (p = a.domain; *p; p++)
			FUZZ_ASSERT(!isupper((unsigned char)*p), "domain '%s' is not lower case", a.domain);
	}

	/* print -> parse gives the same address */
	n = addr_format(&a, buf, sizeof buf);
	FUZZ_ASSERT(n >= 0 && (size_t)n == strlen(buf), "addr_format failed (%d)", n);
	FUZZ_ASSERT(addr_parse(buf, &b, &err) == 0, "reparse of '%s' failed: %s", buf, err);
	FUZZ_ASSERT(addr_same(&a, &b), "reparse of '%s' differs: local '%s' domain '%s' -> '%s' '%s'",
	    buf, a.local, a.domain, b.local, b.domain);
	snprintf(wrapped, sizeof wrapped, "<%s>", buf);
	FUZZ_ASSERT(addr_parse(wrapped, &b, &err) == 0, "reparse of '%s' failed: %s", wrapped, err);
	FUZZ_ASSERT(addr_same(&a, &b), "reparse of '%s' differs", wrapped);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	FUZZ_PLANT(data, size);
	check_domain(data, size, 0);
	check_domain(data, size, 1);
	s = fuzz_strndup(data, size);
	check_addr(s);
	free(s);
	return 0;
}
