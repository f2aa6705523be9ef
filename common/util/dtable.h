/*
 * dtable - domain table: normalised domain keys -> uint32_t value, with
 * "most specific wins" lookup.
 *
 * A key is either exact ("example.com") or a parent key (".example.com",
 * matching every subdomain of example.com but not example.com itself).
 * Lookup of "a.b.example.com" tries the exact key, then ".b.example.com",
 * ".example.com", ".com": its cost depends on the number of labels in the
 * name, not on the number of keys (open-addressing hash, strings in an arena).
 * Built once, then read-only: lookups from many threads need no lock.
 */
#ifndef TP_DTABLE_H
#define TP_DTABLE_H

#include <stddef.h>
#include <stdint.h>

struct dtable;

/* Create an empty table sized for about hint keys.  NULL on ENOMEM.
 * Free with dtable_free(). */
struct dtable *dtable_create(size_t hint);
void dtable_free(struct dtable *t);

/*
 * dtable_slot - find or insert key (already normalised, see domain.h).
 * Returns a pointer to the key's value (valid until the next insert);
 * *created is 1 if the key was new (value set to 0), 0 if it existed.
 * NULL on ENOMEM.
 */
uint32_t *dtable_slot(struct dtable *t, const char *key, int *created);

/*
 * dtable_lookup - most specific key for the normalised domain d.
 * Returns 1 and sets *value (and *matched, if not NULL, to the stored key,
 * owned by the table) or 0 when nothing matches.
 */
int dtable_lookup(const struct dtable *t, const char *d, uint32_t *value, const char **matched);

size_t dtable_count(const struct dtable *t);
/* Bytes allocated by the table (for -t summaries and benchmarks). */
size_t dtable_memory(const struct dtable *t);

#endif
