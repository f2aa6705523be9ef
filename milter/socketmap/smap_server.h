/*
 * smap_server - the socketmap listener's threads in the milter child: one
 * thread accepts, one thread serves each connection (several requests per
 * connection, answered in order; smap_request).
 *
 * Limits:
 *   SMAP_MAX_CONNS connections at once.  Postfix keeps one socketmap
 *   connection per smtp(8) process (default_process_limit 100) and Sendmail
 *   one per queue runner, so 256 leaves room for both; each connection costs
 *   a thread and NETSTRING_MAX bytes.  A connection over the limit is closed
 *   at once (the MTA's lookup fails and the mail waits: fail closed), with a
 *   warning at most once a minute.
 *   timeout_s: an idle connection, or one whose request is not complete
 *   within timeout_s of its first byte, is closed (the MTA reconnects).
 *   A bad or oversized netstring closes that connection only (warning).
 *
 * Stop: smap_server_stop closes the listener's accept loop, shuts every
 * connection down (a request being answered finishes its lookup first) and
 * waits for the threads up to a deadline.
 */
#ifndef TP_SMAP_SERVER_H
#define TP_SMAP_SERVER_H

#include <stddef.h>

#define SMAP_MAX_CONNS 256

struct smap_server;

/* smap_server_start - serve the listening socket lfd (not taken over: the
 * caller closes it after the stop).  NULL with err on failure. */
struct smap_server *smap_server_start(int lfd, int timeout_s, char *err, size_t errsz);

/*
 * smap_server_stop - stop accepting, end every connection, wait up to ms for
 * the threads.  0: all ended and s is freed; -1: some thread still runs (a
 * lookup longer than ms): s is left allocated and the process must exit.
 */
int smap_server_stop(struct smap_server *s, int ms);

#endif
