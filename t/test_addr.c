/*
 * test_addr - table tests for addr_parse and addr_format.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/addr.h"

struct row {
	const char *label;
	const char *in;
	int want;                   /* 0 or -1 */
	int null, literal, quoted;  /* on success */
	const char *local, *domain; /* on success */
	const char *err;            /* on failure: exact reason, or NULL for "any" */
};

#define OK(lbl, in, nul, lit, q, loc, dom) {lbl, in, 0, nul, lit, q, loc, dom, NULL}
#define BAD(lbl, in, why) {lbl, in, -1, 0, 0, 0, "", "", why}

static const struct row rows[] = {
	OK("bracketed", "<user@example.com>", 0, 0, 0, "user", "example.com"),
	OK("case and trailing dot", "<User@Example.COM.>", 0, 0, 0, "User", "example.com"),
	OK("no brackets", "user@example.com", 0, 0, 0, "user", "example.com"),
	OK("null sender", "<>", 1, 0, 0, "", ""),
	OK("empty string is null", "", 1, 0, 0, "", ""),
	OK("spaces around null", "  <>  ", 1, 0, 0, "", ""),
	OK("spaces around brackets", "  <a@b.example> ", 0, 0, 0, "a", "b.example"),
	OK("quoted with space", "<\"a b\"@example.com>", 0, 0, 1, "\"a b\"", "example.com"),
	OK("quoted with @", "<\"a@b\"@example.com>", 0, 0, 1, "\"a@b\"", "example.com"),
	OK("quoted with escaped quote", "<\"a\\\"b\"@x.example>", 0, 0, 1, "\"a\\\"b\"", "x.example"),
	OK("quoted with <>", "<\"<a>\"@x.example>", 0, 0, 1, "\"<a>\"", "x.example"),
	OK("quoted empty", "<\"\"@x.example>", 0, 0, 1, "\"\"", "x.example"),
	OK("source route", "<@r1.example,@r2.example:user@example.com>", 0, 0, 0, "user", "example.com"),
	OK("one-hop source route", "<@R1.example:u@x.example>", 0, 0, 0, "u", "x.example"),
	OK("ipv4 literal", "<user@[192.0.2.1]>", 0, 1, 0, "user", "[192.0.2.1]"),
	OK("ipv6 literal", "<user@[IPv6:2001:DB8::1]>", 0, 1, 0, "user", "[ipv6:2001:db8::1]"),
	OK("no domain", "<postmaster>", 0, 0, 0, "postmaster", ""),
	OK("no domain, no brackets", "Postmaster", 0, 0, 0, "Postmaster", ""),
	OK("dotted local, plus", "<first.last+tag@example.com>", 0, 0, 0, "first.last+tag", "example.com"),
	OK("utf-8 local part", "<j\xc3\xb6rg@example.com>", 0, 0, 0, "j\xc3\xb6rg", "example.com"),
	BAD("double open", "<<a@b>", "unbalanced '<'"),
	BAD("no close", "<a@b", "unbalanced '<'"),
	BAD("no open", "a@b>", "unbalanced '>'"),
	BAD("double close", "<a@b.example>>", "unbalanced '>'"),
	BAD("lone <", "<", "unbalanced '<'"),
	BAD("lone >", ">", "unbalanced '>'"),
	BAD("unterminated quote", "\"unterminated@x", "unbalanced quote"),
	BAD("quote ends in backslash", "<\"a\\\">", "unbalanced quote"),
	BAD("empty domain", "<user@>", "empty domain"),
	BAD("empty label", "<a@b..c>", "empty label"),
	BAD("leading hyphen", "<a@-x.example>", "label starts with '-'"),
	BAD("CR LF", "<a\r\n@b>", "control character in address"),
	BAD("tab", "<a@b\t.example>", "control character in address"),
	BAD("DEL", "<a\x7f@b.example>", "control character in address"),
	BAD("empty local", "<@>", "bad source route"),
	BAD("route without colon", "<@r1.example>", "bad source route"),
	BAD("route, bad hop", "<@r1..example:u@x.example>", "bad source route"),
	BAD("route, trailing comma", "<@r1.example,:u@x.example>", "bad source route"),
	BAD("route, nothing after", "<@r1.example:>", "empty address after source route"),
	OK("quoted then atom", "<\"a\".b@x.example>", 0, 0, 0, "\"a\".b", "x.example"),
	BAD("space unquoted", "<a b@example.com>", "space outside quotes"),
	BAD("unterminated literal", "<u@[192.0.2.1>", "unterminated address literal"),
	BAD("literal with junk after", "<u@[192.0.2.1]x>", "unterminated address literal"),
	BAD("literal not an address", "<u@[999.0.2.1]>", "bad address literal"),
	BAD("literal empty", "<u@[]>", "bad address literal"),
	BAD("ipv6 literal without tag", "<u@[2001:db8::1]>", "bad address literal"),
	BAD("two @", "<a@b@c.example>", "invalid character"),
	BAD("domain with quote", "<a@\"b\".example>", "invalid character"),
	BAD("garbage", "<<<>>>", NULL),
	BAD("garbage 2", "@:@", NULL),
	BAD("garbage 3", "\"", "unbalanced quote"),
	BAD("garbage 4", "<\"\\", "unbalanced '<'"),
	BAD("garbage 5", "a@[", "unterminated address literal"),
	BAD("garbage 6", "<a@]>", "invalid character"),
};

/* check_row - parse one row and compare every field */
static void check_row(const struct row *r)
{
	struct addr a;
	const char *err = "unset";
	int rc;

	memset(&a, 'X', sizeof(a));
	rc = addr_parse(r->in, &a, &err);
	is_int(rc, r->want, "%s: return", r->label);
	if (r->want < 0) {
		if (r->err)
			is_str(err, r->err, "%s: reason", r->label);
		else
			ok(err != NULL && *err, "%s: some reason (%s)", r->label, err ? err : "(null)");
	} else {
		ok(err == NULL, "%s: no error", r->label);
	}
	is_int(a.null, r->null, "%s: null", r->label);
	is_int(a.literal, r->literal, "%s: literal", r->label);
	is_int(a.quoted, r->quoted, "%s: quoted", r->label);
	is_str(a.local, r->local, "%s: local", r->label);
	is_str(a.domain, r->domain, "%s: domain", r->label);
}

/* long_local - local parts at and over ADDR_LOCAL_MAX */
static void long_local(void)
{
	char in[ADDR_LOCAL_MAX + 32];
	struct addr a;
	const char *err;
	size_t n;

	for (n = ADDR_LOCAL_MAX; n <= ADDR_LOCAL_MAX + 1; n++) {
		in[0] = '<';
		memset(in + 1, 'l', n);
		strcpy(in + 1 + n, "@x.example>");
		is_int(addr_parse(in, &a, &err), n <= ADDR_LOCAL_MAX ? 0 : -1, "local part of %zu bytes", n);
	}
	is_str(err, "local part longer than 256 bytes", "over-long local part: reason");
	is_str(a.local, "", "over-long local part: *out cleared");
}

/* format_rows - addr_format round trips and the short-buffer case */
static void format_rows(void)
{
	static const struct {
		const char *in, *want;
	} f[] = {
		{"<User@Example.COM.>", "User@example.com"},
		{"<>", ""},
		{"<postmaster>", "postmaster"},
		{"<\"a b\"@example.com>", "\"a b\"@example.com"},
		{"<u@[IPv6:2001:db8::1]>", "u@[ipv6:2001:db8::1]"},
	};
	char buf[600];
	struct addr a;
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		addr_parse(f[i].in, &a, NULL);
		is_int(addr_format(&a, buf, sizeof(buf)), (int)strlen(f[i].want), "format %s: length", f[i].in);
		is_str(buf, f[i].want, "format %s: text", f[i].in);
	}
	addr_parse("<user@example.com>", &a, NULL);
	is_int(addr_format(&a, buf, 17), 16, "format: 16 bytes + NUL fit in 17");
	is_int(addr_format(&a, buf, 16), -1, "format: 16 bytes + NUL do not fit in 16");
}

/* garbage - every printable-ish byte string of length <= 3 over a small
 * alphabet: must not crash (ASan/UBSan), and must keep *out consistent. */
static void garbage(void)
{
	static const char alpha[] = "<>\"@\\[]:,. a";
	char in[4];
	struct addr a;
	size_t n = sizeof(alpha) - 1, i, j, k, bad = 0, count = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			for (k = 0; k <= n; k++) {
				const char *err = NULL;
				int rc;

				in[0] = alpha[i];
				in[1] = alpha[j];
				in[2] = k < n ? alpha[k] : 0;
				in[3] = 0;
				rc = addr_parse(in, &a, &err);
				count++;
				if ((rc < 0 && (err == NULL || a.local[0] || a.domain[0]))
				    || (rc == 0 && (err != NULL || strlen(a.local) > ADDR_LOCAL_MAX)))
					bad++;
			}
	is_int(bad, 0, "garbage: %zu inputs, results consistent", count);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(&rows[i]);
	long_local();
	format_rows();
	garbage();
	return tap_done();
}
