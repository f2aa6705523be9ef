/*
 * stats - counters since start, logged on SIGUSR1.  Lock-free (atomic adds).
 */
#ifndef TP_STATS_H
#define TP_STATS_H

enum stats_counter {
	STAT_CONNECTIONS, STAT_MESSAGES, STAT_RECIPIENTS, STAT_PASS, STAT_REJECT, STAT_TEMPFAIL,
	STAT_WOULD_REJECT, STAT_ERRORS, STAT_RELOADS, STAT_RELOAD_FAILURES, STAT_WOULD_TEMPFAIL,
	STAT_RT_FEASIBLE, STAT_RT_INFEASIBLE, STAT_RT_CHECK_ERRORS, STAT_MAX
};

void stats_add(enum stats_counter c);
/* Log all counters on one info line. */
void stats_log(void);

#endif
