/*
 * stats - counters (see stats.h).
 */
#include <stdio.h>

#include "util/log.h"
#include "daemon/stats.h"

static unsigned long stats[STAT_MAX];

static const char *const stats_names[STAT_MAX] = {
	"connections", "messages", "recipients", "pass", "reject", "tempfail", "would_reject", "errors",
	"reloads", "reload_failures", "would_tempfail", "requiretls_feasible", "requiretls_infeasible",
	"requiretls_check_errors",
};

void stats_add(enum stats_counter c)
{
	__atomic_add_fetch(&stats[c], 1, __ATOMIC_RELAXED);
}

void stats_log(void)
{
	char line[512];
	int o = 0;

	for (int i = 0; i < STAT_MAX && o < (int)sizeof(line); i++)
		o += snprintf(line + o, sizeof(line) - (size_t)o, "%s%s=%lu", i ? " " : "", stats_names[i],
		    __atomic_load_n(&stats[i], __ATOMIC_RELAXED));
	log_info("stats %s", line);
}
