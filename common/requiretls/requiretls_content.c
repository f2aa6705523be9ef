/*
 * requiretls_content - header content rules with PCRE2 (see requiretls_content.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "requiretls/requiretls_content.h"

struct requiretls_content {
	char *header;
	pcre2_code *re;
	pcre2_match_context *mctx;  /* the limits below; read-only once made, shared by threads */
	int strip;
	int line;
};

struct requiretls_content *requiretls_content_create(const char *header, const char *pattern, int caseless,
    int strip, int line, char *err, size_t errsz)
{
	struct requiretls_content *c;
	int code;
	PCRE2_SIZE off;

	if (!(c = calloc(1, sizeof(*c))) || !(c->header = strdup(header))) {
		snprintf(err, errsz, "out of memory");
		free(c);
		return NULL;
	}
	c->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, caseless ? PCRE2_CASELESS : 0, &code,
	    &off, NULL);
	if (!c->re) {
		PCRE2_UCHAR msg[200];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errsz, "%s at offset %zu", (char *)msg, (size_t)off);
		requiretls_content_free(c);
		return NULL;
	}
	if (!(c->mctx = pcre2_match_context_create(NULL)) ||
	    pcre2_set_match_limit(c->mctx, REQUIRETLS_MATCH_LIMIT) != 0 ||
	    pcre2_set_depth_limit(c->mctx, REQUIRETLS_DEPTH_LIMIT) != 0) {
		snprintf(err, errsz, "out of memory");
		requiretls_content_free(c);
		return NULL;
	}
	c->strip = strip;
	c->line = line;
	return c;
}

void requiretls_content_free(struct requiretls_content *c)
{
	if (!c)
		return;
	pcre2_match_context_free(c->mctx);
	pcre2_code_free(c->re);
	free(c->header);
	free(c);
}

const char *requiretls_content_header(const struct requiretls_content *c)
{
	return c->header;
}

int requiretls_content_strip(const struct requiretls_content *c)
{
	return c->strip;
}

int requiretls_content_line(const struct requiretls_content *c)
{
	return c->line;
}

int requiretls_content_match(const struct requiretls_content *c, const char *name, const char *value,
    char *stripped, size_t strippedsz)
{
	pcre2_match_data *md;
	int rc;

	if (strcasecmp(name, c->header) != 0)
		return 0;
	if (!(md = pcre2_match_data_create_from_pattern(c->re, NULL)))
		return -1;
	rc = pcre2_match(c->re, (PCRE2_SPTR)value, strlen(value), 0, 0, md, c->mctx);
	if (rc == PCRE2_ERROR_NOMATCH) {
		pcre2_match_data_free(md);
		return 0;
	}
	if (rc < 0) {
		pcre2_match_data_free(md);
		return -1;
	}
	if (c->strip && stripped && strippedsz) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		size_t start = ov[0], end = ov[1] < start ? start : ov[1];
		snprintf(stripped, strippedsz, "%.*s%s", (int)start, value, value + end);
	}
	pcre2_match_data_free(md);
	return 1;
}
