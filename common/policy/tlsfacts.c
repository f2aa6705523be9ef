/*
 * tlsfacts - turn the MTA's milter macros into struct tls_facts.
 *
 * The one place that knows how Postfix and Sendmail spell TLS state
 * (SPEC section 2).  Everything downstream (profile_check, logging, replies)
 * sees only struct tls_facts, already sanitised to printable ASCII.
 * Pure functions of their arguments: safe from any thread.
 */
#include <string.h>
#include <strings.h>
#include <stdio.h>

#include "util/printable.h"
#include "policy/tlsfacts.h"
#include "policy/profile.h"

/* version_number - 1..99 without a leading zero at *s; its value and length in *len, else -1 */
static int version_number(const char *s, size_t *len)
{
	size_t n = 0;
	int v = 0;

	while (n < 3 && s[n] >= '0' && s[n] <= '9')
		v = v * 10 + (s[n++] - '0');
	if (n == 0 || n > 2 || (n == 2 && s[0] == '0'))
		return -1;
	*len = n;
	return v;
}

/* tls_version_parse - "SSLv3", "TLSvX", "TLSvX.Y" to a number */
int tls_version_parse(const char *s, enum tls_version *v)
{
	int major, minor = 0;
	size_t n;

	if (s == NULL)
		return -1;
	if (strcasecmp(s, "SSLv3") == 0) {
		*v = TLS_V_SSL3;
		return 0;
	}
	if (strncasecmp(s, "TLSv", 4) != 0)
		return -1;
	s += 4;
	if ((major = version_number(s, &n)) < 1)
		return -1;
	s += n;
	if (*s == '.') {
		if ((minor = version_number(s + 1, &n)) < 0)
			return -1;
		s += 1 + n;
	}
	if (*s != '\0')
		return -1;
	*v = TLS_V(major, minor);
	return 0;
}

/* tls_version_name - number to canonical name */
const char *tls_version_name(enum tls_version v, char *buf, size_t bufsz)
{
	int n = (int)v;

	if (n == TLS_V_NONE)
		snprintf(buf, bufsz, "none");
	else if (n == TLS_V_SSL3)
		snprintf(buf, bufsz, "SSLv3");
	else if (n == TLS_V_1_0)
		snprintf(buf, bufsz, "TLSv1");
	else if (n >= TLS_V_1_0 && n <= TLS_V_MAX)
		snprintf(buf, bufsz, "TLSv%d.%d", n / 100, n % 100);
	else
		snprintf(buf, bufsz, "unknown");
	return buf;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* copy_sane - copy src (NULL = "") as printable ASCII, truncating to dstsz */
static void copy_sane(char *dst, size_t dstsz, const char *src)
{
	printable_copy(dst, dstsz, src, NULL, '?');
}

/* xtext_decode - RFC 3461 xtext to printable ASCII */
int xtext_decode(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	int hi, lo;
	unsigned char c;

	if (outsz == 0)
		return -1;
	for (; *in != '\0'; in++) {
		c = (unsigned char)*in;
		if (c == '+') {
			/* in[1] == '\0' stops the second read: hexval('\0') < 0 */
			if ((hi = hexval((unsigned char)in[1])) < 0
			    || (lo = hexval((unsigned char)in[2])) < 0) {
				out[o] = '\0';
				return -1;
			}
			c = (unsigned char)(hi << 4 | lo);
			in += 2;
		}
		if (o + 1 >= outsz) {
			out[o] = '\0';
			return -1;
		}
		out[o++] = printable_char(c) ? (char)c : '?';
	}
	out[o] = '\0';
	return 0;
}

/* parse_bits - {cipher_bits}: decimal 0..100000, else -1 */
static int parse_bits(const char *s)
{
	long n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
		if (n > 100000)
			return -1;
	}
	return (int)n;
}

/* verify_ok - Sendmail's {verify} values that mean "verified" */
static int verify_ok(const char *v)
{
	return v != NULL && (strcasecmp(v, "OK") == 0 || strcasecmp(v, "TRUSTED") == 0);
}

/* last_cn - value of the last "/CN=" component of a slash-form DN, or NULL */
static const char *last_cn(const char *dn, size_t *len)
{
	const char *p, *cn = NULL;

	for (p = dn; *p != '\0'; p++)
		if (strncasecmp(p, "/CN=", 4) == 0)
			cn = p + 4;
	if (cn == NULL)
		return NULL;
	*len = strcspn(cn, "/");
	return cn;
}

/*
 * dn_fields - Sendmail style: xtext-decode the DN into dn (raw, sanitised,
 * when the xtext is malformed) and extract its last CN into cn.
 */
static void dn_fields(const char *raw, char *dn, char *cn, size_t sz)
{
	const char *p;
	size_t len;

	if (raw == NULL) {
		dn[0] = cn[0] = '\0';
		return;
	}
	if (xtext_decode(raw, dn, sz) < 0)
		copy_sane(dn, sz, raw);
	cn[0] = '\0';
	if ((p = last_cn(dn, &len)) != NULL) {
		/* dn and cn have the same size, so len < sz */
		memcpy(cn, p, len);
		cn[len] = '\0';
	}
}

/* detect_mta - "v" says Postfix; {verify} or a bare version says Sendmail */
static enum tls_mta detect_mta(const char *v, const char *verify)
{
	if (v != NULL && strncmp(v, "Postfix", 7) == 0)
		return TLS_MTA_POSTFIX;
	if (verify != NULL || (v != NULL && *v != '\0'))
		return TLS_MTA_SENDMAIL;
	return TLS_MTA_AUTO;
}

/* collect_cert - certificate fields of an encrypted session */
static void collect_cert(struct tls_facts *f, const char *subj, const char *iss,
			 const char *verify)
{
	int dn_style;

	f->verify_known = verify != NULL;
	copy_sane(f->verify, sizeof f->verify, verify);

	/* Unknown MTA: the subject's shape says how to read it. */
	dn_style = f->mta == TLS_MTA_SENDMAIL
	    || (f->mta == TLS_MTA_AUTO && subj != NULL && strstr(subj, "/CN=") != NULL);
	if (dn_style) {
		dn_fields(subj, f->subject, f->subject_cn, sizeof f->subject);
		dn_fields(iss, f->issuer, f->issuer_cn, sizeof f->issuer);
	} else {
		copy_sane(f->subject, sizeof f->subject, subj);
		copy_sane(f->subject_cn, sizeof f->subject_cn, subj);
		copy_sane(f->issuer, sizeof f->issuer, iss);
		copy_sane(f->issuer_cn, sizeof f->issuer_cn, iss);
	}

	if (f->mta == TLS_MTA_POSTFIX) {
		/* Postfix sends {cert_subject} only for a trusted certificate. */
		f->cert_present = f->cert_verified = subj != NULL;
		return;
	}
	/*
	 * Sendmail, or unknown: only {verify} proves a certificate; an
	 * unknown MTA's subject alone proves nothing.  OK/TRUSTED also
	 * means one was presented, even if its subject DN is empty.
	 */
	f->cert_verified = verify_ok(verify);
	f->cert_present = f->subject[0] != '\0' || f->cert_verified;
}

/* tlsfacts_collect - fill *f from the session's macros */
void tlsfacts_collect(struct tls_facts *f, enum tls_mta mta, tlsfacts_get_fn get, void *arg)
{
	const char *version, *cipher, *verify, *fp, *auth;

	memset(f, 0, sizeof *f);
	f->cipher_bits = -1;
	verify = get(arg, "{verify}");
	f->mta = mta != TLS_MTA_AUTO ? mta : detect_mta(get(arg, "v"), verify);

	/* AUTH without TLS is a policy of its own, so this is kept on plaintext. */
	auth = get(arg, "{auth_type}");
	copy_sane(f->auth_type, sizeof f->auth_type, auth);
	f->authenticated = f->auth_type[0] != '\0';

	version = get(arg, "{tls_version}");
	cipher = get(arg, "{cipher}");
	f->encrypted = (version != NULL && *version != '\0') || (cipher != NULL && *cipher != '\0');
	if (!f->encrypted)
		return;                 /* nothing else a plaintext session can claim */

	copy_sane(f->version_raw, sizeof f->version_raw, version);
	if (tls_version_parse(version, &f->version) < 0)
		f->version = TLS_V_NONE;
	copy_sane(f->cipher, sizeof f->cipher, cipher);
	f->cipher_bits = parse_bits(get(arg, "{cipher_bits}"));

	collect_cert(f, get(arg, "{cert_subject}"), get(arg, "{cert_issuer}"), verify);

	if ((fp = get(arg, "{cert_fp}")) == NULL)
		fp = get(arg, "{cert_md5}");
	if (fp == NULL || profile_fingerprint_normalize(fp, f->fingerprint, sizeof f->fingerprint) < 0)
		f->fingerprint[0] = '\0';
}

/* tlsfacts_render - the one text form of the facts */
void tlsfacts_render(const struct tls_facts *f, struct tlsfacts_text *t)
{
	if (!f->encrypted) {
		snprintf(t->version, sizeof t->version, "none");
		snprintf(t->bits, sizeof t->bits, "none");
		snprintf(t->cert, sizeof t->cert, "none");
		return;
	}
	if (f->version != TLS_V_NONE)
		tls_version_name(f->version, t->version, sizeof t->version);
	else if (f->version_raw[0] != '\0')
		printable_copy(t->version, sizeof t->version, f->version_raw, NULL, '?');
	else
		snprintf(t->version, sizeof t->version, "unknown");
	if (f->cipher_bits >= 0)
		snprintf(t->bits, sizeof t->bits, "%d", f->cipher_bits);
	else
		snprintf(t->bits, sizeof t->bits, "unknown");
	snprintf(t->cert, sizeof t->cert, "%s",
		 f->cert_verified ? "verified" : f->cert_present ? "unverified" : "none");
}

/* tlsfacts_describe - one short token for -q */
void tlsfacts_describe(const struct tls_facts *f, char *buf, size_t bufsz)
{
	struct tlsfacts_text t;

	if (bufsz == 0)
		return;
	tlsfacts_render(f, &t);
	if (!f->encrypted)
		snprintf(buf, bufsz, "none");
	else
		snprintf(buf, bufsz, "%s/%s cert=%s", t.version, t.bits, t.cert);
}
