/*
 * cachemem - memory and answer latency of the outbound maps' cache with N
 * cached domains (issue 11: "cache memory and answer latency with 1M cached
 * domains; seed the cache directly").
 *
 *   cachemem [N [LOOKUPS]]       (N = 1000000, LOOKUPS = 1000000)
 *
 * Fills a cache (common/cache, default shards) the way outbound.c does: key
 * "ob:DOMAIN", value the packed view of one struct ob_ev (outbound.c's own
 * types and ob_pack: this file includes outbound.c so the size and the
 * answer code are the real ones), here an MTA-STS enforce domain with a
 * secure MX.  Then looks up random cached domains as outbound_lookup does on
 * a hit (cache_get, answer_tls from the entry, release) and prints one
 * RESULT line:
 *   entries, value_bytes (mean packed value), fill_s, rss_kb (growth of
 *   VmRSS over the fill), bytes_per_entry,
 *   cache_bytes (the cache's own accounting), lookup_ns (mean over LOOKUPS),
 *   p50_ns / p99_ns (per-lookup samples, clock_gettime around each)
 * It checks every answer ("secure match=mx.dN.bench.example ...") and
 * exits 1 on a miss or a wrong answer.  Built for check, not installed.
 */
#include "../../common/feasible/outbound.c"     /* ob_ev, ob_pack, answer_tls: bench only */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* one lookup as outbound_lookup does it on a cache hit; 0 if the answer is right */
static int lookup(struct cache *c, unsigned long i)
{
	char key[64], want[96];
	struct outbound_answer a;

	snprintf(key, sizeof(key), "ob:d%lu.bench.example", i);
	struct cache_item *it = cache_get(c, key);
	if (!it)
		return -1;
	memset(&a, 0, sizeof(a));
	answer_tls(cache_item_value(it), OUTBOUND_NONE, NULL, &a);
	cache_item_release(it);
	snprintf(want, sizeof(want), "secure match=mx.d%lu.bench.example servername=hostname", i);
	return a.kind == OUTBOUND_OK && strcmp(a.value, want) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	unsigned long nl = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
	unsigned long i, bad = 0;
	size_t ns = nl < 200000 ? nl : 200000;
	uint64_t *samp = calloc(ns ? ns : 1, sizeof(*samp));
	struct cache_opts o = { .max_entries = n + n / 4 + 1024 };     /* room: shards fill unevenly */
	struct cache_stats st;
	volatile int sink = 0;
	size_t value_bytes = 0;

	if (n == 0 || !samp) {
		fprintf(stderr, "usage: cachemem [N [LOOKUPS]]\n");
		return 2;
	}
	long rss0 = rss_kb();
	struct cache *c = cache_create(&o);
	if (!c) {
		fprintf(stderr, "cachemem: cache_create failed\n");
		return 1;
	}
	double t0 = now_s();
	int64_t exp = cache_now(c) + 3600 * 1000;
	for (i = 0; i < n; i++) {
		char key[64];
		struct ob_ev ev, *e = &ev;
		memset(e, 0, sizeof(*e));
		/* what ev_gather leaves for an MTA-STS enforce domain with a secure MX */
		e->status = FEASIBLE_YES;
		e->have_mx = e->mx_secure = 1;
		snprintf(e->mx_names, sizeof(e->mx_names), "mx.d%lu.bench.example", i);
		e->sts.status = FEASIBLE_YES;
		e->sts.have_policy = e->sts.enforce = 1;
		snprintf(e->sts.id, sizeof(e->sts.id), "bench1");
		snprintf(e->sts.match, sizeof(e->sts.match), "mx.d%lu.bench.example", i);
		e->sts.max_age_ms = 86400000;
		snprintf(e->evidence, sizeof(e->evidence), "mx=mx.d%lu.bench.example dnssec=secure; mta-sts id=bench1 mode=enforce", i);
		snprintf(key, sizeof(key), "ob:d%lu.bench.example", i);
		size_t size;
		struct ob_view *v = ob_pack(e, &size);      /* what ev_compute stores */
		if (!v) {
			fprintf(stderr, "cachemem: out of memory at %lu\n", i);
			return 1;
		}
		value_bytes += size;
		if (cache_put(c, key, v, free, size, exp, 0) != 0) {
			fprintf(stderr, "cachemem: cache_put failed at %lu\n", i);
			return 1;
		}
	}
	double fill = now_s() - t0;
	long rss1 = rss_kb();
	cache_stats(c, &st);

	/* mean over nl random lookups */
	t0 = now_s();
	for (i = 0; i < nl; i++)
		if (lookup(c, next_rand() % n) != 0)
			bad++;
	double mean_ns = nl ? (now_s() - t0) * 1e9 / nl : 0;
	/* per-lookup samples for the distribution */
	for (i = 0; i < ns; i++) {
		struct timespec a, b;
		unsigned long k = next_rand() % n;
		clock_gettime(CLOCK_MONOTONIC, &a);
		sink += lookup(c, k);
		clock_gettime(CLOCK_MONOTONIC, &b);
		samp[i] = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000ULL + (uint64_t)(b.tv_nsec - a.tv_nsec);
	}
	if (sink)
		bad++;
	qsort(samp, ns, sizeof(*samp), cmp_u64);

	printf("RESULT ok=%d entries=%zu value_bytes=%zu fill_s=%.2f rss_kb=%ld bytes_per_entry=%.0f cache_bytes=%zu "
	    "lookup_ns=%.0f p50_ns=%llu p99_ns=%llu wrong=%lu\n",
	    bad == 0 && st.entries == n, st.entries, value_bytes / n, fill, rss1 - rss0,
	    (rss1 - rss0) * 1024.0 / (st.entries ? st.entries : 1), st.bytes, mean_ns,
	    ns ? (unsigned long long)samp[ns / 2] : 0ULL, ns ? (unsigned long long)samp[(size_t)(ns * 0.99)] : 0ULL,
	    bad);
	cache_free(c);
	free(samp);
	return bad == 0 && st.entries == n ? 0 : 1;
}
