/*
 * reply - SMTP reply templates: parse and validate at config load, expand per
 * decision, sanitise for the SMTP client and for smfi_setreply().
 *
 * A template is checked once, when the config is loaded, and kept as a list
 * of segments (literal text or a variable), so expansion per decision is a
 * bounded copy with no parsing.  Templates are immutable after parse: many
 * threads may expand the same one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/printable.h"
#include "policy/reply.h"

enum reply_var {
	RV_DOMAIN, RV_REASON, RV_TLS_VERSION, RV_CIPHER_BITS,
	RV_CLIENT, RV_SENDER, RV_RECIPIENT, RV_RULE
};

static const char *const reply_var_names[] = {
	"domain", "reason", "tls_version", "cipher_bits",
	"client", "sender", "recipient", "rule"
};

#define REPLY_NVARS (sizeof reply_var_names / sizeof reply_var_names[0])

struct reply_seg {
	int var;                    /* enum reply_var, or -1 for literal text */
	size_t off, len;            /* literal: lit[off .. off+len) */
};

struct reply_tpl {
	char rcode[4];
	char xcode[16];
	char *lit;                  /* literal text, "%%" already collapsed */
	struct reply_seg *seg;
	size_t nseg;
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void set_err(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* set_err - write the parse error */
static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (errsz > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
}

/* xcode_part - 1..3 digits without a leading zero (RFC 3463); length or 0 */
static size_t xcode_part(const char *s)
{
	size_t n = 0;

	while (n < 3 && is_digit(s[n]))
		n++;
	if (n == 0 || is_digit(s[n]) || (n > 1 && s[0] == '0'))
		return 0;
	return n;
}

/*
 * parse_codes - check "CODE X.Y.Z " and copy the codes into t.  Returns the
 * offset of the text, or 0 with err set.
 */
static size_t parse_codes(const char *s, struct reply_tpl *t, char *err, size_t errsz)
{
	size_t i = 4, n;

	if (!is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || s[3] != ' ') {
		set_err(err, errsz, "reply must start with a 3-digit code and a space, as in \"550 5.7.10 text\"");
		return 0;
	}
	memcpy(t->rcode, s, 3);
	t->rcode[3] = '\0';
	if (s[0] != '4' && s[0] != '5') {
		set_err(err, errsz, "reply code must be 4xx or 5xx, not %s", t->rcode);
		return 0;
	}
	if (s[1] > '5') {
		set_err(err, errsz, "reply code %s: second digit must be 0-5", t->rcode);
		return 0;
	}
	if (!is_digit(s[i]) || s[i + 1] != '.') {
		set_err(err, errsz, "enhanced status code must be class.subject.detail, as in 5.7.10");
		return 0;
	}
	if (s[i] != s[0]) {
		set_err(err, errsz, "enhanced code class %c does not match reply code %s", s[i], t->rcode);
		return 0;
	}
	i += 2;
	if ((n = xcode_part(s + i)) == 0 || s[i + n] != '.') {
		set_err(err, errsz, "enhanced code subject must be 0-999 without leading zeros, as in 5.7.10");
		return 0;
	}
	i += n + 1;
	if ((n = xcode_part(s + i)) == 0 || (s[i + n] != ' ' && s[i + n] != '\0')) {
		set_err(err, errsz, "enhanced code detail must be 0-999 without leading zeros, as in 5.7.10");
		return 0;
	}
	i += n;
	memcpy(t->xcode, s + 4, i - 4);         /* at most "5.999.999": fits */
	t->xcode[i - 4] = '\0';
	if (s[i] != ' ' || s[i + 1] == '\0') {
		set_err(err, errsz, "reply text is missing after %s %s", t->rcode, t->xcode);
		return 0;
	}
	return i + 1;
}

/* add_seg - append a segment; seg has room for one per text byte */
static void add_seg(struct reply_tpl *t, int var, size_t off, size_t len)
{
	struct reply_seg *g;

	/* Merge adjacent literals ("a%%b" is one segment). */
	if (var < 0 && t->nseg > 0 && t->seg[t->nseg - 1].var < 0) {
		t->seg[t->nseg - 1].len += len;
		return;
	}
	g = &t->seg[t->nseg++];
	g->var = var;
	g->off = off;
	g->len = len;
}

/* parse_text - split text (starting at s + start) into segments */
static int parse_text(const char *s, size_t start, struct reply_tpl *t, char *err, size_t errsz)
{
	size_t i, j, k, n, nlit = 0;

	/* First, so error messages below only ever quote printable text. */
	for (i = start; s[i] != '\0'; i++) {
		if (!printable_char((unsigned char)s[i])) {
			set_err(err, errsz, "reply text has a non-printable byte 0x%02x at offset %zu",
				(unsigned char)s[i], i);
			return -1;
		}
	}
	for (i = start; s[i] != '\0'; i++) {
		if (s[i] != '%') {
			t->lit[nlit] = s[i];
			add_seg(t, -1, nlit++, 1);
		} else if (s[i + 1] == '%') {
			t->lit[nlit] = '%';
			add_seg(t, -1, nlit++, 1);
			i++;
		} else if (s[i + 1] == '{') {
			for (j = i + 2; s[j] != '\0' && s[j] != '}'; j++)
				;
			if (s[j] != '}') {
				set_err(err, errsz, "unterminated %%{ at offset %zu", i);
				return -1;
			}
			for (k = 0; k < REPLY_NVARS; k++)
				if (strlen(reply_var_names[k]) == j - i - 2
				    && memcmp(reply_var_names[k], s + i + 2, j - i - 2) == 0)
					break;
			if (k == REPLY_NVARS) {
				n = j - i - 2;
				set_err(err, errsz, "unknown variable %%{%.*s%s}",
					(int)(n > 40 ? 40 : n), s + i + 2, n > 40 ? "..." : "");
				return -1;
			}
			add_seg(t, (int)k, 0, 0);
			i = j;
		} else {
			set_err(err, errsz, "stray '%%' at offset %zu (write %%%% for a percent sign)", i);
			return -1;
		}
	}
	return 0;
}

/* reply_tpl_parse - validate and pre-split "CODE X.Y.Z text" */
struct reply_tpl *reply_tpl_parse(const char *s, char *err, size_t errsz)
{
	struct reply_tpl *t;
	size_t start, len;

	if (errsz > 0)
		err[0] = '\0';
	if (s == NULL || *s == '\0') {
		set_err(err, errsz, "reply is empty");
		return NULL;
	}
	if ((t = calloc(1, sizeof *t)) == NULL) {
		set_err(err, errsz, "out of memory");
		return NULL;
	}
	if ((start = parse_codes(s, t, err, errsz)) == 0)
		goto bad;
	if ((len = strlen(s + start)) > REPLY_TEXT_MAX) {
		set_err(err, errsz, "reply text is %zu bytes, at most %d allowed", len, REPLY_TEXT_MAX);
		goto bad;
	}
	/* At most one segment and one literal byte per text byte. */
	t->lit = malloc(len + 1);
	t->seg = calloc(len + 1, sizeof *t->seg);
	if (t->lit == NULL || t->seg == NULL) {
		set_err(err, errsz, "out of memory");
		goto bad;
	}
	if (parse_text(s, start, t, err, errsz) < 0)
		goto bad;
	return t;
bad:
	reply_tpl_free(t);
	return NULL;
}

/* reply_tpl_free - NULL is a no-op */
void reply_tpl_free(struct reply_tpl *t)
{
	if (t == NULL)
		return;
	free(t->lit);
	free(t->seg);
	free(t);
}

/* reply_tpl_class - '4' (tempfail) or '5' (reject) */
char reply_tpl_class(const struct reply_tpl *t)
{
	return t->rcode[0];
}

/* var_value - the value of variable k in v, "" for NULL */
static const char *var_value(const struct reply_vars *v, int k)
{
	const char *s = NULL;

	if (v != NULL) {
		switch (k) {
		case RV_DOMAIN: s = v->domain; break;
		case RV_REASON: s = v->reason; break;
		case RV_TLS_VERSION: s = v->tls_version; break;
		case RV_CIPHER_BITS: s = v->cipher_bits; break;
		case RV_CLIENT: s = v->client; break;
		case RV_SENDER: s = v->sender; break;
		case RV_RECIPIENT: s = v->recipient; break;
		case RV_RULE: s = v->rule; break;
		}
	}
	return s != NULL ? s : "";
}

/* reply_tpl_expand - substitute, sanitise, bound */
void reply_tpl_expand(const struct reply_tpl *t, const struct reply_vars *v, struct reply *out)
{
	const struct reply_seg *g;
	size_t i, n, o = 0;

	memcpy(out->rcode, t->rcode, sizeof out->rcode);
	memcpy(out->xcode, t->xcode, sizeof out->xcode);
	for (i = 0; i < t->nseg && o < REPLY_TEXT_MAX; i++) {
		g = &t->seg[i];
		if (g->var < 0) {
			/* literal text was checked printable at parse time */
			n = g->len < REPLY_TEXT_MAX - o ? g->len : REPLY_TEXT_MAX - o;
			memcpy(out->text + o, t->lit + g->off, n);
			o += n;
			continue;
		}
		/* values come from the SMTP client: never let CR/LF/NUL through */
		printable_copy(out->text + o, REPLY_TEXT_MAX + 1 - o, var_value(v, g->var), NULL, '?');
		o += strlen(out->text + o);
	}
	out->text[o] = '\0';
}

/* reply_escape_percent - double '%' for smfi_setreply; never split a pair */
char *reply_escape_percent(const char *text, char *buf, size_t bufsz)
{
	size_t o = 0;
	char c;

	if (bufsz == 0)
		return buf;
	for (; *text != '\0'; text++) {
		c = printable_char((unsigned char)*text) ? *text : '?';
		if (o + (c == '%' ? 2 : 1) >= bufsz)
			break;
		buf[o++] = c;
		if (c == '%')
			buf[o++] = '%';
	}
	buf[o] = '\0';
	return buf;
}
