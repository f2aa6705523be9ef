/*
 * probe_tls - this probe's SSL_CTX, the handshake and the certificate check
 * (see probe_tls.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "probe/probe_result.h"
#include "probe/probe_tls.h"
#include "util/printable.h"

/* probe_tls_ctx_new - see probe_tls.h */
SSL_CTX *probe_tls_ctx_new(const struct probe_req *req, struct probe_result *res)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char eb[160];

	if (ctx == NULL) {
		probe_result_fail(res, PROBE_TEMPFAIL, "TLS setup failed: %s",
				  probe_conn_tls_error(eb, sizeof(eb)));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (req->ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, req->ca_file, NULL) != 1
				 : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		probe_result_fail(res, PROBE_TEMPFAIL, "cannot load CA %s: %s",
				  req->ca_file ? req->ca_file : "default store",
				  probe_conn_tls_error(eb, sizeof(eb)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (req->ntlsa > 0 && SSL_CTX_dane_enable(ctx) <= 0) {
		probe_result_fail(res, PROBE_TEMPFAIL, "DANE setup failed: %s",
				  probe_conn_tls_error(eb, sizeof(eb)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* name_text - a certificate name as RFC 2253 text, printable */
static void name_text(const X509_NAME *name, char *out, size_t outsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0) {
			size_t k = (size_t)n < outsz - 1 ? (size_t)n : outsz - 1;
			memcpy(out, p, k);
			out[k] = '\0';
			printable_inplace(out, NULL, '?');
		}
	}
	BIO_free(b);
}

/* setup - SSL object on c with SNI, and DANE or PKIX name checks */
static int setup(struct probe_conn *c, SSL_CTX *ctx, const struct probe_req *req, const char *mx)
{
	BIO *bio;
	size_t i, want = 0;
	int usable = 0;
	char eb[160];

	if ((c->ssl = SSL_new(ctx)) == NULL || (bio = probe_conn_bio(c)) == NULL)
		return probe_result_fail(c->res, PROBE_TEMPFAIL, "TLS setup failed: %s",
					 probe_conn_tls_error(eb, sizeof(eb)));
	SSL_set_bio(c->ssl, bio, bio);
	SSL_set_connect_state(c->ssl);
	if (!SSL_set_tlsext_host_name(c->ssl, mx))
		return probe_result_fail(c->res, PROBE_TEMPFAIL, "TLS setup failed: %s",
					 probe_conn_tls_error(eb, sizeof(eb)));
	X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(c->ssl), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	for (i = 0; i < req->ntlsa; i++)
		if (req->tlsa[i].usage == 2 || req->tlsa[i].usage == 3)
			want++;
	if (want > 0) {
		/* Sets the reference name (mx) for usage 2 name checks too. */
		if (SSL_dane_enable(c->ssl, mx) <= 0)
			return probe_result_fail(c->res, PROBE_TEMPFAIL, "DANE setup failed: %s",
						 probe_conn_tls_error(eb, sizeof(eb)));
		SSL_dane_set_flags(c->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
		for (i = 0; i < req->ntlsa; i++) {
			const struct probe_tlsa *t = &req->tlsa[i];

			if ((t->usage != 2 && t->usage != 3) || t->len == 0 || t->len > PROBE_TLSA_DATA_MAX)
				continue;
			/* 0: unusable (unknown selector/mtype), < 0: malformed; both skipped */
			if (SSL_dane_tlsa_add(c->ssl, t->usage, t->selector, t->mtype, t->data, t->len) > 0)
				usable++;
			ERR_clear_error();
		}
	}
	c->dane = usable > 0;
	if (req->ntlsa > 0 && usable == 0) {
		/* No usable record: OpenSSL does not enable DANE, PKIX decides. */
		c->res->dane_unusable = 1;
		if (!SSL_set1_host(c->ssl, mx))
			return probe_result_fail(c->res, PROBE_TEMPFAIL, "TLS setup failed: %s",
						 probe_conn_tls_error(eb, sizeof(eb)));
	} else if (req->ntlsa == 0) {
		if (!SSL_set1_host(c->ssl, mx))
			return probe_result_fail(c->res, PROBE_TEMPFAIL, "TLS setup failed: %s",
						 probe_conn_tls_error(eb, sizeof(eb)));
	}
	return 0;
}

/* probe_tls_start - see probe_tls.h */
int probe_tls_start(struct probe_conn *c, SSL_CTX *ctx, const struct probe_req *req, const char *mx)
{
	int rc;

	if (setup(c, ctx, req, mx) < 0)
		return -1;
	for (;;) {
		ERR_clear_error();
		rc = SSL_connect(c->ssl);
		if (rc == 1)
			return 0;
		if (probe_conn_tls_wait(c, rc, "in TLS handshake", PROBE_INFEASIBLE) < 0)
			return -1;
	}
}

/* probe_tls_check - see probe_tls.h */
int probe_tls_check(struct probe_conn *c, const char *mx)
{
	X509 *peer = SSL_get0_peer_certificate(c->ssl);
	long v;

	snprintf(c->res->tls_version, sizeof(c->res->tls_version), "%s", SSL_get_version(c->ssl));
	snprintf(c->res->cipher, sizeof(c->res->cipher), "%s", SSL_get_cipher_name(c->ssl));
	if (peer == NULL)
		return probe_result_fail(c->res, PROBE_INFEASIBLE, "no certificate from %s", mx);
	name_text(X509_get_subject_name(peer), c->res->subject, sizeof(c->res->subject));
	name_text(X509_get_issuer_name(peer), c->res->issuer, sizeof(c->res->issuer));
	v = SSL_get_verify_result(c->ssl);
	if (v != X509_V_OK)
		return probe_result_fail(c->res, PROBE_INFEASIBLE, "certificate not valid for %s: %s%s", mx,
					 X509_verify_cert_error_string(v), c->dane ? " (DANE)" : "");
	c->res->verified = SSL_get0_dane_authority(c->ssl, NULL, NULL) >= 0 ? PROBE_VERIFY_DANE : PROBE_VERIFY_PKIX;
	return 0;
}
