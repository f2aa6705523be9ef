/*
 * test_probe_ehlo - table tests for probe_reply_parse: complete, incomplete
 * and malformed replies, EHLO keywords, and the length limits.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "probe/probe_ehlo.h"

#define S PROBE_EXT_STARTTLS
#define R PROBE_EXT_REQUIRETLS

struct row {
	const char *label;
	const char *in;                 /* NULL: use the generated input of the row */
	int want;                       /* 1 complete, 0 incomplete, -1 error */
	int code;                       /* when complete */
	unsigned ext;                   /* when complete */
	unsigned lines;                 /* when complete */
	size_t len;                     /* when complete: bytes consumed (0: all of in) */
	const char *text;               /* when complete: first line text */
	const char *err;                /* when -1 */
};

static const struct row rows[] = {
	{"banner", "220 mx.example ESMTP\r\n", 1, 220, 0, 1, 0, "mx.example ESMTP", NULL},
	{"code only", "250\r\n", 1, 250, 0, 1, 0, "", NULL},
	{"code and space", "250 \r\n", 1, 250, 0, 1, 0, "", NULL},
	{"tab in text", "220 a\tb\r\n", 1, 220, 0, 1, 0, "a\tb", NULL},
	{"ehlo, starttls", "250-mx.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
	 1, 250, S, 4, 0, "mx.example", NULL},
	{"ehlo, both, lower case", "250-mx\r\n250-starttls\r\n250 RequireTLS\r\n", 1, 250, S | R, 3, 0, "mx", NULL},
	{"ehlo, requiretls with a parameter", "250-mx\r\n250 REQUIRETLS x y\r\n", 1, 250, R, 2, 0, "mx", NULL},
	{"ehlo, empty continuation", "250-mx\r\n250-\r\n250 STARTTLS\r\n", 1, 250, S, 3, 0, "mx", NULL},
	{"keyword on the first line is the greeting", "250 STARTTLS\r\n", 1, 250, 0, 1, 0, "STARTTLS", NULL},
	{"prefix of a keyword", "250-mx\r\n250-STARTTLSX\r\n250 XREQUIRETLS\r\n", 1, 250, 0, 3, 0, "mx", NULL},
	{"keyword with tab", "250-mx\r\n250 STARTTLS\t\r\n", 1, 250, 0, 2, 0, "mx", NULL},
	{"keyword as a parameter", "250-mx\r\n250 AUTH STARTTLS REQUIRETLS\r\n", 1, 250, 0, 2, 0, "mx", NULL},
	{"keyword after a space", "250-mx\r\n250  STARTTLS\r\n", 1, 250, 0, 2, 0, "mx", NULL},
	{"data after the reply", "220 ok\r\n250 more\r\n", 1, 220, 0, 1, 8, "ok", NULL},
	{"4xx", "454 4.7.0 TLS not available\r\n", 1, 454, 0, 1, 0, "4.7.0 TLS not available", NULL},
	{"5xx multi", "554-no\r\n554 go away\r\n", 1, 554, 0, 2, 0, "no", NULL},

	{"empty", "", 0, 0, 0, 0, 0, NULL, NULL},
	{"one digit", "2", 0, 0, 0, 0, 0, NULL, NULL},
	{"code", "220", 0, 0, 0, 0, 0, NULL, NULL},
	{"partial line", "220 mx.exa", 0, 0, 0, 0, 0, NULL, NULL},
	{"CR without LF yet", "220 mx\r", 0, 0, 0, 0, 0, NULL, NULL},
	{"code, CR", "220\r", 0, 0, 0, 0, 0, NULL, NULL},
	{"first of two lines", "250-mx\r\n", 0, 0, 0, 0, 0, NULL, NULL},
	{"second line partial", "250-mx\r\n250 STA", 0, 0, 0, 0, 0, NULL, NULL},

	{"letters", "HTTP/1.1 400\r\n", -1, 0, 0, 0, 0, NULL, "malformed reply code"},
	{"letters, partial", "SSH-", -1, 0, 0, 0, 0, NULL, "malformed reply code"},
	{"1xx", "123 x\r\n", -1, 0, 0, 0, 0, NULL, "malformed reply code"},
	{"6xx", "650 x\r\n", -1, 0, 0, 0, 0, NULL, "malformed reply code"},
	{"second digit 6", "260 x\r\n", -1, 0, 0, 0, 0, NULL, "malformed reply code"},
	{"two digits", "25\r\n", -1, 0, 0, 0, 0, NULL, "malformed reply code"},
	{"four digits", "2500 x\r\n", -1, 0, 0, 0, 0, NULL, "malformed reply code"},
	{"no separator", "250x\r\n", -1, 0, 0, 0, 0, NULL, "malformed reply code"},
	{"empty line", "\r\n", -1, 0, 0, 0, 0, NULL, "malformed reply code"},
	{"bare LF", "220 mx\n", -1, 0, 0, 0, 0, NULL, "reply line not ended by CRLF"},
	{"code, bare LF", "220\n", -1, 0, 0, 0, 0, NULL, "malformed reply code"},
	{"separator, bare LF", "220-\n", -1, 0, 0, 0, 0, NULL, "reply line not ended by CRLF"},
	{"bare CR inside", "220 a\rb\r\n", -1, 0, 0, 0, 0, NULL, "bare CR in reply"},
	{"bare CR, partial", "220 a\rb", -1, 0, 0, 0, 0, NULL, "bare CR in reply"},
	{"code, bare CR", "250\rx\r\n", -1, 0, 0, 0, 0, NULL, "bare CR in reply"},
	{"NUL in text", NULL, -1, 0, 0, 0, 0, NULL, "control or 8-bit character in reply"},
	{"8-bit text", "220 b\xc3\xbc\r\n", -1, 0, 0, 0, 0, NULL, "control or 8-bit character in reply"},
	{"8-bit text, partial", "220 b\xc3", -1, 0, 0, 0, 0, NULL, "control or 8-bit character in reply"},
	{"escape in text", "220 \x1b[1m\r\n", -1, 0, 0, 0, 0, NULL, "control or 8-bit character in reply"},
	{"code changes", "250-mx\r\n251 STARTTLS\r\n", -1, 0, 0, 0, 0, NULL, "reply code changed within a reply"},
	{"garbage second line", "250-mx\r\nSTARTTLS\r\n", -1, 0, 0, 0, 0, NULL, "malformed reply code"},
	{"512-byte line", NULL, 1, 250, 0, 1, 0, NULL, NULL},
	{"513-byte line", NULL, -1, 0, 0, 0, 0, NULL, "reply line longer than 512 bytes"},
	{"100 KB line without end", NULL, -1, 0, 0, 0, 0, NULL, "reply line longer than 512 bytes"},
	{"64 lines", NULL, 1, 250, S, 64, 0, NULL, NULL},
	{"65 lines", NULL, -1, 0, 0, 0, 0, NULL, "reply of more than 64 lines"},
	{"8192 bytes", NULL, 1, 250, 0, 17, 0, NULL, NULL},
	{"8193 bytes", NULL, -1, 0, 0, 0, 0, NULL, "reply longer than 8192 bytes"},
	{"over 8192 bytes, partial", NULL, -1, 0, 0, 0, 0, NULL, "reply longer than 8192 bytes"},
};

/* line - write a "250" line of len bytes (CRLF included) at p; returns its end */
static char *line(char *p, char sep, size_t len)
{
	p[0] = '2', p[1] = '5', p[2] = '0', p[3] = sep;
	memset(p + 4, 'y', len - 6);
	memcpy(p + len - 2, "\r\n", 2);
	return p + len;
}

/* gen - the input of a row whose in is NULL (malloc'd); *n its length */
static char *gen(const char *label, size_t *n)
{
	char *b = malloc(200000), *p = b;
	int i;

	if (strcmp(label, "NUL in text") == 0) {
		memcpy(b, "220 a\0b\r\n", 9);
		*n = 9;
		return b;
	}
	if (strcmp(label, "512-byte line") == 0 || strcmp(label, "513-byte line") == 0) {
		size_t len = label[2] == '2' ? 512 : 513;
		memcpy(p, "250 ", 4);
		memset(p + 4, 'x', len - 6);
		memcpy(p + len - 2, "\r\n", 2);
		*n = len;
		return b;
	}
	if (strcmp(label, "100 KB line without end") == 0) {
		memcpy(p, "250-", 4);
		memset(p + 4, 'x', 100 * 1024);
		*n = 4 + 100 * 1024;
		return b;
	}
	if (strcmp(label, "64 lines") == 0 || strcmp(label, "65 lines") == 0) {
		int lines = label[1] == '4' ? 64 : 65;
		for (i = 0; i < lines; i++)
			p += sprintf(p, "250%c%s\r\n", i == lines - 1 ? ' ' : '-', i == 1 ? "STARTTLS" : "X");
		*n = (size_t)(p - b);
		return b;
	}
	/* 15 lines of 512 bytes, one of 507 or 508, then "250\r\n": 8192 or
	 * 8193 bytes, every line legal; or 16 full lines and a partial one */
	if (strcmp(label, "8192 bytes") == 0 || strcmp(label, "8193 bytes") == 0) {
		for (i = 0; i < 15; i++)
			p = line(p, '-', 512);
		p = line(p, '-', label[3] == '2' ? 507 : 508);
		memcpy(p, "250\r\n", 5);
		p += 5;
		*n = (size_t)(p - b);
		return b;
	}
	if (strcmp(label, "over 8192 bytes, partial") == 0) {
		for (i = 0; i < 16; i++)
			p = line(p, '-', 512);
		memcpy(p, "250-yy", 6);
		*n = (size_t)(p + 6 - b);
		return b;
	}
	free(b);
	*n = 0;
	return NULL;
}

/* rnd - a small deterministic generator (runs repeat exactly) */
static unsigned rnd(unsigned *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) & 0x7fff;
}

/*
 * consistency - random inputs made of SMTP-ish pieces; whatever the bytes,
 * the answers must agree with each other: an error comes with a reason and
 * stays an error when more bytes arrive, a complete reply parses alone to
 * the same reply, and a strict prefix of a valid input is "incomplete".
 */
static void consistency(void)
{
	static const char *const pieces[] = {
		"250", "220", "-", " ", "\r\n", "\r\n", "\r", "\n", "STARTTLS", "requiretls", "x",
		"\t", "\xff", "45", "9", "250-", "250 ", "\r\n250 "
	};
	static char buf[2048];
	unsigned seed = 20261203, i, errs_reason = 0, errs_stay = 0, errs_alone = 0, errs_prefix = 0;
	unsigned complete = 0, incomplete = 0, errors = 0;

	for (i = 0; i < 20000; i++) {
		struct probe_reply r, r2;
		const char *err, *err2;
		size_t n = 0, k;
		int rc, np = 1 + rnd(&seed) % 40, j;

		for (j = 0; j < np; j++) {
			const char *pc = pieces[rnd(&seed) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t l = strlen(pc);

			if (rnd(&seed) % 50 == 0)               /* now and then a long run */
				l = 1 + rnd(&seed) % 600;
			if (n + l + 10 > sizeof(buf))           /* room for the appended tail */
				break;
			if (l != strlen(pc)) {
				memset(buf + n, 'y', l);
			} else {
				memcpy(buf + n, pc, l);
			}
			n += l;
		}
		rc = probe_reply_parse(buf, n, &r, &err);
		if ((rc < 0) != (err != NULL))
			errs_reason++;
		if (rc < 0) {
			errors++;
			memcpy(buf + n, "\r\n250 ok\r\n", 10);
			if (probe_reply_parse(buf, n + 10, &r2, &err2) != -1)
				errs_stay++;
		} else if (rc == 1) {
			complete++;
			if (r.len > n || r.lines < 1 || r.lines > PROBE_REPLY_LINES || r.code < 200 || r.code > 559 ||
			    probe_reply_parse(buf, r.len, &r2, &err2) != 1 || r2.len != r.len || r2.code != r.code ||
			    r2.ext != r.ext)
				errs_alone++;
		} else {
			incomplete++;
		}
		if (rc >= 0) {
			k = rnd(&seed) % ((rc == 1 ? r.len : n) + 1);
			if (k < (rc == 1 ? r.len : n) && probe_reply_parse(buf, k, &r2, &err2) != 0)
				errs_prefix++;
		}
	}
	is_int(errs_reason, 0, "random inputs: an error always has a reason, success never");
	is_int(errs_stay, 0, "random inputs: an error stays an error when more bytes follow");
	is_int(errs_alone, 0, "random inputs: a complete reply parses alone to the same reply");
	is_int(errs_prefix, 0, "random inputs: a strict prefix of a valid input is incomplete");
	ok(complete > 100 && incomplete > 100 && errors > 100,
	   "random inputs reach all three answers (%u complete, %u incomplete, %u errors)",
	   complete, incomplete, errors);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *t = &rows[i];
		struct probe_reply r;
		const char *err = "unset";
		char *in = NULL;
		size_t n;
		int rc, k;

		if (t->in != NULL) {
			n = strlen(t->in);
		} else {
			in = gen(t->label, &n);
			if (in == NULL) {
				ok(0, "%s: no generator", t->label);
				continue;
			}
		}
		rc = probe_reply_parse(t->in ? t->in : in, n, &r, &err);
		is_int(rc, t->want, "%s: result", t->label);
		if (t->want == 1) {
			is_int(r.code, t->code, "%s: code", t->label);
			is_int(r.ext, t->ext, "%s: extensions", t->label);
			is_int(r.lines, t->lines, "%s: lines", t->label);
			is_int(r.len, t->len ? t->len : n, "%s: length", t->label);
			if (t->text)
				is_str(r.text, t->text, "%s: text", t->label);
			ok(err == NULL, "%s: no error", t->label);
		} else if (t->want == -1) {
			is_str(err, t->err, "%s: error", t->label);
		} else {
			ok(err == NULL, "%s: no error while incomplete", t->label);
		}
		/* Every strict prefix of a complete or incomplete input is
		 * incomplete, never an error: a slow server is not a bad one. */
		if (t->want >= 0) {
			int bad = 0;
			for (k = 0; k < (int)(t->want == 1 ? (t->len ? t->len : n) : n); k++)
				if (probe_reply_parse(t->in ? t->in : in, (size_t)k, &r, &err) != 0)
					bad++;
			is_int(bad, 0, "%s: every prefix is incomplete", t->label);
		}
		free(in);
	}
	consistency();
	return tap_done();
}
