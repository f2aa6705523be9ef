/*
 * profile - a named TLS requirement and the check of a session against it.
 */
#ifndef TP_PROFILE_H
#define TP_PROFILE_H

#include <stddef.h>
#include "policy/tlsfacts.h"

struct profile {
	char *name;                 /* malloc'd */
	int line;                   /* config line, for messages */
	int encrypted;              /* any TLS required (implied by every other field) */
	enum tls_version min_version;   /* TLS_V_NONE = no minimum; any newer version passes */
	int min_bits;               /* 0 = no minimum */
	int client_cert;            /* 1 = a verified client certificate is required */
	char *subject;              /* malloc'd or NULL: CN or full DN must equal this (case-insensitive) */
	char *issuer;               /* malloc'd or NULL: likewise for the issuer */
	char **fingerprints;        /* malloc'd array of malloc'd lower-case hex strings (no colons), or NULL */
	size_t nfingerprints;
	char **exclude_ciphers;     /* malloc'd array of malloc'd entries (policy/cipherex.h), or NULL */
	size_t nexclude_ciphers;
};

enum profile_fail {
	PROFILE_OK = 0,
	PROFILE_NO_TLS,             /* plaintext */
	PROFILE_VERSION,            /* below min_version (or version unknown) */
	PROFILE_BITS,               /* below min_bits (or bits unknown) */
	PROFILE_CIPHER,             /* {cipher} matches exclude_ciphers (or is unknown while some are excluded) */
	PROFILE_NO_CERT,            /* no client certificate */
	PROFILE_CERT_UNVERIFIED,    /* certificate presented but not verified */
	PROFILE_CERT_UNPROVABLE,    /* MTA did not send what is needed to prove it ({verify} on Sendmail) */
	PROFILE_SUBJECT,
	PROFILE_ISSUER,
	PROFILE_FINGERPRINT
};

/* Allocate a zeroed profile named name (copied; NULL = "").  NULL on ENOMEM.
 * Free with profile_free(), which frees every malloc'd field above. */
struct profile *profile_create(const char *name);
/* profile_free - p and all it owns; NULL is a no-op. */
void profile_free(struct profile *p);

/*
 * profile_check - does f meet p?  Checks in the order of enum profile_fail and
 * reports the first failure.  On failure writes a short English reason (no
 * CR/LF, e.g. "TLSv1.2 is below the required TLSv1.3") into reason.
 */
enum profile_fail profile_check(const struct profile *p, const struct tls_facts *f, char *reason, size_t reasonsz);

/* 1 for the certificate failures (default reply 5.7.1), 0 for transport ones (5.7.10). */
int profile_fail_is_cert(enum profile_fail e);
/* Stable token for logs: "ok", "no-tls", "version", "bits", "cipher", "no-cert", "cert-unverified",
 * "cert-unprovable", "subject", "issuer", "fingerprint". */
const char *profile_fail_name(enum profile_fail e);

/* Normalise a fingerprint ("AB:CD:..." or "abcd...") to lower-case hex without colons.
 * Returns 0, or -1 if it contains other characters or is empty/too long for out. */
int profile_fingerprint_normalize(const char *in, char *out, size_t outsz);

#endif
