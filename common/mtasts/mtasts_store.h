/*
 * mtasts_store - MTA-STS policies persisted across restarts in SQLite
 * (RFC 8461 section 5: a policy stays valid for max_age after it was fetched,
 * even when the HTTPS server is down).
 *
 * One table, readable offline:
 *   sqlite3 FILE "select domain, id, mode, max_age, mx,
 *                 datetime(fetched_at, 'unixepoch') from mtasts_policy"
 * Columns: domain (primary key, normalised), id (TXT id), mode, max_age,
 * mx (patterns separated by one space), fetched_at (Unix seconds), policy
 * (the raw body, the source of truth: it is parsed again on every get).
 * Crash-safe: WAL journal, every change one transaction.
 * Thread-safe: one connection per store, every call under the store's mutex.
 * A file that is not a database, is corrupt, or has a newer schema makes
 * open (or the failing call) return an error with a reason, never a crash.
 */
#ifndef TP_MTASTS_STORE_H
#define TP_MTASTS_STORE_H

#include <stddef.h>

#include "util/domain.h"
#include "mtasts/mtasts_txt.h"
#include "mtasts/mtasts_policy.h"

struct mtasts_store;

struct mtasts_store_entry {
	char domain[DOMAIN_MAX + 1];
	char id[MTASTS_ID_MAX + 1];
	long long fetched_at;          /* Unix seconds */
	char *text;                    /* raw policy body, NUL-terminated (malloced) */
	size_t len;
	struct mtasts_policy *policy;  /* text, parsed (owned) */
};

/*
 * mtasts_store_open - open (creating file and schema when absent) the store at
 * path.  Returns the store, or NULL with a reason in err (errsz bytes).
 * Close with mtasts_store_close.
 */
struct mtasts_store *mtasts_store_open(const char *path, char *err, size_t errsz);
void mtasts_store_close(struct mtasts_store *st);

/*
 * mtasts_store_put - insert or replace the policy of domain: id (1..32
 * alphanumerics), the raw body text (len bytes; must parse, it is stored as
 * given), fetched_at (Unix seconds).  0, or -1 with err.
 */
int mtasts_store_put(struct mtasts_store *st, const char *domain, const char *id,
    const char *text, size_t len, long long fetched_at, char *err, size_t errsz);

/*
 * mtasts_store_get - read the policy of domain into *out (caller releases it
 * with mtasts_store_entry_clear).  1 found, 0 absent, -1 error (err; a row
 * whose policy no longer parses is an error naming the domain).
 */
int mtasts_store_get(struct mtasts_store *st, const char *domain, struct mtasts_store_entry *out,
    char *err, size_t errsz);

/* mtasts_store_delete - 1 deleted, 0 absent, -1 error. */
int mtasts_store_delete(struct mtasts_store *st, const char *domain, char *err, size_t errsz);

/*
 * mtasts_store_list - call cb for every stored policy in domain order (the
 * entry is valid only during the call; do not call the store from cb).
 * cb returns 0 to go on, non-zero to stop.  Returns the number of entries
 * visited, or -1 with err.
 */
long mtasts_store_list(struct mtasts_store *st,
    int (*cb)(const struct mtasts_store_entry *e, void *arg), void *arg, char *err, size_t errsz);

/* mtasts_store_entry_clear - free text and policy, zero *e. */
void mtasts_store_entry_clear(struct mtasts_store_entry *e);

/* mtasts_store_entry_expired - 1 when now (Unix seconds) is past
 * fetched_at + max_age. */
int mtasts_store_entry_expired(const struct mtasts_store_entry *e, long long now);

#endif
