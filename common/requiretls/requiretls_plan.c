/*
 * requiretls_plan - REQUIRETLS decisions and end-of-message edits for one
 * message (see requiretls_plan.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "requiretls/requiretls_plan.h"
#include "util/printable.h"

void requiretls_plan_init(struct requiretls_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void requiretls_plan_free(struct requiretls_plan *p)
{
	for (size_t i = 0; i < p->nrcpts; i++) {
		free(p->rcpts[i].from);
		free(p->rcpts[i].to);
	}
	for (size_t i = 0; i < p->nhdrs; i++) {
		free(p->hdrs[i].name);
		free(p->hdrs[i].value);
	}
	for (size_t i = 0; i < p->nseen; i++)
		free(p->seen[i].name);
	free(p->rcpts);
	free(p->hdrs);
	free(p->tls_required);
	free(p->rules);
	free(p->seen);
	requiretls_plan_init(p);
}

void requiretls_plan_flag(struct requiretls_plan *p, enum requiretls_trigger t, const char *detail)
{
	size_t len = strlen(p->why);

	p->triggers |= (unsigned)t;
	if (len && len + 2 < sizeof(p->why)) {
		memcpy(p->why + len, "; ", 3);
		len += 2;
	}
	/* why becomes a header field value and a quoted log value */
	printable_copy(p->why + len, sizeof(p->why) - len, detail, "\"", '?');
}

/* Make room for one more element in *arr (n used of *cap); -1 on ENOMEM. */
static int plan_grow(void **arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? 2 * *cap : 4;
	void *a = realloc(*arr, ncap * size);
	if (!a)
		return -1;
	*arr = a;
	*cap = ncap;
	return 0;
}

int requiretls_plan_rcpt(struct requiretls_plan *p, const char *from, const char *to)
{
	if (plan_grow((void **)&p->rcpts, p->nrcpts, &p->caprcpts, sizeof(*p->rcpts)) < 0)
		goto fail;
	struct requiretls_rcpt *r = &p->rcpts[p->nrcpts];
	if (!(r->from = strdup(from)) || !(r->to = strdup(to))) {
		free(r->from);
		goto fail;
	}
	p->nrcpts++;
	return 0;
fail:
	p->error = 1;
	return -1;
}

int requiretls_plan_rule(struct requiretls_plan *p, unsigned id, const char *label)
{
	char detail[400];

	p->triggers |= REQUIRETLS_RULE;
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i] == id)
			return 0;
	if (plan_grow((void **)&p->rules, p->nrules, &p->caprules, sizeof(*p->rules)) < 0) {
		p->error = 1;
		return -1;
	}
	p->rules[p->nrules++] = id;
	snprintf(detail, sizeof(detail), "rule %s", label);
	requiretls_plan_flag(p, REQUIRETLS_RULE, detail);
	return 0;
}

static int plan_hdr(struct requiretls_plan *p, const char *name, int index, const char *value)
{
	if (plan_grow((void **)&p->hdrs, p->nhdrs, &p->caphdrs, sizeof(*p->hdrs)) < 0)
		goto fail;
	struct requiretls_hdr *h = &p->hdrs[p->nhdrs];
	h->index = index;
	h->value = NULL;
	if (!(h->name = strdup(name)) || (value && !(h->value = strdup(value)))) {
		free(h->name);
		goto fail;
	}
	p->nhdrs++;
	return 0;
fail:
	p->error = 1;
	return -1;
}

/* Count this occurrence of name; returns its 1-based index, -1 on ENOMEM (p->error set). */
static int plan_count(struct requiretls_plan *p, const char *name)
{
	for (size_t i = 0; i < p->nseen; i++)
		if (strcasecmp(p->seen[i].name, name) == 0)
			return ++p->seen[i].count;
	if (plan_grow((void **)&p->seen, p->nseen, &p->capseen, sizeof(*p->seen)) < 0 ||
	    !(p->seen[p->nseen].name = strdup(name))) {
		p->error = 1;
		return -1;
	}
	p->seen[p->nseen].count = 1;
	return p->seen[p->nseen++].count;
}

/*
 * A stripped value as it is written back: unfolded (CR and LF dropped),
 * printable (what is left of tabs and other bytes becomes a space), and
 * never empty, which both MTAs take as "delete the field".
 */
static void plan_clean(char *v)
{
	char *o = v;

	for (const char *i = v; *i; i++)
		if (*i != '\r' && *i != '\n')
			*o++ = *i;
	*o = '\0';
	printable_inplace(v, NULL, ' ');
	if (v[0] == '\0')
		memcpy(v, " ", 2);
}

/* "No", ignoring surrounding white space and case (RFC 8689 section 5). */
static int is_no(const char *v)
{
	while (isspace((unsigned char)*v))
		v++;
	if (strncasecmp(v, "no", 2) != 0)
		return 0;
	for (v += 2; isspace((unsigned char)*v); v++)
		;
	return *v == '\0';
}

int requiretls_plan_header(struct requiretls_plan *p, struct requiretls_content *const *rules, size_t nrules,
    const char *file, const char *name, const char *value)
{
	int index = 0, counted = 0;

	if (strcasecmp(name, "TLS-Required") == 0) {
		if ((index = plan_count(p, name)) < 0)
			return -1;
		counted = 1;
		if (is_no(value)) {
			if (plan_grow((void **)&p->tls_required, p->ntls_required, &p->captls_required,
			    sizeof(*p->tls_required)) < 0) {
				p->error = 1;
				return -1;
			}
			p->tls_required[p->ntls_required++] = index;
		}
	}
	/* stripping only removes text: a buffer the size of value (at least 2 bytes) always fits */
	size_t vlen = strlen(value) + 2;
	char *stripped = malloc(vlen);
	if (!stripped) {
		p->error = 1;
		return -1;
	}
	int ret = 0;
	for (size_t i = 0; i < nrules; i++) {
		char detail[200];
		if (!counted && strcasecmp(name, requiretls_content_header(rules[i])) == 0) {
			if ((index = plan_count(p, name)) < 0) {
				ret = -1;
				break;
			}
			counted = 1;
		}
		int m = requiretls_content_match(rules[i], name, value, stripped, vlen);
		if (m < 0) {
			p->error = 1;
			ret = -1;
			break;
		}
		if (m == 0)
			continue;
		snprintf(detail, sizeof(detail), "content %s (%s:%d)", requiretls_content_header(rules[i]), file,
		    requiretls_content_line(rules[i]));
		requiretls_plan_flag(p, REQUIRETLS_CONTENT, detail);
		if (requiretls_content_strip(rules[i])) {
			plan_clean(stripped);
			if (plan_hdr(p, name, index, stripped) < 0)
				ret = -1;
		}
		break;      /* one rule per field: later rules would see the unstripped text */
	}
	free(stripped);
	return ret;
}

int requiretls_plan_finish(struct requiretls_plan *p)
{
	for (size_t i = p->ntls_required; i-- > 0;)
		if (plan_hdr(p, "TLS-Required", p->tls_required[i], NULL) < 0)
			return -1;
	return 0;
}

const char *requiretls_plan_triggers(const struct requiretls_plan *p, char *buf, size_t bufsz)
{
	static const char *const names[] = { "tag", "content", "rule", "param" };
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < 4; i++)
		if (p->triggers & (1u << i))
			o += (size_t)snprintf(buf + o, o < bufsz ? bufsz - o : 0, "%s%s", o ? "," : "", names[i]);
	return buf;
}

void requiretls_plan_mark(const struct requiretls_plan *p, struct requiretls_plan_mark *m)
{
	m->triggers = p->triggers;
	m->whylen = strlen(p->why);
	m->nrcpts = p->nrcpts;
	m->nrules = p->nrules;
}

void requiretls_plan_rollback(struct requiretls_plan *p, const struct requiretls_plan_mark *m)
{
	while (p->nrcpts > m->nrcpts) {
		p->nrcpts--;
		free(p->rcpts[p->nrcpts].from);
		free(p->rcpts[p->nrcpts].to);
	}
	if (p->nrules > m->nrules)
		p->nrules = m->nrules;
	p->triggers = m->triggers;
	if (m->whylen < sizeof(p->why))
		p->why[m->whylen] = '\0';
}
