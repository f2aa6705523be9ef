/*
 * fuzz_ehlo - SMTP replies as the STARTTLS probe reads them from a
 * stranger's server (probe/probe_ehlo: probe_reply_parse).
 *
 * Input: the bytes read so far.
 *
 * Properties: the result is 1 (complete), 0 (valid prefix) or -1 (error,
 * with a printable reason); over the prefixes of the input (all of them up
 * to 256 bytes, beyond that a sample that includes every line start) the
 * results are some 0s, then all 1 with the same reply or all -1: errors
 * are final, a prefix of a complete reply is incomplete (never an error),
 * and bytes after a complete reply change nothing.  A complete reply: code 200..559
 * with digits as in the input, first digit 2..5, second 0..5; len <= input
 * and PROBE_REPLY_MAX, ending in CRLF; lines = the LFs in it, 1..64; text
 * NUL-terminated, HT or printable only, equal to the first line after
 * "NNN-"/"NNN "; ext has STARTTLS/REQUIRETLS exactly when a line after the
 * first starts with that keyword (any case) followed by SP or its end.
 * Reparsing exactly r.len bytes (an exact-size copy, so ASan catches a read
 * past len) gives the same reply.
 */
#include <strings.h>

#include "fuzz.h"
#include "probe/probe_ehlo.h"

static int parse(const char *buf, size_t len, struct probe_reply *r)
{
	const char *err = (const char *)1;
	int rc;

	memset(r, 'X', sizeof *r);
	rc = probe_reply_parse(buf, len, r, &err);
	FUZZ_ASSERT(rc == 1 || rc == 0 || rc == -1, "return %d", rc);
	if (rc == -1)
		FUZZ_ASSERT(err != NULL && *err && fuzz_printable(err), "error without a printable reason");
	else
		FUZZ_ASSERT(err == NULL, "reason '%s' without an error", err);
	FUZZ_ASSERT(fuzz_terminated(r->text, sizeof r->text), "text not terminated");
	return rc;
}

static int same(const struct probe_reply *a, const struct probe_reply *b)
{
	return a->code == b->code && a->len == b->len && a->lines == b->lines && a->ext == b->ext &&
	       strcmp(a->text, b->text) == 0;
}

/* ext_of - the extension bits of an EHLO reply's lines 2..n, independently */
static unsigned ext_of(const char *buf, size_t len)
{
	unsigned ext = 0;
	size_t pos = 0, first = 1;

	while (pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = (size_t)(nl - line) + 1;   /* complete lines only here */
		const char *t = line + 4;
		size_t tl = n >= 6 ? n - 6 : 0;

		if (!first && tl > 0) {
			if (tl >= 8 && strncasecmp(t, "STARTTLS", 8) == 0 && (tl == 8 || t[8] == ' '))
				ext |= PROBE_EXT_STARTTLS;
			if (tl >= 10 && strncasecmp(t, "REQUIRETLS", 10) == 0 && (tl == 10 || t[10] == ' '))
				ext |= PROBE_EXT_REQUIRETLS;
		}
		first = 0;
		pos += n;
	}
	return ext;
}

static void check_complete(const char *buf, size_t size, const struct probe_reply *r)
{
	size_t i, lfs = 0, tl;
	const char *nl;
	struct probe_reply r2;
	char *exact;

	FUZZ_ASSERT(r->code >= 200 && r->code <= 559 && r->code % 100 <= 59, "code %d", r->code);
	FUZZ_ASSERT(buf[0] - '0' == r->code / 100 && buf[1] - '0' == r->code / 10 % 10 && buf[2] - '0' == r->code % 10,
	    "code %d is not the input's", r->code);
	FUZZ_ASSERT(r->len >= 5 && r->len <= size && r->len <= PROBE_REPLY_MAX, "len %zu of %zu", r->len, size);
	FUZZ_ASSERT(buf[r->len - 2] == '\r' && buf[r->len - 1] == '\n', "reply does not end in CRLF");
	for (i = 0; i < r->len; i++)
		lfs += buf[i] == '\n';
	FUZZ_ASSERT(r->lines == lfs && r->lines >= 1 && r->lines <= PROBE_REPLY_LINES, "lines %u, LFs %zu",
	    r->lines, lfs);
	for (i = 0; r->text[i]; i++)
		FUZZ_ASSERT(r->text[i] == '\t' || (r->text[i] >= 0x20 && r->text[i] <= 0x7e), "text byte 0x%02x",
		    (unsigned char)r->text[i]);
	nl = memchr(buf, '\n', r->len);
	tl = buf[3] == '\r' ? 0 : (size_t)(nl - buf) - 5;
	FUZZ_ASSERT(strlen(r->text) == tl && memcmp(r->text, buf + 4, tl) == 0, "text is not the first line's");
	FUZZ_ASSERT(r->ext == ext_of(buf, r->len), "ext %u, expected %u", r->ext, ext_of(buf, r->len));

	if ((exact = malloc(r->len)) == NULL)
		abort();
	memcpy(exact, buf, r->len);
	FUZZ_ASSERT(parse(exact, r->len, &r2) == 1 && same(r, &r2), "the reply's own bytes parse differently");
	free(exact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct probe_reply full, r;
	int rc, rk, settled = 0;
	size_t k, step;

	rc = parse(buf, size, &full);
	if (rc == 1)
		check_complete(buf, size, &full);
	/* every prefix of short inputs; of long ones (each parse is O(k)) the
	 * first and last 64, those up to 5 bytes after each LF (where a line
	 * and its code begin), and 128 more evenly spaced */
	step = size / 128 + 1;
	for (k = 0; k < size; k++) {
		if (size > 256 && k >= 64 && k + 64 < size && k % step != 0 &&
		    memchr(buf + (k >= 5 ? k - 5 : 0), '\n', k >= 5 ? 5 : k) == NULL)
			continue;
		rk = parse(buf, k, &r);
		if (rk == 0) {
			FUZZ_ASSERT(!settled, "prefix %zu incomplete after an earlier prefix was settled", k);
		} else {
			settled = 1;
			FUZZ_ASSERT(rk == rc, "prefix %zu gives %d, the whole input %d", k, rk, rc);
			if (rk == 1)
				FUZZ_ASSERT(same(&r, &full), "prefix %zu gives another reply", k);
		}
	}
	if (rc == 1) {
		FUZZ_ASSERT(parse(buf, full.len - 1, &r) == 0, "one byte less than the reply is not incomplete");
		FUZZ_ASSERT(parse(buf, full.len, &r) == 1 && same(&r, &full), "exactly the reply's bytes differ");
	}
	return 0;
}
