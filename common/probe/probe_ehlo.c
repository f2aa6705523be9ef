/*
 * probe_ehlo - parse SMTP replies and EHLO keywords (see probe_ehlo.h).
 *
 * Reply grammar (RFC 5321 4.2):
 *   Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 *                   Reply-code [ SP textstring ] CRLF
 *   textstring = 1*( %d09 / %d32-126 )
 * and an EHLO reply's lines after the first are
 *   ehlo-line  = ehlo-keyword *( SP ehlo-param )
 *   ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
 */
#include <string.h>
#include <strings.h>

#include "probe/probe_ehlo.h"

static const struct {
	const char *name;
	unsigned bit;
} keywords[] = {
	{"STARTTLS", PROBE_EXT_STARTTLS},
	{"REQUIRETLS", PROBE_EXT_REQUIRETLS},
};

/* text_ok - 1 when every byte of s[0..n) may appear in a textstring */
static int text_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != '\t' && (c < 32 || c > 126))
			return 0;
	}
	return 1;
}

/* keyword_bit - the PROBE_EXT_* bit of the keyword that starts text[0..n) */
static unsigned keyword_bit(const char *text, size_t n)
{
	size_t k = 0, i;

	while (k < n && text[k] != ' ')
		k++;
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].name) == k && strncasecmp(text, keywords[i].name, k) == 0)
			return keywords[i].bit;
	return 0;
}

/* probe_reply_parse - see probe_ehlo.h */
int probe_reply_parse(const char *buf, size_t len, struct probe_reply *r, const char **err)
{
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	*err = NULL;
	for (;;) {
		const char *line = buf + pos, *nl;
		size_t avail = len - pos, n, tlen;
		int code;
		char sep;

		if (pos >= PROBE_REPLY_MAX || r->lines >= PROBE_REPLY_LINES) {
			*err = pos >= PROBE_REPLY_MAX ? "reply longer than 8192 bytes" : "reply of more than 64 lines";
			return -1;
		}
		/* Check what we have of this line before waiting for its end, so
		 * garbage is an error at once, not after a deadline. */
		n = avail < 4 ? avail : 4;
		if (n > 0 && (line[0] < '2' || line[0] > '5'))
			goto badcode;
		if (n > 1 && (line[1] < '0' || line[1] > '5'))
			goto badcode;
		if (n > 2 && (line[2] < '0' || line[2] > '9'))
			goto badcode;
		if (n > 3 && line[3] != '-' && line[3] != ' ' && line[3] != '\r')
			goto badcode;
		nl = memchr(line, '\n', avail > PROBE_LINE_MAX ? PROBE_LINE_MAX : avail);
		if (nl == NULL) {                       /* a partial line: valid so far? */
			if (avail >= PROBE_LINE_MAX) {
				*err = "reply line longer than 512 bytes";
				return -1;
			}
			if (pos + avail > PROBE_REPLY_MAX) {
				*err = "reply longer than 8192 bytes";
				return -1;
			}
			if (avail > 0 && memchr(line, '\r', avail - 1) != NULL) {
				*err = "bare CR in reply";
				return -1;
			}
			if (avail > 4 && !text_ok(line + 4, avail - 4 - (line[avail - 1] == '\r'))) {
				*err = "control or 8-bit character in reply";
				return -1;
			}
			return 0;
		}
		n = (size_t)(nl - line) + 1;            /* line length, LF included */
		if (n < 5)
			goto badcode;
		if (line[n - 2] != '\r') {
			*err = "reply line not ended by CRLF";
			return -1;
		}
		if (pos + n > PROBE_REPLY_MAX) {
			*err = "reply longer than 8192 bytes";
			return -1;
		}
		if (memchr(line, '\r', n - 2) != NULL) {
			*err = "bare CR in reply";
			return -1;
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		sep = line[3];
		tlen = sep == '\r' ? 0 : n - 6;        /* "250\r\n" has no text */
		if (!text_ok(line + 4, tlen)) {
			*err = "control or 8-bit character in reply";
			return -1;
		}
		if (r->lines == 0) {
			r->code = code;
			memcpy(r->text, line + 4, tlen);
			r->text[tlen] = '\0';
		} else {
			if (code != r->code) {
				*err = "reply code changed within a reply";
				return -1;
			}
			r->ext |= keyword_bit(line + 4, tlen);
		}
		r->lines++;
		pos += n;
		if (sep != '-') {
			r->len = pos;
			return 1;
		}
	}
badcode:
	*err = "malformed reply code";
	return -1;
}
