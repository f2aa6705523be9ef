/*
 * fuzz_mtasts_txt - the _mta-sts TXT record (mtasts/mtasts_txt): parse one
 * record, and select among all the TXT records of a name.
 *
 * Input: the whole input is one record for mtasts_txt_parse (NUL bytes
 * included: a TXT string may hold them); split at NUL bytes it is the list
 * of records for mtasts_txt_select (at most 16).
 *
 * Properties: a parsed record started with "v=STSv1" and is_sts says so;
 * its id is 1..32 letters and digits, NUL-terminated, and appears in the
 * record as "id=<id>" ending at a ';', blank or the end; print -> parse
 * ("v=STSv1; id=<id>") gives the same id, also with an extension field
 * added; a failure has a printable reason (the result is then unspecified:
 * a failure after the id leaves it there; the caller, feasible.c, never
 * reads it); parsing is
 * deterministic.  select: NONE exactly when no record is_sts, INVALID when
 * more than one is or the one does not parse, FOUND otherwise with the id
 * mtasts_txt_parse gives for that record; reasons for NONE/INVALID.
 */
#include <ctype.h>

#include "fuzz.h"
#include "mtasts/mtasts_txt.h"

#define MAXRECS 16

static void check_id(const struct mtasts_txt *t)
{
	size_t n, i;

	FUZZ_ASSERT(fuzz_terminated(t->id, sizeof t->id), "id not terminated");
	n = strlen(t->id);
	FUZZ_ASSERT(n >= 1 && n <= MTASTS_ID_MAX, "id of %zu bytes", n);
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(isalnum((unsigned char)t->id[i]), "id byte 0x%02x", (unsigned char)t->id[i]);
}

/* id_in_record - "id=<id>" occurs in rec, ending at ';', SP, HT or the end */
static int id_in_record(const char *rec, size_t len, const char *id)
{
	size_t n = strlen(id), i;

	for (i = 0; i + 3 + n <= len; i++)
		if (memcmp(rec + i, "id=", 3) == 0 && memcmp(rec + i + 3, id, n) == 0 &&
		    (i + 3 + n == len || rec[i + 3 + n] == ';' || rec[i + 3 + n] == ' ' || rec[i + 3 + n] == '\t'))
			return 1;
	return 0;
}

static int parse_one(const char *rec, size_t len, struct mtasts_txt *t)
{
	const char *err = NULL;
	int rc;

	memset(t, 'X', sizeof *t);
	rc = mtasts_txt_parse(rec, len, t, &err);
	FUZZ_ASSERT(rc == 0 || rc == -1, "return %d", rc);
	if (rc != 0) {
		FUZZ_ASSERT(err != NULL && *err && fuzz_printable(err), "error without a printable reason");
		return -1;
	}
	check_id(t);
	FUZZ_ASSERT(len >= 7 && memcmp(rec, "v=STSv1", 7) == 0, "parsed a record not starting with v=STSv1");
	FUZZ_ASSERT(mtasts_txt_is_sts(rec, len), "parsed but not is_sts");
	FUZZ_ASSERT(id_in_record(rec, len, t->id), "id '%s' is not in the record", t->id);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *rec = (const char *)data, *recs[MAXRECS], *err = NULL;
	size_t lens[MAXRECS], n = 0, i, start, nsts = 0, which = 0;
	struct mtasts_txt t, t2, sel;
	char printed[128];
	int rc;

	/* a private copy, exactly size bytes, so reads past len are caught */
	char *copy = malloc(size ? size : 1);

	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	rec = copy;

	if (parse_one(rec, size, &t) == 0) {
		FUZZ_ASSERT(parse_one(rec, size, &t2) == 0 && strcmp(t.id, t2.id) == 0, "not deterministic");
		snprintf(printed, sizeof printed, "v=STSv1; id=%s", t.id);
		FUZZ_ASSERT(parse_one(printed, strlen(printed), &t2) == 0 && strcmp(t.id, t2.id) == 0,
		    "print -> parse changed id '%s'", t.id);
		snprintf(printed, sizeof printed, "v=STSv1;ext-1=v;id=%s ; ", t.id);
		FUZZ_ASSERT(parse_one(printed, strlen(printed), &t2) == 0 && strcmp(t.id, t2.id) == 0,
		    "with an extension, id '%s' lost", t.id);
	}

	/* the records for select: split at NUL */
	for (start = 0, i = 0; i <= size && n < MAXRECS; i++)
		if (i == size || rec[i] == '\0') {
			recs[n] = rec + start;
			lens[n] = i - start;
			n++;
			start = i + 1;
		}
	for (i = 0; i < n; i++)
		if (mtasts_txt_is_sts(recs[i], lens[i])) {
			nsts++;
			which = i;
		}
	memset(&sel, 'X', sizeof sel);
	rc = mtasts_txt_select(recs, lens, n, &sel, &err);
	if (nsts == 0) {
		FUZZ_ASSERT(rc == MTASTS_TXT_NONE, "select %d with no v=STSv1 record", rc);
	} else if (nsts > 1) {
		FUZZ_ASSERT(rc == MTASTS_TXT_INVALID, "select %d with %zu v=STSv1 records", rc, nsts);
	} else if (parse_one(recs[which], lens[which], &t2) == 0) {
		FUZZ_ASSERT(rc == MTASTS_TXT_FOUND && strcmp(sel.id, t2.id) == 0, "select %d id '%s', parse '%s'",
		    rc, rc == MTASTS_TXT_FOUND ? sel.id : "", t2.id);
	} else {
		FUZZ_ASSERT(rc == MTASTS_TXT_INVALID, "select %d for an invalid record", rc);
	}
	if (rc != MTASTS_TXT_FOUND) {
		FUZZ_ASSERT(err != NULL && *err && fuzz_printable(err), "select without a reason");
	}
	free(copy);
	return 0;
}
