/*
 * outbound - outbound TLS policy answers (see outbound.h).
 */
#include <stdio.h>
#include <string.h>

#include "util/log.h"
#include "feasible/outbound.h"

static const char *const map_names[] = { "tls", "requiretls", "sendmail" };
static const char *const kind_names[] = { "OK", "NOTFOUND", "TEMP", "PERM" };

int outbound_map_parse(const char *name, enum outbound_map *m)
{
	for (int i = 0; i < OUTBOUND_MAPS; i++)
		if (strcmp(name, map_names[i]) == 0) {
			*m = (enum outbound_map)i;
			return 0;
		}
	return -1;
}

const char *outbound_map_name(enum outbound_map m)
{
	return (unsigned)m < OUTBOUND_MAPS ? map_names[m] : "?";
}

const char *outbound_kind_name(enum outbound_kind k)
{
	return (unsigned)k < 4 ? kind_names[k] : "?";
}

void outbound_lookup(const struct ruleset *p, struct feasible *f, enum outbound_map map, const char *key,
    struct outbound_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = OUTBOUND_NOTFOUND;
	a->source = "none";
}

void outbound_format(enum outbound_map map, const char *key, const struct outbound_answer *a, char *buf,
    size_t bufsz)
{
	char qk[300], qv[OUTBOUND_VALUE_MAX + 8];

	snprintf(buf, bufsz, "socketmap map=%s key=%s answer=%s value=\"%s\" source=%s cached=%s ms=%lld",
	    outbound_map_name(map), log_quote(qk, sizeof(qk), key), outbound_kind_name(a->kind),
	    log_quote(qv, sizeof(qv), a->value), a->source, a->cached ? "yes" : "no", a->elapsed_ms);
}
