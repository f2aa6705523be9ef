/*
 * test_testing_notes - the testing_header values (policy/testing_notes.h):
 * one value per would-verdict, printable and bounded, duplicates kept once,
 * at most TESTING_NOTES_MAX with the rest counted.
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "policy/testing_notes.h"

static void verdict(struct policy_verdict *v, const struct rule *r, enum verdict kind, const char *subject,
    const char *reason, const char *rcode, const char *xcode)
{
	memset(v, 0, sizeof(*v));
	v->rule = r;
	v->verdict = kind;
	snprintf(v->subject, sizeof(v->subject), "%s", subject);
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	snprintf(v->reply.rcode, sizeof(v->reply.rcode), "%s", rcode);
	snprintf(v->reply.xcode, sizeof(v->reply.xcode), "%s", xcode);
}

static char label[] = "recipient secure.example (/etc/tp.conf:12)";
static char evil[] = "recipient \"x\\\" (/etc/tp.conf:13)\r\nX-Injected: 1";
static struct rule r = { .label = label }, e = { .label = evil };

int main(void)
{
	struct policy_verdict v;
	char buf[TESTING_NOTE_MAX + 1], big[600];
	static struct testing_notes t;
	static struct policy_decision d;

	static const struct {
		const char *what;
		const struct rule *rule;
		const char *what_label;
		enum verdict kind;
		const char *subject, *reason, *rcode, *xcode, *stage, *want;
	} rows[] = {
		{ "would-reject at RCPT", &r, NULL, VERDICT_WOULD_REJECT, "secure.example",
		  "session is not encrypted (no STARTTLS)", "550", "5.7.10", "rcpt",
		  "would-reject stage=rcpt rule=\"recipient secure.example (/etc/tp.conf:12)\" key=\"secure.example\" "
		  "reason=\"session is not encrypted (no STARTTLS)\" reply=\"550 5.7.10\"" },
		{ "would-tempfail at MAIL", &r, NULL, VERDICT_WOULD_TEMPFAIL, "192.0.2.7", "cipher RC4-SHA is excluded (RC4)",
		  "450", "4.7.10", "mail",
		  "would-tempfail stage=mail rule=\"recipient secure.example (/etc/tp.conf:12)\" key=\"192.0.2.7\" "
		  "reason=\"cipher RC4-SHA is excluded (RC4)\" reply=\"450 4.7.10\"" },
		{ "no rule: on_error label", NULL, NULL, VERDICT_WOULD_REJECT, "", "x", "550", "5.7.0", "eom",
		  "would-reject stage=eom rule=\"on_error\" key=\"\" reason=\"x\" reply=\"550 5.7.0\"" },
		{ "quotes, backslashes and CR/LF made harmless", &e, NULL, VERDICT_WOULD_REJECT, "a\"b", "r\r\n\"s\"",
		  "550", "5.7.10", "rcpt",
		  "would-reject stage=rcpt rule=\"recipient ?x?? (/etc/tp.conf:13)??X-Injected: 1\" key=\"a?b\" "
		  "reason=\"r???s?\" reply=\"550 5.7.10\"" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		verdict(&v, rows[i].rule, rows[i].kind, rows[i].subject, rows[i].reason, rows[i].rcode, rows[i].xcode);
		v.what = rows[i].what_label;
		testing_note_format(&v, rows[i].stage, buf, sizeof(buf));
		is_str(buf, rows[i].want, "format: %s", rows[i].what);
	}

	/* bounded: the longest parts still fit, and stay printable */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	verdict(&v, &r, VERDICT_WOULD_REJECT, "d.example", big, "550", "5.7.10");
	r.label = big;
	testing_note_format(&v, "rcpt", buf, sizeof(buf));
	r.label = label;
	size_t n = strlen(buf), bad = strspn(buf, " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"
	    "`abcdefghijklmnopqrstuvwxyz{|}~");
	ok(n < TESTING_NOTE_MAX && bad == n && strstr(buf, "reply=\"550 5.7.10\"") != NULL,
	    "long label and reason: cut, printable, the reply codes kept (%zu bytes)", n);

	/* collecting: passes and real rejects ignored, duplicates once, bounded */
	testing_notes_reset(&t);
	d.n = 0;
	verdict(&d.v[d.n++], &r, VERDICT_PASS, "a.example", "requirements met", "", "");
	verdict(&d.v[d.n++], &r, VERDICT_WOULD_REJECT, "a.example", "plain", "550", "5.7.10");
	verdict(&d.v[d.n++], &r, VERDICT_REJECT, "b.example", "plain", "550", "5.7.10");
	verdict(&d.v[d.n++], &r, VERDICT_WOULD_REJECT, "a.example", "plain", "550", "5.7.10");
	testing_notes_add(&t, &d, "rcpt");
	testing_notes_add(&t, &d, "rcpt");
	is_int(t.n, 1, "one distinct would-verdict kept once, pass and reject ignored");
	testing_notes_add(&t, &d, "mail");
	is_int(t.n, 2, "the same verdict at another stage is another value");
	d.n = 0;
	for (int i = 0; i < 10; i++) {
		char dom[32];
		snprintf(dom, sizeof(dom), "d%d.example", i);
		verdict(&d.v[d.n++], &r, VERDICT_WOULD_TEMPFAIL, dom, "plain", "450", "4.7.10");
	}
	testing_notes_add(&t, &d, "rcpt");
	is_int(t.n, TESTING_NOTES_MAX, "at most %d values", TESTING_NOTES_MAX);
	is_int(t.omitted, 12 - TESTING_NOTES_MAX, "the others counted");
	testing_notes_omitted_format(&t, buf, sizeof(buf));
	is_str(buf, "4 more would-verdicts not shown (see the log)", "omitted field value");
	testing_notes_reset(&t);
	ok(t.n == 0 && t.omitted == 0, "reset forgets everything");
	return tap_done();
}
