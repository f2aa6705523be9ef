/*
 * fuzz_netstring - the socketmap framing (util/netstring), what a socketmap
 * client (Postfix, Sendmail, or anyone who can reach the socket) sends.
 *
 * Input: one byte choosing the decoder's max (0: NETSTRING_MAX, else that
 * byte times 7: small limits reach the "too long" paths), then the stream.
 *
 * Properties: feeding the stream whole (taking each message and feeding the
 * rest again), byte by byte, and in chunks of 1..13 bytes (sizes from the
 * stream) gives the same messages, the same final status (MORE or ERROR),
 * the same reason and the same number of bytes consumed; each message is
 * at most max bytes and NUL-terminated; the bytes consumed up to the last
 * message are exactly the canonical encodings (netstring_encode) of the
 * messages (strict: no other spelling is accepted); after an error every
 * call is ERROR consuming nothing, with a printable reason; pending is 1
 * exactly when bytes of an unfinished message were consumed.  encode ->
 * decode gives the data back, also for the raw stream as data, and encode
 * refuses a buffer one byte too small.
 */
#include "fuzz.h"
#include "util/netstring.h"

#define MAXMSG 64

struct result {
	size_t nmsg;
	char *msg[MAXMSG];
	size_t len[MAXMSG];
	size_t end[MAXMSG];             /* bytes consumed when the message completed */
	enum netstring_status last;
	size_t consumed;
	char err[80];
	int pending;
};

static void result_free(struct result *r)
{
	size_t i;

	for (i = 0; i < r->nmsg; i++)
		free(r->msg[i]);
}

/* run - decode s[0..n) fed in chunks of chunk(i) bytes (0: all that is left) */
static void run(const char *s, size_t n, size_t max, const unsigned char *sizes, size_t nsizes, int bytewise,
    struct result *r)
{
	struct netstring *d = netstring_create(max);
	size_t pos = 0, ci = 0, lim = max == 0 || max > NETSTRING_MAX ? NETSTRING_MAX : max;
	enum netstring_status st = NETSTRING_MORE;

	if (d == NULL)
		abort();
	memset(r, 0, sizeof *r);
	while (pos < n && st != NETSTRING_ERROR) {
		size_t want = n - pos, used = 99999, len = 99999;
		const char *data = (const char *)1;

		if (bytewise)
			want = 1;
		else if (nsizes)
			want = 1 + sizes[ci++ % nsizes] % 13;
		if (want > n - pos)
			want = n - pos;
		st = netstring_feed(d, s + pos, want, &used, &data, &len);
		FUZZ_ASSERT(used <= want, "used %zu of %zu", used, want);
		pos += used;
		if (st == NETSTRING_DONE) {
			FUZZ_ASSERT(data != NULL && len <= lim && data[len] == '\0', "message of %zu bytes, max %zu", len, lim);
			FUZZ_ASSERT(used >= 1 && netstring_pending(d) == 0, "DONE but pending");
			if (r->nmsg < MAXMSG) {
				if ((r->msg[r->nmsg] = malloc(len + 1)) == NULL)
					abort();
				memcpy(r->msg[r->nmsg], data, len + 1);
				r->len[r->nmsg] = len;
				r->end[r->nmsg] = pos;
				r->nmsg++;
			}
			st = NETSTRING_MORE;
		} else if (st == NETSTRING_MORE) {
			FUZZ_ASSERT(used == want && data == NULL && len == 0, "MORE consumed %zu of %zu", used, want);
		} else {
			FUZZ_ASSERT(st == NETSTRING_ERROR && data == NULL, "status %d", (int)st);
		}
	}
	r->last = st;
	r->consumed = pos;
	r->pending = netstring_pending(d);
	snprintf(r->err, sizeof r->err, "%s", netstring_error(d));
	if (st == NETSTRING_ERROR) {
		size_t used = 7, len = 7;
		const char *data = (const char *)1;

		FUZZ_ASSERT(*r->err != '\0' && fuzz_printable(r->err), "error without a printable reason");
		FUZZ_ASSERT(netstring_feed(d, "1:a,", 4, &used, &data, &len) == NETSTRING_ERROR && used == 0 &&
		    data == NULL, "a decoder in error accepted more");
		FUZZ_ASSERT(r->pending == 0, "pending after an error");
	} else {
		FUZZ_ASSERT(*r->err == '\0', "reason '%s' without an error", r->err);
		FUZZ_ASSERT(r->pending == (pos > (r->nmsg ? r->end[r->nmsg - 1] : 0)), "pending %d", r->pending);
	}
	netstring_free(d);
}

static void same(const struct result *a, const struct result *b, const char *how)
{
	size_t i;

	FUZZ_ASSERT(a->nmsg == b->nmsg && a->last == b->last && a->consumed == b->consumed &&
	    strcmp(a->err, b->err) == 0 && a->pending == b->pending,
	    "%s: %zu messages, status %d, %zu bytes, '%s' vs %zu, %d, %zu, '%s'", how, a->nmsg, (int)a->last,
	    a->consumed, a->err, b->nmsg, (int)b->last, b->consumed, b->err);
	for (i = 0; i < a->nmsg; i++)
		FUZZ_ASSERT(a->len[i] == b->len[i] && memcmp(a->msg[i], b->msg[i], a->len[i]) == 0 &&
		    a->end[i] == b->end[i], "%s: message %zu differs", how, i);
}

/* roundtrip - encode data, decode it: one message, the data, all bytes used */
static void roundtrip(const char *data, size_t len)
{
	size_t outsz = len + 32, used;
	char *out = malloc(outsz);
	const char *msg;
	size_t mlen;
	long n;
	struct netstring *d;

	if (out == NULL)
		abort();
	n = netstring_encode(out, outsz, data, len);
	FUZZ_ASSERT(n > 0 && (size_t)n < outsz && out[n] == '\0' && out[n - 1] == ',', "encode gave %ld", n);
	FUZZ_ASSERT(netstring_encode(out, (size_t)n, data, len) == -1 && out[0] == '\0', "encode overflows");
	n = netstring_encode(out, (size_t)n + 1, data, len);
	FUZZ_ASSERT(n > 0, "encode into exactly enough");
	if (len <= NETSTRING_MAX) {
		if ((d = netstring_create(0)) == NULL)
			abort();
		FUZZ_ASSERT(netstring_feed(d, out, (size_t)n, &used, &msg, &mlen) == NETSTRING_DONE &&
		    used == (size_t)n && mlen == len && memcmp(msg, data, len) == 0, "encode -> decode");
		netstring_free(d);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result whole, bytes, chunks;
	const char *s;
	size_t n, max, i, off = 0;
	char enc[NETSTRING_MAX + 32];

	if (size < 1)
		return 0;
	max = (size_t)data[0] * 7;
	s = (const char *)data + 1;
	n = size - 1;

	run(s, n, max, NULL, 0, 0, &whole);
	run(s, n, max, NULL, 0, 1, &bytes);
	run(s, n, max, (const unsigned char *)s, n, 0, &chunks);
	same(&whole, &bytes, "byte by byte");
	same(&whole, &chunks, "in chunks");

	/* what was consumed up to the last message is their canonical encoding */
	for (i = 0; i < whole.nmsg && whole.nmsg < MAXMSG; i++) {
		long e = netstring_encode(enc, sizeof enc, whole.msg[i], whole.len[i]);

		FUZZ_ASSERT(e > 0 && off + (size_t)e == whole.end[i] && memcmp(s + off, enc, (size_t)e) == 0,
		    "message %zu was not canonically encoded", i);
		off += (size_t)e;
		roundtrip(whole.msg[i], whole.len[i]);
	}
	roundtrip(s, n);
	result_free(&whole);
	result_free(&bytes);
	result_free(&chunks);
	return 0;
}
