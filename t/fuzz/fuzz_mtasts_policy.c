/*
 * fuzz_mtasts_policy - the MTA-STS policy body (mtasts/mtasts_policy), what
 * a stranger's HTTPS server returns, and the matching of MX host names
 * against its patterns.
 *
 * Input: the whole input is one body for mtasts_policy_parse.  When it holds
 * a NUL byte, the bytes before the first NUL are parsed as a second body and
 * the NUL-separated rest are MX host names (at most 16) matched against it
 * with mtasts_policy_match and mtasts_mx_match.
 *
 * Properties: a parsed policy came from at most 65536 bytes without NUL or
 * bare CR; its mode is one of the three (and mode_name/mode_parse invert
 * each other), max_age is 0..31557600, nmx <= MTASTS_MX_MAX and 0 only with
 * mode none; every pattern is unique, lower case, without trailing dot,
 * "*." + name or a name, the name valid for domain_normalize (unchanged) and
 * not an IP address; a name pattern matches itself, in upper case and with
 * a trailing dot; "*.name" matches "x.name", not "name" nor "a.x.name";
 * print -> parse gives the same policy; a failure has a printable reason.
 * Matching: policy_match counts exactly the hosts some pattern matches
 * (per mtasts_mx_match), and matched[] says which; a host that matches is
 * a valid name that is not an IP address.
 */
#include <ctype.h>

#include "fuzz.h"
#include "mtasts/mtasts_policy.h"
#include "util/domain.h"

#define MAXHOSTS 16

static struct mtasts_policy *parse(const char *body, size_t len)
{
	const char *err = NULL;
	struct mtasts_policy *p = mtasts_policy_parse(body, len, &err);

	if (p == NULL)
		FUZZ_ASSERT(err != NULL && *err && fuzz_printable(err), "error without a printable reason");
	return p;
}

static int all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static void check_pattern(const char *pat)
{
	char norm[DOMAIN_MAX + 1], buf[DOMAIN_MAX + 8];
	const char *err, *name = pat, *last;
	size_t i, n;

	if (strncmp(pat, "*.", 2) == 0)
		name = pat + 2;
	n = strlen(name);
	FUZZ_ASSERT(strchr(name, '*') == NULL, "'*' inside pattern '%s'", pat);
	FUZZ_ASSERT(domain_normalize(name, n, norm, sizeof norm, &err) == 0 && strcmp(norm, name) == 0,
	    "pattern '%s' is not a normalized host name", pat);
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(!isupper((unsigned char)name[i]), "upper case in '%s'", pat);
	FUZZ_ASSERT(strchr(name, ':') == NULL && strchr(name, '[') == NULL, "IP pattern '%s'", pat);
	last = strrchr(name, '.');
	FUZZ_ASSERT(!all_digits(last ? last + 1 : name), "pattern '%s' ends in a numeric label", pat);

	if (name == pat) {
		FUZZ_ASSERT(mtasts_mx_match(pat, pat) == 1, "'%s' does not match itself", pat);
		snprintf(buf, sizeof buf, "%s.", pat);
		for (i = 0; buf[i]; i++)
			buf[i] = (char)toupper((unsigned char)buf[i]);
		FUZZ_ASSERT(mtasts_mx_match(pat, buf) == 1, "'%s' does not match '%s'", pat, buf);
		snprintf(buf, sizeof buf, "x.%s", pat);
		FUZZ_ASSERT(mtasts_mx_match(pat, buf) == 0, "'%s' matches '%s'", pat, buf);
	} else {
		FUZZ_ASSERT(mtasts_mx_match(pat, name) == 0, "'%s' matches '%s'", pat, name);
		if (n + 2 <= DOMAIN_MAX) {
			snprintf(buf, sizeof buf, "x.%s", name);
			FUZZ_ASSERT(mtasts_mx_match(pat, buf) == 1, "'%s' does not match '%s'", pat, buf);
			buf[0] = 'X';
			FUZZ_ASSERT(mtasts_mx_match(pat, buf) == 1, "'%s' does not match '%s'", pat, buf);
		}
		if (n + 4 <= DOMAIN_MAX) {
			snprintf(buf, sizeof buf, "a.x.%s", name);
			FUZZ_ASSERT(mtasts_mx_match(pat, buf) == 0, "'%s' matches '%s'", pat, buf);
		}
	}
}

static void check_policy(const struct mtasts_policy *p, const char *body, size_t len)
{
	enum mtasts_mode m;
	struct mtasts_policy *q;
	char *printed;
	size_t i, j, o, cap;

	FUZZ_ASSERT(len <= (size_t)MTASTS_POLICY_MAX && memchr(body, '\0', len) == NULL, "accepted body");
	for (i = 0; i < len; i++)
		FUZZ_ASSERT(body[i] != '\r' || (i + 1 < len && body[i + 1] == '\n'), "bare CR accepted");
	FUZZ_ASSERT(p->mode == MTASTS_MODE_NONE || p->mode == MTASTS_MODE_TESTING || p->mode == MTASTS_MODE_ENFORCE,
	    "mode %d", (int)p->mode);
	FUZZ_ASSERT(mtasts_mode_parse(mtasts_mode_name(p->mode), &m) == 0 && m == p->mode, "mode name");
	FUZZ_ASSERT(p->max_age >= 0 && p->max_age <= MTASTS_MAX_AGE_MAX, "max_age %ld", p->max_age);
	FUZZ_ASSERT(p->nmx <= MTASTS_MX_MAX, "nmx %zu", p->nmx);
	FUZZ_ASSERT(p->nmx > 0 || p->mode == MTASTS_MODE_NONE, "no mx with mode %s", mtasts_mode_name(p->mode));
	for (i = 0; i < p->nmx; i++) {
		check_pattern(p->mx[i]);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(p->mx[i], p->mx[j]) != 0, "pattern '%s' twice", p->mx[i]);
	}

	/* print -> parse */
	cap = 64 + p->nmx * (DOMAIN_MAX + 8);
	if ((printed = malloc(cap)) == NULL)
		abort();
	o = (size_t)snprintf(printed, cap, "version: STSv1\r\nmode: %s\nmax_age:%ld\n", mtasts_mode_name(p->mode),
	    p->max_age);
	for (i = 0; i < p->nmx; i++)
		o += (size_t)snprintf(printed + o, cap - o, "mx: %s\t\n", p->mx[i]);
	q = parse(printed, o);
	FUZZ_ASSERT(q != NULL, "printed policy does not parse:\n%s", printed);
	FUZZ_ASSERT(q->mode == p->mode && q->max_age == p->max_age && q->nmx == p->nmx, "printed policy differs");
	for (i = 0; i < p->nmx; i++)
		FUZZ_ASSERT(strcmp(q->mx[i], p->mx[i]) == 0, "printed mx %zu differs", i);
	mtasts_policy_free(q);
	free(printed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	const char *hosts[MAXHOSTS];
	unsigned char matched[MAXHOSTS];
	struct mtasts_policy *p;
	size_t nh = 0, i, j, start, blen, count;

	if (copy == NULL)
		abort();
	memcpy(copy, data, size);

	if ((p = parse(copy, size)) != NULL) {
		check_policy(p, copy, size);
		mtasts_policy_free(p);
	}
	if ((blen = strnlen(copy, size)) == size) {
		free(copy);
		return 0;
	}
	/* body before the first NUL; then NUL-separated host names (the last one
	 * ends at the end of the input: make it a C string) */
	copy = realloc(copy, size + 1);
	if (copy == NULL)
		abort();
	copy[size] = '\0';
	for (start = blen + 1, i = start; i <= size && nh < MAXHOSTS; i++)
		if (copy[i] == '\0') {
			hosts[nh++] = copy + start;
			start = i + 1;
		}
	p = parse(copy, blen);
	if (p != NULL)
		check_policy(p, copy, blen);
	memset(matched, 0xAA, sizeof matched);
	count = mtasts_policy_match(p, hosts, nh, matched);
	{
		size_t want = 0;

		for (i = 0; i < nh; i++) {
			int m = 0;

			for (j = 0; p && j < p->nmx && !m; j++)
				m = mtasts_mx_match(p->mx[j], hosts[i]);
			FUZZ_ASSERT(matched[i] == m, "matched[%zu] = %u, mx_match says %d", i, matched[i], m);
			want += (size_t)m;
			if (m) {
				char norm[DOMAIN_MAX + 1];
				const char *err;

				FUZZ_ASSERT(domain_normalize(hosts[i], strlen(hosts[i]), norm, sizeof norm, &err) == 0,
				    "invalid host '%s' matched", hosts[i]);
				FUZZ_ASSERT(strchr(norm, ':') == NULL, "IP host '%s' matched", hosts[i]);
			}
		}
		FUZZ_ASSERT(count == want, "policy_match %zu, expected %zu", count, want);
	}
	mtasts_policy_free(p);
	free(copy);
	return 0;
}
