/*
 * notify - systemd's service notification (sd_notify(3)) from the
 * supervising parent: READY=1 once the child serves, RELOADING=1 and
 * READY=1 around a reload, STOPPING=1, and STATUS= lines.  Without
 * NOTIFY_SOCKET in the environment every call is a no-op, so the daemon
 * runs the same outside systemd.
 *
 * Only the supervising parent calls it (it is the main pid of the unit:
 * Type=notify with the default NotifyAccess=main).
 */
#ifndef TP_NOTIFY_H
#define TP_NOTIFY_H

/* notify_send - one notification, e.g. "READY=1\nSTATUS=...". */
void notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
