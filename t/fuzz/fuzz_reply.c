/*
 * fuzz_reply - SMTP reply templates (policy/reply): parse, expand with
 * values that come from strangers (domain, sender, client...), escape for
 * smfi_setreply().
 *
 * Input: the template, then the eight variable values (domain, reason,
 * tls_version, cipher_bits, client, sender, recipient, rule), separated by
 * NUL bytes; missing values are NULL.
 *
 * Properties: a parse error has a printable reason; a parsed template began
 * with a 4xx/5xx code whose class is its first digit and had no CR, LF or
 * other control byte; the expanded reply keeps the template's codes, is
 * printable (so never CR or LF), at most REPLY_TEXT_MAX bytes, and the whole
 * line fits SMTP's 512 bytes; a template without variables expands to its
 * text with "%%" collapsed; the smfi_setreply form has every '%' doubled
 * (no unescaped '%') and un-escapes to the reply text.
 */
#include "fuzz.h"
#include "policy/reply.h"

#define NVARS 8

/* expected_plain - the text part of template s with "%%" collapsed, if it has no %{var} */
static int expected_plain(const char *s, char *out, size_t outsz)
{
	const char *t = s + 4;      /* past "550 " */
	size_t o = 0;

	t = strchr(t, ' ');         /* past the enhanced code */
	if (t == NULL)
		return -1;
	for (t++; *t; t++) {
		if (*t == '%') {
			if (t[1] != '%')
				return -1;  /* a variable */
			t++;
		}
		if (o + 1 >= outsz)
			return -1;
		out[o++] = *t;
	}
	out[o] = '\0';
	return 0;
}

static void check_escaped(const char *text, const char *esc)
{
	char un[REPLY_TEXT_MAX + 1];
	size_t o = 0;
	const char *p;

	for (p = esc; *p; p++) {
		FUZZ_ASSERT(*p != '\r' && *p != '\n', "CR/LF in the smfi_setreply text");
		if (*p == '%') {
			FUZZ_ASSERT(p[1] == '%', "unescaped '%%' at offset %zu of '%s'", (size_t)(p - esc), esc);
			p++;
		}
		FUZZ_ASSERT(o < sizeof un - 1, "escaped text un-escapes to more than the text");
		un[o++] = *p;
	}
	un[o] = '\0';
	FUZZ_ASSERT(strcmp(un, text) == 0, "un-escaped '%s' is not the text '%s'", un, text);
}

static void check_expand(const struct reply_tpl *t, const char *src, const struct reply_vars *v)
{
	struct reply r;
	char esc[2 * REPLY_TEXT_MAX + 1], plain[REPLY_TEXT_MAX + 1], line[600];

	memset(&r, 'X', sizeof r);
	reply_tpl_expand(t, v, &r);
	FUZZ_ASSERT(fuzz_terminated(r.rcode, sizeof r.rcode) && fuzz_terminated(r.xcode, sizeof r.xcode)
	    && fuzz_terminated(r.text, sizeof r.text), "reply field not terminated");
	FUZZ_ASSERT(strncmp(r.rcode, src, 3) == 0 && strlen(r.rcode) == 3, "rcode '%s'", r.rcode);
	FUZZ_ASSERT(strncmp(r.xcode, src + 4, strlen(r.xcode)) == 0 && src[4 + strlen(r.xcode)] == ' ',
	    "xcode '%s' is not the template's", r.xcode);
	FUZZ_ASSERT(strchr(r.text, '\r') == NULL && strchr(r.text, '\n') == NULL, "CR/LF in reply text");
	FUZZ_ASSERT(fuzz_printable(r.text), "reply text not printable: '%s'", r.text);
	FUZZ_ASSERT(strlen(r.text) <= REPLY_TEXT_MAX, "reply text %zu bytes", strlen(r.text));
	FUZZ_ASSERT((size_t)snprintf(line, sizeof line, "%s %s %s\r\n", r.rcode, r.xcode, r.text) <= 512,
	    "reply line longer than 512 bytes");
	if (expected_plain(src, plain, sizeof plain) == 0)
		FUZZ_ASSERT(strcmp(plain, r.text) == 0, "template without variables expanded to '%s', not '%s'",
		    r.text, plain);

	reply_escape_percent(r.text, esc, sizeof esc);
	check_escaped(r.text, esc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply_tpl *t;
	struct reply_vars v = { 0 };
	const char **slot[NVARS] = { &v.domain, &v.reason, &v.tls_version, &v.cipher_bits,
		&v.client, &v.sender, &v.recipient, &v.rule };
	char err[256], *buf, *tpl;
	const char *end;
	size_t i;

	FUZZ_PLANT(data, size);
	buf = malloc(size + 1);
	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	end = buf + size;
	tpl = buf;
	{
		char *p = buf + strlen(buf);

		for (i = 0; i < NVARS && p < end; i++) {
			*slot[i] = p + 1;
			p += 1 + strlen(p + 1);
		}
	}

	memset(err, 'X', sizeof err);
	t = reply_tpl_parse(tpl, err, sizeof err);
	if (t == NULL) {
		FUZZ_ASSERT(fuzz_terminated(err, sizeof err) && err[0] != '\0', "parse failed without a reason");
		FUZZ_ASSERT(fuzz_printable(err), "parse error not printable: '%s'", err);
		free(buf);
		return 0;
	}
	FUZZ_ASSERT(strlen(tpl) >= 10 && (tpl[0] == '4' || tpl[0] == '5'), "accepted '%s'", tpl);
	FUZZ_ASSERT(reply_tpl_class(t) == tpl[0], "class %c of '%s'", reply_tpl_class(t), tpl);
	FUZZ_ASSERT(fuzz_printable(tpl), "accepted a template with a control byte");
	check_expand(t, tpl, &v);
	check_expand(t, tpl, NULL);
	reply_tpl_free(t);
	free(buf);
	return 0;
}
