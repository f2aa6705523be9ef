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

/*
 * A protocol version as a number that orders like the protocols do:
 * TLSvX.Y is X * 100 + Y, SSLv3 is below every TLS.  Versions this code
 * has never heard of (TLSv1.4, TLSv2) are still versions and compare by
 * number, so min_version = "TLSv1.2" lets them pass.
 */
enum tls_version {
	TLS_V_NONE = 0,     /* plaintext, or the MTA's text is not a version */
	TLS_V_SSL3 = 30,
	TLS_V_1_0 = 100,
	TLS_V_1_1 = 101,
	TLS_V_1_2 = 102,
	TLS_V_1_3 = 103,
	TLS_V_MAX = 9999    /* TLSv99.99: the range tls_version_parse returns */
};
#define TLS_V(major, minor) ((enum tls_version)((major) * 100 + (minor)))

/*
 * tls_version_parse - "SSLv3", "TLSvX" or "TLSvX.Y" (case-insensitive;
 * X 1..99, Y 0..99, no leading zeros, nothing else around them).
 * Returns 0 and *v, or -1 (*v untouched) for anything that is not a version.
 */
int tls_version_parse(const char *s, enum tls_version *v);

#define TLS_VERSION_NAMESZ 16
/*
 * tls_version_name - canonical name into buf (TLS_VERSION_NAMESZ bytes):
 * "none" for TLS_V_NONE, "SSLv3", "TLSv1" (1.0, as OpenSSL says it),
 * "TLSv1.2", "TLSv2.0".  Returns buf.
 */
const char *tls_version_name(enum tls_version v, char *buf, size_t bufsz);

#define TLSFACT_STR 256

struct tls_facts {
	enum tls_mta mta;              /* as detected (AUTO = could not tell) */
	int encrypted;                 /* {tls_version} or {cipher} present and non-empty */
	enum tls_version version;      /* TLS_V_NONE if plaintext or not a version */
	char version_raw[32];          /* {tls_version} as sent (printable_copy), "" if absent */
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

/* Returns the macro's value, or NULL when the MTA did not send it.  The string
 * is the caller's and is only read during tlsfacts_collect (f keeps copies). */
typedef const char *(*tlsfacts_get_fn)(void *arg, const char *name);

/*
 * tlsfacts_collect - fill *f from the macros.  mta: TLS_MTA_AUTO detects the
 * MTA from "v" (Postfix sends "Postfix 3.7.x") and {verify} (Sendmail only);
 * otherwise the given MTA is assumed.  Every string goes through
 * printable_copy (others become '?') and is truncated to fit.  Never fails.
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

/*
 * The facts in the words every output uses.  tlsfacts_render() is the only
 * place that turns facts into text, so the SMTP reply (%{tls_version},
 * %{cipher_bits}), the decision log line (tls= bits= cert=) and -q can
 * never disagree.
 */
struct tlsfacts_text {
	char version[40];   /* "none" (plaintext), "TLSv1.3", "TLSv1.4", the MTA's
	                     * text if it is not a version, "unknown" if not sent */
	char bits[16];      /* "256"; "none" (plaintext); "unknown" */
	char cert[16];      /* "none", "unverified", "verified" */
};

/* tlsfacts_render - fill *t from *f; every string is printable ASCII. */
void tlsfacts_render(const struct tls_facts *f, struct tlsfacts_text *t);

/* Short text for -q: "none", or "TLSv1.3/256 cert=verified" (tlsfacts_render's words). */
void tlsfacts_describe(const struct tls_facts *f, char *buf, size_t bufsz);

#endif
