/*
 * netstring - the framing of the socketmap protocol (Postfix socketmap_table(5),
 * Sendmail's socket map): "LEN:DATA," where LEN is the decimal length of DATA.
 *
 * The decoder is pure and incremental: feed it whatever bytes a read()
 * returned (one byte or several requests at once) and take each complete
 * message as it appears.  It is strict, because a peer that frames wrongly
 * cannot be resynchronised: digits only, no leading zero except "0" itself,
 * at most NETSTRING_MAX bytes of data, and the ',' after the data is
 * required.  Any error is final for that decoder (the server then closes
 * the connection).
 *
 * NETSTRING_MAX = 10000: a request is "MAPNAME KEY" with KEY a next-hop
 * domain (at most 255 bytes) or an address, so 10000 is far above anything
 * legitimate, while it bounds the memory a connection can make the server
 * hold (one buffer of NETSTRING_MAX + 1 bytes) and lets the decoder refuse a
 * length as soon as its sixth digit arrives, long before any overflow.
 *
 * Memory: netstring_create allocates, netstring_free frees; the data
 * pointer of netstring_feed belongs to the decoder and stays valid until
 * the next call of netstring_feed or netstring_free.
 * Threads: one decoder per connection; no shared state.
 */
#ifndef TP_NETSTRING_H
#define TP_NETSTRING_H

#include <stddef.h>

#define NETSTRING_MAX 10000

enum netstring_status {
	NETSTRING_MORE = 0,     /* all input used, no complete message yet */
	NETSTRING_DONE,         /* a message is complete: see *data, *len */
	NETSTRING_ERROR         /* bad framing: netstring_error says why; final */
};

struct netstring;

/* netstring_create - a decoder for messages of at most max bytes
 * (0 < max <= NETSTRING_MAX; other values mean NETSTRING_MAX).
 * NULL when out of memory. */
struct netstring *netstring_create(size_t max);
void netstring_free(struct netstring *d);

/*
 * netstring_feed - consume bytes of in[0..n) until a message is complete or
 * the input is used up; *used is the number of bytes consumed (the caller
 * feeds the rest again after handling a DONE).  On DONE, *data points at the
 * message, NUL-terminated (it may itself hold NUL bytes: use *len), and the
 * decoder is ready for the next message.  After ERROR every call returns
 * ERROR and consumes nothing.
 */
enum netstring_status netstring_feed(struct netstring *d, const char *in, size_t n, size_t *used,
    const char **data, size_t *len);

/* netstring_error - a static reason after ERROR ("" otherwise). */
const char *netstring_error(const struct netstring *d);

/* netstring_pending - 1 when part of a message has been read (a connection
 * closed now would lose it), 0 between messages. */
int netstring_pending(const struct netstring *d);

/*
 * netstring_encode - write "LEN:DATA," into out (NUL-terminated).  Returns
 * the number of bytes written without the NUL, or -1 when outsz is too small
 * (out is then "").
 */
long netstring_encode(char *out, size_t outsz, const char *data, size_t len);

#endif
