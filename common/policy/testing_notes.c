/*
 * testing_notes - header field values for testing mode (see testing_notes.h).
 */
#include <stdio.h>
#include <string.h>

#include "util/log.h"
#include "policy/testing_notes.h"

void testing_notes_reset(struct testing_notes *t)
{
	t->n = 0;
	t->omitted = 0;
}

/* testing_note_format - one line: verdict, stage, rule, key, reason, reply codes */
void testing_note_format(const struct policy_verdict *v, const char *stage, char *buf, size_t bufsz)
{
	/* each quoted part is cut so the whole stays below TESTING_NOTE_MAX */
	char rule[161], key[101], reason[201], raw[24], code[24];

	log_quote(rule, sizeof(rule), v->rule ? v->rule->label : v->what ? v->what : "on_error");
	log_quote(key, sizeof(key), v->subject);
	log_quote(reason, sizeof(reason), v->reason);
	snprintf(raw, sizeof(raw), "%.3s %.15s", v->reply.rcode, v->reply.xcode);
	log_quote(code, sizeof(code), raw);
	snprintf(buf, bufsz, "%s stage=%.8s rule=\"%s\" key=\"%s\" reason=\"%s\" reply=\"%s\"",
	    decide_verdict_name(v->verdict), stage, rule, key, reason, code);
}

void testing_notes_add(struct testing_notes *t, const struct policy_decision *d, const char *stage)
{
	char value[TESTING_NOTE_MAX + 1];

	for (size_t i = 0; i < d->n; i++) {
		const struct policy_verdict *v = &d->v[i];
		int seen = 0;

		if (v->verdict != VERDICT_WOULD_REJECT && v->verdict != VERDICT_WOULD_TEMPFAIL)
			continue;
		testing_note_format(v, stage, value, sizeof(value));
		for (size_t j = 0; j < t->n && !seen; j++)
			seen = strcmp(t->v[j], value) == 0;
		if (seen)
			continue;
		if (t->n == TESTING_NOTES_MAX) {
			t->omitted++;
			continue;
		}
		memcpy(t->v[t->n++], value, sizeof(value));
	}
}

void testing_notes_omitted_format(const struct testing_notes *t, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%zu more would-verdicts not shown (see the log)", t->omitted);
}
