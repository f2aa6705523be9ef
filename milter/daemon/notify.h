/*
 * notify - systemd's service notification (sd_notify(3)) from the
 * supervising parent: READY=1 once the child serves, RELOADING=1 and
 * READY=1 around a reload, STOPPING=1, and STATUS= lines.  Without
 * NOTIFY_SOCKET in the environment every call is a no-op.
 *
 * The parent unsets NOTIFY_SOCKET before it forks the child, so only the
 * main pid (Type=notify's MAINPID) ever notifies.
 */
#ifndef TP_NOTIFY_H
#define TP_NOTIFY_H

/* notify_init - take NOTIFY_SOCKET from the environment (call once, before
 * any fork).  notify_send - one notification, e.g. "READY=1\nSTATUS=...". */
void notify_init(void);
void notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
