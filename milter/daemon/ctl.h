/*
 * ctl - the control socket: `tlspolicy-milter -c FILE --cache dump|purge
 * [DOMAIN]` talks to the running daemon through it.
 *
 * A unix socket (control_socket, default beside the pidfile), opened by
 * root before the privilege drop, mode 0600 and owned by the daemon's user:
 * only root and that user can connect (the socketmap port, which any local
 * user may reach, never takes commands).  Served by one thread in the
 * child, one request per connection, one connection at a time, every read
 * and write with a deadline (CTL_TIMEOUT_MS).
 *
 * Protocol: the client writes one line ("dump", "purge" or "purge DOMAIN",
 * at most CTL_LINE_MAX bytes); the daemon answers with text lines and
 * closes; the last line is "ok ..." or "error ...".
 *
 * What it covers: the daemon-wide result cache (REQUIRETLS feasibility
 * "rt:MODE:DOMAIN", outbound maps "ob:DOMAIN") and the persisted MTA-STS
 * store (listed; purge deletes the domain's stored policy, or all).
 */
#ifndef TP_CTL_H
#define TP_CTL_H

#include <stddef.h>

#define CTL_LINE_MAX 300
#define CTL_TIMEOUT_MS 5000

struct ctl_server;

/* ctl_server_start - serve the listening socket fd (owned from here on).
 * NULL with err.  ctl_server_stop - wake, join, close (NULL: no-op). */
struct ctl_server *ctl_server_start(int fd, char *err, size_t errsz);
void ctl_server_stop(struct ctl_server *c);

/* ctl_client - send cmd ("dump", "purge", "purge DOMAIN") to the daemon at
 * the unix socket path, copy the answer to stdout.  Exit status: 0 when the
 * last line is "ok", 1 otherwise (message on stderr). */
int ctl_client(const char *path, const char *cmd);

/* ctl_handle - one command's answer, for the server and for tests: writes
 * lines with out(arg, text, len); returns 0 ok, -1 error. */
int ctl_handle(const char *cmd, int (*out)(void *arg, const char *s, size_t len), void *arg);

#endif
