/*
 * cache - sharded LRU + TTL result cache with single-flight (see cache.h).
 *
 * Layout: a keyed hash of the key picks the shard (high bits) and the bucket
 * (low bits).  Each shard holds a chained hash table of items, a doubly
 * linked LRU list of the same items (head = most recently used) and a short
 * list of flights, the computations under way (a handful at most: one per
 * busy thread).  A flight has its own condition variable, so finishing one
 * key wakes only the waiters for that key.
 *
 * Lifetimes: an item is reference-counted (atomically, because holders
 * release without any lock).  The table holds one reference while the item
 * is linked, a flight one for its waiters, each caller one.  Items unlinked
 * under a shard lock go on a local "dead" list and are released after the
 * lock is dropped, so free callbacks never run under a cache lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "cache/siphash.h"

#define CACHE_DEF_SHARDS 16
#define CACHE_MAX_SHARDS 1024
#define CACHE_DEF_ENTRIES 100000
#define CACHE_DEF_NEG_TTL 60000
#define CACHE_MIN_BUCKETS 16

struct cache_item {
	struct cache_item *hnext;       /* bucket chain; the dead list once unlinked */
	struct cache_item *prev, *next; /* LRU list */
	atomic_uint refs;
	unsigned flags;
	uint32_t stamp;                 /* shard tick when last put at the LRU head */
	uint64_t hash;
	void *value;
	cache_free_fn free_value;
	size_t size, bytes;
	int64_t expires;
	char key[];
};

struct flight {
	struct flight *next;
	uint64_t hash;
	pthread_cond_t done_cv;
	int done, purged;
	unsigned users;                 /* the computer and its waiters */
	struct cache_item *result;      /* one reference, for the waiters */
	char key[];
};

struct shard {
	pthread_mutex_t mu;
	struct cache_item **buckets;
	size_t nbuckets;                /* a power of two */
	struct cache_item *head, *tail; /* LRU: head most recent */
	struct flight *flights;
	size_t entries, bytes, inflight;
	size_t max_entries, max_bytes;
	uint32_t tick;                  /* counts LRU head insertions */
	uint64_t hits, misses, computations, shared, timeouts, evictions, expirations;
} __attribute__((aligned(64)));         /* no false sharing between shard locks */

struct cache {
	struct shard *shards;
	unsigned nshards, shard_bits;
	uint64_t hkey[2];
	int64_t neg_ttl;
	cache_clock_fn clock;
	void *clock_arg;
};

/* cache_mono_ms - the default clock */
static int64_t cache_mono_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* cache_now - now on the cache's clock */
int64_t cache_now(const struct cache *c)
{
	return c->clock(c->clock_arg);
}

/* cache_seed - a secret hash key (getrandom; the clock and pid if that fails) */
static void cache_seed(uint64_t k[2])
{
	struct timespec ts;

	if (getrandom(k, 2 * sizeof(uint64_t), GRND_NONBLOCK) == (ssize_t)(2 * sizeof(uint64_t)))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	k[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	k[1] = (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4fULL ^ (uint64_t)(uintptr_t)k;
}

/* cache_create - allocate the shards; opts NULL: defaults */
struct cache *cache_create(const struct cache_opts *opts)
{
	struct cache_opts o = {0};
	struct cache *c;
	unsigned i, n;
	size_t per;

	if (opts)
		o = *opts;
	if (o.shards > CACHE_MAX_SHARDS || o.negative_ttl_ms < 0) {
		errno = EINVAL;
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	for (n = 1, c->shard_bits = 0; n < (o.shards ? o.shards : CACHE_DEF_SHARDS); n <<= 1)
		c->shard_bits++;
	c->nshards = n;
	c->neg_ttl = o.negative_ttl_ms ? o.negative_ttl_ms : CACHE_DEF_NEG_TTL;
	c->clock = o.clock ? o.clock : cache_mono_ms;
	c->clock_arg = o.clock ? o.clock_arg : NULL;
	cache_seed(c->hkey);
	if (posix_memalign((void **)&c->shards, 64, n * sizeof(struct shard)) != 0) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	memset(c->shards, 0, n * sizeof(struct shard));
	per = ((o.max_entries ? o.max_entries : CACHE_DEF_ENTRIES) + n - 1) / n;
	for (i = 0; i < n; i++) {
		struct shard *s = &c->shards[i];

		s->max_entries = per;
		s->max_bytes = o.max_bytes ? (o.max_bytes / n ? o.max_bytes / n : 1) : 0;
		s->nbuckets = CACHE_MIN_BUCKETS;
		s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
		if (s->buckets == NULL || pthread_mutex_init(&s->mu, NULL) != 0) {
			free(s->buckets);
			while (i-- > 0) {
				free(c->shards[i].buckets);
				pthread_mutex_destroy(&c->shards[i].mu);
			}
			free(c->shards);
			free(c);
			errno = ENOMEM;
			return NULL;
		}
	}
	return c;
}

/* item_destroy - free an item nobody references any more */
static void item_destroy(struct cache_item *it)
{
	if (it->free_value && it->value)
		it->free_value(it->value);
	free(it);
}

/* item_unref - drop a reference under a lock: the last one goes to *dead */
static void item_unref(struct cache_item *it, struct cache_item **dead)
{
	if (atomic_fetch_sub_explicit(&it->refs, 1, memory_order_acq_rel) == 1) {
		it->hnext = *dead;
		*dead = it;
	}
}

/* dead_free - destroy the items collected under a lock, after unlocking */
static void dead_free(struct cache_item *dead)
{
	struct cache_item *next;

	for (; dead; dead = next) {
		next = dead->hnext;
		item_destroy(dead);
	}
}

/* item_new - an unreferenced, unlinked item; NULL on ENOMEM (value untouched) */
static struct cache_item *item_new(const char *key, size_t klen, uint64_t h, void *value,
	cache_free_fn free_value, size_t size, int64_t expires, unsigned flags)
{
	struct cache_item *it = malloc(sizeof(*it) + klen + 1);

	if (it == NULL)
		return NULL;
	memset(it, 0, sizeof(*it));
	atomic_init(&it->refs, 0);
	memcpy(it->key, key, klen + 1);
	it->hash = h;
	it->value = value;
	it->free_value = free_value;
	it->size = size;
	it->bytes = sizeof(*it) + klen + 1 + size;
	it->expires = expires;
	it->flags = flags;
	return it;
}

static struct shard *cache_shard(struct cache *c, uint64_t h)
{
	return &c->shards[c->shard_bits ? h >> (64 - c->shard_bits) : 0];
}

/* shard_find - the linked item for key, live or not (shard lock held) */
static struct cache_item *shard_find(struct shard *s, const char *key, uint64_t h)
{
	struct cache_item *it;

	for (it = s->buckets[h & (s->nbuckets - 1)]; it; it = it->hnext)
		if (it->hash == h && strcmp(it->key, key) == 0)
			return it;
	return NULL;
}

/* lru_remove, lru_push - the LRU list (shard lock held) */
static void lru_remove(struct shard *s, struct cache_item *it)
{
	if (it->prev)
		it->prev->next = it->next;
	else
		s->head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		s->tail = it->prev;
	it->prev = it->next = NULL;
}

static void lru_push(struct shard *s, struct cache_item *it)
{
	it->stamp = ++s->tick;
	it->prev = NULL;
	it->next = s->head;
	if (s->head)
		s->head->prev = it;
	else
		s->tail = it;
	s->head = it;
}

/* lru_touch - a hit: move it to the head, unless it is among the most
 * recent quarter already (then the order barely changes, and a hot key does
 * not write to its neighbours on every lookup; below 4 entries: always) */
static void lru_touch(struct shard *s, struct cache_item *it)
{
	if ((uint32_t)(s->tick - it->stamp) < s->entries / 4)
		return;
	lru_remove(s, it);
	lru_push(s, it);
}

/* shard_unlink - take a linked item out of table and LRU; the table's
 * reference is dropped onto *dead (shard lock held) */
static void shard_unlink(struct shard *s, struct cache_item *it, struct cache_item **dead)
{
	struct cache_item **pp = &s->buckets[it->hash & (s->nbuckets - 1)];

	while (*pp != it)
		pp = &(*pp)->hnext;
	*pp = it->hnext;
	it->hnext = NULL;
	lru_remove(s, it);
	s->entries--;
	s->bytes -= it->bytes;
	item_unref(it, dead);
}

/* shard_grow - double the bucket array; on ENOMEM the chains just get longer */
static void shard_grow(struct shard *s)
{
	size_t n = s->nbuckets * 2, i;
	struct cache_item **nb = calloc(n, sizeof(*nb)), *it, *next;

	if (nb == NULL)
		return;
	for (i = 0; i < s->nbuckets; i++)
		for (it = s->buckets[i]; it; it = next) {
			next = it->hnext;
			it->hnext = nb[it->hash & (n - 1)];
			nb[it->hash & (n - 1)] = it;
		}
	free(s->buckets);
	s->buckets = nb;
	s->nbuckets = n;
}

/* shard_lookup - the live item for key, or NULL; an expired one met here is
 * removed (shard lock held) */
static struct cache_item *shard_lookup(struct shard *s, const char *key, uint64_t h, int64_t now,
	struct cache_item **dead)
{
	struct cache_item *it = shard_find(s, key, h);

	if (it && it->expires <= now) {
		shard_unlink(s, it, dead);
		s->expirations++;
		return NULL;
	}
	return it;
}

/* shard_insert - link it, replacing key's old item and evicting from the LRU
 * tail to make room; returns 1 if stored (the table took a reference), 0 if
 * expired or larger than the shard's byte bound (shard lock held) */
static int shard_insert(struct cache *c, struct shard *s, struct cache_item *it, int64_t now,
	struct cache_item **dead)
{
	struct cache_item *old, *victim;
	size_t b;

	if ((it->flags & CACHE_NEGATIVE) && it->expires > now + c->neg_ttl)
		it->expires = now + c->neg_ttl;
	if (it->expires <= now || (s->max_bytes && it->bytes > s->max_bytes))
		return 0;
	if ((old = shard_find(s, it->key, it->hash)) != NULL)
		shard_unlink(s, old, dead);
	while (s->tail && (s->entries >= s->max_entries ||
	    (s->max_bytes && s->bytes + it->bytes > s->max_bytes))) {
		victim = s->tail;
		if (victim->expires <= now)
			s->expirations++;
		else
			s->evictions++;
		shard_unlink(s, victim, dead);
	}
	if (s->entries >= s->nbuckets)
		shard_grow(s);
	b = it->hash & (s->nbuckets - 1);
	it->hnext = s->buckets[b];
	s->buckets[b] = it;
	lru_push(s, it);
	s->entries++;
	s->bytes += it->bytes;
	atomic_fetch_add_explicit(&it->refs, 1, memory_order_relaxed);
	return 1;
}

/* cache_put - insert or replace; the cache owns value in every case */
int cache_put(struct cache *c, const char *key, void *value, cache_free_fn free_value,
	size_t size, int64_t expires, unsigned flags)
{
	size_t klen = strlen(key);
	uint64_t h = siphash13(c->hkey, key, klen);
	struct shard *s = cache_shard(c, h);
	struct cache_item *it, *dead = NULL;
	int stored;

	if ((it = item_new(key, klen, h, value, free_value, size, expires, flags)) == NULL) {
		if (free_value && value)
			free_value(value);
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	stored = shard_insert(c, s, it, cache_now(c), &dead);
	pthread_mutex_unlock(&s->mu);
	dead_free(dead);
	if (!stored)
		item_destroy(it);
	return stored ? 0 : -1;
}

/* cache_get - the live item for key, referenced, or NULL */
struct cache_item *cache_get(struct cache *c, const char *key)
{
	size_t klen = strlen(key);
	uint64_t h = siphash13(c->hkey, key, klen);
	struct shard *s = cache_shard(c, h);
	struct cache_item *it, *dead = NULL;
	int64_t now = cache_now(c);

	pthread_mutex_lock(&s->mu);
	if ((it = shard_lookup(s, key, h, now, &dead)) != NULL) {
		lru_touch(s, it);
		atomic_fetch_add_explicit(&it->refs, 1, memory_order_relaxed);
		s->hits++;
	} else {
		s->misses++;
	}
	pthread_mutex_unlock(&s->mu);
	dead_free(dead);
	return it;
}

/* flight_find - the computation under way for key (shard lock held) */
static struct flight *flight_find(struct shard *s, const char *key, uint64_t h)
{
	struct flight *f;

	for (f = s->flights; f; f = f->next)
		if (f->hash == h && strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

/* flight_put - a user is done with f; the last one frees it (shard lock held) */
static void flight_put(struct flight *f, struct cache_item **dead)
{
	if (--f->users > 0)
		return;
	if (f->result)
		item_unref(f->result, dead);
	pthread_cond_destroy(&f->done_cv);
	free(f);
}

/* wait_until - the monotonic time deadline (cache clock) stands for: the
 * cache clock may be a test's, so the wait is measured on the real one */
static struct timespec wait_until(struct cache *c, int64_t deadline)
{
	struct timespec ts;
	int64_t left = deadline - cache_now(c);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (left < 0)
		left = 0;
	if (left > (int64_t)86400 * 365 * 1000)
		left = (int64_t)86400 * 365 * 1000;
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/* flight_wait - wait for f's result until deadline (shard lock held; the
 * caller holds a use of f) */
static struct cache_item *flight_wait(struct cache *c, struct shard *s, struct flight *f,
	int64_t deadline, enum cache_status *st)
{
	struct timespec until;
	struct cache_item *it;
	int timed = deadline != INT64_MAX, rc = 0;

	if (timed)
		until = wait_until(c, deadline);
	while (!f->done && rc != ETIMEDOUT) {
		if (timed)
			rc = pthread_cond_timedwait(&f->done_cv, &s->mu, &until);
		else
			pthread_cond_wait(&f->done_cv, &s->mu);
	}
	if (!f->done) {
		s->timeouts++;
		*st = CACHE_TIMEOUT;
		return NULL;
	}
	if ((it = f->result) == NULL) {
		*st = CACHE_ERROR;
		return NULL;
	}
	atomic_fetch_add_explicit(&it->refs, 1, memory_order_relaxed);
	s->shared++;
	*st = CACHE_SHARED;
	return it;
}

/* flight_new - a flight for key with one user (the computer); NULL on ENOMEM */
static struct flight *flight_new(const char *key, size_t klen, uint64_t h)
{
	struct flight *f = calloc(1, sizeof(*f) + klen + 1);
	pthread_condattr_t ca;
	int rc;

	if (f == NULL)
		return NULL;
	if (pthread_condattr_init(&ca) != 0) {
		free(f);
		return NULL;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&f->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0) {
		free(f);
		return NULL;
	}
	memcpy(f->key, key, klen + 1);
	f->hash = h;
	f->users = 1;
	return f;
}

/* cache_fetch - get_or_compute (force 0) and refresh (force 1) */
static struct cache_item *cache_fetch(struct cache *c, const char *key, cache_compute_fn compute,
	void *arg, int64_t deadline, enum cache_status *status, int force)
{
	size_t klen = strlen(key);
	uint64_t h = siphash13(c->hkey, key, klen);
	struct shard *s = cache_shard(c, h);
	struct cache_item *it = NULL, *dead = NULL;
	struct cache_result res;
	struct flight *f, **pp;
	enum cache_status st;
	int rc;

	pthread_mutex_lock(&s->mu);
	if (!force) {
		if ((it = shard_lookup(s, key, h, cache_now(c), &dead)) != NULL) {
			lru_touch(s, it);
			atomic_fetch_add_explicit(&it->refs, 1, memory_order_relaxed);
			s->hits++;
			pthread_mutex_unlock(&s->mu);
			dead_free(dead);
			if (status)
				*status = CACHE_HIT;
			return it;
		}
		s->misses++;
	}
	if ((f = flight_find(s, key, h)) != NULL) {
		f->users++;
		it = flight_wait(c, s, f, deadline, &st);
		flight_put(f, &dead);
		pthread_mutex_unlock(&s->mu);
		dead_free(dead);
		if (status)
			*status = st;
		return it;
	}
	if ((f = flight_new(key, klen, h)) == NULL) {
		pthread_mutex_unlock(&s->mu);
		dead_free(dead);
		if (status)
			*status = CACHE_ERROR;
		return NULL;
	}
	f->next = s->flights;
	s->flights = f;
	s->inflight++;
	s->computations++;
	pthread_mutex_unlock(&s->mu);
	dead_free(dead);
	dead = NULL;

	/* the computation, with no lock held */
	memset(&res, 0, sizeof(res));
	rc = compute(arg, key, deadline, &res);
	if (rc == 0) {
		it = item_new(key, klen, h, res.value, res.free_value, res.size, res.expires, res.flags);
		if (it == NULL && res.free_value && res.value)
			res.free_value(res.value);
	}

	pthread_mutex_lock(&s->mu);
	for (pp = &s->flights; *pp != f; pp = &(*pp)->next)
		;
	*pp = f->next;
	s->inflight--;
	if (it) {
		atomic_fetch_add_explicit(&it->refs, 2, memory_order_relaxed);  /* caller, flight */
		f->result = it;
		if (!f->purged)
			shard_insert(c, s, it, cache_now(c), &dead);
	}
	f->done = 1;
	pthread_cond_broadcast(&f->done_cv);
	flight_put(f, &dead);
	pthread_mutex_unlock(&s->mu);
	dead_free(dead);
	if (status)
		*status = it ? CACHE_COMPUTED : CACHE_ERROR;
	return it;
}

struct cache_item *cache_get_or_compute(struct cache *c, const char *key,
	cache_compute_fn compute, void *arg, int64_t deadline, enum cache_status *status)
{
	return cache_fetch(c, key, compute, arg, deadline, status, 0);
}

struct cache_item *cache_refresh(struct cache *c, const char *key,
	cache_compute_fn compute, void *arg, int64_t deadline, enum cache_status *status)
{
	return cache_fetch(c, key, compute, arg, deadline, status, 1);
}

const void *cache_item_value(const struct cache_item *it)
{
	return it->value;
}

const char *cache_item_key(const struct cache_item *it)
{
	return it->key;
}

int64_t cache_item_expires(const struct cache_item *it)
{
	return it->expires;
}

unsigned cache_item_flags(const struct cache_item *it)
{
	return it->flags;
}

/* cache_item_ref - another reference to an item the caller holds */
struct cache_item *cache_item_ref(struct cache_item *it)
{
	atomic_fetch_add_explicit(&it->refs, 1, memory_order_relaxed);
	return it;
}

/* cache_item_release - drop a reference; the last one frees the item (it is
 * unlinked then: a linked item always has the table's reference) */
void cache_item_release(struct cache_item *it)
{
	if (it && atomic_fetch_sub_explicit(&it->refs, 1, memory_order_acq_rel) == 1)
		item_destroy(it);
}

/* cache_foreach - show live entries expiring by before, shard by shard */
size_t cache_foreach(struct cache *c, int64_t before,
	int (*fn)(void *arg, const struct cache_info *info), void *arg)
{
	struct cache_info info;
	struct cache_item *it;
	size_t n = 0;
	unsigned i;
	int stop = 0;
	int64_t now = cache_now(c);

	for (i = 0; i < c->nshards && !stop; i++) {
		struct shard *s = &c->shards[i];

		pthread_mutex_lock(&s->mu);
		for (it = s->head; it && !stop; it = it->next) {
			if (it->expires <= now || it->expires > before)
				continue;
			info.key = it->key;
			info.value = it->value;
			info.size = it->size;
			info.expires = it->expires;
			info.flags = it->flags;
			n++;
			stop = fn(arg, &info);
		}
		pthread_mutex_unlock(&s->mu);
	}
	return n;
}

/* cache_purge_if - remove the entries (and mark the flights) that match */
size_t cache_purge_if(struct cache *c, int (*match)(void *arg, const char *key), void *arg)
{
	struct cache_item *it, *next, *dead = NULL;
	struct flight *f;
	size_t n = 0;
	unsigned i;

	for (i = 0; i < c->nshards; i++) {
		struct shard *s = &c->shards[i];

		pthread_mutex_lock(&s->mu);
		for (it = s->head; it; it = next) {
			next = it->next;
			if (match == NULL || match(arg, it->key)) {
				shard_unlink(s, it, &dead);
				n++;
			}
		}
		for (f = s->flights; f; f = f->next)
			if (match == NULL || match(arg, f->key))
				f->purged = 1;
		pthread_mutex_unlock(&s->mu);
		dead_free(dead);
		dead = NULL;
	}
	return n;
}

/* cache_purge - remove one key (and keep a computation for it out) */
int cache_purge(struct cache *c, const char *key)
{
	size_t klen = strlen(key);
	uint64_t h = siphash13(c->hkey, key, klen);
	struct shard *s = cache_shard(c, h);
	struct cache_item *it, *dead = NULL;
	struct flight *f;

	pthread_mutex_lock(&s->mu);
	if ((it = shard_find(s, key, h)) != NULL)
		shard_unlink(s, it, &dead);
	if ((f = flight_find(s, key, h)) != NULL)
		f->purged = 1;
	pthread_mutex_unlock(&s->mu);
	dead_free(dead);
	return it != NULL;
}

/* cache_stats - the sum over all shards */
void cache_stats(struct cache *c, struct cache_stats *st)
{
	unsigned i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < c->nshards; i++) {
		struct shard *s = &c->shards[i];

		pthread_mutex_lock(&s->mu);
		st->hits += s->hits;
		st->misses += s->misses;
		st->computations += s->computations;
		st->shared += s->shared;
		st->timeouts += s->timeouts;
		st->evictions += s->evictions;
		st->expirations += s->expirations;
		st->entries += s->entries;
		st->bytes += s->bytes;
		st->inflight += s->inflight;
		pthread_mutex_unlock(&s->mu);
	}
}

/* cache_free - drop the table's references and the shards */
void cache_free(struct cache *c)
{
	unsigned i;

	if (c == NULL)
		return;
	cache_purge_if(c, NULL, NULL);
	for (i = 0; i < c->nshards; i++) {
		free(c->shards[i].buckets);
		pthread_mutex_destroy(&c->shards[i].mu);
	}
	free(c->shards);
	free(c);
}
