/*
 * stats - counters (see stats.h).  Every update is a relaxed atomic add.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/stats.h"

static uint64_t stats[STAT_MAX];
static uint64_t verdicts[STATS_STAGES][STATS_VERDICTS];
static uint64_t flagged[STATS_TRIGGERS];
static uint64_t smap[STATS_MAPS][STATS_ANSWERS];
static uint64_t hist[STATS_HISTS][STATS_BUCKETS];      /* per bucket, not cumulative */
static uint64_t hist_count[STATS_HISTS], hist_sum[STATS_HISTS];
static int64_t loaded_at;
static int64_t started_at;

static const char *const stats_names[STAT_MAX] = {
	"connections", "messages", "recipients", "pass", "reject", "tempfail", "would_reject", "errors",
	"reloads", "reload_failures", "would_tempfail", "requiretls_feasible", "requiretls_infeasible",
	"requiretls_check_errors",
};
static const char *const stage_names[STATS_STAGES] = { "mail", "rcpt", "eom" };
static const char *const verdict_names[STATS_VERDICTS] = {
	"pass", "reject", "tempfail", "would_reject", "would_tempfail"
};
static const char *const trigger_names[STATS_TRIGGERS] = { "tag", "content", "rule", "param" };
static const char *const map_names[STATS_MAPS] = { "tls", "requiretls", "sendmail", "unknown" };
static const char *const answer_names[STATS_ANSWERS] = { "OK", "NOTFOUND", "TEMP", "PERM" };
static const char *const hist_names[STATS_HISTS] = { "feasible", "socketmap" };

/* seconds; the last is +Inf */
const double stats_bucket_le[STATS_BUCKETS] = {
	0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 1e300
};

static const char *const method_names[STATS_METHODS] = {
	"dnssec", "mta-sts", "dnssec+probe", "mta-sts+probe", "none"
};
static uint64_t checks[STATS_METHODS][3];

struct rule_slot {
	char *name;                 /* claimed once (CAS), never freed */
	uint64_t n[STATS_VERDICTS];
};
static struct rule_slot rules[STATS_RULES + 1];       /* the last: "other" */
static char other_name[] = "other";

#define ADD(x) __atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)
#define GET(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void stats_add(enum stats_counter c) { ADD(stats[c]); }
uint64_t stats_get(enum stats_counter c) { return GET(stats[c]); }
const char *stats_name(enum stats_counter c) { return stats_names[c]; }

void stats_verdict(const char *stage, int verdict)
{
	int st = strcmp(stage, "mail") == 0 ? STATS_MAIL : strcmp(stage, "rcpt") == 0 ? STATS_RCPT : STATS_EOM;

	if (verdict >= 0 && verdict < STATS_VERDICTS)
		ADD(verdicts[st][verdict]);
}
uint64_t stats_verdict_get(enum stats_stage st, int verdict) { return GET(verdicts[st][verdict]); }
const char *stats_stage_name(enum stats_stage st) { return stage_names[st]; }
const char *stats_verdict_name(int verdict) { return verdict_names[verdict]; }

void stats_flagged(unsigned triggers)
{
	for (int b = 0; b < STATS_TRIGGERS; b++)
		if (triggers & (1u << b))
			ADD(flagged[b]);
}
uint64_t stats_flagged_get(int bit) { return GET(flagged[bit]); }
const char *stats_trigger_name(int bit) { return trigger_names[bit]; }

void stats_smap(int map, enum stats_answer a)
{
	if (map < 0 || map >= STATS_MAPS)
		map = STATS_MAPS - 1;
	ADD(smap[map][a]);
}
uint64_t stats_smap_get(int map, enum stats_answer a) { return GET(smap[map][a]); }
const char *stats_map_name(int map) { return map_names[map]; }
const char *stats_answer_name(enum stats_answer a) { return answer_names[a]; }

void stats_observe(enum stats_hist h, int64_t usec)
{
	int b = 0;

	if (usec < 0)
		usec = 0;
	while (b < STATS_BUCKETS - 1 && (double)usec / 1e6 > stats_bucket_le[b])
		b++;
	ADD(hist[h][b]);
	__atomic_add_fetch(&hist_sum[h], (uint64_t)usec, __ATOMIC_RELAXED);
	ADD(hist_count[h]);
}
uint64_t stats_hist_bucket(enum stats_hist h, int b)
{
	uint64_t n = 0;

	for (int i = 0; i <= b; i++)
		n += GET(hist[h][i]);
	return n;
}
uint64_t stats_hist_count(enum stats_hist h) { return GET(hist_count[h]); }
uint64_t stats_hist_sum_usec(enum stats_hist h) { return GET(hist_sum[h]); }
const char *stats_hist_name(enum stats_hist h) { return hist_names[h]; }

int64_t stats_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void stats_loaded(time_t t)
{
	int64_t zero = 0;

	__atomic_store_n(&loaded_at, (int64_t)t, __ATOMIC_RELAXED);
	/* the first load is the start */
	__atomic_compare_exchange_n(&started_at, &zero, (int64_t)t, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}
time_t stats_loaded_get(void) { return (time_t)GET(loaded_at); }
time_t stats_started_get(void) { return (time_t)GET(started_at); }

/* FNV-1a of the label's first len bytes */
static unsigned hash_label(const char *s, size_t len)
{
	unsigned h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

void stats_rule_verdict(const char *label, int verdict)
{
	const char *paren = label ? strstr(label, " (") : NULL;
	size_t len;

	if (!label || verdict < 0 || verdict >= STATS_VERDICTS)
		return;
	/* "NAME (FILE:LINE)": the last " (" starts the place */
	for (const char *p = paren; p; p = strstr(p + 2, " ("))
		paren = p;
	len = paren ? (size_t)(paren - label) : strlen(label);
	unsigned h = hash_label(label, len);
	for (unsigned i = 0; i < STATS_RULES; i++) {
		struct rule_slot *sl = &rules[(h + i) % STATS_RULES];
		char *name = __atomic_load_n(&sl->name, __ATOMIC_ACQUIRE);
		if (!name) {
			char *mine = strndup(label, len), *expected = NULL;
			if (!mine)
				break;
			if (__atomic_compare_exchange_n(&sl->name, &expected, mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				name = mine;
			else {
				free(mine);
				name = expected;
			}
		}
		if (strncmp(name, label, len) == 0 && name[len] == '\0') {
			ADD(sl->n[verdict]);
			return;
		}
	}
	ADD(rules[STATS_RULES].n[verdict]);
}

const char *stats_rule_name(int i)
{
	if (i == STATS_RULES) {     /* "other" shows once it counted something */
		for (int v = 0; v < STATS_VERDICTS; v++)
			if (GET(rules[i].n[v]))
				return other_name;
		return NULL;
	}
	return __atomic_load_n(&rules[i].name, __ATOMIC_ACQUIRE);
}
uint64_t stats_rule_get(int i, int verdict) { return GET(rules[i].n[verdict]); }

void stats_check(const char *method, int result)
{
	int m = STATS_METHODS - 1;

	for (int i = 0; method && i < STATS_METHODS; i++)
		if (strcmp(method, method_names[i]) == 0)
			m = i;
	if (result >= 0 && result < 3)
		ADD(checks[m][result]);
}
uint64_t stats_check_get(int method, int result) { return GET(checks[method][result]); }
const char *stats_method_name(int method) { return method_names[method]; }
