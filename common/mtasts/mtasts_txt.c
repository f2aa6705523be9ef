/*
 * mtasts_txt - parse and select the _mta-sts TXT record (RFC 8461 3.1).
 *
 * Grammar (RFC 7405 %s = case-sensitive):
 *   record   = %s"v=STSv1" 1*(sep field) [sep]
 *   sep      = *WSP ";" *WSP
 *   field    = %s"id=" 1*32(ALPHA / DIGIT) / ext-name "=" ext-value
 *   ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
 */
#include <string.h>

#include "mtasts/mtasts_txt.h"

#define STS_VERSION "v=STSv1"
#define STS_VERSION_LEN 7

static int is_wsp(char c) { return c == ' ' || c == '\t'; }
static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
static int is_ext_value(unsigned char c) { return c >= 0x21 && c <= 0x7e && c != ';' && c != '='; }

/* mtasts_txt_is_sts - starts with v=STSv1 and then a separator or the end */
int mtasts_txt_is_sts(const char *rec, size_t len)
{
	if (len < STS_VERSION_LEN || memcmp(rec, STS_VERSION, STS_VERSION_LEN) != 0)
		return 0;
	return len == STS_VERSION_LEN || rec[STS_VERSION_LEN] == ';' || is_wsp(rec[STS_VERSION_LEN]);
}

/* skip_sep - at p (< end) expect *WSP ";" *WSP; return the position after it or NULL */
static const char *skip_sep(const char *p, const char *end)
{
	while (p < end && is_wsp(*p))
		p++;
	if (p == end || *p != ';')
		return NULL;
	p++;
	while (p < end && is_wsp(*p))
		p++;
	return p;
}

/* mtasts_txt_parse - one record, strictly */
int mtasts_txt_parse(const char *rec, size_t len, struct mtasts_txt *out, const char **err)
{
	const char *p = rec, *end = rec + len, *name, *val;
	size_t nlen, vlen;
	int nfields = 0, have_id = 0;

	memset(out, 0, sizeof(*out));
	if (len < STS_VERSION_LEN || memcmp(rec, STS_VERSION, STS_VERSION_LEN) != 0) {
		*err = "record does not start with v=STSv1";
		return -1;
	}
	p += STS_VERSION_LEN;
	for (;;) {
		const char *q;

		q = p;
		while (q < end && is_wsp(*q))
			q++;
		if (q == end)           /* trailing blanks: harmless, accepted */
			break;
		q = skip_sep(p, end);
		if (!q) {
			*err = nfields ? "expected ';' between fields" : "expected ';' after v=STSv1";
			return -1;
		}
		p = q;
		if (p == end)           /* trailing separator */
			break;
		name = p;
		while (p < end && *p != '=' && *p != ';' && !is_wsp(*p))
			p++;
		nlen = (size_t)(p - name);
		if (p == end || *p != '=') {
			*err = "field without '='";
			return -1;
		}
		p++;
		val = p;
		while (p < end && *p != ';' && !is_wsp(*p))
			p++;
		vlen = (size_t)(p - val);
		if (nlen == 2 && memcmp(name, "id", 2) == 0) {
			size_t i;

			if (have_id) {
				*err = "more than one id";
				return -1;
			}
			if (vlen == 0 || vlen > MTASTS_ID_MAX) {
				*err = "id is not 1 to 32 letters and digits";
				return -1;
			}
			for (i = 0; i < vlen; i++)
				if (!is_alnum(val[i])) {
					*err = "id is not 1 to 32 letters and digits";
					return -1;
				}
			memcpy(out->id, val, vlen);
			out->id[vlen] = '\0';
			have_id = 1;
		} else {
			size_t i;

			if (nlen == 0 || nlen > 32 || !is_alnum(name[0])) {
				*err = "invalid extension name";
				return -1;
			}
			for (i = 1; i < nlen; i++)
				if (!is_alnum(name[i]) && name[i] != '_' && name[i] != '-' && name[i] != '.') {
					*err = "invalid extension name";
					return -1;
				}
			if (vlen == 0) {
				*err = "empty extension value";
				return -1;
			}
			for (i = 0; i < vlen; i++)
				if (!is_ext_value((unsigned char)val[i])) {
					*err = "invalid character in extension value";
					return -1;
				}
		}
		nfields++;
	}
	if (!have_id) {
		memset(out, 0, sizeof(*out));
		*err = "no id";
		return -1;
	}
	return 0;
}

/* mtasts_txt_select - exactly one v=STSv1 record, and valid */
int mtasts_txt_select(const char *const *recs, const size_t *lens, size_t n,
    struct mtasts_txt *out, const char **err)
{
	size_t i, found = 0, which = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++)
		if (recs[i] && mtasts_txt_is_sts(recs[i], lens[i])) {
			found++;
			which = i;
		}
	if (found == 0) {
		*err = "no v=STSv1 TXT record";
		return MTASTS_TXT_NONE;
	}
	if (found > 1) {
		*err = "more than one v=STSv1 TXT record";
		return MTASTS_TXT_INVALID;
	}
	if (mtasts_txt_parse(recs[which], lens[which], out, err) != 0)
		return MTASTS_TXT_INVALID;
	return MTASTS_TXT_FOUND;
}
