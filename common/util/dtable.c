/*
 * dtable - domain table: normalised domain keys -> uint32_t value, with
 * "most specific wins" lookup.
 *
 * Forced-TLS lists run to a million domains, so the layout is chosen for
 * memory and load time as much as for lookup speed:
 *
 *  - slots: open addressing, power-of-two capacity, linear probing, load
 *    kept at or below 1/2.  A slot is 12 bytes: the key's full hash (most
 *    probes of a wrong slot end on the hash compare, without touching the
 *    key), the key's offset in the arena, and the value.
 *  - arena: the key strings, NUL-terminated, packed into chunks of at most
 *    64 KiB that are never moved.  An offset is (chunk + 1) << 16 | position
 *    (0 marks an empty slot, so calloc'd slots start empty).  A stored key
 *    has a stable address (dtable_lookup's *matched) and growing the table
 *    never copies strings.
 *
 * Lookup hashes each candidate suffix of the name in place (the stored form
 * of a parent key starts with its '.', which is exactly the suffix of the
 * looked-up name starting at that dot), so it allocates nothing and writes
 * nothing: concurrent lookups on a built table are safe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/dtable.h"

#define DTABLE_CHUNK_SHIFT	16
#define DTABLE_CHUNK_MAX	((size_t)1 << DTABLE_CHUNK_SHIFT)
#define DTABLE_EMPTY		0               /* off of an unused slot */
#define DTABLE_MIN_CAP		16

struct dtable_slot {
	uint32_t hash;
	uint32_t off;               /* (chunk + 1) << 16 | position, or DTABLE_EMPTY */
	uint32_t value;
};

struct dtable {
	struct dtable_slot *slots;
	size_t cap;                 /* power of two */
	size_t count;
	char **chunks;              /* arena: chunks[i] holds keys, never moved */
	size_t nchunks, chunks_cap;
	size_t used;                /* bytes used in the last chunk */
	size_t last_size;           /* size of the last chunk */
	size_t arena_bytes;         /* sum of chunk sizes */
};

/* dtable_hash - FNV-1a over [p, p+len), then a final avalanche (murmur3
 * fmix32) so that the low bits used as the index depend on every byte. */
static uint32_t dtable_hash(const char *p, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* dtable_key - the stored key at arena offset off */
static const char *dtable_key(const struct dtable *t, uint32_t off)
{
	return t->chunks[(off >> DTABLE_CHUNK_SHIFT) - 1] + (off & (DTABLE_CHUNK_MAX - 1));
}

/* dtable_create - empty table with room for about hint keys */
struct dtable *dtable_create(size_t hint)
{
	struct dtable *t;
	size_t cap = DTABLE_MIN_CAP;

	while (cap / 2 < hint && cap < ((size_t)1 << 31))
		cap <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	/* Zero bytes are empty slots: calloc gets fresh pages without a memset. */
	if ((t->slots = calloc(cap, sizeof(*t->slots))) == NULL) {
		free(t);
		return NULL;
	}
	t->cap = cap;
	return t;
}

/* dtable_free - release the table and its keys */
void dtable_free(struct dtable *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->slots);
	free(t);
}

/* dtable_find - slot holding key (NUL-terminated) with hash h, or the empty
 * slot where it would go.  The table is never full, so the probe ends. */
static struct dtable_slot *dtable_find(const struct dtable *t, const char *key, uint32_t h)
{
	size_t mask = t->cap - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		struct dtable_slot *s = &t->slots[i];

		if (s->off == DTABLE_EMPTY)
			return s;
		if (s->hash == h && strcmp(dtable_key(t, s->off), key) == 0)
			return s;
	}
}

/* dtable_grow - double the slot array and reinsert (hashes are stored) */
static int dtable_grow(struct dtable *t)
{
	size_t ncap = t->cap * 2, mask = ncap - 1, i, j;
	struct dtable_slot *ns;

	if (ncap > ((size_t)1 << 32) || (ns = calloc(ncap, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++) {
		if (t->slots[i].off == DTABLE_EMPTY)
			continue;
		for (j = t->slots[i].hash & mask; ns[j].off != DTABLE_EMPTY; j = (j + 1) & mask)
			;
		ns[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = ns;
	t->cap = ncap;
	return 0;
}

/* dtable_store - copy key (len bytes + NUL) into the arena; its offset in *off */
static int dtable_store(struct dtable *t, const char *key, size_t len, uint32_t *off)
{
	size_t need = len + 1;

	if (need > DTABLE_CHUNK_MAX)
		return -1;
	if (t->nchunks == 0 || t->last_size - t->used < need) {
		/* Small tables start with small chunks; big ones settle at 64 KiB. */
		size_t size = t->arena_bytes < 1024 ? 1024 : t->arena_bytes;
		char *c;

		if (size > DTABLE_CHUNK_MAX)
			size = DTABLE_CHUNK_MAX;
		if (size < need)
			size = need;
		if (t->nchunks >= ((size_t)1 << (32 - DTABLE_CHUNK_SHIFT)) - 1)
			return -1;
		if (t->nchunks == t->chunks_cap) {
			size_t ncap = t->chunks_cap ? t->chunks_cap * 2 : 8;
			char **nc = realloc(t->chunks, ncap * sizeof(*nc));

			if (nc == NULL)
				return -1;
			t->chunks = nc;
			t->chunks_cap = ncap;
		}
		if ((c = malloc(size)) == NULL)
			return -1;
		t->chunks[t->nchunks++] = c;
		t->last_size = size;
		t->arena_bytes += size;
		t->used = 0;
	}
	*off = (uint32_t)(t->nchunks << DTABLE_CHUNK_SHIFT | t->used);
	memcpy(t->chunks[t->nchunks - 1] + t->used, key, need);
	t->used += need;
	return 0;
}

/* dtable_slot - find or insert key; pointer to its value */
uint32_t *dtable_slot(struct dtable *t, const char *key, int *created)
{
	size_t len = strlen(key);
	uint32_t h = dtable_hash(key, len), off;
	struct dtable_slot *s;

	if (created)
		*created = 0;
	s = dtable_find(t, key, h);
	if (s->off != DTABLE_EMPTY)
		return &s->value;
	/* Keep load <= 1/2: short probes, and a miss always meets an empty slot. */
	if ((t->count + 1) * 2 > t->cap) {
		if (dtable_grow(t) < 0) {
			errno = ENOMEM;
			return NULL;
		}
		s = dtable_find(t, key, h);
	}
	if (dtable_store(t, key, len, &off) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	s->hash = h;
	s->off = off;
	s->value = 0;
	t->count++;
	if (created)
		*created = 1;
	return &s->value;
}

/* dtable_get - exact lookup of key, whose strlen is len */
static const struct dtable_slot *dtable_get(const struct dtable *t, const char *key, size_t len)
{
	const struct dtable_slot *s = dtable_find(t, key, dtable_hash(key, len));

	return s->off == DTABLE_EMPTY ? NULL : s;
}

/* dtable_lookup - exact name, then parent keys from the longest suffix */
int dtable_lookup(const struct dtable *t, const char *d, uint32_t *value, const char **matched)
{
	size_t len = strlen(d), i;
	const struct dtable_slot *s = dtable_get(t, d, len);

	/* Each '.' (after the first byte) starts a parent key: ".b.example.com"... */
	for (i = 1; s == NULL && i < len; i++)
		if (d[i] == '.')
			s = dtable_get(t, d + i, len - i);
	if (s == NULL)
		return 0;
	if (value)
		*value = s->value;
	if (matched)
		*matched = dtable_key(t, s->off);
	return 1;
}

/* dtable_count - number of keys */
size_t dtable_count(const struct dtable *t)
{
	return t->count;
}

/* dtable_memory - bytes allocated: header, slots, chunk index and chunks */
size_t dtable_memory(const struct dtable *t)
{
	return sizeof(*t) + t->cap * sizeof(*t->slots)
	    + t->chunks_cap * sizeof(*t->chunks) + t->arena_bytes;
}
