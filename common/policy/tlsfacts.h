/*
 * tlsfacts - what the MTA's milter macros say about the session's TLS.
 *
 * Postfix 3.x and Sendmail 8.17 differ (SPEC section 2):
 *   Postfix:  {cert_subject}/{cert_issuer} are the CN only and are sent only
 *             when the client certificate is trusted; there is no {verify}.
 *   Sendmail: {cert_subject}/{cert_issuer} are full DNs, xtext-encoded
 *             ("+20" = space), present (maybe empty) once TLS is up; the
 *             verification result is {verify} (OK, TRUSTED, NO, FAIL, ...);
 *             {cert_md5} / {cert_fp} carry the fingerprint.
 * No TLS macros means plaintext.
 */
#ifndef TP_TLSFACTS_H
#define TP_TLSFACTS_H

#include <stddef.h>

enum tls_mta { TLS_MTA_AUTO = 0, TLS_MTA_POSTFIX, TLS_MTA_SENDMAIL };

enum tls_version {
	TLS_V_NONE = 0,     /* plaintext, or version not known */
	TLS_V_SSL3,
	TLS_V_1_0,
	TLS_V_1_1,
	TLS_V_1_2,
	TLS_V_1_3
};

/* "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3" (case-insensitive).
 * Returns 0 and *v, or -1 if unknown. */
int tls_version_parse(const char *s, enum tls_version *v);
/* Canonical name ("TLSv1.2"; "none" for TLS_V_NONE).  Static string. */
const char *tls_version_name(enum tls_version v);

#define TLSFACT_STR 256

struct tls_facts {
	enum tls_mta mta;              /* as detected (AUTO = could not tell) */
	int encrypted;                 /* {tls_version} or {cipher} present and non-empty */
	enum tls_version version;      /* TLS_V_NONE if plaintext or unparseable */
	char version_raw[32];          /* {tls_version} as sent (sanitised), "" if absent */
	int cipher_bits;               /* {cipher_bits}, -1 if absent or not a number */
	char cipher[64];               /* {cipher}, sanitised */
	int cert_present;              /* the client presented a certificate (as far as the MTA says) */
	int cert_verified;             /* ... and the MTA verified it (Postfix: subject present; Sendmail: verify OK/TRUSTED) */
	int verify_known;              /* {verify} was sent */
	char verify[16];               /* {verify}, "" if absent */
	char subject[TLSFACT_STR];     /* decoded: Postfix CN, Sendmail DN */
	char subject_cn[TLSFACT_STR];  /* CN (Postfix: same as subject; Sendmail: last CN= of the DN) */
	char issuer[TLSFACT_STR];
	char issuer_cn[TLSFACT_STR];
	char fingerprint[130];         /* lower-case hex, no colons ({cert_fp} or {cert_md5}), "" if none */
	int authenticated;             /* {auth_type} present and non-empty */
	char auth_type[32];
};

/* Returns the macro's value, or NULL when the MTA did not send it. */
typedef const char *(*tlsfacts_get_fn)(void *arg, const char *name);

/*
 * tlsfacts_collect - fill *f from the macros.  mta: TLS_MTA_AUTO detects the
 * MTA from "v" (Postfix sends "Postfix 3.7.x") and {verify} (Sendmail only);
 * otherwise the given MTA is assumed.  Every string is sanitised to printable
 * ASCII (others become '?') and truncated to fit.  Never fails.
 * Macro names asked for: "v", "{tls_version}", "{cipher}", "{cipher_bits}",
 * "{cert_subject}", "{cert_issuer}", "{verify}", "{cert_fp}", "{cert_md5}",
 * "{auth_type}".
 */
void tlsfacts_collect(struct tls_facts *f, enum tls_mta mta, tlsfacts_get_fn get, void *arg);

/*
 * xtext_decode - RFC 3461 xtext: "+XX" (two upper- or lower-case hex digits) is
 * that byte.  Writes a NUL-terminated result; bytes outside printable ASCII are
 * replaced by '?'.  Returns 0, or -1 if malformed ("+" not followed by two hex
 * digits) or out of room (out then holds what fitted).
 */
int xtext_decode(const char *in, char *out, size_t outsz);

/* Short text for logs: "none", or "TLSv1.3/256" plus " cert=verified|unverified|none". */
void tlsfacts_describe(const struct tls_facts *f, char *buf, size_t bufsz);

#endif
