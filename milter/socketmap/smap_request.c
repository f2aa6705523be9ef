/*
 * smap_request - one socketmap request (see smap_request.h).
 */
#include <stdio.h>
#include <string.h>

#include "feasible/outbound.h"
#include "policy/ruleset.h"
#include "util/log.h"
#include "socketmap/smap_request.h"
#include "daemon/stats.h"

_Static_assert(OUTBOUND_MAPS == STATS_MAPS - 1, "stats.h: one map label per outbound map, plus unknown");

/* a reply with a fixed reason; logged at debug like every answer */
static size_t fixed(char *reply, const char *kind, const char *reason, const char *req, size_t len)
{
	char q[128], what[128];

	if (log_enabled(LOG_LVL_DEBUG)) {
		snprintf(what, sizeof(what), "%.*s", (int)(len < 100 ? len : 100), req);
		log_debug("socketmap request=\"%s\" answer=%s value=\"%s\"", log_quote(q, sizeof(q), what), kind,
		    reason);
	}
	stats_smap(STATS_MAPS - 1, kind[0] == 'T' ? STATS_TEMP : STATS_PERM);
	return (size_t)snprintf(reply, SMAP_REPLY_MAX, "%s %s", kind, reason);
}

size_t smap_request_answer(const struct ruleset *p, const char *req, size_t len, char *reply)
{
	const char *sp = memchr(req, ' ', len);
	char name[32];
	enum outbound_map map;
	struct outbound_answer a;
	int n;

	if (memchr(req, '\0', len))
		return fixed(reply, "PERM", "bad request: NUL byte", req, len);
	if (!sp || sp == req)
		return fixed(reply, "PERM", "bad request: expected MAPNAME KEY", req, len);
	if ((size_t)(sp - req) >= sizeof(name))
		return fixed(reply, "PERM", "unknown map", req, len);
	memcpy(name, req, (size_t)(sp - req));
	name[sp - req] = '\0';
	if (outbound_map_parse(name, &map) < 0)
		return fixed(reply, "PERM", "unknown map", req, len);
	if (!p)
		return fixed(reply, "TEMP", "no policy loaded", req, len);
	int64_t t0 = stats_now_usec();
	outbound_lookup(p, p->feasible, map, sp + 1, &a);
	stats_observe(STATS_H_SOCKETMAP, stats_now_usec() - t0);
	if (log_enabled(LOG_LVL_DEBUG)) {
		char line[2048];

		outbound_format(map, sp + 1, &a, line, sizeof(line));
		log_debug("%s", line);
	}
	switch (a.kind) {
	case OUTBOUND_OK:
		n = snprintf(reply, SMAP_REPLY_MAX, "OK %s", a.value);
		break;
	case OUTBOUND_NOTFOUND:
		n = snprintf(reply, SMAP_REPLY_MAX, "NOTFOUND ");
		break;
	case OUTBOUND_TEMP:
		n = snprintf(reply, SMAP_REPLY_MAX, "TEMP %s", a.value[0] ? a.value : "lookup failed");
		break;
	default:
		n = snprintf(reply, SMAP_REPLY_MAX, "PERM %s", a.value[0] ? a.value : "error");
		break;
	}
	stats_smap((int)map, a.kind == OUTBOUND_OK ? STATS_OK : a.kind == OUTBOUND_NOTFOUND ? STATS_NOTFOUND :
	    a.kind == OUTBOUND_TEMP ? STATS_TEMP : STATS_PERM);
	/* a.value is shorter than OUTBOUND_VALUE_MAX, so the reply always fits */
	return n < SMAP_REPLY_MAX ? (size_t)n : SMAP_REPLY_MAX - 1;
}
