/*
 * probe_result - how the probe's steps record a failure in a probe_result.
 * Internal to the probe layer.
 */
#ifndef TP_PROBE_RESULT_H
#define TP_PROBE_RESULT_H

#include "probe/probe.h"

/*
 * probe_result_fail - set res->status to st and res->reason to the
 * formatted text, with every byte that is not printable ASCII replaced by
 * '?' (the reason may end up in an SMTP reply and a log line).  Returns -1,
 * so a step can end with "return probe_result_fail(...)".
 */
int probe_result_fail(struct probe_result *res, enum probe_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
