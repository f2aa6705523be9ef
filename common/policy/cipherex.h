/*
 * cipherex - cipher exclusions of a profile (exclude_ciphers): which entries
 * are valid, and whether the session's {cipher} matches one.
 *
 * Both Postfix and Sendmail send {cipher} as OpenSSL names it:
 * "ECDHE-RSA-AES256-GCM-SHA384", "DES-CBC3-SHA", and for TLS 1.3 the
 * standard name "TLS_AES_256_GCM_SHA384".  A name is cut into its parts at
 * every '-' and '_'; parts are compared case-insensitively and always whole
 * ("SHA" is not "SHA256").  An entry is one of:
 *
 *   a family keyword (one word), meaning what the OpenSSL cipher-string
 *   keyword of that name means, decided from the parts:
 *     RC4       a part RC4               RC2      a part RC2
 *     IDEA      a part IDEA              SEED     a part SEED
 *     CAMELLIA  a part CAMELLIA, CAMELLIA128, CAMELLIA256
 *     3DES      a part CBC3 or 3DES      (DES-CBC3-SHA, ..._3DES_EDE_CBC_SHA)
 *     DES       single DES: parts DES then CBC, or a part DES40
 *               (DES-CBC-SHA; not DES-CBC3-SHA, which is 3DES)
 *     NULL      no encryption: a part NULL, or a TLS 1.3 integrity-only
 *               suite (TLS_SHA256_SHA256); alias eNULL
 *     aNULL     no authentication: a part ADH, AECDH or ANON
 *     EXPORT    a part EXP, EXPORT, or either followed by digits (EXP1024); alias EXP
 *     MD5       a part MD5
 *     SHA1      a SHA-1 MAC: the last part is SHA or SHA1
 *   or a name or a run of parts, with at least one '-' or '_' ("DES-CBC",
 *   "ECDHE-RSA-AES128-SHA", "TLS_AES_128_CCM_8_SHA256"): it matches a cipher
 *   whose parts contain the entry's parts consecutively ('-' and '_' are the
 *   same separator).  Any other one-word entry is an error, so a typo or a
 *   word that is not a whole part ("CBC", "AES") cannot silently match
 *   nothing or less than meant.
 *
 * Pure functions on their arguments: safe from any thread.
 */
#ifndef TP_CIPHEREX_H
#define TP_CIPHEREX_H

#include <stddef.h>

/* Longest entry or cipher name handled (bytes, without the NUL). */
#define CIPHEREX_NAME_MAX 63

/*
 * cipherex_valid - 0 if entry is a family keyword or a run of parts
 * ([A-Za-z0-9] parts joined by single '-' or '_', at most
 * CIPHEREX_NAME_MAX bytes), else -1 and *err (static English text).
 */
int cipherex_valid(const char *entry, const char **err);

/*
 * cipherex_is_name - 1 if cipher can be an OpenSSL cipher name (parts of
 * [A-Za-z0-9] joined by '-' or '_', 1..CIPHEREX_NAME_MAX bytes), else 0.
 * Exclusions are only decided on such names; anything else fails closed.
 */
int cipherex_is_name(const char *cipher);

/* cipherex_match - 1 if the cipher name matches the (valid) entry, else 0. */
int cipherex_match(const char *entry, const char *cipher);

#endif
