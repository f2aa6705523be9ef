/*
 * fuzz_content - REQUIRETLS content rules (requiretls/requiretls_content):
 * a PCRE2 pattern from the config matched against a header value from the
 * message.
 *
 * Input: byte 0 holds flags (bit 0 caseless, bit 1 strip, bit 2 a small
 * "stripped" buffer); then the pattern up to the first NUL; then the header
 * value up to the next NUL.
 *
 * Properties: a bad pattern gives a printable reason; match returns -1, 0
 * or 1, the same twice, and the same for the header name in any case; a
 * different header never matches; with strip, the stripped value is the
 * value with one piece cut out (a prefix of it followed by a suffix of it),
 * terminated within its buffer.
 */
#include <ctype.h>

#include "fuzz.h"
#include "requiretls/requiretls_content.h"

/* cut_out - 1 if s is a prefix of v followed by a suffix of v (so at most strlen(v) bytes) */
static int cut_out(const char *s, const char *v)
{
	size_t sl = strlen(s), vl = strlen(v), pre = 0, suf = 0;

	if (sl > vl)
		return 0;
	while (pre < sl && s[pre] == v[pre])
		pre++;
	while (suf < sl && s[sl - 1 - suf] == v[vl - 1 - suf])
		suf++;
	return pre + suf >= sl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct requiretls_content *c;
	char err[256], *buf, *pattern, *value;
	char stripped[1024], upper[] = "SUBJECT";
	size_t ssz;
	int flags, rc, rc2;

	FUZZ_PLANT(data, size);
	if (size < 1)
		return 0;
	flags = data[0];
	buf = fuzz_strndup(data + 1, size - 1);
	pattern = buf;              /* a C string: ends at the first NUL */
	value = strlen(buf) < size - 1 ? buf + strlen(buf) + 1 : (char *)"";

	memset(err, 'X', sizeof err);
	c = requiretls_content_create("Subject", pattern, flags & 1, (flags >> 1) & 1, 7, err, sizeof err);
	if (c == NULL) {
		FUZZ_ASSERT(fuzz_terminated(err, sizeof err) && err[0] != '\0', "bad pattern without a reason");
		FUZZ_ASSERT(fuzz_printable(err), "reason not printable: '%s'", err);
		free(buf);
		return 0;
	}
	FUZZ_ASSERT(strcmp(requiretls_content_header(c), "Subject") == 0, "header name");
	FUZZ_ASSERT(requiretls_content_strip(c) == ((flags >> 1) & 1), "strip flag");
	FUZZ_ASSERT(requiretls_content_line(c) == 7, "line");

	ssz = (flags & 4) ? 8 : sizeof stripped;
	memset(stripped, 'X', sizeof stripped);
	stripped[0] = '\0';
	rc = requiretls_content_match(c, "Subject", value, stripped, ssz);
	FUZZ_ASSERT(rc >= -1 && rc <= 1, "match returned %d", rc);
	if (rc == 1 && requiretls_content_strip(c)) {
		FUZZ_ASSERT(fuzz_terminated(stripped, ssz), "stripped value not terminated in %zu bytes", ssz);
		if (ssz == sizeof stripped && strlen(value) < ssz)
			FUZZ_ASSERT(cut_out(stripped, value), "stripped '%s' is not '%s' with a piece cut out",
			    stripped, value);
	}
	FUZZ_ASSERT(ssz == sizeof stripped || stripped[ssz] == 'X', "wrote past the stripped buffer");

	rc2 = requiretls_content_match(c, upper, value, NULL, 0);
	FUZZ_ASSERT(rc2 == rc, "'Subject' gave %d, 'SUBJECT' gave %d", rc, rc2);
	FUZZ_ASSERT(requiretls_content_match(c, "X-Subject", value, NULL, 0) == 0, "another header matched");

	requiretls_content_free(c);
	free(buf);
	return 0;
}
