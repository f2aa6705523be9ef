/*
 * cipherex - cipher exclusions (see cipherex.h for the matching rule).
 *
 * Names are cut into parts once, upper-cased, into fixed arrays: no
 * allocation, so a check can never fail for lack of memory.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "policy/cipherex.h"

#define MAXPARTS 32

struct parts {
	char buf[CIPHEREX_NAME_MAX + 1];
	const char *p[MAXPARTS];
	size_t n;
};

/* split - s into upper-case parts at '-' and '_'; -1 unless a well-formed name */
static int split(const char *s, struct parts *out)
{
	size_t len = s ? strlen(s) : 0, start = 0;

	out->n = 0;
	if (len == 0 || len > CIPHEREX_NAME_MAX)
		return -1;
	for (size_t i = 0; i <= len; i++) {
		char c = s[i];
		if (c == '-' || c == '_' || c == '\0') {
			if (i == start || out->n == MAXPARTS)
				return -1;      /* empty part, or absurdly many */
			out->buf[i] = '\0';
			out->p[out->n++] = out->buf + start;
			start = i + 1;
		} else if (isalnum((unsigned char)c) && (unsigned char)c < 128)
			out->buf[i] = (char)toupper((unsigned char)c);
		else
			return -1;
	}
	return 0;
}

static int has(const struct parts *c, const char *part)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->p[i], part) == 0)
			return 1;
	return 0;
}

/* s is prefix followed only by digits (none allowed too) */
static int prefix_digits(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return 0;
	for (s += n; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int f_rc4(const struct parts *c) { return has(c, "RC4"); }
static int f_rc2(const struct parts *c) { return has(c, "RC2"); }
static int f_idea(const struct parts *c) { return has(c, "IDEA"); }
static int f_seed(const struct parts *c) { return has(c, "SEED"); }
static int f_md5(const struct parts *c) { return has(c, "MD5"); }
static int f_3des(const struct parts *c) { return has(c, "CBC3") || has(c, "3DES"); }

static int f_camellia(const struct parts *c)
{
	return has(c, "CAMELLIA") || has(c, "CAMELLIA128") || has(c, "CAMELLIA256");
}

static int f_des(const struct parts *c)
{
	for (size_t i = 0; i + 1 < c->n; i++)
		if (strcmp(c->p[i], "DES") == 0 && strcmp(c->p[i + 1], "CBC") == 0)
			return 1;
	return has(c, "DES40");
}

/* TLS 1.3 integrity-only suites (RFC 9150) are TLS_SHA256_SHA256, TLS_SHA384_SHA384 */
static int f_null(const struct parts *c)
{
	return has(c, "NULL") || (c->n >= 2 && strcmp(c->p[0], "TLS") == 0 && strncmp(c->p[1], "SHA", 3) == 0);
}

static int f_anull(const struct parts *c)
{
	return has(c, "ADH") || has(c, "AECDH") || has(c, "ANON");
}

static int f_export(const struct parts *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (prefix_digits(c->p[i], "EXPORT") || prefix_digits(c->p[i], "EXP"))
			return 1;
	return 0;
}

static int f_sha1(const struct parts *c)
{
	return c->n > 0 && (strcmp(c->p[c->n - 1], "SHA") == 0 || strcmp(c->p[c->n - 1], "SHA1") == 0);
}

static const struct family {
	const char *name, *alias;
	int (*match)(const struct parts *);
} families[] = {
	{ "RC4", NULL, f_rc4 }, { "RC2", NULL, f_rc2 }, { "IDEA", NULL, f_idea }, { "SEED", NULL, f_seed },
	{ "CAMELLIA", NULL, f_camellia }, { "3DES", NULL, f_3des }, { "DES", NULL, f_des },
	{ "NULL", "eNULL", f_null }, { "aNULL", NULL, f_anull }, { "EXPORT", "EXP", f_export },
	{ "MD5", NULL, f_md5 }, { "SHA1", NULL, f_sha1 },
};

/* family - the family an entry names (keywords are case-insensitive), or NULL */
static const struct family *family(const char *entry)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct family *f = &families[i];
		if (strcasecmp(entry, f->name) == 0 || (f->alias && strcasecmp(entry, f->alias) == 0))
			return f;
	}
	return NULL;
}

int cipherex_valid(const char *entry, const char **err)
{
	struct parts e;

	if (entry && family(entry))
		return 0;
	if (!entry || split(entry, &e) < 0) {
		*err = "expected a family (RC4, RC2, IDEA, SEED, CAMELLIA, 3DES, DES, NULL, aNULL, EXPORT, MD5, SHA1) "
		    "or a cipher name or part of one, such as DES-CBC (letters and digits joined by '-' or '_', "
		    "at most 63 characters)";
		return -1;
	}
	if (e.n == 1) {
		*err = "not a cipher family (RC4, RC2, IDEA, SEED, CAMELLIA, 3DES, DES, NULL, aNULL, EXPORT, MD5, "
		    "SHA1); a cipher name or part of one has a '-' or '_', such as DES-CBC or ECDHE-RSA-AES128-SHA";
		return -1;
	}
	return 0;
}

int cipherex_is_name(const char *cipher)
{
	struct parts c;

	return split(cipher, &c) == 0;
}

int cipherex_match(const char *entry, const char *cipher)
{
	const struct family *f = family(entry);
	struct parts c, e;

	if (split(cipher, &c) < 0)
		return 0;
	if (f)
		return f->match(&c);
	if (split(entry, &e) < 0 || e.n > c.n)
		return 0;
	for (size_t i = 0; i + e.n <= c.n; i++) {
		size_t j = 0;
		while (j < e.n && strcmp(c.p[i + j], e.p[j]) == 0)
			j++;
		if (j == e.n)
			return 1;
	}
	return 0;
}
