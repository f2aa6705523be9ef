/*
 * fuzz_tlsfacts - the TLS facts read from the MTA's milter macros
 * (policy/tlsfacts), in both dialects (Postfix CN-only subjects, Sendmail
 * xtext DNs and {verify}) and with auto-detection.
 *
 * Input: byte 0 picks the dialect (value % 3: auto, postfix, sendmail);
 * bytes 1-2 are a bit mask of which macros the MTA "sent" (bit i = MACROS[i]);
 * the rest are the macro values in MACROS order, separated by NUL bytes.  A
 * macro whose bit is clear is absent (the getter returns NULL) even if a
 * value is there.
 *
 * Properties: every string in struct tls_facts is terminated and printable;
 * encrypted exactly when {tls_version} or {cipher} is non-empty, and a
 * plaintext session claims nothing else; a verified certificate is also a
 * present one; Postfix: verified exactly when {cert_subject} was sent;
 * Sendmail: verified exactly when {verify} is OK or TRUSTED; the CN is part
 * of the subject; the fingerprint is lower-case hex; cipher bits are -1 or
 * the decimal value; only the documented macros are asked for; the result
 * is deterministic; xtext_decode inverts an xtext encoding of the decoded
 * subject.
 */
#include <ctype.h>
#include <strings.h>

#include "fuzz.h"
#include "policy/tlsfacts.h"

static const char *const MACROS[] = {
	"v", "{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}",
	"{cert_issuer}", "{verify}", "{cert_fp}", "{cert_md5}", "{auth_type}",
};
#define NMACROS (sizeof MACROS / sizeof MACROS[0])

struct macros {
	const char *val[NMACROS];       /* NULL = not sent */
};

static int macro_index(const char *name)
{
	size_t i;

	for (i = 0; i < NMACROS; i++)
		if (strcmp(MACROS[i], name) == 0)
			return (int)i;
	return -1;
}

static const char *get(void *arg, const char *name)
{
	struct macros *m = arg;
	int i = macro_index(name);

	FUZZ_ASSERT(i >= 0, "undocumented macro '%s' asked for", name);
	return m->val[i];
}

static const char *mval(const struct macros *m, const char *name)
{
	return m->val[macro_index(name)];
}

static int nonempty(const char *s)
{
	return s != NULL && *s != '\0';
}

#define CHECK_STR(f, field) do {                                                \
		FUZZ_ASSERT(fuzz_terminated((f)->field, sizeof (f)->field), #field " not terminated"); \
		FUZZ_ASSERT(fuzz_printable((f)->field), #field " '%s' not printable", (f)->field); \
	} while (0)

/* bits_of - what {cipher_bits} should give: the decimal value 0..100000 (leading zeros allowed), else -1 */
static int bits_of(const char *s)
{
	long n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		n = n * 10 + (*s - '0');
		if (n > 100000)
			return -1;
	}
	return (int)n;
}

/* xtext_encode - RFC 3461: "+XX" for '+', '=' and bytes outside 0x21..0x7e */
static void xtext_encode(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *in && o + 4 < outsz; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x21 || c > 0x7e || c == '+' || c == '=')
			o += (size_t)snprintf(out + o, outsz - o, "+%02X", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

static void check_facts(const struct tls_facts *f, enum tls_mta mta, const struct macros *m)
{
	const char *version = mval(m, "{tls_version}"), *cipher = mval(m, "{cipher}");
	const char *subj = mval(m, "{cert_subject}"), *verify = mval(m, "{verify}");
	const char *p;
	char desc[128];
	enum tls_version v;

	CHECK_STR(f, version_raw);
	CHECK_STR(f, cipher);
	CHECK_STR(f, verify);
	CHECK_STR(f, subject);
	CHECK_STR(f, subject_cn);
	CHECK_STR(f, issuer);
	CHECK_STR(f, issuer_cn);
	CHECK_STR(f, fingerprint);
	CHECK_STR(f, auth_type);
	if (mta != TLS_MTA_AUTO)
		FUZZ_ASSERT(f->mta == mta, "dialect %d given, %d used", mta, f->mta);
	FUZZ_ASSERT(f->authenticated == nonempty(mval(m, "{auth_type}")), "authenticated %d", f->authenticated);
	FUZZ_ASSERT(f->encrypted == (nonempty(version) || nonempty(cipher)), "encrypted %d", f->encrypted);
	FUZZ_ASSERT(!f->cert_verified || f->cert_present, "verified but not present");

	tlsfacts_describe(f, desc, sizeof desc);
	FUZZ_ASSERT(fuzz_printable(desc), "describe '%s' not printable", desc);

	if (!f->encrypted) {
		FUZZ_ASSERT(f->version == TLS_V_NONE && f->cipher_bits == -1 && !f->cert_present
		    && !f->cert_verified && !f->verify_known && f->subject[0] == '\0' && f->issuer[0] == '\0'
		    && f->fingerprint[0] == '\0' && f->cipher[0] == '\0',
		    "a plaintext session claims TLS facts");
		FUZZ_ASSERT(strcmp(desc, "none") == 0, "plaintext described as '%s'", desc);
		return;
	}
	if (tls_version_parse(version, &v) == 0)
		FUZZ_ASSERT(f->version == v, "version %d, macro says %d", f->version, v);
	else
		FUZZ_ASSERT(f->version == TLS_V_NONE, "unparseable version became %d", f->version);
	FUZZ_ASSERT(f->cipher_bits == bits_of(mval(m, "{cipher_bits}")), "cipher_bits %d", f->cipher_bits);
	for (p = f->fingerprint; *p; p++)
		FUZZ_ASSERT(isdigit((unsigned char)*p) || (*p >= 'a' && *p <= 'f'), "fingerprint '%s'", f->fingerprint);
	FUZZ_ASSERT(strstr(f->subject, f->subject_cn) != NULL, "CN '%s' not in subject '%s'", f->subject_cn,
	    f->subject);
	FUZZ_ASSERT(strstr(f->issuer, f->issuer_cn) != NULL, "CN '%s' not in issuer '%s'", f->issuer_cn,
	    f->issuer);
	FUZZ_ASSERT(f->verify_known == (verify != NULL), "verify_known %d", f->verify_known);

	if (f->mta == TLS_MTA_POSTFIX) {
		FUZZ_ASSERT(f->cert_verified == (subj != NULL), "Postfix: verified %d, subject %s",
		    f->cert_verified, subj ? "sent" : "absent");
		FUZZ_ASSERT(strcmp(f->subject, f->subject_cn) == 0, "Postfix: subject and CN differ");
	} else {
		int ok = verify != NULL && (strcasecmp(verify, "OK") == 0 || strcasecmp(verify, "TRUSTED") == 0);

		FUZZ_ASSERT(f->cert_verified == ok, "Sendmail/auto: verified %d, {verify} '%s'", f->cert_verified,
		    verify ? verify : "(absent)");
	}

	/* xtext: decoding an encoding of the (printable) subject gives it back */
	{
		char enc[3 * TLSFACT_STR + 1], dec[TLSFACT_STR];

		xtext_encode(f->subject, enc, sizeof enc);
		FUZZ_ASSERT(xtext_decode(enc, dec, sizeof dec) == 0, "xtext_decode('%s') failed", enc);
		FUZZ_ASSERT(strcmp(dec, f->subject) == 0, "xtext round trip of '%s' gave '%s'", f->subject, dec);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum tls_mta dialects[] = { TLS_MTA_AUTO, TLS_MTA_POSTFIX, TLS_MTA_SENDMAIL };
	struct macros m = { { NULL } };
	struct tls_facts f1, f2;
	enum tls_mta mta;
	unsigned mask;
	char *buf, *rest;
	size_t i;

	FUZZ_PLANT(data, size);
	if (size < 3)
		return 0;
	mta = dialects[data[0] % 3];
	mask = data[1] | (unsigned)data[2] << 8;
	/* NUL-separated values: copy with a terminator so the last one ends too */
	buf = malloc(size - 3 + 1);
	if (buf == NULL)
		abort();
	memcpy(buf, data + 3, size - 3);
	buf[size - 3] = '\0';
	rest = buf;
	for (i = 0; i < NMACROS; i++) {
		const char *v = rest;

		if (rest != NULL) {
			size_t n = strlen(rest);

			rest = rest + n < buf + (size - 3) ? rest + n + 1 : NULL;
		}
		if (mask & (1u << i))
			m.val[i] = v != NULL ? v : "";
	}
	tlsfacts_collect(&f1, mta, get, &m);
	check_facts(&f1, mta, &m);
	tlsfacts_collect(&f2, mta, get, &m);
	FUZZ_ASSERT(memcmp(&f1, &f2, sizeof f1) == 0, "two collections of the same macros differ");

	/* xtext_decode on the raw subject: never overruns, always terminated and printable */
	if (m.val[4] != NULL) {
		char dec[64];

		memset(dec, 'X', sizeof dec);
		(void)xtext_decode(m.val[4], dec, sizeof dec);
		FUZZ_ASSERT(fuzz_terminated(dec, sizeof dec) && fuzz_printable(dec), "xtext_decode output");
	}
	free(buf);
	return 0;
}
