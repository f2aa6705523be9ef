/*
 * test_dtable - table tests for dtable: exact versus parent keys, growth,
 * duplicates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/dtable.h"

static const struct {
	const char *key;
	uint32_t value;
} keys[] = {
	{"example.com", 1},
	{".example.com", 2},
	{".sub.example.com", 3},
	{"other.sub.example.com", 4},
	{".net", 5},
	{"x", 6},
};

/* query rows: expected value and matched key, or found = 0 */
static const struct {
	const char *label, *q;
	int found;
	uint32_t value;
	const char *matched;
} qrows[] = {
	{"exact beats parent", "example.com", 1, 1, "example.com"},
	{"child via parent", "a.example.com", 1, 2, ".example.com"},
	{"deep child via parent", "a.b.c.example.com", 1, 2, ".example.com"},
	{"parent key is not its own name", "sub.example.com", 1, 2, ".example.com"},
	{"longer parent wins", "a.sub.example.com", 1, 3, ".sub.example.com"},
	{"deeper, longer parent wins", "x.y.sub.example.com", 1, 3, ".sub.example.com"},
	{"exact beats longer parent", "other.sub.example.com", 1, 4, "other.sub.example.com"},
	{"child of exact uses parent", "a.other.sub.example.com", 1, 3, ".sub.example.com"},
	{"tld parent", "mail.example.net", 1, 5, ".net"},
	{"tld parent, one level", "example.net", 1, 5, ".net"},
	{"tld itself is not under .net", "net", 0, 0, NULL},
	{"suffix is not a label boundary", "badexample.com", 0, 0, NULL},
	{"other tld", "example.org", 0, 0, NULL},
	{"com alone", "com", 0, 0, NULL},
	{"single-label exact", "x", 1, 6, "x"},
	{"single-label key is not a parent", "a.x", 0, 0, NULL},
	{"empty name", "", 0, 0, NULL},
};

/* precedence - the fixed key set and the query rows */
static void precedence(void)
{
	struct dtable *t = dtable_create(0);
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int created = -1;
		uint32_t *v = dtable_slot(t, keys[i].key, &created);

		ok(v != NULL, "insert %s", keys[i].key);
		is_int(created, 1, "insert %s: created", keys[i].key);
		*v = keys[i].value;
	}
	is_int(dtable_count(t), sizeof(keys) / sizeof(keys[0]), "count after inserts");
	for (i = 0; i < sizeof(qrows) / sizeof(qrows[0]); i++) {
		uint32_t v = 999;
		const char *m = NULL;
		int found = dtable_lookup(t, qrows[i].q, &v, &m);

		is_int(found, qrows[i].found, "%s (%s): found", qrows[i].label, qrows[i].q);
		is_int(v, qrows[i].found ? qrows[i].value : 999, "%s: value", qrows[i].label);
		is_str(m, qrows[i].matched, "%s: matched key", qrows[i].label);
	}
	ok(dtable_lookup(t, "a.example.com", NULL, NULL) == 1, "lookup with NULL outputs");
	ok(dtable_memory(t) > 0, "memory reported");
	dtable_free(t);
}

/* parent_only - a table holding only ".example.com" */
static void parent_only(void)
{
	struct dtable *t = dtable_create(4);
	uint32_t v = 0;

	*dtable_slot(t, ".example.com", NULL) = 7;
	is_int(dtable_lookup(t, "example.com", &v, NULL), 0, ".example.com does not match example.com");
	is_int(dtable_lookup(t, "www.example.com", &v, NULL), 1, ".example.com matches www.example.com");
	is_int(v, 7, ".example.com value");
	dtable_free(t);
}

/* duplicates - a second insert returns the same value, not a new key */
static void duplicates(void)
{
	struct dtable *t = dtable_create(1);
	int created = -1;
	uint32_t *v;

	*dtable_slot(t, "dup.example", &created) = 11;
	v = dtable_slot(t, "dup.example", &created);
	is_int(created, 0, "duplicate: not created");
	is_int(*v, 11, "duplicate: old value kept");
	*v = 12;
	v = dtable_slot(t, ".dup.example", &created);
	is_int(created, 1, "parent key of an exact key is a different key");
	is_int(*v, 0, "new key value starts at 0");
	is_int(dtable_count(t), 2, "duplicate: count");
	dtable_free(t);
}

/* growth - 100k keys in a table created without a hint; every one found */
static void growth(void)
{
	enum { N = 100000 };
	struct dtable *t = dtable_create(0);
	char key[64];
	size_t i, wrong = 0, bad_insert = 0, missing = 0;
	const char *m;
	uint32_t v;

	for (i = 0; i < N; i++) {
		uint32_t *p;
		int created;

		snprintf(key, sizeof(key), "%sd%zu.example-partner.com", i % 3 ? "" : ".", i);
		if ((p = dtable_slot(t, key, &created)) == NULL || !created)
			bad_insert++;
		else
			*p = (uint32_t)i;
	}
	is_int(bad_insert, 0, "growth: %d inserts all new", N);
	is_int(dtable_count(t), N, "growth: count");
	for (i = 0; i < N; i++) {
		/* Exact keys by name, parent keys through a child. */
		snprintf(key, sizeof(key), "%sd%zu.example-partner.com", i % 3 ? "" : "mx.", i);
		if (!dtable_lookup(t, key, &v, &m))
			missing++;
		else if (v != i || strcmp(m, i % 3 ? key : key + 2) != 0)
			wrong++;
	}
	is_int(missing, 0, "growth: every key found");
	is_int(wrong, 0, "growth: every value and matched key right");
	is_int(dtable_lookup(t, "d1.example-partner.org", &v, NULL), 0, "growth: miss stays a miss");
	is_int(dtable_lookup(t, "d0.example-partner.com", &v, NULL), 0, "growth: parent-only key does not match its own name");
	ok(dtable_memory(t) < (size_t)N * 100, "growth: under 100 bytes a key (%zu)", dtable_memory(t));
	dtable_free(t);
}

int main(void)
{
	precedence();
	parent_only();
	duplicates();
	growth();
	dtable_free(NULL);
	return tap_done();
}
