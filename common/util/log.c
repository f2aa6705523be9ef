/*
 * log - syslog logging with an optional copy on stderr (see log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "util/log.h"
#include "util/printable.h"

static int log_syslog;                  /* set once by log_open(), before threads */
static int log_stderr = 1;
/* set by the reload thread while workers log: atomic (relaxed: a stale level for
 * a line or two is harmless, a torn or raced read is not allowed) */
static enum log_level log_level = LOG_LVL_INFO;

static const int log_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
static const char *const log_tag[] = { "error", "warning", "info", "debug" };

void log_open(int facility, int to_stderr)
{
	openlog("tlspolicy-milter", LOG_PID | LOG_NDELAY, facility);
	log_syslog = 1;
	log_stderr = to_stderr;
}

void log_stderr_only(void)
{
	log_syslog = 0;
	log_stderr = 1;
}

void log_close(void)
{
	if (log_syslog)
		closelog();
	log_syslog = 0;
}

void log_set_level(enum log_level level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int log_facility_parse(const char *name)
{
	static const struct { const char *name; int facility; } tab[] = {
		{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcasecmp(name, tab[i].name) == 0)
			return tab[i].facility;
	return -1;
}

int log_enabled(enum log_level level)
{
	return level <= __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int log_level_parse(const char *name)
{
	static const char *const names[] = { "err", "warning", "info", "debug" };
	for (int i = 0; i < 4; i++)
		if (strcasecmp(name, names[i]) == 0)
			return i;
	if (strcasecmp(name, "error") == 0)
		return LOG_LVL_ERR;
	if (strcasecmp(name, "warn") == 0)
		return LOG_LVL_WARN;
	return -1;
}

char *log_quote(char *out, size_t outsz, const char *s)
{
	/* '"' and '\\' too: a quoted log field must not end early or escape */
	return printable_copy(out, outsz, s, "\"\\", '?');
}

static void log_v(enum log_level level, const char *fmt, va_list ap)
{
	char line[2048];

	if (level > __atomic_load_n(&log_level, __ATOMIC_RELAXED))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_syslog)
		syslog(log_prio[level], "%s", line);
	if (log_stderr)
		fprintf(stderr, "tlspolicy-milter: %s: %s\n", log_tag[level], line);
}

#define LOG_FN(name, level) \
void name(const char *fmt, ...) \
{ \
	va_list ap; \
	va_start(ap, fmt); \
	log_v(level, fmt, ap); \
	va_end(ap); \
}

LOG_FN(log_err, LOG_LVL_ERR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)
