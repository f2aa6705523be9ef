/*
 * bench_lookup - how dtable lookups scale with the number of keys.
 *
 * Not a test: it prints numbers and never judges speed.  It does check
 * correctness: every lookup result is compared with what the key generator
 * says it must be, and any difference exits 1.
 *
 * Key k (0 <= k < n) is "d<k>.<suffix>" (exact) or, for every fourth k,
 * ".p<k>.<suffix>" (parent).  The small table holds keys 0..9, the big one
 * keys 0..n-1, so keys 0..9 are in both and the "same" query set (exact
 * hits, parent hits 1-2 labels below the key, misses) has the same answers
 * in both tables.  A second set spreads hits over all n keys (big table
 * only), which shows the cache misses a large table costs.
 *
 * usage: bench_lookup [-n keys] [-q queries]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/dtable.h"

#define SMALL	10
#define RUNS	5

static const char *suffixes[] = {"example-partner.com", "mail-gateway.net", "tls-required.example.org"};

struct query {
	char name[80];
	int found;
	uint32_t value;
};

/* now_ns - monotonic clock in nanoseconds */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* rnd - xorshift64: a fixed sequence, so every run asks the same queries */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* key_name - the stored form of key k */
static void key_name(size_t k, char *buf, size_t sz)
{
	const char *sfx = suffixes[k % 3];

	if (k % 4 == 0)
		snprintf(buf, sz, ".p%zu.%s", k, sfx);
	else
		snprintf(buf, sz, "d%zu.%s", k, sfx);
}

/* make_query - query i of a set whose hits use keys below kmax; in a table
 * of keys 0..size-1 its answer is found/value */
static void make_query(struct query *q, uint64_t *seed, size_t kmax, size_t size)
{
	size_t k = (size_t)(rnd(seed) % kmax);
	const char *sfx = suffixes[k % 3];

	switch (rnd(seed) % 3) {
	case 0:                     /* exact hit (or a parent's own name: a miss) */
		k = k % 4 ? k : k + 1 < kmax ? k + 1 : k - 1;
		key_name(k, q->name, sizeof(q->name));
		break;
	case 1:                     /* below a parent key, 1 or 2 labels deep */
		k -= k % 4;
		snprintf(q->name, sizeof(q->name), "%sa.p%zu.%s", rnd(seed) & 1 ? "mx1." : "", k, suffixes[k % 3]);
		break;
	default:                    /* miss: no key is a suffix of it */
		snprintf(q->name, sizeof(q->name), "mx.q%zu.%s", k, sfx);
		q->found = 0;
		return;
	}
	q->found = k < size;
	q->value = q->found ? (uint32_t)k + 1 : 0;
}

/* build - table of keys 0..n-1 (value k + 1); insert time in *ms */
static struct dtable *build(size_t n, double *ms)
{
	char *names = malloc(n * 48), *p;
	struct dtable *t;
	double t0;
	size_t k;

	if (names == NULL || (t = dtable_create(0)) == NULL) {
		fprintf(stderr, "bench_lookup: out of memory\n");
		exit(2);
	}
	/* Generate first, so only the inserts are timed. */
	for (k = 0, p = names; k < n; k++, p += 48)
		key_name(k, p, 48);
	t0 = now_ns();
	for (k = 0, p = names; k < n; k++, p += 48) {
		uint32_t *v = dtable_slot(t, p, NULL);

		if (v == NULL) {
			fprintf(stderr, "bench_lookup: out of memory at key %zu\n", k);
			exit(2);
		}
		*v = (uint32_t)k + 1;
	}
	*ms = (now_ns() - t0) / 1e6;
	free(names);
	return t;
}

/* check - every answer as the generator predicts; returns wrong answers */
static size_t check(const struct dtable *t, const struct query *qs, size_t nq, const char *what)
{
	size_t i, wrong = 0;

	for (i = 0; i < nq; i++) {
		uint32_t v = 0;
		int f = dtable_lookup(t, qs[i].name, &v, NULL);

		if (f != qs[i].found || (f && v != qs[i].value)) {
			if (wrong++ < 5)
				fprintf(stderr, "bench_lookup: %s: %s: got %d/%u, want %d/%u\n",
				    what, qs[i].name, f, v, qs[i].found, qs[i].value);
		}
	}
	return wrong;
}

/* time_set - best of RUNS passes over the queries, ns per lookup.  Each
 * pass sums the answers (which also keeps the loop from being optimised
 * away); a sum that differs from the expected one counts in *wrong. */
static double time_set(const struct dtable *t, const struct query *qs, size_t nq, size_t *wrong)
{
	uint64_t want = 0;
	double best = 0;
	size_t i;
	int r;

	for (i = 0; i < nq; i++)
		want += (uint64_t)qs[i].found + qs[i].value;
	for (r = 0; r < RUNS; r++) {
		double t0 = now_ns(), el;
		uint64_t sum = 0;

		for (i = 0; i < nq; i++) {
			uint32_t v = 0;

			sum += (uint64_t)dtable_lookup(t, qs[i].name, &v, NULL) + v;
		}
		el = now_ns() - t0;
		if (r == 0 || el < best)
			best = el;
		if (sum != want)
			++*wrong;
	}
	return best / (double)nq;
}

int main(int argc, char **argv)
{
	size_t n = 1000000, nq = 200000, i, wrong = 0;
	struct query *same, *spread_small, *spread_big;
	struct dtable *small, *big;
	double ms_small, ms_big, ns_small, ns_big, ns_spread, ns_spread_small;
	uint64_t s1 = 0x9e3779b97f4a7c15ull, s2;
	int c;

	while ((c = getopt(argc, argv, "n:q:")) != -1) {
		if (c == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (c == 'q')
			nq = strtoul(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: bench_lookup [-n keys] [-q queries]\n");
			return 2;
		}
	}
	if (n < SMALL || nq == 0) {
		fprintf(stderr, "bench_lookup: need -n >= %d and -q >= 1\n", SMALL);
		return 2;
	}
	small = build(SMALL, &ms_small);
	big = build(n, &ms_big);
	same = calloc(nq, sizeof(*same));
	spread_small = calloc(nq, sizeof(*spread_small));
	spread_big = calloc(nq, sizeof(*spread_big));
	if (same == NULL || spread_small == NULL || spread_big == NULL) {
		fprintf(stderr, "bench_lookup: out of memory\n");
		return 2;
	}
	for (i = 0; i < nq; i++)
		make_query(&same[i], &s1, SMALL, SMALL);
	/* Same names twice, with the answers each table must give. */
	s2 = s1;
	for (i = 0; i < nq; i++)
		make_query(&spread_big[i], &s1, n, n);
	for (i = 0; i < nq; i++)
		make_query(&spread_small[i], &s2, n, SMALL);

	wrong += check(small, same, nq, "10 keys");
	wrong += check(big, same, nq, "big table");
	wrong += check(big, spread_big, nq, "big table, spread");
	wrong += check(small, spread_small, nq, "10 keys, spread");
	if (dtable_count(small) != SMALL || dtable_count(big) != n) {
		fprintf(stderr, "bench_lookup: wrong key count\n");
		wrong++;
	}

	ns_small = time_set(small, same, nq, &wrong);
	ns_big = time_set(big, same, nq, &wrong);
	ns_spread = time_set(big, spread_big, nq, &wrong);
	ns_spread_small = time_set(small, spread_small, nq, &wrong);

	printf("dtable build (keys: 3/4 exact \"d<k>.<suffix>\", 1/4 parent \".p<k>.<suffix>\")\n");
	printf("  %-9s %10s %12s %10s\n", "keys", "insert ms", "memory MiB", "bytes/key");
	printf("  %-9d %10.3f %12.3f %10.1f\n", SMALL, ms_small,
	    dtable_memory(small) / 1048576.0, (double)dtable_memory(small) / SMALL);
	printf("  %-9zu %10.1f %12.1f %10.1f\n", n, ms_big,
	    dtable_memory(big) / 1048576.0, (double)dtable_memory(big) / (double)n);
	printf("lookups: %zu queries (1/3 exact hits, 1/3 parent hits 1-2 labels below the key, 1/3 misses), best of %d\n",
	    nq, RUNS);
	printf("  %-34s %10s %10s %8s\n", "query set", "10 keys", "big", "big/10");
	printf("  %-34s %10.1f %10.1f %8.2f\n", "same queries (hits on keys 0..9)", ns_small, ns_big, ns_big / ns_small);
	printf("  %-34s %10.1f %10.1f %8.2f\n", "spread (hits on keys 0..n-1)", ns_spread_small, ns_spread,
	    ns_spread / ns_spread_small);
	printf("  (ns per lookup; \"spread\" misses almost always on the 10-key table)\n");
	printf("correctness: %zu wrong results\n", wrong);

	free(same);
	free(spread_small);
	free(spread_big);
	dtable_free(small);
	dtable_free(big);
	return wrong ? 1 : 0;
}
