/*
 * probe_result - record a failure of the probe (see probe_result.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "probe/probe_result.h"
#include "util/printable.h"

/* probe_result_fail - see probe_result.h */
int probe_result_fail(struct probe_result *res, enum probe_status st, const char *fmt, ...)
{
	va_list ap;

	res->status = st;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	printable_inplace(res->reason, NULL, '?');
	return -1;
}
