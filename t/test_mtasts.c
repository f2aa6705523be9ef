/*
 * test_mtasts - table tests for the MTA-STS layer: the _mta-sts TXT record,
 * the policy body, MX pattern matching and the SQLite store.
 * (The HTTPS fetch is tested against real nginx by t/mtasts_live.sh.)
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "tap.h"
#include "mtasts/mtasts_txt.h"
#include "mtasts/mtasts_policy.h"
#include "mtasts/mtasts_store.h"

/* ---------------------------------------------------------------- TXT */

struct txt_row {
	const char *label;
	const char *in;
	int want;                /* 0 or -1 */
	const char *id_or_err;
};

static const struct txt_row txt_rows[] = {
	{"plain", "v=STSv1; id=20160831085700Z;", 0, "20160831085700Z"},
	{"no trailing separator", "v=STSv1; id=abc", 0, "abc"},
	{"no spaces", "v=STSv1;id=abc;", 0, "abc"},
	{"trailing blanks", "v=STSv1; id=abc \t", 0, "abc"},
	{"trailing blanks after ;", "v=STSv1; id=abc; ", 0, "abc"},
	{"version then blanks only", "v=STSv1  ", -1, "no id"},
	{"tabs and spaces around ;", "v=STSv1 \t;\t id=abc \t; ", 0, "abc"},
	{"extension before id", "v=STSv1; foo=bar; id=X1", 0, "X1"},
	{"extension after id", "v=STSv1; id=X1; ext-1.a_b=v!al:ue", 0, "X1"},
	{"32-char id", "v=STSv1; id=abcdefghijklmnopqrstuvwxyz012345", 0, "abcdefghijklmnopqrstuvwxyz012345"},
	{"33-char id", "v=STSv1; id=abcdefghijklmnopqrstuvwxyz0123456", -1, "id is not 1 to 32 letters and digits"},
	{"empty id", "v=STSv1; id=;", -1, "id is not 1 to 32 letters and digits"},
	{"id with punctuation", "v=STSv1; id=a-b;", -1, "id is not 1 to 32 letters and digits"},
	{"missing id", "v=STSv1; foo=bar", -1, "no id"},
	{"version only", "v=STSv1", -1, "no id"},
	{"version and separator only", "v=STSv1;", -1, "no id"},
	{"two ids", "v=STSv1; id=a; id=b", -1, "more than one id"},
	{"bad version", "v=STSv2; id=abc", -1, "record does not start with v=STSv1"},
	{"version in lower case", "v=stsv1; id=abc", -1, "record does not start with v=STSv1"},
	{"leading space", " v=STSv1; id=abc", -1, "record does not start with v=STSv1"},
	{"id first", "id=abc; v=STSv1", -1, "record does not start with v=STSv1"},
	{"missing separator", "v=STSv1 id=abc", -1, "expected ';' after v=STSv1"},
	{"field without =", "v=STSv1; id=abc; junk", -1, "field without '='"},
	{"space inside value", "v=STSv1; id=abc def", -1, "expected ';' between fields"},
	{"extension with bad name", "v=STSv1; id=a; _x=1", -1, "invalid extension name"},
	{"extension empty value", "v=STSv1; id=a; x=", -1, "empty extension value"},
	{"ID in upper case is an extension", "v=STSv1; ID=abc", -1, "no id"},
};

static void test_txt(void)
{
	size_t i;

	for (i = 0; i < sizeof(txt_rows) / sizeof(txt_rows[0]); i++) {
		const struct txt_row *r = &txt_rows[i];
		struct mtasts_txt t;
		const char *err = NULL;
		int rc = mtasts_txt_parse(r->in, strlen(r->in), &t, &err);

		is_int(rc, r->want, "txt %s: return", r->label);
		if (r->want == 0)
			is_str(t.id, r->id_or_err, "txt %s: id", r->label);
		else
			is_str(err, r->id_or_err, "txt %s: reason", r->label);
	}
	{	/* len is honoured; NUL inside is an error */
		struct mtasts_txt t;
		const char *err;

		is_int(mtasts_txt_parse("v=STSv1; id=abcXYZ;", 15, &t, &err), 0, "txt len honoured");
		is_str(t.id, "abc", "txt len honoured: id");
		is_int(mtasts_txt_parse("v=STSv1; id=a\0b", 15, &t, &err), -1, "txt NUL rejected");
	}
}

struct sel_row {
	const char *label;
	const char *recs[4];
	int want;
	const char *id_or_err;
};

static const struct sel_row sel_rows[] = {
	{"one record", {"v=STSv1; id=one"}, MTASTS_TXT_FOUND, "one"},
	{"others discarded", {"v=spf1 -all", "v=STSv1; id=one", "hello"}, MTASTS_TXT_FOUND, "one"},
	{"no records", {NULL}, MTASTS_TXT_NONE, "no v=STSv1 TXT record"},
	{"only other records", {"v=spf1 -all", "v=STSv10; id=x"}, MTASTS_TXT_NONE, "no v=STSv1 TXT record"},
	{"two records", {"v=STSv1; id=one", "v=STSv1; id=two"}, MTASTS_TXT_INVALID, "more than one v=STSv1 TXT record"},
	{"two, one invalid", {"v=STSv1; id=one", "v=STSv1"}, MTASTS_TXT_INVALID, "more than one v=STSv1 TXT record"},
	{"the one is invalid", {"v=STSv1 id=one"}, MTASTS_TXT_INVALID, "expected ';' after v=STSv1"},
};

static void test_select(void)
{
	size_t i, n;

	for (i = 0; i < sizeof(sel_rows) / sizeof(sel_rows[0]); i++) {
		const struct sel_row *r = &sel_rows[i];
		size_t lens[4];
		struct mtasts_txt t;
		const char *err = NULL;
		int rc;

		for (n = 0; n < 4 && r->recs[n]; n++)
			lens[n] = strlen(r->recs[n]);
		rc = mtasts_txt_select(r->recs, lens, n, &t, &err);
		is_int(rc, r->want, "select %s: return", r->label);
		if (rc == MTASTS_TXT_FOUND)
			is_str(t.id, r->id_or_err, "select %s: id", r->label);
		else
			is_str(err, r->id_or_err, "select %s: reason", r->label);
	}
}

/* ---------------------------------------------------------------- policy */

struct pol_row {
	const char *label;
	const char *body;
	const char *err;          /* NULL: must parse */
	int mode;
	long max_age;
	const char *mx;           /* patterns joined by ' ' */
};

#define GOODHDR "version: STSv1\nmode: enforce\nmax_age: 86400\n"

#define BAD(label, body, err) {label, body, err, 0, 0, NULL}

static const struct pol_row pol_rows[] = {
	{"LF", "version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 604800\n",
	    NULL, MTASTS_MODE_ENFORCE, 604800, "mail.example.com *.example.net"},
	{"CRLF", "version: STSv1\r\nmode: testing\r\nmx: mail.example.com\r\nmax_age: 86400\r\n",
	    NULL, MTASTS_MODE_TESTING, 86400, "mail.example.com"},
	{"mixed line ends, last line unterminated", "version: STSv1\nmode: enforce\r\nmx: a.example\nmax_age: 1",
	    NULL, MTASTS_MODE_ENFORCE, 1, "a.example"},
	{"no space after colon, trailing blanks", "version:STSv1 \nmode:\tenforce\t\nmx:a.example  \nmax_age:5",
	    NULL, MTASTS_MODE_ENFORCE, 5, "a.example"},
	{"fields in any order", "mx: a.example\nmax_age: 5\nmode: enforce\nversion: STSv1\n",
	    NULL, MTASTS_MODE_ENFORCE, 5, "a.example"},
	{"mode none without mx", "version: STSv1\nmode: none\nmax_age: 0\n", NULL, MTASTS_MODE_NONE, 0, ""},
	{"mx normalised", GOODHDR "mx: MAIL.Example.COM.\nmx: *.Example.Net.\n",
	    NULL, MTASTS_MODE_ENFORCE, 86400, "mail.example.com *.example.net"},
	{"repeated mx kept once", GOODHDR "mx: a.example\nmx: A.example.\n", NULL, MTASTS_MODE_ENFORCE, 86400, "a.example"},
	{"unknown keys ignored", GOODHDR "mx: a.example\nfoo: bar baz\nx_y-z.1: \xc3\xa9t\xc3\xa9\n",
	    NULL, MTASTS_MODE_ENFORCE, 86400, "a.example"},
	{"key in upper case is unknown", "version: STSv1\nMode: enforce\nmode: testing\nmax_age: 5\nmx: a.example\n",
	    NULL, MTASTS_MODE_TESTING, 5, "a.example"},
	{"trailing empty lines", GOODHDR "mx: a.example\n\n\r\n", NULL, MTASTS_MODE_ENFORCE, 86400, "a.example"},
	{"max_age at the bound", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557600\n",
	    NULL, MTASTS_MODE_ENFORCE, 31557600, "a.example"},
	{"max_age with leading zeros", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 0000000007\n",
	    NULL, MTASTS_MODE_ENFORCE, 7, "a.example"},
	BAD("max_age above the bound", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n",
	    "max_age is larger than 31557600"),
	BAD("max_age 11 digits", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 00000000001\n",
	    "max_age is not 1 to 10 digits"),
	BAD("max_age 10 nines", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 9999999999\n",
	    "max_age is larger than 31557600"),
	BAD("max_age negative", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n", "max_age is not 1 to 10 digits"),
	BAD("max_age garbage", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1d\n", "max_age is not 1 to 10 digits"),
	BAD("max_age empty", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age:\n", "max_age is not 1 to 10 digits"),
	BAD("max_age inner space", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1 2\n", "max_age is not 1 to 10 digits"),
	BAD("no version", "mode: enforce\nmx: a.example\nmax_age: 5\n", "no version"),
	BAD("bad version", "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 5\n", "version is not STSv1"),
	BAD("missing mode", "version: STSv1\nmx: a.example\nmax_age: 5\n", "no mode"),
	BAD("bad mode", "version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 5\n", "mode is not enforce, testing or none"),
	BAD("missing max_age", "version: STSv1\nmode: enforce\nmx: a.example\n", "no max_age"),
	BAD("no mx in enforce", "version: STSv1\nmode: enforce\nmax_age: 5\n", "no mx"),
	BAD("no mx in testing", "version: STSv1\nmode: testing\nmax_age: 5\n", "no mx"),
	BAD("duplicate version", "version: STSv1\nversion: STSv1\nmode: enforce\nmx: a.example\nmax_age: 5\n",
	    "version given more than once"),
	BAD("duplicate mode", GOODHDR "mx: a.example\nmode: testing\n", "mode given more than once"),
	BAD("duplicate max_age", GOODHDR "mx: a.example\nmax_age: 5\n", "max_age given more than once"),
	BAD("mx IPv4", GOODHDR "mx: 192.0.2.1\n", "mx: an IP address is not a host name"),
	BAD("mx IPv4 with dot", GOODHDR "mx: 192.0.2.1.\n", "mx: an IP address is not a host name"),
	BAD("mx IPv6", GOODHDR "mx: 2001:db8::1\n", "invalid character"),
	BAD("mx literal", GOODHDR "mx: [192.0.2.1]\n", "invalid character"),
	BAD("mx wildcard on IP", GOODHDR "mx: *.0.2.1\n", "mx: an IP address is not a host name"),
	BAD("mx inner wildcard", GOODHDR "mx: a.*.example\n", "mx: '*' is allowed only as a whole first label"),
	BAD("mx partial wildcard", GOODHDR "mx: *mx.example\n", "mx: '*' is allowed only as a whole first label"),
	BAD("mx bare wildcard", GOODHDR "mx: *\n", "mx: '*' is allowed only as a whole first label"),
	BAD("mx double wildcard", GOODHDR "mx: *.*.example\n", "mx: '*' is allowed only as a whole first label"),
	BAD("mx empty", GOODHDR "mx:\n", "empty name"),
	BAD("mx with space", GOODHDR "mx: a.example b.example\n", "invalid character"),
	BAD("mx with port", GOODHDR "mx: a.example:25\n", "invalid character"),
	BAD("empty line inside", "version: STSv1\n\nmode: enforce\nmx: a.example\nmax_age: 5\n", "empty line inside the policy"),
	BAD("leading white space", GOODHDR " mx: a.example\n", "line starts with white space"),
	BAD("space before colon", GOODHDR "mx : a.example\n", "invalid key"),
	BAD("line without colon", GOODHDR "mx: a.example\nhello\n", "line without ':'"),
	BAD("bare CR", "version: STSv1\rmode: enforce\nmx: a.example\nmax_age: 5\n", "bare CR in policy"),
	BAD("extension with empty value", GOODHDR "mx: a.example\nfoo:\n", "empty value"),
	BAD("control character in value", GOODHDR "mx: a.example\nfoo: a\x01" "b\n", "control character in value"),
	BAD("HTML", "<html><body>hello</body></html>\n", "line without ':'"),
	BAD("empty body", "", "no version"),
};

/* join - the policy's patterns joined by ' ' */
static void join(const struct mtasts_policy *p, char *out, size_t outsz)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < p->nmx; i++) {
		if (i)
			strncat(out, " ", outsz - strlen(out) - 1);
		strncat(out, p->mx[i], outsz - strlen(out) - 1);
	}
}

static void test_policy(void)
{
	size_t i;
	char buf[1024];

	for (i = 0; i < sizeof(pol_rows) / sizeof(pol_rows[0]); i++) {
		const struct pol_row *r = &pol_rows[i];
		const char *err = NULL;
		struct mtasts_policy *p = mtasts_policy_parse(r->body, strlen(r->body), &err);

		if (!r->err) {
			if (!ok(p != NULL, "policy %s: parses", r->label)) {
				printf("#   reason: %s\n", err);
				continue;
			}
			is_int(p->mode, r->mode, "policy %s: mode", r->label);
			is_int(p->max_age, r->max_age, "policy %s: max_age", r->label);
			join(p, buf, sizeof(buf));
			is_str(buf, r->mx, "policy %s: mx", r->label);
		} else {
			ok(p == NULL, "policy %s: refused", r->label);
			is_str(err, r->err, "policy %s: reason", r->label);
		}
		mtasts_policy_free(p);
	}
	{	/* size limit: exactly 65536 bytes parse, 65537 do not */
		size_t hl = strlen(GOODHDR "mx: a.example\n"), n = MTASTS_POLICY_MAX + 1;
		char *big = malloc(n + 1);
		struct mtasts_policy *p;
		const char *err = NULL;

		memcpy(big, GOODHDR "mx: a.example\n", hl);
		memcpy(big + hl, "pad: ", 5);
		memset(big + hl + 5, 'x', n - hl - 6);
		big[n - 1] = '\n';
		big[n] = '\0';
		p = mtasts_policy_parse(big, n - 1, &err);
		ok(p != NULL, "policy of 65536 bytes parses (%s)", p ? "ok" : err);
		mtasts_policy_free(p);
		big[n - 2] = 'x';
		p = mtasts_policy_parse(big, n, &err);
		ok(p == NULL, "policy of 65537 bytes refused");
		is_str(p ? "" : err, "policy larger than 65536 bytes", "oversize reason");
		mtasts_policy_free(p);
		free(big);
	}
	{	/* NUL inside; len honoured */
		const char *err = NULL;
		static const char nul[] = GOODHDR "mx: a.example\nfoo: a\0b\n";
		struct mtasts_policy *p = mtasts_policy_parse(nul, sizeof(nul) - 1, &err);

		ok(p == NULL, "policy with NUL refused");
		is_str(err, "NUL byte in policy", "NUL reason");
		mtasts_policy_free(p);
	}
	{	/* too many mx lines is an error, not a silent truncation */
		size_t k, cap = 300 * 32 + 100;
		char *b = malloc(cap), *w = b;
		const char *err = NULL;
		struct mtasts_policy *p;

		w += sprintf(w, GOODHDR);
		for (k = 0; k < MTASTS_MX_MAX + 1; k++)
			w += sprintf(w, "mx: mx%zu.example\n", k);
		p = mtasts_policy_parse(b, (size_t)(w - b), &err);
		ok(p == NULL, "more than %d mx refused", MTASTS_MX_MAX);
		is_str(p ? "" : err, "too many mx lines", "too many mx: reason");
		mtasts_policy_free(p);
		free(b);
	}
	is_str(mtasts_mode_name(MTASTS_MODE_ENFORCE), "enforce", "mode name enforce");
	is_str(mtasts_mode_name(MTASTS_MODE_TESTING), "testing", "mode name testing");
	is_str(mtasts_mode_name(MTASTS_MODE_NONE), "none", "mode name none");
	{
		enum mtasts_mode m = MTASTS_MODE_NONE;

		ok(mtasts_mode_parse("enforce", &m) == 0 && m == MTASTS_MODE_ENFORCE, "mode parse enforce");
		ok(mtasts_mode_parse("ENFORCE", &m) == -1, "mode parse is case-sensitive");
	}
}

/* Mutated inputs (fixed seed): the parsers never crash or hang, and whatever
 * they accept keeps the invariants the callers rely on. */
static void test_mutations(void)
{
	static const char *seeds[] = {
		"version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n",
		"v=STSv1; id=20160831085700Z; ext=v",
	};
	static const char alphabet[] = "v=STSv1;id:\r\n \t*.-_0123456789mxmodeversionmax_ageenforce\x80\x01";
	unsigned long x = 12345;
	char buf[256];
	int i, bad = 0, accepted = 0;

	for (i = 0; i < 40000; i++) {
		const char *seed = seeds[i & 1];
		size_t len = strlen(seed), k, nmut;
		const char *err;

		memcpy(buf, seed, len);
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		nmut = 1 + (x >> 60) % 4;
		for (k = 0; k < nmut; k++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			switch ((x >> 33) % 3) {
			case 0:                                   /* replace a byte */
				if (len)
					buf[(x >> 40) % len] = alphabet[(x >> 20) % (sizeof(alphabet) - 1)];
				break;
			case 1:                                   /* cut */
				len = (x >> 40) % (len + 1);
				break;
			default:                                  /* insert a byte */
				if (len < sizeof(buf) - 1) {
					size_t at = (x >> 40) % (len + 1);

					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = alphabet[(x >> 20) % (sizeof(alphabet) - 1)];
					len++;
				}
			}
		}
		if (i & 1) {
			struct mtasts_txt t;

			if (mtasts_txt_parse(buf, len, &t, &err) == 0) {
				size_t n = strlen(t.id);

				accepted++;
				bad += n == 0 || n > MTASTS_ID_MAX || strspn(t.id,
				    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n;
			}
		} else {
			struct mtasts_policy *p = mtasts_policy_parse(buf, len, &err);

			if (p) {
				size_t j;

				accepted++;
				bad += p->max_age < 0 || p->max_age > MTASTS_MAX_AGE_MAX ||
				    (p->nmx == 0 && p->mode != MTASTS_MODE_NONE);
				for (j = 0; j < p->nmx; j++)
					bad += strspn(p->mx[j], "abcdefghijklmnopqrstuvwxyz0123456789-_.*") != strlen(p->mx[j]);
				mtasts_policy_free(p);
			} else {
				bad += err == NULL;
			}
		}
	}
	is_int(bad, 0, "40000 mutated inputs: invariants hold (%d accepted)", accepted);
}

/* ---------------------------------------------------------------- mx match */

struct mx_row {
	const char *pattern, *host;
	int want;
};

static const struct mx_row mx_rows[] = {
	{"mail.example.com", "mail.example.com", 1},
	{"mail.example.com", "MAIL.Example.COM", 1},
	{"mail.example.com", "mail.example.com.", 1},
	{"Mail.Example.Com.", "mail.example.com", 1},
	{"mail.example.com", "mail2.example.com", 0},
	{"mail.example.com", "x.mail.example.com", 0},
	{"mail.example.com", "example.com", 0},
	{"*.example.com", "mx1.example.com", 1},
	{"*.example.com", "MX1.EXAMPLE.COM.", 1},
	{"*.Example.COM.", "mx1.example.com", 1},
	{"*.example.com", "example.com", 0},
	{"*.example.com", "a.b.example.com", 0},
	{"*.example.com", ".example.com", 0},
	{"*.example.com", "mx1.example.org", 0},
	{"*.example.com", "mx1.notexample.com", 0},
	{"*.example.com", "mx1example.com", 0},
	{"*.example.com", "*.example.com", 0},
	{"*.b.example.com", "a.b.example.com", 1},
	{"*.com", "example.com", 1},
	{"a.*.example.com", "a.b.example.com", 0},
	{"*mx.example.com", "mx.example.com", 0},
	{"*", "example", 0},
	{"192.0.2.1", "192.0.2.1", 0},
	{"*.0.2.1", "192.0.2.1", 0},
	{"mail.example.com", "192.0.2.1", 0},
	{"*.example.com", "[192.0.2.1]", 0},
	{"2001:db8::1", "2001:db8::1", 0},
	{"mail.example.com", "", 0},
	{"", "mail.example.com", 0},
	{"mail.example.com", "mail..example.com", 0},
	{"mail.example.com", "mail.example.com..", 0},
};

static void test_mx(void)
{
	size_t i;

	for (i = 0; i < sizeof(mx_rows) / sizeof(mx_rows[0]); i++) {
		const struct mx_row *r = &mx_rows[i];

		is_int(mtasts_mx_match(r->pattern, r->host), r->want, "mx_match(\"%s\", \"%s\")", r->pattern, r->host);
	}
	ok(mtasts_mx_match(NULL, "a") == 0 && mtasts_mx_match("a", NULL) == 0, "mx_match NULL is no match");
	{
		static const char body[] = GOODHDR "mx: mail.example.com\nmx: *.example.net\n";
		const char *hosts[] = {"mail.example.com", "a.example.net", "example.net", "other.example.com",
		    "x.y.example.net", "Mail.Example.Com."};
		unsigned char m[6];
		const char *err;
		struct mtasts_policy *p = mtasts_policy_parse(body, sizeof(body) - 1, &err);

		is_int(mtasts_policy_match(p, hosts, 6, m), 3, "policy_match: count");
		ok(m[0] == 1 && m[1] == 1 && m[2] == 0 && m[3] == 0 && m[4] == 0 && m[5] == 1,
		    "policy_match: flags %d%d%d%d%d%d", m[0], m[1], m[2], m[3], m[4], m[5]);
		is_int(mtasts_policy_match(p, hosts, 0, NULL), 0, "policy_match: no hosts");
		mtasts_policy_free(p);
		is_int(mtasts_policy_match(NULL, hosts, 2, m), 0, "policy_match: no policy");
		ok(m[0] == 0 && m[1] == 0, "policy_match: no policy, flags cleared");
	}
}

/* ---------------------------------------------------------------- store */

static int count_cb(const struct mtasts_store_entry *e, void *arg)
{
	char *seen = arg;

	strncat(seen, e->domain, 200 - strlen(seen) - 2);
	strcat(seen, ";");
	return 0;
}

/* Eight threads share one store: each puts and reads back its own domains. */
#define NTHREADS 8
#define PER_THREAD 40
struct worker { struct mtasts_store *st; int n; int good; };

static void *store_worker(void *arg)
{
	static const char pol[] = "version: STSv1\nmode: enforce\nmx: mx.example\nmax_age: 60\n";
	struct worker *w = arg;
	char dom[64], id[16], err[200];
	struct mtasts_store_entry e;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		snprintf(dom, sizeof(dom), "t%d-%d.example", w->n, i);
		snprintf(id, sizeof(id), "id%d", i);
		if (mtasts_store_put(w->st, dom, id, pol, sizeof(pol) - 1, i, err, sizeof(err)) != 0)
			continue;
		if (mtasts_store_get(w->st, dom, &e, err, sizeof(err)) == 1 && strcmp(e.id, id) == 0 && e.fetched_at == i)
			w->good++;
		mtasts_store_entry_clear(&e);
	}
	return NULL;
}

static void test_store_threads(const char *dir)
{
	char path[300], err[300];
	struct mtasts_store *st;
	pthread_t tid[NTHREADS];
	struct worker w[NTHREADS];
	int i, good = 0;

	snprintf(path, sizeof(path), "%s/threads.db", dir);
	if (!ok((st = mtasts_store_open(path, err, sizeof(err))) != NULL, "store threads: open"))
		return;
	for (i = 0; i < NTHREADS; i++) {
		w[i].st = st;
		w[i].n = i;
		w[i].good = 0;
		pthread_create(&tid[i], NULL, store_worker, &w[i]);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(tid[i], NULL);
		good += w[i].good;
	}
	is_int(good, NTHREADS * PER_THREAD, "store threads: every put read back");
	is_int(mtasts_store_list(st, NULL, NULL, err, sizeof(err)), NTHREADS * PER_THREAD, "store threads: all listed");
	mtasts_store_close(st);
}

/* A writer killed with SIGKILL in the middle of its puts leaves a store
 * that opens, passes the integrity check and holds only whole entries. */
static void test_store_crash(const char *dir)
{
	static const char pol[] = "version: STSv1\nmode: testing\nmx: *.example\nmax_age: 60\n";
	char path[300], err[300];
	struct mtasts_store *st;
	pid_t pid;
	long n;

	snprintf(path, sizeof(path), "%s/crash.db", dir);
	pid = fork();
	if (pid == 0) {
		char dom[64];
		long i;

		if (!(st = mtasts_store_open(path, err, sizeof(err))))
			_exit(1);
		for (i = 0;; i++) {
			snprintf(dom, sizeof(dom), "d%ld.example", i % 5000);
			mtasts_store_put(st, dom, "x1", pol, sizeof(pol) - 1, i, err, sizeof(err));
		}
	}
	usleep(300000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	st = mtasts_store_open(path, err, sizeof(err));
	if (!ok(st != NULL, "store crash: reopens after SIGKILL")) {
		printf("#   %s\n", err);
		return;
	}
	n = mtasts_store_list(st, NULL, NULL, err, sizeof(err));
	ok(n > 0, "store crash: %ld whole entries, none broken", n);
	mtasts_store_close(st);
}

static void test_store(void)
{
	char dir[] = "/tmp/test_mtasts.XXXXXX", path[300], err[300], seen[200];
	static const char pol1[] = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n";
	static const char pol2[] = "version: STSv1\nmode: testing\nmx: mx.example.org\nmax_age: 600\n";
	struct mtasts_store *st;
	struct mtasts_store_entry e;
	FILE *f;

	if (!mkdtemp(dir)) {
		ok(0, "store: mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/mta-sts.db", dir);
	st = mtasts_store_open(path, err, sizeof(err));
	if (!ok(st != NULL, "store: open creates")) {
		printf("#   %s\n", err);
		return;
	}
	is_int(mtasts_store_get(st, "example.com", &e, err, sizeof(err)), 0, "store: empty get is absent");
	is_int(mtasts_store_put(st, "Example.COM.", "id1", pol1, sizeof(pol1) - 1, 1700000000, err, sizeof(err)), 0,
	    "store: put");
	is_int(mtasts_store_put(st, "example.org", "id2", pol2, sizeof(pol2) - 1, 1700000100, err, sizeof(err)), 0,
	    "store: put second");
	is_int(mtasts_store_put(st, "example.org", "id3", pol2, sizeof(pol2) - 1, 1700000200, err, sizeof(err)), 0,
	    "store: replace");
	is_int(mtasts_store_put(st, "bad.example", "id-1", pol2, sizeof(pol2) - 1, 1, err, sizeof(err)), -1,
	    "store: bad id refused");
	is_int(mtasts_store_put(st, "bad.example", "id1", "junk", 4, 1, err, sizeof(err)), -1,
	    "store: invalid policy refused");
	is_str(err, "mta-sts store: bad.example: invalid policy: line without ':'", "store: invalid policy reason");
	is_int(mtasts_store_put(st, "bad..example", "id1", pol2, sizeof(pol2) - 1, 1, err, sizeof(err)), -1,
	    "store: bad domain refused");
	mtasts_store_close(st);

	st = mtasts_store_open(path, err, sizeof(err));
	if (!ok(st != NULL, "store: reopen")) {
		printf("#   %s\n", err);
		return;
	}
	is_int(mtasts_store_get(st, "example.com", &e, err, sizeof(err)), 1, "store: get after reopen");
	is_str(e.domain, "example.com", "store: domain normalised");
	is_str(e.id, "id1", "store: id");
	is_int(e.fetched_at, 1700000000, "store: fetched_at");
	is_int(e.len, sizeof(pol1) - 1, "store: text length");
	ok(e.text && memcmp(e.text, pol1, sizeof(pol1) - 1) == 0, "store: text kept byte for byte");
	ok(e.policy && e.policy->mode == MTASTS_MODE_ENFORCE && e.policy->max_age == 86400 && e.policy->nmx == 2,
	    "store: policy parsed");
	is_int(mtasts_store_entry_expired(&e, 1700000000 + 86400), 0, "store: not expired at max_age");
	is_int(mtasts_store_entry_expired(&e, 1700000000 + 86401), 1, "store: expired after max_age");
	mtasts_store_entry_clear(&e);
	is_int(mtasts_store_get(st, "EXAMPLE.ORG.", &e, err, sizeof(err)), 1, "store: get replaced");
	is_str(e.id, "id3", "store: replaced id");
	mtasts_store_entry_clear(&e);
	seen[0] = '\0';
	is_int(mtasts_store_list(st, count_cb, seen, err, sizeof(err)), 2, "store: list count");
	is_str(seen, "example.com;example.org;", "store: list in domain order");
	is_int(mtasts_store_delete(st, "example.com", err, sizeof(err)), 1, "store: delete");
	is_int(mtasts_store_delete(st, "example.com", err, sizeof(err)), 0, "store: delete absent");
	is_int(mtasts_store_get(st, "example.com", &e, err, sizeof(err)), 0, "store: gone after delete");
	mtasts_store_close(st);

	/* The offline view the header documents. */
	{
		char cmd[600], line[300] = "";
		FILE *pp;

		snprintf(cmd, sizeof(cmd), "sqlite3 %s \"select domain, id, mode, max_age, mx from mtasts_policy\" 2>&1", path);
		pp = popen(cmd, "r");
		if (pp && fgets(line, sizeof(line), pp))
			line[strcspn(line, "\n")] = '\0';
		if (pp)
			pclose(pp);
		is_str(line, "example.org|id3|testing|600|mx.example.org", "store: readable with sqlite3");
	}

	/* A row edited by hand into an invalid policy is an error naming the domain. */
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "sqlite3 %s \"update mtasts_policy set policy='junk'\"", path);
		ok(system(cmd) == 0, "store: hand edit");
		st = mtasts_store_open(path, err, sizeof(err));
		ok(st != NULL, "store: open after edit");
		if (st) {
			is_int(mtasts_store_get(st, "example.org", &e, err, sizeof(err)), -1, "store: bad row is an error");
			is_str(err, "mta-sts store: example.org: stored policy is invalid: line without ':'",
			    "store: bad row reason");
			is_int(mtasts_store_list(st, NULL, NULL, err, sizeof(err)), -1, "store: list with bad row is an error");
			mtasts_store_close(st);
		}
	}

	/* A file that is not a database. */
	snprintf(path, sizeof(path), "%s/garbage.db", dir);
	f = fopen(path, "w");
	fputs("this is not an SQLite database, but it is long enough to have a header ........................\n", f);
	fclose(f);
	st = mtasts_store_open(path, err, sizeof(err));
	ok(st == NULL, "store: garbage file refused");
	ok(strstr(err, "garbage.db") && strstr(err, "not a database"), "store: garbage reason: %s", err);
	mtasts_store_close(st);

	/* A database whose pages were overwritten. */
	{
		char cmd[900];

		snprintf(path, sizeof(path), "%s/corrupt.db", dir);
		snprintf(cmd, sizeof(cmd), "sqlite3 %s \"create table t(x); insert into t select randomblob(500) from"
		    " (with recursive c(i) as (select 1 union all select i+1 from c where i<200) select i from c);\" &&"
		    " dd if=/dev/urandom of=%s bs=1024 seek=2 count=8 conv=notrunc 2>/dev/null", path, path);
		ok(system(cmd) == 0, "store: make a corrupt file");
		st = mtasts_store_open(path, err, sizeof(err));
		ok(st == NULL, "store: corrupt file refused");
		ok(strstr(err, "corrupt.db") != NULL, "store: corrupt reason: %s", err);
		mtasts_store_close(st);
	}

	/* A directory that does not exist. */
	snprintf(path, sizeof(path), "%s/no/such/dir.db", dir);
	st = mtasts_store_open(path, err, sizeof(err));
	ok(st == NULL, "store: missing directory refused");
	ok(strstr(err, "unable to open") != NULL, "store: missing directory reason: %s", err);
	mtasts_store_close(st);

	/* A newer schema is refused, not used. */
	{
		char cmd[600];

		snprintf(path, sizeof(path), "%s/newer.db", dir);
		snprintf(cmd, sizeof(cmd), "sqlite3 %s \"pragma user_version=7\"", path);
		ok(system(cmd) == 0, "store: make a newer schema");
		st = mtasts_store_open(path, err, sizeof(err));
		ok(st == NULL, "store: newer schema refused");
		ok(strstr(err, "schema version 7") != NULL, "store: newer schema reason: %s", err);
		mtasts_store_close(st);
	}
	test_store_threads(dir);
	test_store_crash(dir);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
}

int main(void)
{
	test_txt();
	test_select();
	test_policy();
	test_mutations();
	test_mx();
	test_store();
	return tap_done();
}
