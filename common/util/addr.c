/*
 * addr - parse the envelope address argument that an MTA hands to a milter.
 *
 * The MTA has already accepted the SMTP command, so this is not an RFC 5321
 * validator: it must take what Postfix and Sendmail actually pass (brackets
 * or not, odd case, a trailing dot, quoted local parts, source routes,
 * address literals) and find the domain the policy is keyed on.  It must
 * also refuse, with a reason, anything it cannot split safely: the domain
 * decides which TLS rule applies, so a guess could pick the wrong one.
 *
 * The parser works on [p, end) spans of the caller's string and never reads
 * past end; nothing is allocated.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/addr.h"
#include "util/printable.h"

/* addr_fail - set the reason and report failure */
static int addr_fail(const char **err, const char *why)
{
	*err = why;
	return -1;
}

/*
 * addr_route - check a source route "@a.example,@b.example" in [p, end).
 * The route is dropped, but a malformed one means we misread the argument.
 */
static int addr_route(const char *p, const char *end, const char **err)
{
	char tmp[DOMAIN_MAX + 1];

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;

		if (*p != '@' || domain_normalize(p + 1, (size_t)(e - p - 1), tmp, sizeof(tmp), err) < 0)
			return addr_fail(err, "bad source route");
		p = comma ? comma + 1 : end;
		if (comma && p == end)
			return addr_fail(err, "bad source route");
	}
	return 0;
}

/*
 * addr_literal - validate "[192.0.2.1]" or "[IPv6:2001:db8::1]" in
 * [p, end) and store it, lower-cased, brackets kept, in out->domain.
 */
static int addr_literal(const char *p, const char *end, struct addr *out, const char **err)
{
	size_t len = (size_t)(end - p), i;
	char body[64];
	unsigned char bin[16];
	const char *b;
	size_t blen;

	if (len < 2 || end[-1] != ']' || memchr(p + 1, ']', len - 2) || memchr(p + 1, '[', len - 2))
		return addr_fail(err, "unterminated address literal");
	b = p + 1;
	blen = len - 2;
	if (blen == 0 || blen >= sizeof(body))
		return addr_fail(err, "bad address literal");
	memcpy(body, b, blen);
	body[blen] = 0;
	if (strncasecmp(body, "IPv6:", 5) == 0) {
		if (inet_pton(AF_INET6, body + 5, bin) != 1)
			return addr_fail(err, "bad address literal");
	} else if (inet_pton(AF_INET, body, bin) != 1) {
		return addr_fail(err, "bad address literal");
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		out->domain[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out->domain[len] = 0;
	out->literal = 1;
	return 0;
}

/*
 * addr_local_end - scan the local part starting at p; return the '@' that
 * ends it or end.  Quoted strings (with backslash escapes) may hold '@',
 * '<', '>' and spaces; outside quotes those are errors.  NULL on error.
 */
static const char *addr_local_end(const char *p, const char *end, const char **err)
{
	int inq = 0;

	for (; p < end; p++) {
		if (inq) {
			if (*p == '\\') {
				if (++p == end)
					break;
			} else if (*p == '"') {
				inq = 0;
			}
			continue;
		}
		switch (*p) {
		case '"':
			inq = 1;
			break;
		case '@':
			return p;
		case '<':
			addr_fail(err, "unbalanced '<'");
			return NULL;
		case '>':
			addr_fail(err, "unbalanced '>'");
			return NULL;
		case ' ':
			addr_fail(err, "space outside quotes");
			return NULL;
		}
	}
	if (inq) {
		addr_fail(err, "unbalanced quote");
		return NULL;
	}
	return end;
}

/* addr_split - the body of addr_parse; *out is zeroed, err is not NULL */
static int addr_split(const char *arg, struct addr *out, const char **err)
{
	const char *p, *end, *at, *colon;
	size_t i;

	if (arg == NULL || *arg == 0) {
		out->null = 1;
		return 0;
	}
	/*
	 * CR/LF or other controls would end up in logs and replies.  Bytes
	 * >= 0x80 are allowed here (SMTPUTF8 local parts); printable() replaces
	 * them only when the address is shown.
	 */
	for (i = 0; arg[i]; i++)
		if (!printable_char((unsigned char)arg[i]) && (unsigned char)arg[i] < 0x80)
			return addr_fail(err, "control character in address");
	p = arg;
	end = arg + i;
	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	if (p < end && *p == '<') {
		if (end - p < 2 || end[-1] != '>')
			return addr_fail(err, "unbalanced '<'");
		p++;
		end--;
	}
	if (p == end) {
		out->null = 1;
		return 0;
	}
	/* Source route "@r1,@r2:mailbox": RFC 5321 says ignore it. */
	if (*p == '@') {
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon == NULL || addr_route(p, colon, err) < 0)
			return addr_fail(err, "bad source route");
		p = colon + 1;
		if (p == end)
			return addr_fail(err, "empty address after source route");
	}
	if ((at = addr_local_end(p, end, err)) == NULL)
		return -1;
	if (at == p)
		return addr_fail(err, "empty local part");
	if ((size_t)(at - p) > ADDR_LOCAL_MAX)
		return addr_fail(err, "local part longer than 256 bytes");
	memcpy(out->local, p, (size_t)(at - p));
	out->local[at - p] = 0;
	out->quoted = (at - p >= 2 && *p == '"' && at[-1] == '"');
	if (at == end)
		return 0;                       /* "postmaster": no domain */
	p = at + 1;
	if (p == end)
		return addr_fail(err, "empty domain");
	if (*p == '[')
		return addr_literal(p, end, out, err);
	/* "a@b>" without '<': name the real fault, not "invalid character". */
	if (memchr(p, '>', (size_t)(end - p)))
		return addr_fail(err, "unbalanced '>'");
	if (memchr(p, '<', (size_t)(end - p)))
		return addr_fail(err, "unbalanced '<'");
	return domain_normalize(p, (size_t)(end - p), out->domain, sizeof(out->domain), err);
}

/* addr_parse - split an MTA envelope argument into local part and domain */
int addr_parse(const char *arg, struct addr *out, const char **err)
{
	const char *dummy;

	if (err == NULL)
		err = &dummy;
	*err = NULL;
	memset(out, 0, sizeof(*out));
	if (addr_split(arg, out, err) < 0) {
		/* *out is documented as initialised: never leave it half filled. */
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

/* addr_format - "local@domain", or "local" with no domain, or "" for null */
int addr_format(const struct addr *a, char *buf, size_t bufsz)
{
	/* on every recipient's path: lengths and memcpy, not snprintf */
	size_t ll = a->null ? 0 : strlen(a->local), dl = a->null ? 0 : strlen(a->domain);
	size_t n = ll + (dl ? 1 + dl : 0);

	if (bufsz == 0)
		return -1;
	if (n >= bufsz) {
		buf[0] = 0;
		return -1;
	}
	memcpy(buf, a->local, ll);
	if (dl) {
		buf[ll] = '@';
		memcpy(buf + ll + 1, a->domain, dl);
	}
	buf[n] = 0;
	return (int)n;
}
