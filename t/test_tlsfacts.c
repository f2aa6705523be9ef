/*
 * test_tlsfacts - table tests for tlsfacts: version names, xtext, and the
 * macro sets Postfix and Sendmail really send (SPEC section 2).
 */
#include <string.h>

#include "tap.h"
#include "policy/tlsfacts.h"

#define NMACRO 12

struct macro {
	const char *name, *value;
};

/* get - tlsfacts_get_fn over a {name, value} array ended by a NULL name */
static const char *get(void *arg, const char *name)
{
	const struct macro *m;

	for (m = arg; m->name != NULL; m++)
		if (strcmp(m->name, name) == 0)
			return m->value;
	return NULL;
}

static void test_versions(void)
{
	static const struct {
		const char *in;
		int rc;
		enum tls_version v;
		const char *name;
	} rows[] = {
		{ "TLSv1", 0, TLS_V_1_0, "TLSv1" },
		{ "TLSv1.0", 0, TLS_V_1_0, "TLSv1" },
		{ "tlsv1.2", 0, TLS_V_1_2, "TLSv1.2" },
		{ "TLSv1.3", 0, TLS_V_1_3, "TLSv1.3" },
		{ "TLSv1.1", 0, TLS_V_1_1, "TLSv1.1" },
		{ "sslv3", 0, TLS_V_SSL3, "SSLv3" },
		/* versions newer than this code: by number (defect 5) */
		{ "TLSv1.4", 0, TLS_V(1, 4), "TLSv1.4" },
		{ "TLSv1.10", 0, TLS_V(1, 10), "TLSv1.10" },
		{ "TLSv2", 0, TLS_V(2, 0), "TLSv2.0" },
		{ "TLSv2.0", 0, TLS_V(2, 0), "TLSv2.0" },
		{ "tlsv2.1", 0, TLS_V(2, 1), "TLSv2.1" },
		{ "TLSv9", 0, TLS_V(9, 0), "TLSv9.0" },
		{ "TLSv99.99", 0, TLS_V(99, 99), "TLSv99.99" },
		/* not versions at all */
		{ "TLSv100", -1, TLS_V_NONE, NULL },
		{ "TLSv1.100", -1, TLS_V_NONE, NULL },
		{ "TLSv0.9", -1, TLS_V_NONE, NULL },
		{ "TLSv01.2", -1, TLS_V_NONE, NULL },
		{ "TLSv1.02", -1, TLS_V_NONE, NULL },
		{ "TLSv1.", -1, TLS_V_NONE, NULL },
		{ "TLSv.1", -1, TLS_V_NONE, NULL },
		{ "TLSv1.2.3", -1, TLS_V_NONE, NULL },
		{ "TLSv-1", -1, TLS_V_NONE, NULL },
		{ "TLSv", -1, TLS_V_NONE, NULL },
		{ "TLS1.2", -1, TLS_V_NONE, NULL },
		{ "SSLv2", -1, TLS_V_NONE, NULL },
		{ "SSLv3.0", -1, TLS_V_NONE, NULL },
		{ "TLSv1.3 ", -1, TLS_V_NONE, NULL },
		{ " TLSv1.3", -1, TLS_V_NONE, NULL },
		{ "", -1, TLS_V_NONE, NULL },
		{ NULL, -1, TLS_V_NONE, NULL },
	};
	size_t i;
	enum tls_version v;
	char buf[TLS_VERSION_NAMESZ];

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		v = TLS_V_NONE;
		is_int(tls_version_parse(rows[i].in, &v), rows[i].rc, "version parse \"%s\" rc",
		       rows[i].in ? rows[i].in : "(null)");
		if (rows[i].rc == 0) {
			is_int(v, rows[i].v, "version parse \"%s\" value", rows[i].in);
			is_str(tls_version_name(v, buf, sizeof buf), rows[i].name, "version name of \"%s\"", rows[i].in);
		}
	}
	is_str(tls_version_name(TLS_V_NONE, buf, sizeof buf), "none", "version name of TLS_V_NONE");
	/* Profiles compare with '<': the numbers must be in protocol order. */
	ok(TLS_V_NONE < TLS_V_SSL3 && TLS_V_SSL3 < TLS_V_1_0 && TLS_V_1_0 < TLS_V_1_1
	   && TLS_V_1_1 < TLS_V_1_2 && TLS_V_1_2 < TLS_V_1_3 && TLS_V_1_3 < TLS_V(1, 4)
	   && TLS_V(1, 99) < TLS_V(2, 0), "versions are ordered");
}

/*
 * The reply, the log line and -q all take their words from tlsfacts_render
 * (defect 5: %{tls_version} said "none" while the log said TLSv1.4).
 */
static void test_render(void)
{
	static const struct {
		const char *label;
		struct macro m[4];
		const char *version, *bits, *cert;
	} rows[] = {
		{ "plaintext", { { NULL, NULL } }, "none", "none", "none" },
		{ "TLSv1.3", { { "{tls_version}", "TLSv1.3" }, { "{cipher_bits}", "256" }, { NULL, NULL } },
		  "TLSv1.3", "256", "none" },
		{ "TLSv1.4 is named, not none",
		  { { "{tls_version}", "TLSv1.4" }, { "{cipher_bits}", "256" }, { NULL, NULL } },
		  "TLSv1.4", "256", "none" },
		{ "tlsv1.2 canonical", { { "{tls_version}", "tlsv1.2" }, { NULL, NULL } }, "TLSv1.2", "unknown", "none" },
		{ "not a version: as sent", { { "{tls_version}", "QUIC\r\n" }, { NULL, NULL } },
		  "QUIC??", "unknown", "none" },
		{ "cipher only", { { "{cipher}", "AES" }, { "{cipher_bits}", "128" }, { NULL, NULL } },
		  "unknown", "128", "none" },
		{ "verified", { { "v", "Postfix 3.7" }, { "{tls_version}", "TLSv1.2" },
		  { "{cert_subject}", "mx" }, { NULL, NULL } }, "TLSv1.2", "unknown", "verified" },
	};
	struct tls_facts f;
	struct tlsfacts_text t;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		tlsfacts_collect(&f, TLS_MTA_AUTO, get, (void *)rows[i].m);
		memset(&t, 0x55, sizeof t);
		tlsfacts_render(&f, &t);
		is_str(t.version, rows[i].version, "render %s: version", rows[i].label);
		is_str(t.bits, rows[i].bits, "render %s: bits", rows[i].label);
		is_str(t.cert, rows[i].cert, "render %s: cert", rows[i].label);
	}
}

static void test_xtext(void)
{
	static const struct {
		const char *in;
		size_t outsz;
		int rc;
		const char *out;
	} rows[] = {
		{ "plain", 64, 0, "plain" },
		{ "Partner+20GmbH", 64, 0, "Partner GmbH" },
		{ "mx+2epartner+2Eexample", 64, 0, "mx.partner.example" },
		{ "a+2B", 64, 0, "a+" },
		{ "line+0D+0Abreak", 64, 0, "line??break" },
		{ "hi+FF", 64, 0, "hi?" },
		{ "", 64, 0, "" },
		{ "bad+Z1", 64, -1, "bad" },
		{ "bad+2", 64, -1, "bad" },
		{ "bad+", 64, -1, "bad" },
		{ "+ZZ", 64, -1, "" },
		{ "abcdef", 4, -1, "abc" },
		{ "abc", 4, 0, "abc" },
		{ "ab+20", 3, -1, "ab" },
	};
	size_t i;
	char out[64];

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(out, 'X', sizeof out);
		is_int(xtext_decode(rows[i].in, out, rows[i].outsz), rows[i].rc,
		       "xtext \"%s\" rc", rows[i].in);
		is_str(out, rows[i].out, "xtext \"%s\" out", rows[i].in);
	}
}

static const struct fact_row {
	const char *label;
	enum tls_mta mta_in;
	struct macro m[NMACRO];
	enum tls_mta mta;
	int encrypted;
	enum tls_version version;
	int bits;
	int cert_present, cert_verified, verify_known;
	const char *subject_cn, *issuer_cn, *fingerprint;
	int authenticated;
	const char *describe;
} fact_rows[] = {
	{ "plaintext, no macros", TLS_MTA_AUTO, { { NULL, NULL } },
	  TLS_MTA_AUTO, 0, TLS_V_NONE, -1, 0, 0, 0, "", "", "", 0, "none" },
	{ "postfix plaintext with auth", TLS_MTA_AUTO,
	  { { "v", "Postfix 3.7.11" }, { "{auth_type}", "PLAIN" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 0, TLS_V_NONE, -1, 0, 0, 0, "", "", "", 1, "none" },
	{ "plaintext ignores stray cert macros", TLS_MTA_SENDMAIL,
	  { { "{cert_subject}", "/CN=x" }, { "{verify}", "OK" }, { "{cert_md5}", "ab:cd" },
	    { "{tls_version}", "" }, { NULL, NULL } },
	  TLS_MTA_SENDMAIL, 0, TLS_V_NONE, -1, 0, 0, 0, "", "", "", 0, "none" },
	{ "postfix TLSv1.3 no cert", TLS_MTA_AUTO,
	  { { "v", "Postfix 3.7.11" }, { "{tls_version}", "TLSv1.3" },
	    { "{cipher}", "TLS_AES_256_GCM_SHA384" }, { "{cipher_bits}", "256" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V_1_3, 256, 0, 0, 0, "", "", "", 0, "TLSv1.3/256 cert=none" },
	{ "postfix trusted cert", TLS_MTA_AUTO,
	  { { "v", "Postfix 3.7.11" }, { "{tls_version}", "TLSv1.2" }, { "{cipher_bits}", "128" },
	    { "{cert_subject}", "mx.partner.example" }, { "{cert_issuer}", "Partner CA" },
	    { "{auth_type}", "" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V_1_2, 128, 1, 1, 0, "mx.partner.example", "Partner CA", "", 0,
	  "TLSv1.2/128 cert=verified" },
	{ "sendmail verify=OK xtext DN", TLS_MTA_AUTO,
	  { { "v", "8.17.1" }, { "{tls_version}", "TLSv1.2" }, { "{cipher_bits}", "256" },
	    { "{cert_subject}", "/C=DE/O=Partner+20GmbH/CN=mx+2Epartner.example" },
	    { "{cert_issuer}", "/C=DE/O=Partner+20GmbH/CN=Partner+20CA" },
	    { "{verify}", "OK" }, { "{cert_md5}", "AB:CD:EF:01" }, { NULL, NULL } },
	  TLS_MTA_SENDMAIL, 1, TLS_V_1_2, 256, 1, 1, 1, "mx.partner.example", "Partner CA", "abcdef01", 0,
	  "TLSv1.2/256 cert=verified" },
	{ "sendmail cert_fp preferred, TRUSTED", TLS_MTA_AUTO,
	  { { "{tls_version}", "TLSv1.3" }, { "{verify}", "trusted" },
	    { "{cert_subject}", "/CN=first/OU=x/CN=last" }, { "{cert_fp}", "0A0B" },
	    { "{cert_md5}", "ffff" }, { NULL, NULL } },
	  TLS_MTA_SENDMAIL, 1, TLS_V_1_3, -1, 1, 1, 1, "last", "", "0a0b", 0, "TLSv1.3/unknown cert=verified" },
	{ "sendmail verify=FAIL", TLS_MTA_AUTO,
	  { { "v", "8.17.1" }, { "{tls_version}", "TLSv1.2" }, { "{cipher_bits}", "128" },
	    { "{cert_subject}", "/CN=self.example" }, { "{verify}", "FAIL" }, { NULL, NULL } },
	  TLS_MTA_SENDMAIL, 1, TLS_V_1_2, 128, 1, 0, 1, "self.example", "", "", 0,
	  "TLSv1.2/128 cert=unverified" },
	{ "sendmail subject, no {verify}", TLS_MTA_SENDMAIL,
	  { { "{tls_version}", "TLSv1.2" }, { "{cert_subject}", "/CN=mx.example" }, { NULL, NULL } },
	  TLS_MTA_SENDMAIL, 1, TLS_V_1_2, -1, 1, 0, 0, "mx.example", "", "", 0, "TLSv1.2/unknown cert=unverified" },
	{ "sendmail empty subject = no cert", TLS_MTA_AUTO,
	  { { "v", "8.17.1" }, { "{tls_version}", "TLSv1.3" }, { "{cert_subject}", "" },
	    { "{cert_issuer}", "" }, { "{verify}", "NO" }, { NULL, NULL } },
	  TLS_MTA_SENDMAIL, 1, TLS_V_1_3, -1, 0, 0, 1, "", "", "", 0, "TLSv1.3/unknown cert=none" },
	{ "sendmail malformed xtext kept raw", TLS_MTA_SENDMAIL,
	  { { "{tls_version}", "TLSv1.2" }, { "{cert_subject}", "/CN=bad+Z1name" },
	    { "{verify}", "OK" }, { NULL, NULL } },
	  TLS_MTA_SENDMAIL, 1, TLS_V_1_2, -1, 1, 1, 1, "bad+Z1name", "", "", 0, "TLSv1.2/unknown cert=verified" },
	{ "unknown MTA: DN subject proves nothing", TLS_MTA_AUTO,
	  { { "{tls_version}", "TLSv1.2" }, { "{cert_subject}", "/O=X/CN=mx+2Ex.example" },
	    { NULL, NULL } },
	  TLS_MTA_AUTO, 1, TLS_V_1_2, -1, 1, 0, 0, "mx.x.example", "", "", 0, "TLSv1.2/unknown cert=unverified" },
	{ "unknown MTA: bare CN proves nothing", TLS_MTA_AUTO,
	  { { "{cipher}", "AES256" }, { "{cert_subject}", "mx.y.example" },
	    { "{cert_issuer}", "Y CA" }, { NULL, NULL } },
	  TLS_MTA_AUTO, 1, TLS_V_NONE, -1, 1, 0, 0, "mx.y.example", "Y CA", "", 0, "unknown/unknown cert=unverified" },
	{ "bits abc", TLS_MTA_POSTFIX, { { "{tls_version}", "TLSv1.2" }, { "{cipher_bits}", "abc" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V_1_2, -1, 0, 0, 0, "", "", "", 0, "TLSv1.2/unknown cert=none" },
	{ "bits -5", TLS_MTA_POSTFIX, { { "{tls_version}", "TLSv1.2" }, { "{cipher_bits}", "-5" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V_1_2, -1, 0, 0, 0, "", "", "", 0, "TLSv1.2/unknown cert=none" },
	{ "bits huge", TLS_MTA_POSTFIX,
	  { { "{tls_version}", "TLSv1.2" }, { "{cipher_bits}", "99999999999" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V_1_2, -1, 0, 0, 0, "", "", "", 0, "TLSv1.2/unknown cert=none" },
	{ "bits 100000 is the limit", TLS_MTA_POSTFIX,
	  { { "{tls_version}", "TLSv1.2" }, { "{cipher_bits}", "100000" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V_1_2, 100000, 0, 0, 0, "", "", "", 0, "TLSv1.2/100000 cert=none" },
	{ "bits 100001 too many", TLS_MTA_POSTFIX,
	  { { "{tls_version}", "TLSv1.2" }, { "{cipher_bits}", "100001" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V_1_2, -1, 0, 0, 0, "", "", "", 0, "TLSv1.2/unknown cert=none" },
	{ "bits 0", TLS_MTA_POSTFIX, { { "{tls_version}", "TLSv1.2" }, { "{cipher_bits}", "0" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V_1_2, 0, 0, 0, 0, "", "", "", 0, "TLSv1.2/0 cert=none" },
	{ "future version TLSv9 is a version", TLS_MTA_POSTFIX,
	  { { "{tls_version}", "TLSv9" }, { "{cipher_bits}", "256" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V(9, 0), 256, 0, 0, 0, "", "", "", 0, "TLSv9.0/256 cert=none" },
	{ "future version TLSv1.4", TLS_MTA_POSTFIX,
	  { { "{tls_version}", "TLSv1.4" }, { "{cipher_bits}", "256" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V(1, 4), 256, 0, 0, 0, "", "", "", 0, "TLSv1.4/256 cert=none" },
	{ "not a version: shown as sent", TLS_MTA_POSTFIX,
	  { { "{tls_version}", "TLS 1.3" }, { "{cipher_bits}", "256" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V_NONE, 256, 0, 0, 0, "", "", "", 0, "TLS 1.3/256 cert=none" },
	{ "control chars sanitised", TLS_MTA_POSTFIX,
	  { { "{tls_version}", "TLSv1.2" }, { "{cert_subject}", "evil\r\nRCPT\x01" },
	    { "{cert_issuer}", "CA\x7f\xc3\xa4" }, { "{auth_type}", "\n" }, { NULL, NULL } },
	  TLS_MTA_POSTFIX, 1, TLS_V_1_2, -1, 1, 1, 0, "evil??RCPT?", "CA???", "", 1,
	  "TLSv1.2/unknown cert=verified" },
	{ "bad fingerprint dropped", TLS_MTA_SENDMAIL,
	  { { "{tls_version}", "TLSv1.2" }, { "{cert_fp}", "zz:11" }, { NULL, NULL } },
	  TLS_MTA_SENDMAIL, 1, TLS_V_1_2, -1, 0, 0, 0, "", "", "", 0, "TLSv1.2/unknown cert=none" },
};

static void test_collect(void)
{
	const struct fact_row *r;
	struct tls_facts f;
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof fact_rows / sizeof fact_rows[0]; i++) {
		r = &fact_rows[i];
		memset(&f, 0x55, sizeof f);     /* collect must set every field */
		tlsfacts_collect(&f, r->mta_in, get, (void *)r->m);
		is_int(f.mta, r->mta, "%s: mta", r->label);
		is_int(f.encrypted, r->encrypted, "%s: encrypted", r->label);
		is_int(f.version, r->version, "%s: version", r->label);
		is_int(f.cipher_bits, r->bits, "%s: bits", r->label);
		is_int(f.cert_present, r->cert_present, "%s: cert_present", r->label);
		is_int(f.cert_verified, r->cert_verified, "%s: cert_verified", r->label);
		is_int(f.verify_known, r->verify_known, "%s: verify_known", r->label);
		is_str(f.subject_cn, r->subject_cn, "%s: subject_cn", r->label);
		is_str(f.issuer_cn, r->issuer_cn, "%s: issuer_cn", r->label);
		is_str(f.fingerprint, r->fingerprint, "%s: fingerprint", r->label);
		is_int(f.authenticated, r->authenticated, "%s: authenticated", r->label);
		tlsfacts_describe(&f, buf, sizeof buf);
		is_str(buf, r->describe, "%s: describe", r->label);
	}
}

/* Details a row table would hide: full DN kept, raw version, truncation. */
static void test_details(void)
{
	static char longsub[1000];
	struct macro m[] = {
		{ "{tls_version}", "TLSv1.2" }, { "{verify}", "OK" },
		{ "{cert_subject}", "/O=Partner+20GmbH/CN=a" }, { NULL, NULL }
	};
	struct tls_facts f;

	tlsfacts_collect(&f, TLS_MTA_AUTO, get, m);
	is_str(f.subject, "/O=Partner GmbH/CN=a", "sendmail subject is the decoded DN");
	is_str(f.verify, "OK", "verify copied");

	m[0].value = "TLSv9\r";
	tlsfacts_collect(&f, TLS_MTA_AUTO, get, m);
	is_str(f.version_raw, "TLSv9?", "unparseable version kept raw, sanitised");

	memset(longsub, 'a', sizeof longsub - 1);
	m[2].value = longsub;
	tlsfacts_collect(&f, TLS_MTA_POSTFIX, get, m);
	is_int(strlen(f.subject), TLSFACT_STR - 1, "overlong subject truncated");
	is_int(strlen(f.subject_cn), TLSFACT_STR - 1, "overlong subject_cn truncated");
}

int main(void)
{
	test_versions();
	test_render();
	test_xtext();
	test_collect();
	test_details();
	return tap_done();
}
