/*
 * profile - a named TLS requirement and the check of a session against it.
 *
 * profile_check() is the single place that decides whether a session's TLS
 * meets a requirement and says why not, in words a sending admin can act on.
 * It only reads its arguments: safe from any thread on a shared profile.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/printable.h"
#include "policy/cipherex.h"
#include "policy/profile.h"

/* profile_create - zeroed profile; the name is copied */
struct profile *profile_create(const char *name)
{
	struct profile *p;

	if ((p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	if ((p->name = strdup(name != NULL ? name : "")) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

/* profile_free - release p and everything it owns; NULL is a no-op */
void profile_free(struct profile *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nfingerprints && p->fingerprints != NULL; i++)
		free(p->fingerprints[i]);
	free(p->fingerprints);
	for (i = 0; i < p->nexclude_ciphers && p->exclude_ciphers != NULL; i++)
		free(p->exclude_ciphers[i]);
	free(p->exclude_ciphers);
	free(p->subject);
	free(p->issuer);
	free(p->name);
	free(p);
}

static enum profile_fail fail(enum profile_fail e, char *reason, size_t reasonsz,
			      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* fail - format the reason, keep it printable ASCII (it may reach SMTP), return e */
static enum profile_fail fail(enum profile_fail e, char *reason, size_t reasonsz,
			      const char *fmt, ...)
{
	va_list ap;

	if (reasonsz == 0)
		return e;
	va_start(ap, fmt);
	vsnprintf(reason, reasonsz, fmt, ap);
	va_end(ap);
	printable_inplace(reason, NULL, '?');
	return e;
}

/* name_matches - want equals the full name or its CN (never an empty one) */
static int name_matches(const char *want, const char *full, const char *cn)
{
	return (full[0] != '\0' && strcasecmp(want, full) == 0)
	    || (cn[0] != '\0' && strcasecmp(want, cn) == 0);
}

/* check_cert - a verified certificate, then subject, issuer, fingerprint */
static enum profile_fail check_cert(const struct profile *p, const struct tls_facts *f,
				    char *reason, size_t reasonsz)
{
	size_t i;

	/* Postfix shows a certificate only when it trusts it: an untrusted one lands here too. */
	if (!f->cert_present)
		return fail(PROFILE_NO_CERT, reason, reasonsz, f->mta == TLS_MTA_POSTFIX ?
		    "no trusted client certificate" : "no client certificate");
	if (!f->cert_verified) {
		if (f->mta != TLS_MTA_POSTFIX && !f->verify_known)
			return fail(PROFILE_CERT_UNPROVABLE, reason, reasonsz,
				    "client certificate cannot be verified: the MTA did not send {verify}");
		if (f->verify[0] != '\0')
			return fail(PROFILE_CERT_UNVERIFIED, reason, reasonsz,
				    "client certificate not verified (verify=%s)", f->verify);
		return fail(PROFILE_CERT_UNVERIFIED, reason, reasonsz,
			    "client certificate not verified");
	}
	if (p->subject != NULL && !name_matches(p->subject, f->subject, f->subject_cn))
		return fail(PROFILE_SUBJECT, reason, reasonsz,
			    "client certificate subject '%s' does not match '%s'",
			    f->subject_cn[0] != '\0' ? f->subject_cn : f->subject, p->subject);
	if (p->issuer != NULL && !name_matches(p->issuer, f->issuer, f->issuer_cn))
		return fail(PROFILE_ISSUER, reason, reasonsz,
			    "client certificate issuer '%s' does not match '%s'",
			    f->issuer_cn[0] != '\0' ? f->issuer_cn : f->issuer, p->issuer);
	if (p->nfingerprints > 0) {
		if (f->fingerprint[0] == '\0')
			return fail(PROFILE_FINGERPRINT, reason, reasonsz,
				    "no client certificate fingerprint (the MTA did not send {cert_fp})");
		for (i = 0; i < p->nfingerprints; i++)
			if (p->fingerprints[i] != NULL && strcasecmp(p->fingerprints[i], f->fingerprint) == 0)
				return PROFILE_OK;
		return fail(PROFILE_FINGERPRINT, reason, reasonsz,
			    "client certificate fingerprint %s is not an allowed one", f->fingerprint);
	}
	return PROFILE_OK;
}

/*
 * check_cipher - the session's cipher against exclude_ciphers.  A cipher the
 * MTA did not send, or that is not an OpenSSL name (as both MTAs send), cannot
 * be shown not to be excluded: the profile fails closed.
 */
static enum profile_fail check_cipher(const struct profile *p, const struct tls_facts *f,
				      char *reason, size_t reasonsz)
{
	size_t i;

	if (f->cipher[0] == '\0')
		return fail(PROFILE_CIPHER, reason, reasonsz,
			    "cipher unknown (the MTA did not send {cipher}), some ciphers are excluded");
	if (!cipherex_is_name(f->cipher))
		return fail(PROFILE_CIPHER, reason, reasonsz,
			    "cipher unknown ('%.63s' is not an OpenSSL cipher name), some ciphers are excluded",
			    f->cipher);
	for (i = 0; i < p->nexclude_ciphers; i++)
		if (p->exclude_ciphers[i] != NULL && cipherex_match(p->exclude_ciphers[i], f->cipher))
			return fail(PROFILE_CIPHER, reason, reasonsz, "cipher %s is excluded (%s)",
				    f->cipher, p->exclude_ciphers[i]);
	return PROFILE_OK;
}

/* profile_check - first requirement of p that f does not meet */
enum profile_fail profile_check(const struct profile *p, const struct tls_facts *f,
				char *reason, size_t reasonsz)
{
	int need_cert, need_tls;
	char have[TLS_VERSION_NAMESZ], want[TLS_VERSION_NAMESZ];

	if (reasonsz > 0)
		reason[0] = '\0';
	/* A name or fingerprint can only be trusted on a verified certificate. */
	need_cert = p->client_cert || p->subject != NULL || p->issuer != NULL
	    || p->nfingerprints > 0;
	need_tls = p->encrypted || p->min_version != TLS_V_NONE || p->min_bits > 0 || need_cert
	    || p->nexclude_ciphers > 0;
	if (!need_tls)
		return PROFILE_OK;

	if (!f->encrypted)
		return fail(PROFILE_NO_TLS, reason, reasonsz, "session is not encrypted (no STARTTLS)");
	if (p->min_version != TLS_V_NONE) {
		if (f->version == TLS_V_NONE)
			return fail(PROFILE_VERSION, reason, reasonsz, "TLS version unknown, %s required",
				    tls_version_name(p->min_version, want, sizeof want));
		if (f->version < p->min_version)
			return fail(PROFILE_VERSION, reason, reasonsz, "%s is below the required %s",
				    tls_version_name(f->version, have, sizeof have),
				    tls_version_name(p->min_version, want, sizeof want));
	}
	if (p->min_bits > 0) {
		if (f->cipher_bits < 0)
			return fail(PROFILE_BITS, reason, reasonsz,
				    "cipher strength unknown, %d bits required", p->min_bits);
		if (f->cipher_bits < p->min_bits)
			return fail(PROFILE_BITS, reason, reasonsz,
				    "cipher strength %d bits is below the required %d",
				    f->cipher_bits, p->min_bits);
	}
	if (p->nexclude_ciphers > 0) {
		enum profile_fail e = check_cipher(p, f, reason, reasonsz);
		if (e != PROFILE_OK)
			return e;
	}
	return need_cert ? check_cert(p, f, reason, reasonsz) : PROFILE_OK;
}

/* profile_fail_is_cert - certificate failures get 5.7.1, transport ones 5.7.10 */
int profile_fail_is_cert(enum profile_fail e)
{
	switch (e) {
	case PROFILE_NO_CERT:
	case PROFILE_CERT_UNVERIFIED:
	case PROFILE_CERT_UNPROVABLE:
	case PROFILE_SUBJECT:
	case PROFILE_ISSUER:
	case PROFILE_FINGERPRINT:
		return 1;
	case PROFILE_OK:
	case PROFILE_NO_TLS:
	case PROFILE_VERSION:
	case PROFILE_BITS:
	case PROFILE_CIPHER:
		break;
	}
	return 0;
}

/* profile_fail_name - stable log token */
const char *profile_fail_name(enum profile_fail e)
{
	switch (e) {
	case PROFILE_OK: return "ok";
	case PROFILE_NO_TLS: return "no-tls";
	case PROFILE_VERSION: return "version";
	case PROFILE_BITS: return "bits";
	case PROFILE_CIPHER: return "cipher";
	case PROFILE_NO_CERT: return "no-cert";
	case PROFILE_CERT_UNVERIFIED: return "cert-unverified";
	case PROFILE_CERT_UNPROVABLE: return "cert-unprovable";
	case PROFILE_SUBJECT: return "subject";
	case PROFILE_ISSUER: return "issuer";
	case PROFILE_FINGERPRINT: return "fingerprint";
	}
	return "unknown";
}

/*
 * profile_fingerprint_normalize - hex digits, colons ignored wherever they
 * are (MTAs and admins write "AB:CD" and "abcd"), lower-cased.  An odd number
 * of digits is rejected too: it cannot be a digest, so it is a typo.
 */
int profile_fingerprint_normalize(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	char c;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	if (in == NULL)
		return -1;
	for (; *in != '\0'; in++) {
		c = *in;
		if (c == ':')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			break;
		if (o + 1 >= outsz)
			break;
		out[o++] = c;
	}
	if (*in != '\0' || o == 0 || o % 2 != 0) {
		out[0] = '\0';
		return -1;
	}
	out[o] = '\0';
	return 0;
}
