/*
 * log - syslog logging with an optional copy on stderr.
 *
 * log_open() is called once before threads start; the log_* calls are
 * thread-safe (syslog(3) and a single fprintf per line).  Messages are one
 * line each; callers never pass CR/LF in their arguments' format.
 */
#ifndef TP_LOG_H
#define TP_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Open syslog with ident "tlspolicy-milter" and facility (syslog LOG_* value).
 * to_stderr: also print each line on stderr. */
void log_open(int facility, int to_stderr);
void log_set_level(enum log_level level);
/* 1 when a line of level would be written (skip building a line that would not). */
int log_enabled(enum log_level level);
/* Only stderr, no syslog (tests, -t, -q). */
void log_stderr_only(void);
void log_close(void);

/* Map "mail", "local0".."local7", "daemon", "user" to a syslog facility; -1 if unknown. */
int log_facility_parse(const char *name);
/* Map "err", "warning", "info", "debug" to a level; -1 if unknown. */
int log_level_parse(const char *name);

/* Copy s into out for a quoted log value: printable ASCII, with '"', '\\' and
 * everything else replaced by '?', so a value can never end the quotes or the
 * line.  NULL becomes "".  Returns out. */
char *log_quote(char *out, size_t outsz, const char *s);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
