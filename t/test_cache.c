/*
 * test_cache - the result cache: table-driven scenarios on an injected
 * clock (hit/miss, expiry, negative TTL, LRU order at the bound, byte
 * bound, purge, dump), reference safety, single-flight, then threads on the
 * real clock: one computation for 32 callers of one key, 32 keys computed in
 * parallel, a waiter's deadline, and a mixed stress run (for the sanitizers).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "cache/cache.h"

/* ---- the injected clock and counted values ---- */

static _Atomic int64_t fake_now = 1000000;
static atomic_int values_freed;

static int64_t fake_clock(void *arg)
{
	(void)arg;
	return atomic_load(&fake_now);
}

static void value_free(void *v)
{
	atomic_fetch_add(&values_freed, 1);
	free(v);
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();
	return p;
}

static int64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ---- scenarios: a list of steps on a fresh cache ---- */

enum op {
	END = 0,
	PUT,            /* key val arg=ttl want=rc (size = size field) */
	NEG,            /* as PUT, flagged CACHE_NEGATIVE */
	GET,            /* key -> val (NULL: miss); want = flags expected on a hit */
	TICK,           /* advance the clock by arg ms */
	PURGE,          /* key -> want (1 removed, 0 not) */
	PURGEALL,       /* -> want removed */
	ENTRIES,        /* want = stats.entries */
	EVICTIONS,      /* want = stats.evictions */
	EXPIRATIONS,    /* want = stats.expirations */
	DUMP            /* arg = within ms (-1: all) -> val = keys, comma-joined, MRU first */
};

struct step {
	enum op op;
	const char *key, *val;
	int64_t arg;
	long want;
	size_t size;
};

struct scenario {
	const char *label;
	size_t max_entries, max_bytes;
	int64_t neg_ttl;
	struct step steps[16];
};

static const struct scenario scenarios[] = {
	{"hit and miss", 0, 0, 0, {
		{PUT, "mx:a.example", "A", 1000, 0, 0},
		{GET, "mx:a.example", "A", 0, 0, 0},
		{GET, "mx:b.example", NULL, 0, 0, 0},
		{GET, "a.example", NULL, 0, 0, 0},
		{ENTRIES, NULL, NULL, 0, 1, 0},
	}},
	{"expiry at the instant", 0, 0, 0, {
		{PUT, "a", "A", 1000, 0, 0},
		{TICK, NULL, NULL, 999, 0, 0},
		{GET, "a", "A", 0, 0, 0},
		{TICK, NULL, NULL, 1, 0, 0},
		{GET, "a", NULL, 0, 0, 0},
		{EXPIRATIONS, NULL, NULL, 0, 1, 0},
		{ENTRIES, NULL, NULL, 0, 0, 0},
	}},
	{"already expired is not stored", 0, 0, 0, {
		{PUT, "a", "A", 0, -1, 0},
		{PUT, "b", "B", -5, -1, 0},
		{GET, "a", NULL, 0, 0, 0},
		{ENTRIES, NULL, NULL, 0, 0, 0},
	}},
	{"replace", 0, 0, 0, {
		{PUT, "a", "1", 1000, 0, 0},
		{PUT, "a", "2", 500, 0, 0},
		{GET, "a", "2", 0, 0, 0},
		{ENTRIES, NULL, NULL, 0, 1, 0},
		{TICK, NULL, NULL, 500, 0, 0},
		{GET, "a", NULL, 0, 0, 0},
	}},
	{"negative TTL caps a long expiry", 0, 0, 5000, {
		{NEG, "a", "SERVFAIL", 3600000, 0, 0},
		{TICK, NULL, NULL, 4999, 0, 0},
		{GET, "a", "SERVFAIL", 0, CACHE_NEGATIVE, 0},
		{TICK, NULL, NULL, 1, 0, 0},
		{GET, "a", NULL, 0, 0, 0},
	}},
	{"negative TTL keeps a shorter expiry", 0, 0, 5000, {
		{NEG, "a", "timeout", 1000, 0, 0},
		{PUT, "b", "B", 3600000, 0, 0},
		{TICK, NULL, NULL, 1000, 0, 0},
		{GET, "a", NULL, 0, 0, 0},
		{TICK, NULL, NULL, 3000000, 0, 0},
		{GET, "b", "B", 0, 0, 0},
	}},
	{"LRU order at the entry bound", 3, 0, 0, {
		{PUT, "a", "A", 1000, 0, 0},
		{PUT, "b", "B", 1000, 0, 0},
		{PUT, "c", "C", 1000, 0, 0},
		{GET, "a", "A", 0, 0, 0},
		{PUT, "d", "D", 1000, 0, 0},          /* evicts b, the least recent */
		{GET, "b", NULL, 0, 0, 0},
		{DUMP, NULL, "d,a,c", -1, 3, 0},
		{GET, "c", "C", 0, 0, 0},
		{PUT, "e", "E", 1000, 0, 0},          /* evicts a */
		{DUMP, NULL, "e,c,d", -1, 3, 0},
		{EVICTIONS, NULL, NULL, 0, 2, 0},
		{ENTRIES, NULL, NULL, 0, 3, 0},
	}},
	{"byte bound evicts, too big is refused", 0, 3000, 0, {
		{PUT, "a", "A", 1000, 0, 900},
		{PUT, "b", "B", 1000, 0, 900},
		{PUT, "c", "C", 1000, 0, 900},
		{PUT, "d", "D", 1000, 0, 900},        /* 4 x (900 + overhead) > 3000 */
		{GET, "a", NULL, 0, 0, 0},
		{GET, "d", "D", 0, 0, 0},
		{PUT, "big", "X", 1000, -1, 5000},
		{GET, "big", NULL, 0, 0, 0},
		{GET, "c", "C", 0, 0, 0},
	}},
	{"purge one and all", 0, 0, 0, {
		{PUT, "mx:a", "A", 1000, 0, 0},
		{PUT, "sts:a", "S", 1000, 0, 0},
		{PUT, "mx:b", "B", 1000, 0, 0},
		{PURGE, "mx:a", NULL, 0, 1, 0},
		{PURGE, "mx:a", NULL, 0, 0, 0},
		{GET, "mx:a", NULL, 0, 0, 0},
		{GET, "sts:a", "S", 0, 0, 0},
		{PURGEALL, NULL, NULL, 0, 2, 0},
		{ENTRIES, NULL, NULL, 0, 0, 0},
		{GET, "mx:b", NULL, 0, 0, 0},
	}},
	{"dump: all, expiring soon, not the expired", 0, 0, 0, {
		{PUT, "a", "A", 1000, 0, 0},
		{PUT, "b", "B", 5000, 0, 0},
		{PUT, "c", "C", 10000, 0, 0},
		{DUMP, NULL, "c,b,a", -1, 3, 0},
		{DUMP, NULL, "b,a", 5000, 2, 0},
		{TICK, NULL, NULL, 1000, 0, 0},
		{DUMP, NULL, "c,b", -1, 2, 0},
		{DUMP, NULL, "", 3000, 0, 0},
	}},
};

struct dumpbuf {
	char s[256];
};

static int dump_fn(void *arg, const struct cache_info *info)
{
	struct dumpbuf *d = arg;

	if (d->s[0])
		strncat(d->s, ",", sizeof(d->s) - strlen(d->s) - 1);
	strncat(d->s, info->key, sizeof(d->s) - strlen(d->s) - 1);
	return 0;
}

static void run_scenario(const struct scenario *sc)
{
	struct cache_opts o = {0};
	struct cache *c;
	struct cache_stats st;
	struct cache_item *it;
	const struct step *s;
	struct dumpbuf d;
	size_t n;
	int i, rc;

	o.shards = 1;                   /* one LRU: exact order */
	o.max_entries = sc->max_entries;
	o.max_bytes = sc->max_bytes;
	o.negative_ttl_ms = sc->neg_ttl;
	o.clock = fake_clock;
	c = cache_create(&o);
	if (!ok(c != NULL, "%s: create", sc->label))
		return;
	for (i = 0; sc->steps[i].op != END; i++) {
		s = &sc->steps[i];
		switch (s->op) {
		case PUT:
		case NEG:
			rc = cache_put(c, s->key, xstrdup(s->val), value_free, s->size,
			    cache_now(c) + s->arg, s->op == NEG ? CACHE_NEGATIVE : 0);
			is_int(rc, s->want, "%s: step %d put %s", sc->label, i, s->key);
			break;
		case GET:
			it = cache_get(c, s->key);
			if (s->val == NULL) {
				ok(it == NULL, "%s: step %d %s misses", sc->label, i, s->key);
			} else if (ok(it != NULL, "%s: step %d %s hits", sc->label, i, s->key)) {
				is_str(cache_item_value(it), s->val, "%s: step %d %s value", sc->label, i, s->key);
				is_int(cache_item_flags(it), s->want, "%s: step %d %s flags", sc->label, i, s->key);
				is_str(cache_item_key(it), s->key, "%s: step %d key", sc->label, i);
			}
			cache_item_release(it);
			break;
		case TICK:
			atomic_fetch_add(&fake_now, s->arg);
			break;
		case PURGE:
			is_int(cache_purge(c, s->key), s->want, "%s: step %d purge %s", sc->label, i, s->key);
			break;
		case PURGEALL:
			is_int(cache_purge_if(c, NULL, NULL), s->want, "%s: step %d purge all", sc->label, i);
			break;
		case ENTRIES:
		case EVICTIONS:
		case EXPIRATIONS:
			cache_stats(c, &st);
			is_int(s->op == ENTRIES ? st.entries : s->op == EVICTIONS ? st.evictions : st.expirations,
			    s->want, "%s: step %d %s", sc->label, i,
			    s->op == ENTRIES ? "entries" : s->op == EVICTIONS ? "evictions" : "expirations");
			break;
		case DUMP:
			d.s[0] = '\0';
			n = cache_foreach(c, s->arg < 0 ? INT64_MAX : cache_now(c) + s->arg, dump_fn, &d);
			is_int(n, s->want, "%s: step %d dump count", sc->label, i);
			is_str(d.s, s->val, "%s: step %d dump keys", sc->label, i);
			break;
		case END:
			break;
		}
	}
	cache_free(c);
}

/* ---- references outlive eviction, purge, replacement and the cache ---- */

static void test_refs(void)
{
	struct cache_opts o = {0};
	struct cache *c;
	struct cache_item *a, *b, *a2;
	int base;

	o.shards = 1;
	o.max_entries = 1;
	o.clock = fake_clock;
	c = cache_create(&o);
	base = atomic_load(&values_freed);
	cache_put(c, "a", xstrdup("A"), value_free, 0, cache_now(c) + 1000, 0);
	a = cache_get(c, "a");
	a2 = cache_item_ref(a);
	cache_put(c, "b", xstrdup("B"), value_free, 0, cache_now(c) + 1000, 0);   /* evicts a */
	ok(cache_get(c, "a") == NULL, "refs: a evicted");
	is_int(atomic_load(&values_freed) - base, 0, "refs: evicted value not freed while held");
	is_str(cache_item_value(a), "A", "refs: held value still readable after eviction");
	cache_item_release(a);
	is_int(atomic_load(&values_freed) - base, 0, "refs: still held by the second reference");
	cache_item_release(a2);
	is_int(atomic_load(&values_freed) - base, 1, "refs: last release frees the value");

	b = cache_get(c, "b");
	cache_put(c, "b", xstrdup("B2"), value_free, 0, cache_now(c) + 1000, 0);  /* replaces */
	is_str(cache_item_value(b), "B", "refs: held value survives replacement");
	cache_item_release(b);
	is_int(atomic_load(&values_freed) - base, 2, "refs: replaced value freed on release");

	b = cache_get(c, "b");
	cache_purge(c, "b");
	is_str(cache_item_value(b), "B2", "refs: held value survives purge");
	cache_put(c, "c", xstrdup("C"), value_free, 0, cache_now(c) + 1000, 0);
	cache_free(c);
	is_int(atomic_load(&values_freed) - base, 3, "refs: cache_free frees the stored values");
	is_str(cache_item_value(b), "B2", "refs: held value survives cache_free");
	cache_item_release(b);
	is_int(atomic_load(&values_freed) - base, 4, "refs: and is freed on its release");
	cache_item_release(NULL);
}

/* ---- LRU at a larger bound: a key read recently survives, the oldest
 * unread key goes ---- */

static void test_lru_large(void)
{
	struct cache_opts o = {0};
	struct cache *c;
	struct cache_item *it;
	char key[16];
	int i, gone = 0;

	o.shards = 1;
	o.max_entries = 100;
	o.clock = fake_clock;
	c = cache_create(&o);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cache_put(c, key, NULL, NULL, 0, cache_now(c) + 1000, 0);
	}
	cache_item_release(cache_get(c, "k0"));
	cache_item_release(cache_get(c, "k1"));
	for (i = 100; i < 110; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cache_put(c, key, NULL, NULL, 0, cache_now(c) + 1000, 0);
	}
	ok((it = cache_get(c, "k0")) != NULL, "lru 100: k0, read before the inserts, survives 10 evictions");
	cache_item_release(it);
	ok((it = cache_get(c, "k1")) != NULL, "lru 100: so does k1");
	cache_item_release(it);
	for (i = 2; i < 12; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		it = cache_get(c, key);
		gone += it == NULL;
		cache_item_release(it);
	}
	is_int(gone, 10, "lru 100: k2..k11, the oldest unread, were evicted");
	cache_free(c);
}

/* ---- single-flight on the injected clock ---- */

struct comp {
	atomic_int calls;
	int rc;                         /* what compute returns */
	unsigned flags;
	int64_t ttl;
	int sleep_ms;
	const char *val;                /* NULL: the key */
	struct cache *purge_in;         /* purge our own key while computing */
};

static int compute(void *arg, const char *key, int64_t deadline, struct cache_result *out)
{
	struct comp *cp = arg;
	struct cache *c = cp->purge_in;

	(void)deadline;
	atomic_fetch_add(&cp->calls, 1);
	if (cp->sleep_ms)
		sleep_ms(cp->sleep_ms);
	if (c)
		cache_purge(c, key);
	if (cp->rc != 0)
		return cp->rc;
	out->value = xstrdup(cp->val ? cp->val : key);
	out->free_value = value_free;
	out->size = strlen(key);
	out->expires = (cp->ttl ? fake_clock(NULL) : real_ms()) + (cp->ttl ? cp->ttl : 10000);
	out->flags = cp->flags;
	return 0;
}

static void test_compute(void)
{
	struct cache_opts o = {0};
	struct cache *c;
	struct cache_item *it, *old;
	enum cache_status st;
	struct comp cp;
	struct cache_stats s;

	o.clock = fake_clock;
	o.negative_ttl_ms = 2000;
	c = cache_create(&o);

	memset(&cp, 0, sizeof(cp));
	cp.ttl = 1000;
	it = cache_get_or_compute(c, "mx:a", compute, &cp, INT64_MAX, &st);
	ok(it && st == CACHE_COMPUTED && strcmp(cache_item_value(it), "mx:a") == 0, "compute: miss computes");
	cache_item_release(it);
	it = cache_get_or_compute(c, "mx:a", compute, &cp, INT64_MAX, &st);
	ok(it && st == CACHE_HIT, "compute: then hits");
	is_int(atomic_load(&cp.calls), 1, "compute: once");
	old = it;

	cp.val = "new";
	it = cache_refresh(c, "mx:a", compute, &cp, INT64_MAX, &st);
	ok(it && st == CACHE_COMPUTED && strcmp(cache_item_value(it), "new") == 0, "refresh: computes a live key");
	is_str(cache_item_value(old), "mx:a", "refresh: the old item stays valid for its holder");
	cache_item_release(old);
	cache_item_release(it);
	it = cache_get(c, "mx:a");
	ok(it && strcmp(cache_item_value(it), "new") == 0, "refresh: the new value is stored");
	cache_item_release(it);

	atomic_fetch_add(&fake_now, 1000);
	cp.val = NULL;
	it = cache_get_or_compute(c, "mx:a", compute, &cp, INT64_MAX, &st);
	ok(it && st == CACHE_COMPUTED, "compute: expired entry computed again");
	cache_item_release(it);
	is_int(atomic_load(&cp.calls), 3, "compute: three computations so far");

	cp.rc = -1;
	it = cache_get_or_compute(c, "mx:err", compute, &cp, INT64_MAX, &st);
	ok(it == NULL && st == CACHE_ERROR, "compute: -1 gives CACHE_ERROR");
	it = cache_get_or_compute(c, "mx:err", compute, &cp, INT64_MAX, &st);
	ok(it == NULL && st == CACHE_ERROR, "compute: an error is not cached");
	is_int(atomic_load(&cp.calls), 5, "compute: error computed each time");

	cp.rc = 0;
	cp.flags = CACHE_NEGATIVE;
	cp.ttl = 86400000;
	it = cache_get_or_compute(c, "mx:neg", compute, &cp, INT64_MAX, &st);
	ok(it && st == CACHE_COMPUTED && (cache_item_flags(it) & CACHE_NEGATIVE), "compute: negative result");
	ok(cache_item_expires(it) == cache_now(c) + 2000, "compute: negative result lives negative_ttl_ms");
	cache_item_release(it);
	atomic_fetch_add(&fake_now, 1999);
	it = cache_get_or_compute(c, "mx:neg", compute, &cp, INT64_MAX, &st);
	ok(it && st == CACHE_HIT, "compute: negative result cached");
	cache_item_release(it);
	atomic_fetch_add(&fake_now, 1);
	it = cache_get_or_compute(c, "mx:neg", compute, &cp, INT64_MAX, &st);
	ok(it && st == CACHE_COMPUTED, "compute: negative result expires");
	cache_item_release(it);

	cp.flags = 0;
	cp.ttl = 1000;
	cp.purge_in = c;
	it = cache_get_or_compute(c, "mx:p", compute, &cp, INT64_MAX, &st);
	ok(it && st == CACHE_COMPUTED, "purge in flight: the caller gets the result");
	cache_item_release(it);
	it = cache_get(c, "mx:p");
	ok(it == NULL, "purge in flight: the result is not stored");
	cache_item_release(it);

	cache_stats(c, &s);
	is_int(s.computations, 8, "stats: computations");
	is_int(s.inflight, 0, "stats: nothing in flight");
	ok(s.hits >= 2 && s.misses >= 6, "stats: hits %llu, misses %llu",
	    (unsigned long long)s.hits, (unsigned long long)s.misses);
	cache_free(c);
}

/* ---- threads, on the real clock ---- */

struct thr {
	struct cache *c;
	struct comp *cp;
	pthread_barrier_t *bar;
	char key[32];
	int64_t deadline_in;            /* ms from start; <0: none */
	enum cache_status st;
	char val[32];
	int64_t waited;
};

static void *thr_fetch(void *arg)
{
	struct thr *t = arg;
	struct cache_item *it;
	int64_t t0;

	pthread_barrier_wait(t->bar);
	t0 = real_ms();
	it = cache_get_or_compute(t->c, t->key, compute, t->cp,
	    t->deadline_in < 0 ? INT64_MAX : cache_now(t->c) + t->deadline_in, &t->st);
	t->waited = real_ms() - t0;
	t->val[0] = '\0';
	if (it)
		snprintf(t->val, sizeof(t->val), "%s", (const char *)cache_item_value(it));
	cache_item_release(it);
	return NULL;
}

#define NTHR 32

static int64_t run_threads(struct cache *c, struct comp *cp, struct thr *t, int n, int same)
{
	pthread_t tid[NTHR];
	pthread_barrier_t bar;
	int64_t t0;
	int i;

	pthread_barrier_init(&bar, NULL, (unsigned)n + 1);
	for (i = 0; i < n; i++) {
		t[i].c = c;
		t[i].cp = cp;
		t[i].bar = &bar;
		if (same)
			snprintf(t[i].key, sizeof(t[i].key), "mx:same.example");
		else
			snprintf(t[i].key, sizeof(t[i].key), "mx:d%d.example", i);
		pthread_create(&tid[i], NULL, thr_fetch, &t[i]);
	}
	pthread_barrier_wait(&bar);
	t0 = real_ms();
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&bar);
	return real_ms() - t0;
}

static void test_threads(void)
{
	struct thr t[NTHR];
	struct comp cp;
	struct cache *c;
	struct cache_stats s;
	int i, computed = 0, shared = 0, same = 0, own = 0;
	int64_t ms;

	/* 32 callers of one key: one computation, everyone gets its result */
	c = cache_create(NULL);
	memset(&cp, 0, sizeof(cp));
	memset(t, 0, sizeof(t));
	cp.sleep_ms = 100;
	for (i = 0; i < NTHR; i++)
		t[i].deadline_in = 5000;
	ms = run_threads(c, &cp, t, NTHR, 1);
	for (i = 0; i < NTHR; i++) {
		computed += t[i].st == CACHE_COMPUTED;
		shared += t[i].st == CACHE_SHARED || t[i].st == CACHE_HIT;
		same += strcmp(t[i].val, "mx:same.example") == 0;
	}
	is_int(atomic_load(&cp.calls), 1, "single-flight: 32 callers, one computation");
	is_int(computed, 1, "single-flight: one caller computed");
	is_int(shared, NTHR - 1, "single-flight: 31 got the shared result");
	is_int(same, NTHR, "single-flight: all 32 saw the value");
	cache_stats(c, &s);
	is_int(s.computations, 1, "single-flight: stats count one computation");
	ok(ms < 1000, "single-flight: done in %lld ms", (long long)ms);
	cache_free(c);

	/* 32 different keys: computed in parallel, not one after the other */
	c = cache_create(NULL);
	memset(&cp, 0, sizeof(cp));
	memset(t, 0, sizeof(t));
	cp.sleep_ms = 100;
	for (i = 0; i < NTHR; i++)
		t[i].deadline_in = -1;
	ms = run_threads(c, &cp, t, NTHR, 0);
	for (i = 0; i < NTHR; i++)
		own += t[i].st == CACHE_COMPUTED && strcmp(t[i].val, t[i].key) == 0;
	is_int(atomic_load(&cp.calls), NTHR, "parallel: 32 keys, 32 computations");
	is_int(own, NTHR, "parallel: each caller computed its own key");
	ok(ms < 1600, "parallel: 32 x 100 ms computations took %lld ms (< 1600)", (long long)ms);
	cache_free(c);

	/* a waiter gives up at its own deadline; the computation goes on */
	c = cache_create(NULL);
	memset(&cp, 0, sizeof(cp));
	memset(t, 0, sizeof(t));
	cp.sleep_ms = 600;
	t[0].deadline_in = 5000;        /* the first (computing) caller */
	t[1].deadline_in = 150;         /* a waiter that cannot wait long */
	t[2].deadline_in = 0;           /* a waiter whose deadline has come */
	{
		pthread_t tid[3];
		pthread_barrier_t bar;

		pthread_barrier_init(&bar, NULL, 1);
		for (i = 0; i < 3; i++) {
			t[i].c = c;
			t[i].cp = &cp;
			t[i].bar = &bar;
			snprintf(t[i].key, sizeof(t[i].key), "mx:slow.example");
		}
		pthread_create(&tid[0], NULL, thr_fetch, &t[0]);
		sleep_ms(50);           /* the computer is in flight */
		pthread_create(&tid[1], NULL, thr_fetch, &t[1]);
		pthread_create(&tid[2], NULL, thr_fetch, &t[2]);
		for (i = 0; i < 3; i++)
			pthread_join(tid[i], NULL);
		pthread_barrier_destroy(&bar);
	}
	is_int(t[1].st, CACHE_TIMEOUT, "deadline: the waiter timed out");
	ok(t[1].waited >= 140 && t[1].waited < 450, "deadline: after about 150 ms (%lld ms)",
	    (long long)t[1].waited);
	is_int(t[2].st, CACHE_TIMEOUT, "deadline: a past deadline does not wait");
	ok(t[2].waited < 100, "deadline: at once (%lld ms)", (long long)t[2].waited);
	is_int(t[0].st, CACHE_COMPUTED, "deadline: the computer still finished");
	{
		struct cache_item *it = cache_get(c, "mx:slow.example");

		ok(it != NULL, "deadline: and its result was stored");
		cache_item_release(it);
	}
	cache_stats(c, &s);
	is_int(s.timeouts, 2, "deadline: stats count two timeouts");
	cache_free(c);
}

/* ---- stress: lookups, computations, puts, purges and evictions at once;
 * every value read must still be the one stored for its key ---- */

struct stress {
	struct cache *c;
	unsigned seed;
	atomic_int *bad;
};

static int stress_compute(void *arg, const char *key, int64_t deadline, struct cache_result *out)
{
	(void)arg;
	(void)deadline;
	out->value = xstrdup(key);
	out->free_value = value_free;
	out->size = 16;
	out->expires = real_ms() + 5 + (int64_t)(strlen(key) % 7);
	return 0;
}

static int stress_match(void *arg, const char *key)
{
	return key[3] == *(const char *)arg;
}

static void *stress_thr(void *arg)
{
	struct stress *s = arg;
	struct cache_item *held[4] = {0}, *it;
	enum cache_status st;
	char key[32];
	int i, k;

	for (i = 0; i < 3000; i++) {
		k = (int)(rand_r(&s->seed) % 64);
		snprintf(key, sizeof(key), "mx:%c%d", 'a' + k % 8, k);
		switch (rand_r(&s->seed) % 8) {
		case 0:
			cache_put(s->c, key, xstrdup(key), value_free, 16, real_ms() + 3, 0);
			break;
		case 1:
			if (rand_r(&s->seed) % 16 == 0)
				cache_purge_if(s->c, stress_match, &key[3]);
			else
				cache_purge(s->c, key);
			break;
		case 2:
			if ((it = cache_get(s->c, key)) != NULL &&
			    strcmp(cache_item_value(it), key) != 0)
				atomic_fetch_add(s->bad, 1);
			cache_item_release(it);
			break;
		default:
			cache_item_release(held[i % 4]);
			held[i % 4] = rand_r(&s->seed) % 4 == 0 ?
			    cache_refresh(s->c, key, stress_compute, NULL, real_ms() + 1000, &st) :
			    cache_get_or_compute(s->c, key, stress_compute, NULL, real_ms() + 1000, &st);
			if (held[i % 4] == NULL || strcmp(cache_item_value(held[i % 4]), key) != 0 ||
			    strcmp(cache_item_key(held[i % 4]), key) != 0)
				atomic_fetch_add(s->bad, 1);
			break;
		}
	}
	for (k = 0; k < 4; k++)
		cache_item_release(held[k]);
	return NULL;
}

static void test_stress(void)
{
	struct cache_opts o = {0};
	struct stress s[8];
	pthread_t tid[8];
	struct cache_stats st;
	struct cache *c;
	atomic_int bad;
	int i;

	o.shards = 4;
	o.max_entries = 24;             /* far fewer than the 64 keys: constant eviction */
	c = cache_create(&o);
	atomic_init(&bad, 0);
	for (i = 0; i < 8; i++) {
		s[i].c = c;
		s[i].seed = (unsigned)i * 7919u + 1;
		s[i].bad = &bad;
		pthread_create(&tid[i], NULL, stress_thr, &s[i]);
	}
	for (i = 0; i < 8; i++)
		pthread_join(tid[i], NULL);
	is_int(atomic_load(&bad), 0, "stress: every value read matched its key");
	cache_stats(c, &st);
	ok(st.entries <= 24, "stress: entries (%zu) within the bound", st.entries);
	is_int(st.inflight, 0, "stress: nothing left in flight");
	ok(st.evictions > 0, "stress: evictions happened (%llu)", (unsigned long long)st.evictions);
	cache_free(c);
}

int main(void)
{
	size_t i;
	struct cache_opts bad = {0};

	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		run_scenario(&scenarios[i]);
	test_refs();
	test_lru_large();
	test_compute();
	bad.shards = 100000;
	ok(cache_create(&bad) == NULL, "create: absurd shard count refused");
	bad.shards = 0;
	bad.negative_ttl_ms = -1;
	ok(cache_create(&bad) == NULL, "create: negative negative_ttl refused");
	test_threads();
	test_stress();
	return tap_done();
}
