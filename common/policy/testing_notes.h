/*
 * testing_notes - the header fields a message carries in testing mode
 * (testing_header): what enforcement would have done.
 *
 * Every would-reject / would-tempfail verdict of a stage whose outcome let
 * the message go on (MAIL, a RCPT that stays, end of message) becomes one
 * field value, in the order they were made:
 *
 *   would-reject stage=rcpt rule="recipient secure.example (FILE:12)"
 *     key="secure.example" reason="session is not encrypted (no STARTTLS)"
 *     reply="550 5.7.10"
 *
 * (one line; quoted values are log_quote'd: printable ASCII, no '"' or '\\',
 * and cut to bounded lengths, so a value is at most TESTING_NOTE_MAX bytes).
 * A value equal to one already kept (the same rule for two recipients of
 * one domain) is kept once.  At most TESTING_NOTES_MAX values are kept; the
 * number of the others is in omitted, so the caller can say so: the log
 * has every verdict.
 *
 * The struct is plain storage (no allocation): reset it per message.
 */
#ifndef TP_TESTING_NOTES_H
#define TP_TESTING_NOTES_H

#include <stddef.h>

#include "policy/decide.h"

#define TESTING_NOTES_MAX 8
#define TESTING_NOTE_MAX 600

struct testing_notes {
	size_t n;                   /* values kept in v */
	size_t omitted;             /* distinct would-verdicts beyond TESTING_NOTES_MAX */
	char v[TESTING_NOTES_MAX][TESTING_NOTE_MAX + 1];
};

/* testing_notes_reset - forget every value (a new message). */
void testing_notes_reset(struct testing_notes *t);

/* testing_notes_add - keep a value for each would-verdict of d, made at stage
 * ("mail", "rcpt", "eom").  Verdicts of other kinds are ignored. */
void testing_notes_add(struct testing_notes *t, const struct policy_decision *d, const char *stage);

/* testing_note_format - the value for one verdict (see above) into buf. */
void testing_note_format(const struct policy_verdict *v, const char *stage, char *buf, size_t bufsz);

/* testing_notes_omitted_format - the value of the last field when some were
 * omitted: "N more would-verdicts not shown (see the log)". */
void testing_notes_omitted_format(const struct testing_notes *t, char *buf, size_t bufsz);

#endif
