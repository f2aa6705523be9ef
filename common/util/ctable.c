/*
 * ctable - client address table: CIDR prefixes -> uint32_t value, longest
 * prefix wins.
 *
 * One small open-addressing hash per (family, prefix length) in use, keyed
 * by the masked address.  The lengths in use are kept sorted longest first,
 * so a lookup masks the client address once per length and stops at the
 * first hit: at most 33 (IPv4) or 129 (IPv6) probes, in practice a handful.
 * IPv4 and IPv6 are separate: 0.0.0.0/0 never matches an IPv6 client.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/ctable.h"

#define CTABLE_MIN_CAP 8

struct ctable_slot {
	unsigned char a[16];        /* masked address; bytes past the family's length are 0 */
	uint32_t value;
	int used;
};

struct ctable_hash {
	struct ctable_slot *slots;
	size_t cap;                 /* power of two, load <= 1/2 */
	size_t count;
};

struct ctable_family {
	struct ctable_hash *byprefix[129];  /* NULL: no prefix of that length */
	unsigned char order[129];           /* lengths in use, longest first */
	int norder;
	int bits;                           /* 32 or 128 */
};

struct ctable {
	struct ctable_family v4, v6;
	size_t count;
};

/* ctable_fam - the family table for AF_INET/AF_INET6, NULL otherwise */
static struct ctable_family *ctable_fam(struct ctable *t, int family)
{
	return family == AF_INET ? &t->v4 : family == AF_INET6 ? &t->v6 : NULL;
}

/* ctable_mask - copy the first prefix bits of a into out, zero the rest */
static void ctable_mask(const unsigned char *a, int prefix, unsigned char *out)
{
	int full = prefix / 8, rest = prefix % 8;

	memset(out, 0, 16);
	memcpy(out, a, (size_t)full);
	if (rest)
		out[full] = (unsigned char)(a[full] & (0xff << (8 - rest)));
}

/* ctable_hashfn - FNV-1a over the 16 address bytes */
static uint32_t ctable_hashfn(const unsigned char *a)
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 16; i++) {
		h ^= a[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

/* ctable_find - slot of a in h, or the empty slot where it goes */
static struct ctable_slot *ctable_find(const struct ctable_hash *h, const unsigned char *a)
{
	size_t mask = h->cap - 1, i = ctable_hashfn(a) & mask;

	for (;; i = (i + 1) & mask) {
		struct ctable_slot *s = &h->slots[i];

		if (!s->used || memcmp(s->a, a, 16) == 0)
			return s;
	}
}

/* ctable_hash_create - empty hash for one prefix length */
static struct ctable_hash *ctable_hash_create(void)
{
	struct ctable_hash *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	if ((h->slots = calloc(CTABLE_MIN_CAP, sizeof(*h->slots))) == NULL) {
		free(h);
		return NULL;
	}
	h->cap = CTABLE_MIN_CAP;
	return h;
}

/* ctable_hash_free - release one hash */
static void ctable_hash_free(struct ctable_hash *h)
{
	if (h == NULL)
		return;
	free(h->slots);
	free(h);
}

/* ctable_hash_grow - double and reinsert */
static int ctable_hash_grow(struct ctable_hash *h)
{
	struct ctable_hash nh = {NULL, h->cap * 2, 0};
	size_t i;

	if ((nh.slots = calloc(nh.cap, sizeof(*nh.slots))) == NULL)
		return -1;
	for (i = 0; i < h->cap; i++)
		if (h->slots[i].used)
			*ctable_find(&nh, h->slots[i].a) = h->slots[i];
	free(h->slots);
	h->slots = nh.slots;
	h->cap = nh.cap;
	return 0;
}

/* ctable_create - empty table */
struct ctable *ctable_create(void)
{
	struct ctable *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->v4.bits = 32;
	t->v6.bits = 128;
	return t;
}

/* ctable_free - release the table */
void ctable_free(struct ctable *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i <= 128; i++) {
		ctable_hash_free(t->v4.byprefix[i]);
		ctable_hash_free(t->v6.byprefix[i]);
	}
	free(t);
}

/* ctable_use_prefix - the hash for prefix, created and listed on first use */
static struct ctable_hash *ctable_use_prefix(struct ctable_family *f, int prefix)
{
	int i;

	if (f->byprefix[prefix])
		return f->byprefix[prefix];
	if ((f->byprefix[prefix] = ctable_hash_create()) == NULL)
		return NULL;
	/* Insert into the longest-first list. */
	for (i = f->norder; i > 0 && f->order[i - 1] < prefix; i--)
		f->order[i] = f->order[i - 1];
	f->order[i] = (unsigned char)prefix;
	f->norder++;
	return f->byprefix[prefix];
}

/* ctable_slot - find or insert prefix c; pointer to its value */
uint32_t *ctable_slot(struct ctable *t, const struct cidr *c, int *created)
{
	struct ctable_family *f = ctable_fam(t, c->ip.family);
	struct ctable_hash *h;
	struct ctable_slot *s;
	unsigned char a[16];

	if (created)
		*created = 0;
	if (f == NULL || c->prefix < 0 || c->prefix > f->bits) {
		errno = EINVAL;
		return NULL;
	}
	if ((h = ctable_use_prefix(f, c->prefix)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* Mask again: a caller-built cidr may carry host bits. */
	ctable_mask(c->ip.a, c->prefix, a);
	s = ctable_find(h, a);
	if (s->used)
		return &s->value;
	if ((h->count + 1) * 2 > h->cap) {
		if (ctable_hash_grow(h) < 0) {
			errno = ENOMEM;
			return NULL;
		}
		s = ctable_find(h, a);
	}
	memcpy(s->a, a, 16);
	s->value = 0;
	s->used = 1;
	h->count++;
	t->count++;
	if (created)
		*created = 1;
	return &s->value;
}

/* ctable_lookup - longest prefix in use that contains ip */
int ctable_lookup(const struct ctable *t, const struct ipaddr *ip, uint32_t *value, struct cidr *matched)
{
	const struct ctable_family *f = ip->family == AF_INET ? &t->v4
	    : ip->family == AF_INET6 ? &t->v6 : NULL;
	unsigned char a[16];
	int i;

	if (f == NULL)
		return 0;
	for (i = 0; i < f->norder; i++) {
		int prefix = f->order[i];
		const struct ctable_slot *s;

		ctable_mask(ip->a, prefix, a);
		s = ctable_find(f->byprefix[prefix], a);
		if (!s->used)
			continue;
		if (value)
			*value = s->value;
		if (matched) {
			memset(matched, 0, sizeof(*matched));
			matched->ip.family = ip->family;
			memcpy(matched->ip.a, a, 16);
			matched->prefix = prefix;
		}
		return 1;
	}
	return 0;
}

/* ctable_count - number of prefixes */
size_t ctable_count(const struct ctable *t)
{
	return t->count;
}
