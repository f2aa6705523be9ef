/*
 * probe_tls - the TLS part of the probe: this probe's SSL_CTX, the
 * handshake on a probe_conn after "220" to STARTTLS, and the certificate
 * check (DANE with usable TLSA records of usage 2 or 3, else PKIX for the
 * MX name).  Internal to the probe layer.
 *
 * The handshake runs with SSL_VERIFY_NONE and the verification result is
 * checked right after it (probe_tls_check): OpenSSL verifies the chain in
 * any case, and this way a bad certificate still yields the peer's subject
 * and issuer as evidence and the session ends with a polite QUIT.  Nothing
 * is sent over the TLS channel before the check but that QUIT.
 */
#ifndef TP_PROBE_TLS_H
#define TP_PROBE_TLS_H

#include <openssl/ssl.h>

#include "probe/probe.h"
#include "probe/probe_conn.h"

/* probe_tls_ctx_new - TLS 1.2 or later, req->ca_file (or the default
 * store), DANE enabled when req has TLSA records.  NULL with res filled
 * (tempfail) on failure.  The caller frees it with SSL_CTX_free. */
SSL_CTX *probe_tls_ctx_new(const struct probe_req *req, struct probe_result *res);

/* probe_tls_start - SSL object on c (SNI = mx; DANE or PKIX name checks;
 * c->res->dane_unusable when TLSA records were given but none is usable),
 * then the handshake within c->deadline.  0 or -1. */
int probe_tls_start(struct probe_conn *c, SSL_CTX *ctx, const struct probe_req *req, const char *mx);

/* probe_tls_check - after the handshake: record version, cipher, subject and
 * issuer in c->res, then require a verified certificate; sets
 * c->res->verified.  0 or -1 (infeasible). */
int probe_tls_check(struct probe_conn *c, const char *mx);

#endif
