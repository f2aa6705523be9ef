/*
 * netstring - strict incremental netstring decoder and encoder (see netstring.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/netstring.h"

enum nstate { S_LEN0 = 0, S_LEN, S_DATA, S_COMMA, S_ERROR };

struct netstring {
	enum nstate state;
	size_t max;
	size_t len;             /* announced length */
	size_t have;            /* data bytes read so far */
	unsigned digits;        /* length digits read so far */
	const char *err;
	char *buf;              /* max + 1 bytes */
};

/* the number of decimal digits of max: more digits can only be too long */
static unsigned max_digits(size_t max)
{
	unsigned n = 1;

	while (max >= 10) {
		max /= 10;
		n++;
	}
	return n;
}

struct netstring *netstring_create(size_t max)
{
	struct netstring *d;

	if (max == 0 || max > NETSTRING_MAX)
		max = NETSTRING_MAX;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->buf = malloc(max + 1);
	if (!d->buf) {
		free(d);
		return NULL;
	}
	d->max = max;
	d->err = "";
	return d;
}

void netstring_free(struct netstring *d)
{
	if (!d)
		return;
	free(d->buf);
	free(d);
}

static enum netstring_status fail(struct netstring *d, const char *why)
{
	d->state = S_ERROR;
	d->err = why;
	return NETSTRING_ERROR;
}

enum netstring_status netstring_feed(struct netstring *d, const char *in, size_t n, size_t *used,
    const char **data, size_t *len)
{
	size_t i = 0;

	*used = 0;
	*data = NULL;
	*len = 0;
	if (d->state == S_ERROR)
		return NETSTRING_ERROR;
	while (i < n) {
		unsigned char c = (unsigned char)in[i];

		switch (d->state) {
		case S_LEN0:
		case S_LEN:
			if (c == ':') {
				if (d->state == S_LEN0) {
					*used = i + 1;
					return fail(d, "empty length");
				}
				if (d->len > d->max) {
					*used = i + 1;
					return fail(d, "message too long");
				}
				i++;
				d->have = 0;
				d->state = d->len ? S_DATA : S_COMMA;
				break;
			}
			if (c < '0' || c > '9') {
				*used = i + 1;
				return fail(d, "length is not a decimal number");
			}
			if (d->state == S_LEN && d->len == 0) {
				*used = i + 1;
				return fail(d, "leading zero in the length");
			}
			if (++d->digits > max_digits(d->max)) {
				*used = i + 1;
				return fail(d, "message too long");
			}
			d->len = d->len * 10 + (size_t)(c - '0');
			d->state = S_LEN;
			i++;
			break;
		case S_DATA: {
			size_t take = n - i;

			if (take > d->len - d->have)
				take = d->len - d->have;
			memcpy(d->buf + d->have, in + i, take);
			d->have += take;
			i += take;
			if (d->have == d->len)
				d->state = S_COMMA;
			break;
		}
		case S_COMMA:
			if (c != ',') {
				*used = i + 1;
				return fail(d, "missing ',' after the data");
			}
			i++;
			d->buf[d->len] = '\0';
			*data = d->buf;
			*len = d->len;
			*used = i;
			d->state = S_LEN0;
			d->len = 0;
			d->have = 0;
			d->digits = 0;
			return NETSTRING_DONE;
		case S_ERROR:
			return NETSTRING_ERROR;
		}
	}
	*used = i;
	return NETSTRING_MORE;
}

const char *netstring_error(const struct netstring *d)
{
	return d->state == S_ERROR ? d->err : "";
}

int netstring_pending(const struct netstring *d)
{
	return d->state != S_LEN0 && d->state != S_ERROR;
}

long netstring_encode(char *out, size_t outsz, const char *data, size_t len)
{
	char head[32];
	int h;

	if (outsz)
		out[0] = '\0';
	h = snprintf(head, sizeof(head), "%zu:", len);
	if (h < 0 || outsz < (size_t)h + len + 2)
		return -1;
	memcpy(out, head, (size_t)h);
	memcpy(out + h, data, len);
	out[h + len] = ',';
	out[h + len + 1] = '\0';
	return (long)((size_t)h + len + 1);
}
