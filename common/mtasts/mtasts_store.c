/*
 * mtasts_store - SQLite store of fetched MTA-STS policies.
 *
 * Schema version 1 (PRAGMA user_version = 1):
 *   mtasts_policy(domain TEXT PRIMARY KEY, id TEXT, mode TEXT, max_age INTEGER,
 *                 mx TEXT, fetched_at INTEGER, policy TEXT)
 * mode, max_age and mx are derived from policy at put time, for people who
 * read the file with sqlite3; the program trusts only policy (re-parsed on
 * get), so a hand-edited column cannot weaken a rule.
 * WAL journal with synchronous=NORMAL: a crash loses at most the last
 * committed puts, never the file's consistency.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "util/domain.h"
#include "mtasts/mtasts_store.h"

#define SCHEMA_VERSION 1

struct mtasts_store {
	sqlite3 *db;
	pthread_mutex_t mu;
};

static void seterr(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* exec - run SQL without results; 0 or -1 with err */
static int exec(sqlite3 *db, const char *sql, const char *what, char *err, size_t errsz)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		seterr(err, errsz, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* int_pragma - the integer value of "PRAGMA name"; -1 with err on failure */
static long long int_pragma(sqlite3 *db, const char *sql, char *err, size_t errsz)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		seterr(err, errsz, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		seterr(err, errsz, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

/* check_integrity - PRAGMA quick_check must answer "ok" */
static int check_integrity(sqlite3 *db, char *err, size_t errsz)
{
	sqlite3_stmt *st;
	int ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK) {
		seterr(err, errsz, "integrity check: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *r = sqlite3_column_text(st, 0);

		ok = r && strcmp((const char *)r, "ok") == 0;
		if (!ok)
			seterr(err, errsz, "integrity check failed: %s", r ? (const char *)r : "?");
	} else {
		seterr(err, errsz, "integrity check: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

struct mtasts_store *mtasts_store_open(const char *path, char *err, size_t errsz)
{
	struct mtasts_store *s;
	char e[200];
	long long ver;

	if (!path || !*path) {
		seterr(err, errsz, "mta-sts store: no file name");
		return NULL;
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		seterr(err, errsz, "mta-sts store %s: out of memory", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
	    NULL) != SQLITE_OK) {
		seterr(err, errsz, "mta-sts store %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto bad;
	}
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_extended_result_codes(s->db, 1);
	/* The first statement reads the header: a file that is not a database fails here. */
	if ((ver = int_pragma(s->db, "PRAGMA user_version", e, sizeof(e))) < 0) {
		seterr(err, errsz, "mta-sts store %s: %s", path, e);
		goto bad;
	}
	if (ver > SCHEMA_VERSION) {
		seterr(err, errsz, "mta-sts store %s: schema version %lld is newer than this program's (%d)",
		    path, ver, SCHEMA_VERSION);
		goto bad;
	}
	if (check_integrity(s->db, e, sizeof(e)) != 0 ||
	    exec(s->db, "PRAGMA journal_mode=WAL", "journal mode", e, sizeof(e)) != 0 ||
	    exec(s->db, "PRAGMA synchronous=NORMAL", "synchronous", e, sizeof(e)) != 0 ||
	    exec(s->db, "BEGIN IMMEDIATE;"
		"CREATE TABLE IF NOT EXISTS mtasts_policy ("
		" domain TEXT PRIMARY KEY NOT NULL,"
		" id TEXT NOT NULL,"
		" mode TEXT NOT NULL,"
		" max_age INTEGER NOT NULL,"
		" mx TEXT NOT NULL,"
		" fetched_at INTEGER NOT NULL,"
		" policy TEXT NOT NULL);"
		"PRAGMA user_version = 1;"
		"COMMIT;", "create schema", e, sizeof(e)) != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		seterr(err, errsz, "mta-sts store %s: %s", path, e);
		goto bad;
	}
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		seterr(err, errsz, "mta-sts store %s: mutex", path);
		goto bad;
	}
	return s;
bad:
	sqlite3_close(s->db);
	free(s);
	return NULL;
}

void mtasts_store_close(struct mtasts_store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

void mtasts_store_entry_clear(struct mtasts_store_entry *e)
{
	free(e->text);
	mtasts_policy_free(e->policy);
	memset(e, 0, sizeof(*e));
}

int mtasts_store_entry_expired(const struct mtasts_store_entry *e, long long now)
{
	return !e->policy || now > e->fetched_at + e->policy->max_age;
}

/* valid_id - 1..32 letters and digits */
static int valid_id(const char *id)
{
	size_t i, n = id ? strlen(id) : 0;

	if (n == 0 || n > MTASTS_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9')))
			return 0;
	return 1;
}

int mtasts_store_put(struct mtasts_store *s, const char *domain, const char *id,
    const char *text, size_t len, long long fetched_at, char *err, size_t errsz)
{
	char dom[DOMAIN_MAX + 1], *mx = NULL;
	const char *e;
	struct mtasts_policy *p;
	sqlite3_stmt *st = NULL;
	size_t i, mxlen = 1;
	int rc = -1;

	if (!domain || domain_normalize(domain, strlen(domain), dom, sizeof(dom), &e) != 0) {
		seterr(err, errsz, "mta-sts store: invalid domain: %s", domain ? e : "none");
		return -1;
	}
	if (!valid_id(id)) {
		seterr(err, errsz, "mta-sts store: %s: invalid id", dom);
		return -1;
	}
	if (!text || !(p = mtasts_policy_parse(text, len, &e))) {
		seterr(err, errsz, "mta-sts store: %s: invalid policy: %s", dom, text ? e : "none");
		return -1;
	}
	for (i = 0; i < p->nmx; i++)
		mxlen += strlen(p->mx[i]) + 1;
	if (!(mx = malloc(mxlen))) {
		seterr(err, errsz, "mta-sts store: out of memory");
		goto out;
	}
	mx[0] = '\0';
	for (i = 0; i < p->nmx; i++) {
		if (i)
			strcat(mx, " ");
		strcat(mx, p->mx[i]);
	}
	pthread_mutex_lock(&s->mu);
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO mtasts_policy"
	    " (domain, id, mode, max_age, mx, fetched_at, policy) VALUES (?,?,?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK) {
		seterr(err, errsz, "mta-sts store: put %s: %s", dom, sqlite3_errmsg(s->db));
	} else {
		sqlite3_bind_text(st, 1, dom, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, mtasts_mode_name(p->mode), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, p->max_age);
		sqlite3_bind_text(st, 5, mx, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, fetched_at);
		sqlite3_bind_text(st, 7, text, (int)len, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)       /* one statement = one transaction */
			rc = 0;
		else
			seterr(err, errsz, "mta-sts store: put %s: %s", dom, sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->mu);
out:
	free(mx);
	mtasts_policy_free(p);
	return rc;
}

/* row_to_entry - columns domain, id, fetched_at, policy of the current row;
 * 0 or -1 with err (the policy no longer parses, bad id, memory) */
static int row_to_entry(sqlite3_stmt *st, struct mtasts_store_entry *out, char *err, size_t errsz)
{
	const char *dom = (const char *)sqlite3_column_text(st, 0);
	const char *id = (const char *)sqlite3_column_text(st, 1);
	const char *text = (const char *)sqlite3_column_text(st, 3);
	int len = sqlite3_column_bytes(st, 3);
	const char *e;

	memset(out, 0, sizeof(*out));
	if (!dom || strlen(dom) > DOMAIN_MAX) {
		seterr(err, errsz, "mta-sts store: a row has an invalid domain");
		return -1;
	}
	snprintf(out->domain, sizeof(out->domain), "%s", dom);
	if (!valid_id(id)) {
		seterr(err, errsz, "mta-sts store: %s: stored id is invalid", out->domain);
		return -1;
	}
	snprintf(out->id, sizeof(out->id), "%s", id);
	out->fetched_at = sqlite3_column_int64(st, 2);
	if (!text || len < 0) {
		seterr(err, errsz, "mta-sts store: %s: no stored policy", out->domain);
		return -1;
	}
	if (!(out->text = malloc((size_t)len + 1))) {
		seterr(err, errsz, "mta-sts store: out of memory");
		return -1;
	}
	memcpy(out->text, text, (size_t)len);
	out->text[len] = '\0';
	out->len = (size_t)len;
	if (!(out->policy = mtasts_policy_parse(out->text, out->len, &e))) {
		seterr(err, errsz, "mta-sts store: %s: stored policy is invalid: %s", out->domain, e);
		mtasts_store_entry_clear(out);
		return -1;
	}
	return 0;
}

int mtasts_store_get(struct mtasts_store *s, const char *domain, struct mtasts_store_entry *out,
    char *err, size_t errsz)
{
	char dom[DOMAIN_MAX + 1];
	const char *e;
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	memset(out, 0, sizeof(*out));
	if (!domain || domain_normalize(domain, strlen(domain), dom, sizeof(dom), &e) != 0) {
		seterr(err, errsz, "mta-sts store: invalid domain: %s", domain ? e : "none");
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	if (sqlite3_prepare_v2(s->db, "SELECT domain, id, fetched_at, policy FROM mtasts_policy WHERE domain = ?",
	    -1, &st, NULL) != SQLITE_OK) {
		seterr(err, errsz, "mta-sts store: get %s: %s", dom, sqlite3_errmsg(s->db));
		goto out;
	}
	sqlite3_bind_text(st, 1, dom, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE)
		rc = 0;
	else if (step == SQLITE_ROW)
		rc = row_to_entry(st, out, err, errsz) == 0 ? 1 : -1;
	else
		seterr(err, errsz, "mta-sts store: get %s: %s", dom, sqlite3_errmsg(s->db));
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int mtasts_store_delete(struct mtasts_store *s, const char *domain, char *err, size_t errsz)
{
	char dom[DOMAIN_MAX + 1];
	const char *e;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (!domain || domain_normalize(domain, strlen(domain), dom, sizeof(dom), &e) != 0) {
		seterr(err, errsz, "mta-sts store: invalid domain: %s", domain ? e : "none");
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	if (sqlite3_prepare_v2(s->db, "DELETE FROM mtasts_policy WHERE domain = ?", -1, &st, NULL) != SQLITE_OK) {
		seterr(err, errsz, "mta-sts store: delete %s: %s", dom, sqlite3_errmsg(s->db));
	} else {
		sqlite3_bind_text(st, 1, dom, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = sqlite3_changes(s->db) > 0 ? 1 : 0;
		else
			seterr(err, errsz, "mta-sts store: delete %s: %s", dom, sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

long mtasts_store_list(struct mtasts_store *s,
    int (*cb)(const struct mtasts_store_entry *e, void *arg), void *arg, char *err, size_t errsz)
{
	sqlite3_stmt *st = NULL;
	long n = -1;
	int step;

	pthread_mutex_lock(&s->mu);
	if (sqlite3_prepare_v2(s->db, "SELECT domain, id, fetched_at, policy FROM mtasts_policy ORDER BY domain",
	    -1, &st, NULL) != SQLITE_OK) {
		seterr(err, errsz, "mta-sts store: list: %s", sqlite3_errmsg(s->db));
		goto out;
	}
	n = 0;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct mtasts_store_entry e;
		int stop;

		if (row_to_entry(st, &e, err, errsz) != 0) {
			n = -1;
			goto out;
		}
		n++;
		stop = cb ? cb(&e, arg) : 0;
		mtasts_store_entry_clear(&e);
		if (stop)
			goto out;
	}
	if (step != SQLITE_DONE) {
		seterr(err, errsz, "mta-sts store: list: %s", sqlite3_errmsg(s->db));
		n = -1;
	}
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->mu);
	return n;
}
