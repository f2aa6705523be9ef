/*
 * notify - sd_notify from the supervisor (see notify.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "util/log.h"
#include "daemon/notify.h"

void notify_send(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* 0: no NOTIFY_SOCKET (not under systemd); < 0: a real failure */
	if ((r = sd_notify(0, msg)) < 0)
		log_warn("sd_notify: %s", strerror(-r));
}
