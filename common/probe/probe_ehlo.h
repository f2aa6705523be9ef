/*
 * probe_ehlo - a pure parser of SMTP replies (RFC 5321 4.2) and of the
 * service extensions an EHLO reply announces (RFC 5321 4.1.1.1).
 *
 * Works on bytes only (no I/O, no allocation, no global state), so it is
 * thread-safe and can be fuzzed.  The STARTTLS probe feeds it whatever it
 * has read so far and reads more while the answer is "incomplete".
 *
 * Strict: every line ends in CRLF; a line (code and CRLF included) may be
 * at most PROBE_LINE_MAX bytes and a reply at most PROBE_REPLY_MAX bytes
 * and PROBE_REPLY_LINES lines; every line carries the same 3-digit code
 * (first digit 2..5, second 0..5); text is HT or printable ASCII.
 * Anything else is an error, never a guess: fail closed.
 */
#ifndef TP_PROBE_EHLO_H
#define TP_PROBE_EHLO_H

#include <stddef.h>

#define PROBE_LINE_MAX 512          /* RFC 5321 4.5.3.1.5: reply line incl. CRLF */
#define PROBE_REPLY_MAX 8192        /* our cap on one whole reply */
#define PROBE_REPLY_LINES 64        /* our cap on the lines of one reply */

/* Extensions we look for (bits of probe_reply.ext). */
#define PROBE_EXT_STARTTLS   0x1u
#define PROBE_EXT_REQUIRETLS 0x2u

struct probe_reply {
	int code;                       /* 200..559 */
	size_t len;                     /* bytes of the input this reply takes, CRLFs included */
	unsigned lines;                 /* number of lines */
	unsigned ext;                   /* PROBE_EXT_* announced as keywords of lines 2..n */
	char text[PROBE_LINE_MAX];      /* text of the first line (after "NNN-"/"NNN "), NUL-terminated */
};

/*
 * probe_reply_parse - parse the reply at the start of buf[0..len).
 * Returns 1 when a complete reply was parsed (*r filled; r->len may be less
 * than len when more bytes follow it), 0 when the bytes so far are a valid
 * prefix of a reply (read more), -1 on error with *err set to a static
 * English reason ("reply line longer than 512 bytes", "malformed reply
 * code", "reply code changed within a reply", ...).  *r is always
 * initialised.  Extension keywords are matched case-insensitively and only
 * as whole keywords ("STARTTLS", "REQUIRETLS", not "STARTTLSX"); they are
 * counted on every line but the first, as in an EHLO reply; callers look at
 * ext only for a 250 reply to EHLO.
 */
int probe_reply_parse(const char *buf, size_t len, struct probe_reply *r, const char **err);

#endif
