/*
 * test_printable - the one rule for bytes that leave the program:
 * printable_char, printable_copy (truncation, extra, repl) and
 * printable_inplace, table-driven.
 */
#include <string.h>

#include "tap.h"
#include "util/printable.h"

static void test_char(void)
{
	static const struct {
		int c, want;
	} rows[] = {
		{ 0x00, 0 }, { '\t', 0 }, { '\n', 0 }, { '\r', 0 }, { 0x1f, 0 },
		{ ' ', 1 }, { '!', 1 }, { 'A', 1 }, { '~', 1 }, { '"', 1 }, { '\\', 1 },
		{ 0x7f, 0 }, { 0x80, 0 }, { 0xc3, 0 }, { 0xff, 0 }, { -1, 0 },
	};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		is_int(printable_char(rows[i].c), rows[i].want, "printable_char(0x%02x)", rows[i].c & 0xff);
}

static const struct copy_row {
	const char *label, *in;
	size_t outsz;
	const char *extra;
	char repl;
	const char *want;
} copy_rows[] = {
	{ "plain", "mx.example", 64, NULL, '?', "mx.example" },
	{ "NULL is empty", NULL, 64, NULL, '?', "" },
	{ "empty", "", 64, NULL, '?', "" },
	{ "CR LF", "a\r\nRCPT TO:<x>", 64, NULL, '?', "a??RCPT TO:<x>" },
	{ "tab and DEL", "a\tb\x7f", 64, NULL, '?', "a?b?" },
	{ "UTF-8 bytes", "Gr\xc3\xbc\xc3\x9f" "e", 64, NULL, '?', "Gr????e" },
	{ "other repl", "a\nb", 64, NULL, '_', "a_b" },
	{ "extra quote and backslash (log_quote)", "say \"hi\\\"", 64, "\"\\", '?', "say ?hi??" },
	{ "extra colon and space", "X-A: b", 64, ": ", '-', "X-A--b" },
	{ "extra does not let a control through", "a\nb", 64, "x", '?', "a?b" },
	{ "truncated", "abcdef", 4, NULL, '?', "abc" },
	{ "exact fit", "abc", 4, NULL, '?', "abc" },
	{ "size 1: empty", "abc", 1, NULL, '?', "" },
	{ "truncated after replacement", "\r\n\r\n", 3, NULL, '?', "??" },
};

static void test_copy(void)
{
	char out[64], in[64];

	for (size_t i = 0; i < sizeof copy_rows / sizeof copy_rows[0]; i++) {
		const struct copy_row *r = &copy_rows[i];

		memset(out, 'X', sizeof out);
		ok(printable_copy(out, r->outsz, r->in, r->extra, r->repl) == out, "copy %s: returns out", r->label);
		is_str(out, r->want, "copy %s", r->label);
		ok(r->outsz == sizeof out || out[r->outsz] == 'X', "copy %s: nothing written past outsz", r->label);
		/* in place gives the same bytes when nothing is truncated */
		if (r->in != NULL && strlen(r->in) < r->outsz) {
			snprintf(in, sizeof in, "%s", r->in);
			ok(printable_inplace(in, r->extra, r->repl) == in, "inplace %s: returns s", r->label);
			is_str(in, r->want, "inplace %s", r->label);
		}
	}
	memset(out, 'X', sizeof out);
	printable_copy(out, 0, "abc", NULL, '?');
	ok(out[0] == 'X', "outsz 0 writes nothing");
	ok(printable_inplace(NULL, NULL, '?') == NULL, "inplace NULL is a no-op");
}

int main(void)
{
	test_char();
	test_copy();
	return tap_done();
}
