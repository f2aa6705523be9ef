/*
 * cache - a sharded, bounded, thread-safe result cache with single-flight.
 *
 * One cache is shared by all milter sessions (and the socketmap server).
 * Keys are strings ("mx:example.com"); a value is an opaque pointer with its
 * own free callback, a size the caller reports for accounting, an absolute
 * expiry on the cache's clock and a negative flag (a cached failure).
 *
 * - Sharding: a key's hash picks one of N shards; each shard has its own
 *   mutex, hash table and LRU list, so lookups of different keys rarely meet
 *   on one lock, and never wait behind a computation.
 * - Bounds: max_entries and max_bytes are split evenly over the shards; an
 *   insert into a full shard evicts that shard's least recently used
 *   entries (the LRU order is per shard, so with more than one shard it
 *   approximates a global LRU; a hit on an entry in the most recent quarter
 *   of its shard leaves it in place).  As each shard stops at its share, the
 *   total may stay a little below max_entries; it never exceeds it.  An
 *   entry counts sizeof(entry) + key length + the caller's size in bytes.
 * - Expiry: an entry whose expiry is <= now is never returned by a lookup;
 *   it is removed when met or when space is needed.  Time is milliseconds
 *   on the cache's clock (default CLOCK_MONOTONIC; tests inject their own).
 * - Negative entries (failures) expire at most negative_ttl_ms after insert.
 * - Single-flight: cache_get_or_compute() on a missing key lets the first
 *   caller compute (without any lock held) while later callers for the same
 *   key wait on a condition variable for that one result, each until its own
 *   deadline at most.  Different keys compute in parallel.
 * - References: a lookup returns a referenced item; eviction, purge or
 *   replacement only unlink it, and its value is freed (free callback) when
 *   the last reference is released.  A reader never sees a freed value.
 *   Values must not be changed after insertion (readers share them).
 *
 * Ownership: the cache copies keys.  cache_put() and a compute callback's
 * result hand the value to the cache in every case (on failure the cache
 * frees it at once with its free callback).  Every item returned by
 * cache_get/cache_get_or_compute/cache_refresh/cache_item_ref is released by
 * the caller with cache_item_release().  All functions are thread-safe.
 */
#ifndef TP_CACHE_H
#define TP_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct cache;
struct cache_item;

/* Current time in milliseconds (any epoch, must not go backwards). */
typedef int64_t (*cache_clock_fn)(void *arg);
/* Frees a value; NULL means the value needs no freeing.  Called in whichever
 * thread drops the last reference, never with a cache lock held. */
typedef void (*cache_free_fn)(void *value);

struct cache_opts {
	unsigned shards;            /* 0: 16; rounded up to a power of two */
	size_t max_entries;         /* 0: 100000; total over all shards */
	size_t max_bytes;           /* 0: no byte bound */
	int64_t negative_ttl_ms;    /* 0: 60000; cap on a negative entry's life */
	cache_clock_fn clock;       /* NULL: CLOCK_MONOTONIC in ms */
	void *clock_arg;
};

/* Create a cache (opts NULL: all defaults).  NULL on ENOMEM/EINVAL.
 * Free with cache_free(), when no thread uses it any more; items still
 * referenced stay valid until released. */
struct cache *cache_create(const struct cache_opts *opts);
void cache_free(struct cache *c);

/* Now, on the cache's clock (to build absolute expiries and deadlines). */
int64_t cache_now(const struct cache *c);

/* Flags of an entry. */
#define CACHE_NEGATIVE 0x1          /* a cached failure (negative_ttl_ms applies) */

/*
 * cache_put - insert or replace key (replacing unlinks the old item; its
 * holders keep it).  The cache owns value from here on, also on failure.
 * An entry that is expired already, or larger than a shard's byte bound, is
 * not stored.  Returns 0 if stored, -1 if not (ENOMEM, expired, too big).
 */
int cache_put(struct cache *c, const char *key, void *value, cache_free_fn free_value,
	size_t size, int64_t expires, unsigned flags);

/* cache_get - the live item for key (a hit moves it to the LRU head), or
 * NULL.  Counts a hit or a miss.  Release the item. */
struct cache_item *cache_get(struct cache *c, const char *key);

/* What a compute callback hands back (the cache owns value afterwards). */
struct cache_result {
	void *value;
	cache_free_fn free_value;
	size_t size;                /* bytes behind value, for max_bytes */
	int64_t expires;            /* absolute, cache clock; <= now: not stored */
	unsigned flags;             /* CACHE_NEGATIVE for a failure to remember */
};

/*
 * Compute the value of key, with no cache lock held, by deadline (cache
 * clock).  Return 0 with *out filled (a negative result is a result too),
 * or -1 when there is nothing to cache or return (e.g. ENOMEM): the caller
 * and everyone waiting get CACHE_ERROR.  Must not call back into the cache
 * for the same key (it would wait for itself).
 */
typedef int (*cache_compute_fn)(void *arg, const char *key, int64_t deadline,
	struct cache_result *out);

enum cache_status {
	CACHE_HIT = 0,              /* a live entry was there */
	CACHE_COMPUTED,             /* this caller computed it */
	CACHE_SHARED,               /* another caller's computation, waited for */
	CACHE_TIMEOUT,              /* the deadline came while waiting: NULL */
	CACHE_ERROR                 /* compute returned -1, or ENOMEM: NULL */
};

/*
 * cache_get_or_compute - the item for key: a live entry, or the result of
 * one computation shared by all concurrent callers for key.  A waiter gives
 * up at its own deadline (absolute, cache clock; INT64_MAX: none) with
 * CACHE_TIMEOUT; the computation goes on for the others and is stored.
 * *status (if not NULL) says which case it was.  The result is returned even
 * when it cannot be stored (expired, too big).  Release the item.
 */
struct cache_item *cache_get_or_compute(struct cache *c, const char *key,
	cache_compute_fn compute, void *arg, int64_t deadline, enum cache_status *status);

/*
 * cache_refresh - compute key again even if a live entry is there (for
 * proactive refresh before expiry): readers keep getting the old entry until
 * the new one replaces it.  If a computation for key is under way already,
 * wait for it instead.  Same results as cache_get_or_compute (never
 * CACHE_HIT).
 */
struct cache_item *cache_refresh(struct cache *c, const char *key,
	cache_compute_fn compute, void *arg, int64_t deadline, enum cache_status *status);

/* An item's parts; valid while the caller holds the reference. */
const void *cache_item_value(const struct cache_item *it);
const char *cache_item_key(const struct cache_item *it);
int64_t cache_item_expires(const struct cache_item *it);
unsigned cache_item_flags(const struct cache_item *it);
/* Take another reference (e.g. to hand the item to another thread). */
struct cache_item *cache_item_ref(struct cache_item *it);
/* Drop a reference; the last one of an unlinked item frees it (NULL: no-op). */
void cache_item_release(struct cache_item *it);

/* What cache_foreach shows of one entry (pointers valid during the call). */
struct cache_info {
	const char *key;
	const void *value;
	size_t size;
	int64_t expires;
	unsigned flags;
};
/*
 * cache_foreach - call fn for every live entry with expires <= before
 * (INT64_MAX: all; now + N: those expiring within N ms, for proactive
 * refresh), shard by shard, with that shard's lock held: fn must be quick,
 * copy what it needs and not call the cache.  fn returning non-zero stops
 * the walk.  Returns the number of entries shown.
 */
size_t cache_foreach(struct cache *c, int64_t before,
	int (*fn)(void *arg, const struct cache_info *info), void *arg);

/*
 * cache_purge - remove key; a computation under way for it is delivered to
 * its waiters but not stored.  Returns 1 if an entry was removed, else 0.
 * cache_purge_if - the same for every key where match(arg, key) is non-zero
 * (match NULL: all keys); match is called with a shard lock held.  Returns
 * the number of entries removed.
 */
int cache_purge(struct cache *c, const char *key);
size_t cache_purge_if(struct cache *c, int (*match)(void *arg, const char *key), void *arg);

struct cache_stats {
	uint64_t hits, misses;      /* lookups that found a live entry / did not */
	uint64_t computations;      /* compute callbacks run */
	uint64_t shared;            /* callers served by another's computation */
	uint64_t timeouts;          /* waiters that reached their deadline */
	uint64_t evictions;         /* live entries dropped for space (LRU) */
	uint64_t expirations;       /* expired entries removed */
	size_t entries, bytes;      /* stored now */
	size_t inflight;            /* computations under way */
};
/* Sum of all shards (each read under its lock; not one atomic snapshot). */
void cache_stats(struct cache *c, struct cache_stats *st);

#endif
