/*
 * domain - normalise and validate DNS domain names used as policy keys.
 *
 * A name is checked and lower-cased in one pass so that every table key and
 * every looked-up name have the same spelling: "Example.COM." and
 * "example.com" must hit the same rule.  Only host names are accepted (LDH
 * plus '_', which real-world names such as "_dmarc" use); IDNs arrive as
 * A-labels ("xn--..."), so any byte outside ASCII is an error.
 */
#include "util/domain.h"

/* domain_label_char - letter, digit, '-' or '_' */
static int domain_label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* domain_lower - ASCII-only tolower (locale-independent) */
static char domain_lower(unsigned char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/*
 * domain_check_copy - validate the name in[0..len) (no leading dot, trailing
 * dot already removed) and copy it lower-cased to out (NUL-terminated).
 * The caller has checked that len + 1 fits in out.
 */
static int domain_check_copy(const char *in, size_t len, char *out, const char **err)
{
	size_t i, label = 0;

	if (len == 0) {
		*err = "empty name";
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0) {
				*err = "empty label";
				return -1;
			}
			if (in[i - 1] == '-') {
				*err = "label ends with '-'";
				return -1;
			}
			label = 0;
		} else if (!domain_label_char(c)) {
			*err = "invalid character";
			return -1;
		} else {
			if (label == 0 && c == '-') {
				*err = "label starts with '-'";
				return -1;
			}
			if (++label > 63) {
				*err = "label longer than 63 bytes";
				return -1;
			}
		}
		out[i] = domain_lower(c);
	}
	/* The loop checked every label but the last for emptiness and a trailing '-'. */
	if (label == 0) {
		*err = "empty label";
		return -1;
	}
	if (in[len - 1] == '-') {
		*err = "label ends with '-'";
		return -1;
	}
	out[len] = 0;
	return 0;
}

/*
 * domain_norm - shared body: lead_dot says whether one leading '.' may be
 * kept.  The whole output (dot included) is held to DOMAIN_MAX: a parent key
 * longer than that could match no valid name anyway.
 */
static int domain_norm(const char *in, size_t len, char *out, size_t outsz,
    const char **err, int lead_dot)
{
	const char *dummy;
	size_t pre = 0;

	if (err == NULL)
		err = &dummy;
	*err = NULL;
	if (out == NULL || outsz == 0 || (in == NULL && len > 0)) {
		*err = "invalid argument";
		return -1;
	}
	out[0] = 0;
	if (lead_dot && len > 0 && in[0] == '.') {
		pre = 1;
		out[0] = '.';
	}
	/* One trailing dot is the absolute form of the same name. */
	if (len > pre && in[len - 1] == '.')
		len--;
	if (len > DOMAIN_MAX) {
		*err = "name longer than 253 bytes";
		out[0] = 0;
		return -1;
	}
	if (len + 1 > outsz) {
		*err = "output buffer too small";
		out[0] = 0;
		return -1;
	}
	if (domain_check_copy(in + pre, len - pre, out + pre, err) < 0) {
		out[0] = 0;
		return -1;
	}
	return 0;
}

/* domain_normalize - validate and canonicalise a host name */
int domain_normalize(const char *in, size_t len, char *out, size_t outsz, const char **err)
{
	return domain_norm(in, len, out, outsz, err, 0);
}

/* domain_key_normalize - as domain_normalize, keeping one leading '.' */
int domain_key_normalize(const char *in, size_t len, char *out, size_t outsz, const char **err)
{
	return domain_norm(in, len, out, outsz, err, 1);
}
