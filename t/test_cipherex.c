/*
 * test_cipherex - table tests for cipher exclusions (policy/cipherex.h):
 * which entries are valid, and which OpenSSL cipher names (as Postfix and
 * Sendmail send them in {cipher}) each entry matches.
 */
#include <string.h>

#include "tap.h"
#include "policy/cipherex.h"

static const struct {
	const char *entry, *cipher;
	int match;
} match_rows[] = {
	/* families, as OpenSSL's cipher-string keywords mean them */
	{ "RC4", "RC4-SHA", 1 }, { "RC4", "RC4-MD5", 1 }, { "rc4", "ECDHE-RSA-RC4-SHA", 1 },
	{ "RC4", "TLS_RSA_WITH_RC4_128_SHA", 1 }, { "RC4", "AES128-SHA", 0 },
	{ "3DES", "DES-CBC3-SHA", 1 }, { "3DES", "ECDHE-RSA-DES-CBC3-SHA", 1 }, { "3DES", "EDH-RSA-DES-CBC3-SHA", 1 },
	{ "3DES", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", 1 }, { "3DES", "DES-CBC-SHA", 0 },
	{ "DES", "DES-CBC-SHA", 1 }, { "DES", "EDH-RSA-DES-CBC-SHA", 1 }, { "DES", "EXP-DES-CBC-SHA", 1 },
	{ "DES", "DES-CBC3-SHA", 0 }, { "DES", "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", 1 },
	{ "DES", "ECDHE-RSA-AES256-GCM-SHA384", 0 },
	{ "NULL", "NULL-SHA", 1 }, { "eNULL", "ECDHE-RSA-NULL-SHA", 1 }, { "NULL", "TLS_SHA256_SHA256", 1 },
	{ "NULL", "TLS_AES_256_GCM_SHA384", 0 }, { "NULL", "ADH-AES128-SHA", 0 },
	{ "aNULL", "ADH-AES128-SHA", 1 }, { "aNULL", "AECDH-AES256-SHA", 1 }, { "anull", "EXP-ADH-RC4-MD5", 1 },
	{ "aNULL", "TLS_DH_anon_WITH_AES_128_CBC_SHA", 1 }, { "aNULL", "NULL-SHA", 0 },
	{ "aNULL", "ECDHE-ECDSA-AES128-GCM-SHA256", 0 },
	{ "EXPORT", "EXP-RC4-MD5", 1 }, { "EXPORT", "EXP1024-DES-CBC-SHA", 1 }, { "EXP", "EXP-EDH-RSA-DES-CBC-SHA", 1 },
	{ "EXPORT", "TLS_RSA_EXPORT_WITH_RC4_40_MD5", 1 }, { "EXPORT", "AES128-SHA", 0 },
	{ "MD5", "RC4-MD5", 1 }, { "MD5", "NULL-MD5", 1 }, { "MD5", "RC4-SHA", 0 },
	{ "SHA1", "AES128-SHA", 1 }, { "SHA1", "ECDHE-RSA-AES256-SHA", 1 }, { "SHA1", "AES128-SHA256", 0 },
	{ "SHA1", "TLS_AES_128_GCM_SHA256", 0 },
	{ "RC2", "EXP-RC2-CBC-MD5", 1 }, { "IDEA", "IDEA-CBC-SHA", 1 }, { "SEED", "DHE-RSA-SEED-SHA", 1 },
	{ "CAMELLIA", "DHE-RSA-CAMELLIA256-SHA", 1 }, { "CAMELLIA", "AES256-SHA", 0 },
	/* names and runs of whole parts */
	{ "DES-CBC", "DES-CBC-SHA", 1 }, { "DES-CBC", "EDH-RSA-DES-CBC-SHA", 1 }, { "DES-CBC", "DES-CBC3-SHA", 0 },
	{ "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", 1 }, { "ecdhe-rsa-aes128-sha", "ECDHE-RSA-AES128-SHA", 1 },
	{ "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES128-SHA256", 0 },
	{ "AES128-SHA", "DHE-RSA-AES128-SHA", 1 }, { "AES128-SHA", "AES128-SHA256", 0 },
	{ "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256", 1 },
	{ "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_SHA256", 0 },
	{ "AES-128", "TLS_AES_128_GCM_SHA256", 1 },    /* '-' and '_' are one separator */
	{ "CHACHA20-POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305", 1 },
	{ "GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", 1 }, { "GCM-SHA", "ECDHE-RSA-AES256-GCM-SHA384", 0 },
	/* a cipher that is not a name never matches (the profile fails closed on it instead) */
	{ "RC4", "RC4 SHA", 0 }, { "RC4", "", 0 }, { "RC4", "RC4--SHA", 0 }, { "RC4", "-RC4", 0 },
	{ "RC4", "RC4-SH\xc3\xa4", 0 },
};

static const struct {
	const char *entry;
	int rc;
	const char *err;    /* substring */
} valid_rows[] = {
	{ "RC4", 0, NULL }, { "3des", 0, NULL }, { "aNULL", 0, NULL }, { "eNULL", 0, NULL }, { "EXP", 0, NULL },
	{ "DES-CBC", 0, NULL }, { "TLS_AES_128_CCM_8_SHA256", 0, NULL }, { "ECDHE-RSA-AES128-SHA", 0, NULL },
	{ "CBC", -1, "not a cipher family" }, { "AES128", -1, "not a cipher family" }, { "RC5", -1, "not a cipher family" },
	{ "", -1, "expected a family" }, { "DES CBC", -1, "expected a family" }, { "-RC4", -1, "expected a family" },
	{ "RC4-", -1, "expected a family" }, { "DES--CBC", -1, "expected a family" }, { "RC4:MD5", -1, "expected a family" },
	{ "!RC4", -1, "expected a family" },
	{ "A-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0, NULL },     /* 63 */
	{ "A-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", -1, "at most 63" },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(match_rows) / sizeof(match_rows[0]); i++)
		is_int(cipherex_match(match_rows[i].entry, match_rows[i].cipher), match_rows[i].match,
		    "'%s' %s '%s'", match_rows[i].entry, match_rows[i].match ? "matches" : "does not match",
		    match_rows[i].cipher);
	for (size_t i = 0; i < sizeof(valid_rows) / sizeof(valid_rows[0]); i++) {
		const char *err = NULL;
		int rc = cipherex_valid(valid_rows[i].entry, &err);
		is_int(rc, valid_rows[i].rc, "entry '%s' %s", valid_rows[i].entry, valid_rows[i].rc ? "invalid" : "valid");
		if (valid_rows[i].err)
			ok(err && strstr(err, valid_rows[i].err), "entry '%s': error says '%s'", valid_rows[i].entry,
			    valid_rows[i].err);
	}
	ok(cipherex_is_name("ECDHE-RSA-AES256-GCM-SHA384") && cipherex_is_name("TLS_AES_256_GCM_SHA384"),
	    "OpenSSL names of both kinds are names");
	ok(!cipherex_is_name("") && !cipherex_is_name(NULL) && !cipherex_is_name("a b") &&
	    !cipherex_is_name("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
	    "empty, NULL, spaced and 64-byte strings are not names");
	return tap_done();
}
