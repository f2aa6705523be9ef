/*
 * smap_request - one socketmap request, "MAPNAME KEY", answered from the
 * snapshot in force: "OK value", "NOTFOUND " (with its space, as Postfix's
 * socketmap_table(5) writes it), "TEMP reason" or "PERM reason".
 *
 * The caller passes the snapshot in force (smap_server checks before every
 * request whether a reload happened, so a reload applies to the next request
 * on every open connection; MTAs keep socketmap connections open for long).
 *
 * One log line per answer at debug level (outbound_format); nothing at info.
 * Threads: any number at once.
 */
#ifndef TP_SMAP_REQUEST_H
#define TP_SMAP_REQUEST_H

#include <stddef.h>

struct ruleset;

/* the longest reply text: "TEMP " + an outbound value (printable, < OUTBOUND_VALUE_MAX) */
#define SMAP_REPLY_MAX 1100

/*
 * smap_request_answer - the reply under snapshot p (NULL: "TEMP no policy
 * loaded") to the request req[0..len) (the decoder's
 * message, NUL-terminated; it may hold NUL bytes) into reply (NUL-terminated,
 * at most SMAP_REPLY_MAX - 1 bytes).  Returns the reply's length.
 */
size_t smap_request_answer(const struct ruleset *p, const char *req, size_t len, char *reply);

#endif
