/*
 * mtasts_policy - parse the MTA-STS policy body (RFC 8461 3.2) and match MX
 * host names against its patterns (RFC 8461 4.1).
 *
 * Grammar (abridged; %s = case-sensitive):
 *   record = field *WSP *(term field *WSP) [term],  term = LF / CRLF
 *   field  = key ":" *WSP value
 *   version: %s"STSv1"   mode: %s"testing" / %s"enforce" / %s"none"
 *   max_age: 1*10DIGIT (<= 31557600)   mx: ["*."] Domain
 *   extension: (ALPHA/DIGIT) *31(ALPHA/DIGIT/"_"/"-"/".") ":" *WSP vchars
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/domain.h"
#include "mtasts/mtasts_policy.h"

static int is_wsp(char c) { return c == ' ' || c == '\t'; }
static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* keyis - the key of klen bytes is exactly word */
static int keyis(const char *k, size_t klen, const char *word)
{
	return strlen(word) == klen && memcmp(k, word, klen) == 0;
}

/* valis - the value of vlen bytes is exactly word */
#define valis keyis

/* looks_like_ip - an IPv4 dotted quad, anything with ':' or brackets, or a
 * name whose last label is all digits (no TLD is): never a host name here */
static int looks_like_ip(const char *name)
{
	const char *last;
	unsigned char buf[16];
	size_t i;

	if (strchr(name, ':') || strchr(name, '[') || strchr(name, ']'))
		return 1;
	if (inet_pton(AF_INET, name, buf) == 1)
		return 1;
	last = strrchr(name, '.');
	last = last ? last + 1 : name;
	if (!*last)
		return 0;
	for (i = 0; last[i]; i++)
		if (!isdigit((unsigned char)last[i]))
			return 0;
	return 1;
}

/* norm_pattern - "*.name" or "name" (len bytes) to lower case without the
 * trailing dot in out (DOMAIN_MAX + 3 bytes).  0, or -1 with *err. */
static int norm_pattern(const char *in, size_t len, char *out, const char **err)
{
	size_t off = 0;

	if (len >= 2 && in[0] == '*' && in[1] == '.') {
		memcpy(out, "*.", 2);
		off = 2;
	}
	if (memchr(in + off, '*', len - off)) {
		*err = "mx: '*' is allowed only as a whole first label";
		return -1;
	}
	if (domain_normalize(in + off, len - off, out + off, DOMAIN_MAX + 1, err) != 0)
		return -1;
	if (looks_like_ip(out + off)) {
		*err = "mx: an IP address is not a host name";
		return -1;
	}
	return 0;
}

void mtasts_policy_free(struct mtasts_policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	free(p->mx);
	free(p);
}

const char *mtasts_mode_name(enum mtasts_mode m)
{
	switch (m) {
	case MTASTS_MODE_ENFORCE: return "enforce";
	case MTASTS_MODE_TESTING: return "testing";
	case MTASTS_MODE_NONE: return "none";
	}
	return "?";
}

int mtasts_mode_parse(const char *s, enum mtasts_mode *m)
{
	if (strcmp(s, "enforce") == 0)
		*m = MTASTS_MODE_ENFORCE;
	else if (strcmp(s, "testing") == 0)
		*m = MTASTS_MODE_TESTING;
	else if (strcmp(s, "none") == 0)
		*m = MTASTS_MODE_NONE;
	else
		return -1;
	return 0;
}

/* add_mx - append a normalised pattern; 0 or -1 with *err */
static int add_mx(struct mtasts_policy *p, const char *v, size_t vlen, const char **err)
{
	char buf[DOMAIN_MAX + 3];
	char **nv, *copy;
	size_t i;

	if (norm_pattern(v, vlen, buf, err) != 0)
		return -1;
	for (i = 0; i < p->nmx; i++)        /* a repeated pattern adds nothing */
		if (strcmp(p->mx[i], buf) == 0)
			return 0;
	if (p->nmx >= MTASTS_MX_MAX) {
		*err = "too many mx lines";
		return -1;
	}
	if (!(copy = strdup(buf)) || !(nv = realloc(p->mx, (p->nmx + 1) * sizeof(*nv)))) {
		free(copy);
		*err = "out of memory";
		return -1;
	}
	p->mx = nv;
	p->mx[p->nmx++] = copy;
	return 0;
}

/* parse_field - one line "key: value" (no terminator) into p; seen holds
 * bit 1 version, 2 mode, 4 max_age.  0 or -1 with *err. */
static int parse_field(struct mtasts_policy *p, const char *l, size_t len, int *seen, const char **err)
{
	const char *k = l, *v, *end = l + len, *colon;
	size_t klen, vlen, i;

	colon = memchr(l, ':', len);
	if (!colon) {
		*err = "line without ':'";
		return -1;
	}
	klen = (size_t)(colon - k);
	if (klen == 0 || klen > 32 || !is_alnum(k[0])) {
		*err = "invalid key";
		return -1;
	}
	for (i = 1; i < klen; i++)
		if (!is_alnum(k[i]) && k[i] != '_' && k[i] != '-' && k[i] != '.') {
			*err = "invalid key";
			return -1;
		}
	v = colon + 1;
	while (v < end && is_wsp(*v))
		v++;
	while (end > v && is_wsp(end[-1]))
		end--;
	vlen = (size_t)(end - v);
	for (i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f || (c == '\t')) {
			*err = "control character in value";
			return -1;
		}
	}
	if (keyis(k, klen, "version")) {
		if (*seen & 1) {
			*err = "version given more than once";
			return -1;
		}
		*seen |= 1;
		if (!valis(v, vlen, "STSv1")) {
			*err = "version is not STSv1";
			return -1;
		}
	} else if (keyis(k, klen, "mode")) {
		if (*seen & 2) {
			*err = "mode given more than once";
			return -1;
		}
		*seen |= 2;
		if (valis(v, vlen, "enforce"))
			p->mode = MTASTS_MODE_ENFORCE;
		else if (valis(v, vlen, "testing"))
			p->mode = MTASTS_MODE_TESTING;
		else if (valis(v, vlen, "none"))
			p->mode = MTASTS_MODE_NONE;
		else {
			*err = "mode is not enforce, testing or none";
			return -1;
		}
	} else if (keyis(k, klen, "max_age")) {
		long n = 0;

		if (*seen & 4) {
			*err = "max_age given more than once";
			return -1;
		}
		*seen |= 4;
		if (vlen == 0 || vlen > 10) {
			*err = "max_age is not 1 to 10 digits";
			return -1;
		}
		for (i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9') {
				*err = "max_age is not 1 to 10 digits";
				return -1;
			}
			n = n * 10 + (v[i] - '0');      /* 10 digits fit in a 64-bit long */
		}
		if (n > MTASTS_MAX_AGE_MAX) {
			*err = "max_age is larger than 31557600";
			return -1;
		}
		p->max_age = n;
	} else if (keyis(k, klen, "mx")) {
		if (add_mx(p, v, vlen, err) != 0)
			return -1;
	} else if (vlen == 0) {
		*err = "empty value";                    /* extension: 1 vchar at least */
		return -1;
	}
	return 0;
}

struct mtasts_policy *mtasts_policy_parse(const char *body, size_t len, const char **err)
{
	struct mtasts_policy *p;
	const char *line = body, *end = body + len;
	int seen = 0, blank_seen = 0;

	if (len > (size_t)MTASTS_POLICY_MAX) {
		*err = "policy larger than 65536 bytes";
		return NULL;
	}
	if (memchr(body, '\0', len)) {
		*err = "NUL byte in policy";
		return NULL;
	}
	if (!(p = calloc(1, sizeof(*p)))) {
		*err = "out of memory";
		return NULL;
	}
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl ? nl : end;
		size_t llen;

		if (le > line && le[-1] == '\r' && nl)
			le--;                             /* CRLF */
		llen = (size_t)(le - line);
		if (memchr(line, '\r', llen)) {
			*err = "bare CR in policy";
			goto bad;
		}
		if (llen == 0) {
			blank_seen = 1;                   /* allowed only at the end */
		} else {
			if (blank_seen) {
				*err = "empty line inside the policy";
				goto bad;
			}
			if (is_wsp(line[0])) {
				*err = "line starts with white space";
				goto bad;
			}
			if (parse_field(p, line, llen, &seen, err) != 0)
				goto bad;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (!(seen & 1)) {
		*err = "no version";
		goto bad;
	}
	if (!(seen & 2)) {
		*err = "no mode";
		goto bad;
	}
	if (!(seen & 4)) {
		*err = "no max_age";
		goto bad;
	}
	if (p->nmx == 0 && p->mode != MTASTS_MODE_NONE) {
		*err = "no mx";
		goto bad;
	}
	return p;
bad:
	mtasts_policy_free(p);
	return NULL;
}

/* mtasts_mx_match - RFC 8461 4.1: exact name, or "*." + one label */
int mtasts_mx_match(const char *pattern, const char *host)
{
	char pat[DOMAIN_MAX + 3], h[DOMAIN_MAX + 1];
	const char *err, *dot;

	if (!pattern || !host)
		return 0;
	if (norm_pattern(pattern, strlen(pattern), pat, &err) != 0)
		return 0;
	if (domain_normalize(host, strlen(host), h, sizeof(h), &err) != 0 || looks_like_ip(h))
		return 0;
	if (pat[0] != '*')
		return strcmp(pat, h) == 0;
	dot = strchr(h, '.');                      /* h's first label must be the wildcard */
	return dot && dot > h && strcmp(dot + 1, pat + 2) == 0;
}

size_t mtasts_policy_match(const struct mtasts_policy *p, const char *const *hosts, size_t n,
    unsigned char *matched)
{
	size_t i, j, count = 0;

	for (i = 0; i < n; i++) {
		int m = 0;

		for (j = 0; p && j < p->nmx && !m; j++)
			m = mtasts_mx_match(p->mx[j], hosts[i]);
		if (matched)
			matched[i] = (unsigned char)m;
		count += (size_t)m;
	}
	return count;
}
