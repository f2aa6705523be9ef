/*
 * smap_request - one socketmap request, "MAPNAME KEY", answered from the
 * snapshot in force: "OK value", "NOTFOUND " (with its space, as Postfix's
 * socketmap_table(5) writes it), "TEMP reason" or "PERM reason".
 *
 * The snapshot is taken per request (current_get/ruleset_unref), not per
 * connection: MTAs keep socketmap connections open for long (Sendmail for
 * ever), and a reload must apply to the next request on every one of them.
 * The cost is one uncontended mutex per request.
 *
 * One log line per answer at debug level (outbound_format); nothing at info.
 * Threads: any number at once.
 */
#ifndef TP_SMAP_REQUEST_H
#define TP_SMAP_REQUEST_H

#include <stddef.h>

/* the longest reply text: "TEMP " + an outbound value (printable, < OUTBOUND_VALUE_MAX) */
#define SMAP_REPLY_MAX 1100

/*
 * smap_request_answer - the reply to the request req[0..len) (the decoder's
 * message, NUL-terminated; it may hold NUL bytes) into reply (NUL-terminated,
 * at most SMAP_REPLY_MAX - 1 bytes).  Returns the reply's length.
 */
size_t smap_request_answer(const char *req, size_t len, char *reply);

#endif
