/*
 * test_reply - table tests for reply templates: what parses (and the error
 * for what does not), what expansion produces, and that nothing a client
 * controls can put CR, LF, NUL or a lone '%' into an SMTP reply.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "policy/reply.h"

static void test_parse(void)
{
	static const struct {
		const char *label, *in;
		int good;
		const char *rcode_or_err;   /* good: rcode; bad: substring of err */
		const char *xcode;
		char class;
	} rows[] = {
		{ "default 5.7.10", "550 5.7.10 Mail for %{domain} is accepted only over TLS (%{reason})",
		  1, "550", "5.7.10", '5' },
		{ "tempfail", "451 4.7.1 try again", 1, "451", "4.7.1", '4' },
		{ "all variables", "554 5.7.0 %{domain}%{reason}%{tls_version}%{cipher_bits}%{client}"
		  "%{sender}%{recipient}%{rule}", 1, "554", "5.7.0", '5' },
		{ "percent literal", "550 5.7.1 100%% sure", 1, "550", "5.7.1", '5' },
		{ "3-digit parts", "550 5.999.999 x", 1, "550", "5.999.999", '5' },
		{ "empty braces not a variable", "550 5.7.1 %{}", 0, "unknown variable %{}", NULL, 0 },
		{ "unknown variable", "550 5.7.1 hello %{foo} x", 0, "unknown variable %{foo}", NULL, 0 },
		{ "variable case matters", "550 5.7.1 %{Domain}", 0, "unknown variable %{Domain}", NULL, 0 },
		{ "stray percent", "550 5.7.1 a % b", 0, "stray '%' at offset 12", NULL, 0 },
		{ "trailing percent", "550 5.7.1 100%", 0, "stray '%' at offset 13", NULL, 0 },
		{ "unterminated", "550 5.7.1 x %{domain", 0, "unterminated %{ at offset 12", NULL, 0 },
		{ "class mismatch", "550 4.7.1 x", 0, "enhanced code class 4 does not match reply code 550", NULL, 0 },
		{ "2xx", "250 2.0.0 ok", 0, "reply code must be 4xx or 5xx", NULL, 0 },
		{ "6xx", "650 6.0.0 x", 0, "4xx or 5xx", NULL, 0 },
		{ "second digit", "560 5.7.1 x", 0, "second digit", NULL, 0 },
		{ "two-digit code", "55 5.7.1 x", 0, "3-digit code", NULL, 0 },
		{ "four-digit code", "5500 5.7.1 x", 0, "3-digit code", NULL, 0 },
		{ "no xcode", "550 denied", 0, "class.subject.detail", NULL, 0 },
		{ "subject too long", "550 5.1000.1 x", 0, "subject must be 0-999", NULL, 0 },
		{ "detail too long", "550 5.7.1000 x", 0, "detail must be 0-999", NULL, 0 },
		{ "leading zero", "550 5.7.01 x", 0, "detail", NULL, 0 },
		{ "junk in subject", "550 5.+7.1 x", 0, "subject", NULL, 0 },
		{ "empty detail", "550 5.7. x", 0, "detail", NULL, 0 },
		{ "no text", "550 5.7.1", 0, "reply text is missing", NULL, 0 },
		{ "empty text", "550 5.7.1 ", 0, "reply text is missing", NULL, 0 },
		{ "tab in text", "550 5.7.1 a\tb", 0, "non-printable byte 0x09 at offset 11", NULL, 0 },
		{ "CRLF in text", "550 5.7.1 a\r\n250 ok", 0, "non-printable byte 0x0d", NULL, 0 },
		{ "8-bit text", "550 5.7.1 gr\xc3\xbc\xc3\x9f", 0, "non-printable byte 0xc3", NULL, 0 },
		{ "empty", "", 0, "empty", NULL, 0 },
		{ "null", NULL, 0, "empty", NULL, 0 },
	};
	struct reply_tpl *t;
	struct reply r;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		strcpy(err, "untouched");
		t = reply_tpl_parse(rows[i].in, err, sizeof err);
		if (!rows[i].good) {
			ok(t == NULL && strstr(err, rows[i].rcode_or_err) != NULL,
			   "%s: rejected with \"%s\"", rows[i].label, err);
			reply_tpl_free(t);
			continue;
		}
		if (!ok(t != NULL, "%s: parses", rows[i].label)) {
			printf("#   err: %s\n", err);
			continue;
		}
		reply_tpl_expand(t, NULL, &r);
		is_str(r.rcode, rows[i].rcode_or_err, "%s: rcode", rows[i].label);
		is_str(r.xcode, rows[i].xcode, "%s: xcode", rows[i].label);
		is_int(reply_tpl_class(t), rows[i].class, "%s: class", rows[i].label);
		reply_tpl_free(t);
	}
	/* Limit on the template text, before expansion. */
	{
		char big[REPLY_TEXT_MAX + 32];

		memcpy(big, "550 5.7.1 ", 10);
		memset(big + 10, 'x', REPLY_TEXT_MAX);
		big[10 + REPLY_TEXT_MAX] = '\0';
		t = reply_tpl_parse(big, err, sizeof err);
		ok(t != NULL, "text of exactly REPLY_TEXT_MAX parses");
		reply_tpl_free(t);
		strcpy(big + 10 + REPLY_TEXT_MAX, "y");
		t = reply_tpl_parse(big, err, sizeof err);
		ok(t == NULL && strstr(err, "at most") != NULL, "text over REPLY_TEXT_MAX: \"%s\"", err);
		reply_tpl_free(t);
	}
}

static void test_expand(void)
{
	static char longval[2 * REPLY_TEXT_MAX];
	static char longtext[REPLY_TEXT_MAX + 1];
	static const struct {
		const char *label, *tpl;
		struct reply_vars v;
		const char *text;           /* NULL: check length only */
		size_t len;
	} rows[] = {
		{ "default reply", "550 5.7.10 Mail for %{domain} is accepted only over TLS (%{reason})",
		  { .domain = "secure.example", .reason = "session is not encrypted (no STARTTLS)" },
		  "Mail for secure.example is accepted only over TLS (session is not encrypted (no STARTTLS))", 0 },
		{ "every variable", "550 5.7.1 %{domain}|%{reason}|%{tls_version}|%{cipher_bits}|%{client}"
		  "|%{sender}|%{recipient}|%{rule}",
		  { "d", "r", "TLSv1.2", "128", "192.0.2.1", "s@x", "r@y", "rule 3" },
		  "d|r|TLSv1.2|128|192.0.2.1|s@x|r@y|rule 3", 0 },
		{ "NULL values are empty", "550 5.7.1 [%{domain}][%{client}]", { 0 }, "[][]", 0 },
		{ "%% is one percent", "550 5.7.1 100%% TLS", { 0 }, "100% TLS", 0 },
		{ "CRLF in a value", "550 5.7.1 for %{sender} ok",
		  { .sender = "a\r\n250 2.0.0 fake\r\n" }, "for a??250 2.0.0 fake?? ok", 0 },
		{ "control and 8-bit bytes", "550 5.7.1 <%{client}>",
		  { .client = "\x01\x1b[0m\x7f\xff" }, "<??[0m?" "?>", 0 },
		{ "percent in a value stays single", "550 5.7.1 %{reason}", { .reason = "50% done %s" },
		  "50% done %s", 0 },
		{ "variable repeated", "550 5.7.1 %{rule}%{rule}", { .rule = "ab" }, "abab", 0 },
		{ "overlong value truncated", "550 5.7.1 x%{reason}y", { .reason = longval }, NULL, REPLY_TEXT_MAX },
		{ "long template plus value truncated", "550 5.7.1 %{domain}", { .domain = longtext }, NULL,
		  REPLY_TEXT_MAX },
	};
	struct reply_tpl *t;
	struct reply r;
	char err[256];
	size_t i;

	memset(longval, 'v', sizeof longval - 1);
	memset(longtext, 't', sizeof longtext - 1);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		t = reply_tpl_parse(rows[i].tpl, err, sizeof err);
		if (!ok(t != NULL, "%s: parses", rows[i].label)) {
			printf("#   err: %s\n", err);
			continue;
		}
		memset(&r, 'Z', sizeof r);
		reply_tpl_expand(t, &rows[i].v, &r);
		if (rows[i].text != NULL)
			is_str(r.text, rows[i].text, "%s: text", rows[i].label);
		else
			ok(memchr(r.text, '\0', sizeof r.text) != NULL && strlen(r.text) == rows[i].len,
			   "%s: length %zu", rows[i].label, strnlen(r.text, sizeof r.text));
		ok(strpbrk(r.text, "\r\n\t\x7f") == NULL, "%s: no control bytes", rows[i].label);
		reply_tpl_free(t);
	}
}

static void test_escape(void)
{
	static const struct {
		const char *label, *in;
		size_t bufsz;
		const char *out;
	} rows[] = {
		{ "no percent", "plain text", 64, "plain text" },
		{ "one percent doubled", "50% done", 64, "50%% done" },
		{ "all percent", "%%%", 64, "%%%%%%" },
		{ "control bytes replaced", "a\r\nb", 64, "a??b" },
		{ "pair not split at the end", "ab%", 4, "ab" },
		{ "pair fits exactly", "ab%", 5, "ab%%" },
		{ "truncated plain", "abcdef", 4, "abc" },
		{ "empty", "", 4, "" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(buf, 'X', sizeof buf);
		ok(reply_escape_percent(rows[i].in, buf, rows[i].bufsz) == buf, "%s: returns buf", rows[i].label);
		is_str(buf, rows[i].out, "%s: out", rows[i].label);
	}
	/* Worst case the header promises room for: REPLY_TEXT_MAX percent signs. */
	{
		char text[REPLY_TEXT_MAX + 1], big[2 * REPLY_TEXT_MAX + 1];

		memset(text, '%', REPLY_TEXT_MAX);
		text[REPLY_TEXT_MAX] = '\0';
		reply_escape_percent(text, big, sizeof big);
		is_int(strlen(big), 2 * REPLY_TEXT_MAX, "all-percent text fits the documented buffer");
	}
}

int main(void)
{
	test_parse();
	test_expand();
	test_escape();
	return tap_done();
}
