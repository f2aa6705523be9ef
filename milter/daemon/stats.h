/*
 * stats - counters since start, logged on SIGUSR1 and served as Prometheus
 * metrics (metrics.h).  Lock-free: every update is one relaxed atomic add on
 * a fixed array, so the mail path never waits for a reader; readers see
 * each counter on its own (not one snapshot of all).
 *
 * Label sets are fixed at compile time (stage, verdict, trigger, map,
 * answer): nothing from mail ever becomes a label.
 */
#ifndef TP_STATS_H
#define TP_STATS_H

#include <stdint.h>
#include <time.h>

enum stats_counter {
	STAT_CONNECTIONS, STAT_MESSAGES, STAT_RECIPIENTS, STAT_PASS, STAT_REJECT, STAT_TEMPFAIL,
	STAT_WOULD_REJECT, STAT_ERRORS, STAT_RELOADS, STAT_RELOAD_FAILURES, STAT_WOULD_TEMPFAIL,
	STAT_RT_FEASIBLE, STAT_RT_INFEASIBLE, STAT_RT_CHECK_ERRORS, STAT_MAX
};

void stats_add(enum stats_counter c);
uint64_t stats_get(enum stats_counter c);
const char *stats_name(enum stats_counter c);

/* Verdicts by stage ("mail", "rcpt", "eom") and verdict (enum verdict of
 * policy/decide.h, 0..STATS_VERDICTS-1). */
enum stats_stage { STATS_MAIL, STATS_RCPT, STATS_EOM, STATS_STAGES };
#define STATS_VERDICTS 5
void stats_verdict(const char *stage, int verdict);
uint64_t stats_verdict_get(enum stats_stage st, int verdict);
const char *stats_stage_name(enum stats_stage st);
const char *stats_verdict_name(int verdict);

/* Verdicts by rule: the rule's label without its " (FILE:LINE)" (the name
 * given in the config, else "sender example.com"): the config bounds the
 * set; at most STATS_RULES distinct labels over the process's life (reloads
 * included), later ones count as "other".  Lock-free (a CAS claims a slot). */
#define STATS_RULES 256
void stats_rule_verdict(const char *label, int verdict);
/* Slot i: its label (NULL: unused) and counts; for the metrics writer. */
const char *stats_rule_name(int i);
uint64_t stats_rule_get(int i, int verdict);

/* REQUIRETLS feasibility checks by method (feasible_result.method: dnssec,
 * mta-sts, dnssec+probe, mta-sts+probe, none) and result (0 feasible,
 * 1 infeasible, 2 error). */
#define STATS_METHODS 5
void stats_check(const char *method, int result);
uint64_t stats_check_get(int method, int result);
const char *stats_method_name(int method);

/* REQUIRETLS: a message flagged (at end of message, headers added), counted
 * once per trigger bit of enum requiretls_trigger that flagged it. */
#define STATS_TRIGGERS 4
void stats_flagged(unsigned triggers);
uint64_t stats_flagged_get(int bit);
const char *stats_trigger_name(int bit);

/* Socketmap answers by map (enum outbound_map; STATS_MAPS - 1 = unknown or
 * bad request) and answer kind (OK, NOTFOUND, TEMP, PERM). */
#define STATS_MAPS 4
enum stats_answer { STATS_OK, STATS_NOTFOUND, STATS_TEMP, STATS_PERM, STATS_ANSWERS };
void stats_smap(int map, enum stats_answer a);
uint64_t stats_smap_get(int map, enum stats_answer a);
const char *stats_map_name(int map);
const char *stats_answer_name(enum stats_answer a);

/* Lookup latency histograms: the milter's REQUIRETLS feasibility checks
 * (one observation per check call, a batch at end of message included) and
 * the socketmap's lookups.  Bucket bounds in seconds: stats_bucket_le. */
enum stats_hist { STATS_H_FEASIBLE, STATS_H_SOCKETMAP, STATS_HISTS };
#define STATS_BUCKETS 12        /* the last one is +Inf */
extern const double stats_bucket_le[STATS_BUCKETS];
void stats_observe(enum stats_hist h, int64_t usec);
/* cumulative count of bucket b, the count and the sum in microseconds */
uint64_t stats_hist_bucket(enum stats_hist h, int b);
uint64_t stats_hist_count(enum stats_hist h);
uint64_t stats_hist_sum_usec(enum stats_hist h);
const char *stats_hist_name(enum stats_hist h);

/* Monotonic microseconds, for stats_observe. */
int64_t stats_now_usec(void);

/* The wall-clock time the policy in force was loaded (start or reload). */
void stats_loaded(time_t t);
time_t stats_loaded_get(void);
/* The time the milter process started. */
time_t stats_started_get(void);

#endif
