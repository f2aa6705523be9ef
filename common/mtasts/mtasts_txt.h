/*
 * mtasts_txt - the "_mta-sts.DOMAIN" TXT record of RFC 8461 section 3.1.
 *
 * The record announces that DOMAIN publishes an MTA-STS policy and carries
 * the policy's "id" (changes when the policy changes, so a cached policy can
 * be kept until then).  Inputs are already-resolved TXT records: this file
 * does no DNS.  The caller (dns layer) joins the character-strings of one
 * TXT RR into one record before calling.
 */
#ifndef TP_MTASTS_TXT_H
#define TP_MTASTS_TXT_H

#include <stddef.h>

#define MTASTS_ID_MAX 32        /* id = 1*32(ALPHA / DIGIT) */

struct mtasts_txt {
	char id[MTASTS_ID_MAX + 1];  /* NUL-terminated */
};

/*
 * mtasts_txt_parse - parse one record of len bytes (need not be
 * NUL-terminated) against the grammar of RFC 8461 section 3.1:
 *   "v=STSv1" 1*(sep field) [sep],  sep = *WSP ";" *WSP,
 *   field = "id=" 1*32(ALPHA/DIGIT) / ext-name "=" ext-value.
 * "v=STSv1" must come first (case-sensitive); exactly one id is required
 * (a second id is an error: which one would apply is ambiguous);
 * extensions are checked for syntax and otherwise ignored.  Beyond the
 * grammar, trailing spaces/tabs are accepted (they change no meaning).
 * Returns 0 and fills *out, or -1 with *err a static English reason.
 */
int mtasts_txt_parse(const char *rec, size_t len, struct mtasts_txt *out, const char **err);

/* mtasts_txt_is_sts - 1 when rec starts with "v=STSv1" followed by ';',
 * a space/tab or the end: an MTA-STS record (valid or not), else 0. */
int mtasts_txt_is_sts(const char *rec, size_t len);

/* Results of mtasts_txt_select. */
#define MTASTS_TXT_FOUND    0   /* exactly one valid v=STSv1 record: *out is set */
#define MTASTS_TXT_NONE     1   /* no v=STSv1 record among the TXT records */
#define MTASTS_TXT_INVALID  2   /* more than one v=STSv1 record, or the one is malformed */

/*
 * mtasts_txt_select - given all n TXT records at _mta-sts.DOMAIN (recs[i] of
 * lens[i] bytes), discard those that are not v=STSv1 records and parse the
 * one that remains.  RFC 8461: if the number of remaining records is not one,
 * or it is invalid, the domain has no available policy; NONE and INVALID
 * both mean that, kept apart only for the reason text.  *err is set (static)
 * for NONE and INVALID.
 */
int mtasts_txt_select(const char *const *recs, const size_t *lens, size_t n,
    struct mtasts_txt *out, const char **err);

#endif
