/*
 * test_profile - table tests for profile_check (SPEC section 3): each row is
 * a requirement, the session's facts, and the verdict with a piece of the
 * reason; plus fingerprint normalisation and the log tokens.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "policy/profile.h"

struct req {                    /* a profile in literal form */
	int encrypted;
	enum tls_version min_version;
	int min_bits, client_cert;
	const char *subject, *issuer, *fp1, *fp2;
	const char *ex1, *ex2;      /* exclude_ciphers */
};

struct facts {                  /* the tls_facts fields profile_check reads */
	enum tls_mta mta;
	int encrypted;
	enum tls_version version;
	int bits, cert_present, cert_verified, verify_known;
	const char *verify, *subject, *subject_cn, *issuer, *issuer_cn, *fingerprint;
	const char *cipher;         /* NULL: not sent */
};

#define PF   TLS_MTA_POSTFIX
#define SM   TLS_MTA_SENDMAIL
#define AU   TLS_MTA_AUTO

/* Sessions used by several rows. */
#define PLAIN      { PF, 0, TLS_V_NONE, -1, 0, 0, 0, "", "", "", "", "", "" }
#define PF13       { PF, 1, TLS_V_1_3, 256, 0, 0, 0, "", "", "", "", "", "" }
#define PF12_112   { PF, 1, TLS_V_1_2, 112, 0, 0, 0, "", "", "", "", "", "" }
#define PF_CERT    { PF, 1, TLS_V_1_3, 256, 1, 1, 0, "", "mx.partner.example", "mx.partner.example", \
		     "Partner CA", "Partner CA", "" }
#define SM_OK      { SM, 1, TLS_V_1_2, 256, 1, 1, 1, "OK", "/O=Partner GmbH/CN=mx.partner.example", \
		     "mx.partner.example", "/O=Partner GmbH/CN=Partner CA", "Partner CA", "abcdef01" }
#define SM_FAIL    { SM, 1, TLS_V_1_2, 256, 1, 0, 1, "FAIL", "/CN=self", "self", "/CN=self", "self", "" }
#define SM_NOVERIFY { SM, 1, TLS_V_1_2, 256, 1, 0, 0, "", "/CN=mx", "mx", "", "", "" }
/* The cipher names both MTAs send (OpenSSL's), with the bits each reports. */
#define PF_CIPHER(v, bits, c) { PF, 1, v, bits, 0, 0, 0, "", "", "", "", "", "", c }
#define SM_CIPHER(v, bits, c) { SM, 1, v, bits, 1, 1, 1, "OK", "/CN=mx", "mx", "/CN=CA", "CA", "ab", c }
#define EX_WEAK .ex1 = "3DES", .ex2 = "RC4"
#define AU_CERT    { AU, 1, TLS_V_1_2, 256, 1, 0, 0, "", "mx", "mx", "", "", "" }

static const struct row {
	const char *label;
	struct req p;
	struct facts f;
	enum profile_fail want;
	const char *reason;         /* substring; "" when OK */
} check_rows[] = {
	{ "empty profile, plaintext", { 0 }, PLAIN, PROFILE_OK, "" },
	{ "empty profile, TLS", { 0 }, PF13, PROFILE_OK, "" },
	{ "encrypted, plaintext", { .encrypted = 1 }, PLAIN, PROFILE_NO_TLS,
	  "session is not encrypted (no STARTTLS)" },
	{ "encrypted, TLS", { .encrypted = 1 }, PF13, PROFILE_OK, "" },
	{ "min_version implies TLS", { .min_version = TLS_V_1_2 }, PLAIN, PROFILE_NO_TLS, "not encrypted" },
	{ "min_bits implies TLS", { .min_bits = 128 }, PLAIN, PROFILE_NO_TLS, "not encrypted" },
	{ "client_cert implies TLS", { .client_cert = 1 }, PLAIN, PROFILE_NO_TLS, "not encrypted" },
	{ "fingerprint implies TLS", { .fp1 = "ab" }, PLAIN, PROFILE_NO_TLS, "not encrypted" },
	{ "TLSv1.2 below 1.3", { .min_version = TLS_V_1_3 }, PF12_112, PROFILE_VERSION,
	  "TLSv1.2 is below the required TLSv1.3" },
	{ "TLSv1.3 meets 1.2", { .min_version = TLS_V_1_2 }, PF13, PROFILE_OK, "" },
	{ "TLSv1.2 meets 1.2", { .min_version = TLS_V_1_2 }, PF12_112, PROFILE_OK, "" },
	/* defect 5: a version newer than this code still passes a minimum */
	{ "TLSv1.4 meets 1.2", { .min_version = TLS_V_1_2 },
	  { PF, 1, TLS_V(1, 4), 256, 0, 0, 0, "", "", "", "", "", "" }, PROFILE_OK, "" },
	{ "TLSv2.0 meets 1.3", { .min_version = TLS_V_1_3 },
	  { PF, 1, TLS_V(2, 0), 256, 0, 0, 0, "", "", "", "", "", "" }, PROFILE_OK, "" },
	{ "TLSv1.3 below a future 1.4", { .min_version = TLS_V(1, 4) }, PF13, PROFILE_VERSION,
	  "TLSv1.3 is below the required TLSv1.4" },
	{ "SSLv3 below 1.0", { .min_version = TLS_V_1_0 },
	  { PF, 1, TLS_V_SSL3, 256, 0, 0, 0, "", "", "", "", "", "" }, PROFILE_VERSION,
	  "SSLv3 is below the required TLSv1" },
	{ "version unknown", { .min_version = TLS_V_1_3 },
	  { PF, 1, TLS_V_NONE, 256, 0, 0, 0, "", "", "", "", "", "" }, PROFILE_VERSION,
	  "TLS version unknown, TLSv1.3 required" },
	{ "version before bits", { .min_version = TLS_V_1_3, .min_bits = 128 }, PF12_112, PROFILE_VERSION,
	  "below the required TLSv1.3" },
	{ "112 bits below 128", { .min_bits = 128 }, PF12_112, PROFILE_BITS,
	  "cipher strength 112 bits is below the required 128" },
	{ "256 bits meets 128", { .min_bits = 128 }, PF13, PROFILE_OK, "" },
	{ "bits unknown", { .min_bits = 128 },
	  { PF, 1, TLS_V_1_3, -1, 0, 0, 0, "", "", "", "", "", "" }, PROFILE_BITS,
	  "cipher strength unknown, 128 bits required" },
	{ "cert required, none (postfix)", { .client_cert = 1 }, PF13, PROFILE_NO_CERT, "no trusted client certificate" },
	{ "cert required, postfix trusted", { .client_cert = 1 }, PF_CERT, PROFILE_OK, "" },
	{ "cert required, sendmail OK", { .client_cert = 1 }, SM_OK, PROFILE_OK, "" },
	{ "cert required, sendmail FAIL", { .client_cert = 1 }, SM_FAIL, PROFILE_CERT_UNVERIFIED,
	  "client certificate not verified (verify=FAIL)" },
	{ "cert required, sendmail without {verify}", { .client_cert = 1 }, SM_NOVERIFY,
	  PROFILE_CERT_UNPROVABLE, "the MTA did not send {verify}" },
	{ "cert required, unknown MTA", { .client_cert = 1 }, AU_CERT, PROFILE_CERT_UNPROVABLE,
	  "cannot be verified" },
	{ "bits before cert", { .min_bits = 128, .client_cert = 1 }, PF12_112, PROFILE_BITS, "112 bits" },
	{ "subject matches CN", { .subject = "MX.Partner.Example" }, SM_OK, PROFILE_OK, "" },
	{ "subject matches full DN", { .subject = "/o=partner gmbh/cn=mx.partner.example" }, SM_OK,
	  PROFILE_OK, "" },
	{ "subject mismatch", { .subject = "mx.other.example" }, PF_CERT, PROFILE_SUBJECT,
	  "client certificate subject 'mx.partner.example' does not match 'mx.other.example'" },
	{ "subject implies verified cert", { .subject = "self" }, SM_FAIL, PROFILE_CERT_UNVERIFIED,
	  "verify=FAIL" },
	{ "subject, no cert", { .subject = "mx.partner.example" }, PF13, PROFILE_NO_CERT,
	  "no trusted client certificate" },
	{ "issuer matches CN", { .issuer = "partner ca" }, PF_CERT, PROFILE_OK, "" },
	{ "issuer mismatch", { .issuer = "Other CA" }, SM_OK, PROFILE_ISSUER,
	  "issuer 'Partner CA' does not match 'Other CA'" },
	{ "issuer implies verified cert", { .issuer = "self" }, SM_NOVERIFY, PROFILE_CERT_UNPROVABLE,
	  "{verify}" },
	{ "subject before issuer", { .subject = "x", .issuer = "y" }, SM_OK, PROFILE_SUBJECT, "subject" },
	{ "fingerprint matches second", { .fp1 = "00", .fp2 = "abcdef01" }, SM_OK, PROFILE_OK, "" },
	{ "fingerprint mismatch", { .fp1 = "00" }, SM_OK, PROFILE_FINGERPRINT, "abcdef01" },
	{ "fingerprint not sent", { .fp1 = "00" },
	  { SM, 1, TLS_V_1_2, 256, 1, 1, 1, "OK", "/CN=a", "a", "", "", "" }, PROFILE_FINGERPRINT,
	  "no client certificate fingerprint (the MTA did not send {cert_fp})" },
	{ "fingerprint, postfix no cert", { .fp1 = "00" }, PF13, PROFILE_NO_CERT, "no trusted client certificate" },
	{ "issuer before fingerprint", { .issuer = "Other", .fp1 = "00" }, SM_OK, PROFILE_ISSUER, "issuer" },
	{ "all met", { 1, TLS_V_1_2, 128, 1, "mx.partner.example", "Partner CA", "abcdef01", NULL }, SM_OK,
	  PROFILE_OK, "" },
	/* exclude_ciphers: a family refuses a cipher whose bits pass (3DES: 112 effective of 168) */
	{ "3DES excluded though bits pass (postfix)", { .min_bits = 112, EX_WEAK },
	  PF_CIPHER(TLS_V_1_2, 168, "DES-CBC3-SHA"), PROFILE_CIPHER, "cipher DES-CBC3-SHA is excluded (3DES)" },
	{ "3DES excluded though bits pass (sendmail)", { .min_bits = 112, EX_WEAK },
	  SM_CIPHER(TLS_V_1_2, 112, "ECDHE-RSA-DES-CBC3-SHA"), PROFILE_CIPHER,
	  "cipher ECDHE-RSA-DES-CBC3-SHA is excluded (3DES)" },
	{ "RC4 excluded, second entry", { EX_WEAK }, PF_CIPHER(TLS_V_1_0, 128, "RC4-SHA"), PROFILE_CIPHER,
	  "cipher RC4-SHA is excluded (RC4)" },
	{ "AES-GCM passes (postfix)", { EX_WEAK }, PF_CIPHER(TLS_V_1_2, 256, "ECDHE-RSA-AES256-GCM-SHA384"),
	  PROFILE_OK, "" },
	{ "TLS 1.3 name passes (sendmail)", { EX_WEAK }, SM_CIPHER(TLS_V_1_3, 256, "TLS_AES_256_GCM_SHA384"),
	  PROFILE_OK, "" },
	{ "TLS 1.3 name excluded by name", { .ex1 = "TLS_AES_128_CCM_8_SHA256" },
	  SM_CIPHER(TLS_V_1_3, 128, "TLS_AES_128_CCM_8_SHA256"), PROFILE_CIPHER,
	  "cipher TLS_AES_128_CCM_8_SHA256 is excluded (TLS_AES_128_CCM_8_SHA256)" },
	{ "exclusions imply TLS", { EX_WEAK }, PLAIN, PROFILE_NO_TLS, "not encrypted" },
	{ "cipher not sent: fails closed", { EX_WEAK }, PF_CIPHER(TLS_V_1_2, 256, NULL), PROFILE_CIPHER,
	  "cipher unknown (the MTA did not send {cipher})" },
	{ "cipher not a name: fails closed", { EX_WEAK }, PF_CIPHER(TLS_V_1_2, 256, "RC4 SHA"), PROFILE_CIPHER,
	  "cipher unknown ('RC4 SHA' is not an OpenSSL cipher name)" },
	{ "no exclusions: cipher not needed", { .min_bits = 128 }, PF_CIPHER(TLS_V_1_2, 256, NULL), PROFILE_OK, "" },
	{ "bits before cipher", { .min_bits = 128, EX_WEAK }, PF_CIPHER(TLS_V_1_2, 112, "DES-CBC3-SHA"),
	  PROFILE_BITS, "112 bits" },
	{ "cipher before cert", { .client_cert = 1, EX_WEAK }, PF_CIPHER(TLS_V_1_2, 168, "DES-CBC3-SHA"),
	  PROFILE_CIPHER, "3DES" },
	{ "reason sanitised", { .subject = "x" },
	  { PF, 1, TLS_V_1_3, 256, 1, 1, 0, "", "a\r\nb", "a\r\nb", "", "", "" }, PROFILE_SUBJECT,
	  "'a??b' does not match" },
};

/* build - a malloc'd profile from its literal form */
static struct profile *build(const struct req *r)
{
	struct profile *p = profile_create("test");

	if (p == NULL)
		abort();
	p->encrypted = r->encrypted;
	p->min_version = r->min_version;
	p->min_bits = r->min_bits;
	p->client_cert = r->client_cert;
	p->subject = r->subject ? strdup(r->subject) : NULL;
	p->issuer = r->issuer ? strdup(r->issuer) : NULL;
	if (r->fp1 != NULL) {
		p->fingerprints = calloc(2, sizeof *p->fingerprints);
		p->fingerprints[p->nfingerprints++] = strdup(r->fp1);
		if (r->fp2 != NULL)
			p->fingerprints[p->nfingerprints++] = strdup(r->fp2);
	}
	if (r->ex1 != NULL) {
		p->exclude_ciphers = calloc(2, sizeof *p->exclude_ciphers);
		p->exclude_ciphers[p->nexclude_ciphers++] = strdup(r->ex1);
		if (r->ex2 != NULL)
			p->exclude_ciphers[p->nexclude_ciphers++] = strdup(r->ex2);
	}
	return p;
}

static void load(struct tls_facts *f, const struct facts *s)
{
	memset(f, 0, sizeof *f);
	f->mta = s->mta;
	f->encrypted = s->encrypted;
	f->version = s->version;
	f->cipher_bits = s->bits;
	f->cert_present = s->cert_present;
	f->cert_verified = s->cert_verified;
	f->verify_known = s->verify_known;
	snprintf(f->verify, sizeof f->verify, "%s", s->verify);
	snprintf(f->subject, sizeof f->subject, "%s", s->subject);
	snprintf(f->subject_cn, sizeof f->subject_cn, "%s", s->subject_cn);
	snprintf(f->issuer, sizeof f->issuer, "%s", s->issuer);
	snprintf(f->issuer_cn, sizeof f->issuer_cn, "%s", s->issuer_cn);
	snprintf(f->fingerprint, sizeof f->fingerprint, "%s", s->fingerprint);
	snprintf(f->cipher, sizeof f->cipher, "%s", s->cipher ? s->cipher : "");
}

static void test_check(void)
{
	struct profile *p;
	struct tls_facts f;
	char reason[256];
	size_t i;
	enum profile_fail got;

	for (i = 0; i < sizeof check_rows / sizeof check_rows[0]; i++) {
		p = build(&check_rows[i].p);
		load(&f, &check_rows[i].f);
		memset(reason, 'X', sizeof reason);
		got = profile_check(p, &f, reason, sizeof reason);
		is_int(got, check_rows[i].want, "%s: verdict %s", check_rows[i].label, profile_fail_name(check_rows[i].want));
		if (check_rows[i].want == PROFILE_OK)
			is_str(reason, "", "%s: no reason", check_rows[i].label);
		else
			ok(strstr(reason, check_rows[i].reason) != NULL && strpbrk(reason, "\r\n") == NULL,
			   "%s: reason \"%s\"", check_rows[i].label, reason);
		profile_free(p);
	}
}

static void test_fingerprint(void)
{
	static const struct {
		const char *in;
		size_t outsz;
		int rc;
		const char *out;
	} rows[] = {
		{ "AB:CD:EF:01", 64, 0, "abcdef01" },
		{ "abcdef01", 64, 0, "abcdef01" },
		{ "A:BC:D", 64, 0, "abcd" },
		{ "ab::cd:", 64, 0, "abcd" },
		{ "", 64, -1, "" },
		{ ":::", 64, -1, "" },
		{ "abc", 64, -1, "" },
		{ "ab:cg", 64, -1, "" },
		{ "ab cd", 64, -1, "" },
		{ "abcd", 5, 0, "abcd" },
		{ "abcdef", 5, -1, "" },
		{ NULL, 64, -1, "" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(out, 'X', sizeof out);
		is_int(profile_fingerprint_normalize(rows[i].in, out, rows[i].outsz), rows[i].rc,
		       "fingerprint \"%s\" rc", rows[i].in ? rows[i].in : "(null)");
		is_str(out, rows[i].out, "fingerprint \"%s\" out", rows[i].in ? rows[i].in : "(null)");
	}
}

static void test_names(void)
{
	static const struct {
		enum profile_fail e;
		const char *name;
		int cert;
	} rows[] = {
		{ PROFILE_OK, "ok", 0 },
		{ PROFILE_NO_TLS, "no-tls", 0 },
		{ PROFILE_VERSION, "version", 0 },
		{ PROFILE_BITS, "bits", 0 },
		{ PROFILE_CIPHER, "cipher", 0 },
		{ PROFILE_NO_CERT, "no-cert", 1 },
		{ PROFILE_CERT_UNVERIFIED, "cert-unverified", 1 },
		{ PROFILE_CERT_UNPROVABLE, "cert-unprovable", 1 },
		{ PROFILE_SUBJECT, "subject", 1 },
		{ PROFILE_ISSUER, "issuer", 1 },
		{ PROFILE_FINGERPRINT, "fingerprint", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		is_str(profile_fail_name(rows[i].e), rows[i].name, "name of %d", (int)rows[i].e);
		is_int(profile_fail_is_cert(rows[i].e), rows[i].cert, "is_cert of %s", rows[i].name);
	}
}

static void test_lifetime(void)
{
	struct profile *p = profile_create("strong");

	ok(p != NULL && strcmp(p->name, "strong") == 0 && p->subject == NULL
	   && p->min_version == TLS_V_NONE && p->nfingerprints == 0, "profile_create zeroes and names");
	profile_free(p);
	profile_free(NULL);
	ok(1, "profile_free(NULL) is a no-op");
}

int main(void)
{
	test_check();
	test_fingerprint();
	test_names();
	test_lifetime();
	return tap_done();
}
