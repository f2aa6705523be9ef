/*
 * metrics - the counters of stats.h, the result cache's figures (netctx.h)
 * and build info as Prometheus text (exposition format 0.0.4), served over
 * HTTP by libmicrohttpd (`metrics = "inet:9134@127.0.0.1"`; GET /metrics),
 * and as the one SIGUSR1 log line.
 *
 * The listening socket is opened by root (smap_listen_open, like the other
 * sockets); the child serves it after the privilege drop with one
 * libmicrohttpd polling thread, a connection limit and a per-connection
 * timeout.  Rendering reads atomics and takes only the cache's shard locks
 * (cache_stats), so a scrape never holds up mail for longer than one shard
 * lookup; malformed or slow HTTP only occupies that thread.
 */
#ifndef TP_METRICS_H
#define TP_METRICS_H

#include <stddef.h>

struct metrics;

/*
 * metrics_start - serve GET /metrics on the listening socket fd (owned by
 * the server from here on, also on failure).  NULL with err.
 * metrics_stop - stop the thread, close the socket (NULL: no-op).
 */
struct metrics *metrics_start(int fd, char *err, size_t errsz);
void metrics_stop(struct metrics *m);

/*
 * metrics_render - the whole exposition text, malloc'd (caller frees), its
 * length in *len; NULL on ENOMEM.
 */
char *metrics_render(size_t *len);

/* metrics_log - the same numbers on one info log line (SIGUSR1). */
void metrics_log(void);

#endif
