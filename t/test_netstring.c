/*
 * test_netstring - table tests for the netstring decoder and encoder: every
 * row is fed whole, byte by byte and in 3-byte chunks, and must give the same
 * messages and the same end state each way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/netstring.h"

#define MAXMSG 4

struct row {
	const char *label;
	const char *in;
	size_t inlen;                   /* 0: strlen(in) */
	size_t max;                     /* 0: NETSTRING_MAX */
	size_t len0;                    /* the first message's length when it holds NUL */
	int nmsg;
	const char *msg[MAXMSG];
	enum netstring_status end;      /* MORE (clean or partial) or ERROR */
	int pending;                    /* with MORE: part of a message read */
	const char *err;                /* with ERROR */
};

static char big_ok[NETSTRING_MAX + 16], big_over[NETSTRING_MAX + 16], big_data[NETSTRING_MAX + 1];

static const struct row rows[] = {
	{"one request", "8:tls a.bc,", 0, 0, 0, 1, {"tls a.bc"}, NETSTRING_MORE, 0, NULL},
	{"empty message", "0:,", 0, 0, 0, 1, {""}, NETSTRING_MORE, 0, NULL},
	{"three in one buffer", "3:abc,0:,5:hello,", 0, 0, 0, 3, {"abc", "", "hello"}, NETSTRING_MORE, 0, NULL},
	{"complete then partial", "3:abc,5:hel", 0, 0, 0, 1, {"abc"}, NETSTRING_MORE, 1, NULL},
	{"partial length", "1", 0, 0, 0, 0, {NULL}, NETSTRING_MORE, 1, NULL},
	{"partial, no comma yet", "3:abc", 0, 0, 0, 0, {NULL}, NETSTRING_MORE, 1, NULL},
	{"data with ':' and ','", "5:a:b,c,", 0, 0, 0, 1, {"a:b,c"}, NETSTRING_MORE, 0, NULL},
	{"data with NUL", "3:a\0b,", 6, 0, 3, 1, {"a\0b"}, NETSTRING_MORE, 0, NULL},
	{"nothing", "", 0, 0, 0, 0, {NULL}, NETSTRING_MORE, 0, NULL},
	{"missing comma", "3:abcd", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "missing ',' after the data"},
	{"missing comma after good one", "1:a,1:bc", 0, 0, 0, 1, {"a"}, NETSTRING_ERROR, 0, "missing ',' after the data"},
	{"empty length", ":abc,", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "empty length"},
	{"leading zero", "03:abc,", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "leading zero in the length"},
	{"double zero", "00:,", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "leading zero in the length"},
	{"sign", "+3:abc,", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "length is not a decimal number"},
	{"minus", "-1:a,", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "length is not a decimal number"},
	{"space in length", "3 :abc,", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "length is not a decimal number"},
	{"leading space", " 3:abc,", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "length is not a decimal number"},
	{"garbage (HTTP)", "GET / HTTP/1.0\r\n\r\n", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0,
	    "length is not a decimal number"},
	{"garbage after a good one", "1:a,xyz", 0, 0, 0, 1, {"a"}, NETSTRING_ERROR, 0, "length is not a decimal number"},
	{"hex length", "0x3:abc,", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "length is not a decimal number"},
	{"huge length digits", "99999999999999999999999999:x,", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0,
	    "message too long"},
	{"six digits", "100000:", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "message too long"},
	{"one over the cap, refused at ':'", "10001:", 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "message too long"},
	{"at the cap", big_ok, 0, 0, 0, 1, {big_data}, NETSTRING_MORE, 0, NULL},
	{"over the cap with data", big_over, 0, 0, 0, 0, {NULL}, NETSTRING_ERROR, 0, "message too long"},
	{"small cap: fits", "3:abc,", 0, 3, 0, 1, {"abc"}, NETSTRING_MORE, 0, NULL},
	{"small cap: one over", "4:abcd,", 0, 3, 0, 0, {NULL}, NETSTRING_ERROR, 0, "message too long"},
	{"small cap: two digits", "10:", 0, 9, 0, 0, {NULL}, NETSTRING_ERROR, 0, "message too long"},
};

/* run - feed row r in chunks of chunk bytes (0: all at once); check it */
static void run(const struct row *r, size_t chunk)
{
	struct netstring *d = netstring_create(r->max);
	size_t n = r->inlen ? r->inlen : strlen(r->in), off = 0, used, len;
	const char *data;
	enum netstring_status st = NETSTRING_MORE;
	int got = 0, good = 1;
	char what[80];

	snprintf(what, sizeof(what), "%s [%s]", r->label, chunk == 0 ? "whole" : chunk == 1 ? "bytes" : "3-byte");
	if (!d) {
		ok(0, "%s: create", what);
		return;
	}
	while (off < n && st != NETSTRING_ERROR) {
		size_t end = chunk == 0 || off + chunk > n ? n : off + chunk, p = off;

		while (p < end) {
			size_t left = end - p;

			st = netstring_feed(d, r->in + p, left, &used, &data, &len);
			if (used > left)
				good = 0;
			p += used;
			if (st == NETSTRING_DONE) {
				size_t want = got < r->nmsg ? (got == 0 && r->len0 ? r->len0 : strlen(r->msg[got])) : 0;

				if (got >= r->nmsg || len != want || memcmp(data, r->msg[got], len) != 0 || data[len] != '\0')
					good = 0;
				got++;
				st = NETSTRING_MORE;
			} else if (st == NETSTRING_ERROR) {
				break;
			} else if (used != left) {
				good = 0;       /* MORE must consume everything */
			}
		}
		off = end;
	}
	ok(good && got == r->nmsg, "%s: %d message(s)", what, r->nmsg);
	is_int(st, r->end, "%s: end state", what);
	if (r->end == NETSTRING_ERROR) {
		is_str(netstring_error(d), r->err, "%s: reason", what);
		st = netstring_feed(d, "1:a,", 4, &used, &data, &len);
		ok(st == NETSTRING_ERROR && used == 0, "%s: error is final", what);
	} else {
		is_int(netstring_pending(d), r->pending, "%s: pending", what);
	}
	netstring_free(d);
}

struct enc_row {
	const char *label;
	const char *data;
	size_t outsz;
	long want;
	const char *out;
};

static const struct enc_row enc_rows[] = {
	{"OK answer", "OK secure match=mx.example.com", 64, 34, "30:OK secure match=mx.example.com,"},
	{"NOTFOUND with its space", "NOTFOUND ", 64, 12, "9:NOTFOUND ,"},
	{"empty", "", 8, 3, "0:,"},
	{"exactly fits", "abc", 7, 6, "3:abc,"},
	{"one byte short", "abc", 6, -1, ""},
	{"no room", "abc", 0, -1, NULL},
};

int main(void)
{
	size_t i, c;
	static const size_t chunks[] = {0, 1, 3};
	char out[64];

	snprintf(big_ok, sizeof(big_ok), "%d:", NETSTRING_MAX);
	memset(big_data, 'x', NETSTRING_MAX);
	big_data[NETSTRING_MAX] = '\0';
	strcat(big_ok, big_data);
	strcat(big_ok, ",");
	snprintf(big_over, sizeof(big_over), "%d:", NETSTRING_MAX + 1);
	memset(big_over + strlen(big_over), 'x', 5);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
			run(&rows[i], chunks[c]);

	for (i = 0; i < sizeof(enc_rows) / sizeof(enc_rows[0]); i++) {
		const struct enc_row *r = &enc_rows[i];
		long n = netstring_encode(r->outsz ? out : NULL, r->outsz, r->data, strlen(r->data));

		is_int(n, r->want, "encode %s: length", r->label);
		if (r->out)
			is_str(out, r->out, "encode %s: bytes", r->label);
	}

	/* round trip: what the encoder writes, the decoder reads back */
	{
		struct netstring *d = netstring_create(0);
		char buf[256];
		const char *data;
		size_t used, len;
		long n = netstring_encode(buf, sizeof(buf), "PERM unknown map", 16);

		ok(d && netstring_feed(d, buf, (size_t)n, &used, &data, &len) == NETSTRING_DONE && used == (size_t)n &&
		    strcmp(data, "PERM unknown map") == 0, "round trip");
		netstring_free(d);
	}
	return tap_done();
}
