/*
 * probe - the live STARTTLS probe of one MX host (see probe.h).
 *
 * One attempt per address: connect, banner, EHLO (STARTTLS required),
 * STARTTLS, TLS handshake, certificate check, EHLO (REQUIRETLS required),
 * QUIT.  Every wait is a poll(2) on a non-blocking socket, bounded by the
 * probe's absolute deadline.  OpenSSL talks to the socket through a small
 * BIO of our own that writes with MSG_NOSIGNAL, so a peer that resets the
 * connection can never raise SIGPIPE in the caller's process.
 *
 * The handshake runs with SSL_VERIFY_NONE and the verification result is
 * checked right after it: OpenSSL verifies the chain in any case, and this
 * way a bad certificate still yields the peer's subject and issuer as
 * evidence and the session ends with a polite QUIT.  Nothing is sent over
 * the TLS channel before the check but that QUIT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "probe/probe.h"
#include "probe/probe_ehlo.h"
#include "util/printable.h"

#define PROBE_PORT 25
#define QUIT_WAIT_MS 1000           /* at most this long for the 221 to our QUIT */
#define HOST_MAX 253

struct conn {
	int fd;
	SSL *ssl;
	long long deadline;             /* absolute, probe_now_ms() clock */
	struct probe_result *res;       /* the attempt's result */
	int dane;                       /* usable TLSA records were added: DANE decides */
	size_t len;                     /* bytes in buf */
	char buf[PROBE_REPLY_MAX + 1];  /* one byte more than a reply may have, so the parser sees the excess */
};

/* probe_now_ms - see probe.h */
long long probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *probe_status_name(enum probe_status s)
{
	switch (s) {
	case PROBE_FEASIBLE: return "feasible";
	case PROBE_INFEASIBLE: return "infeasible";
	case PROBE_TEMPFAIL: return "tempfail";
	}
	return "?";
}

const char *probe_verify_name(enum probe_verify v)
{
	switch (v) {
	case PROBE_VERIFY_NONE: return "none";
	case PROBE_VERIFY_PKIX: return "pkix";
	case PROBE_VERIFY_DANE: return "dane";
	}
	return "?";
}

/* fail - set the status and a printable reason; returns -1 */
static int fail(struct probe_result *res, enum probe_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct probe_result *res, enum probe_status st, const char *fmt, ...)
{
	va_list ap;

	res->status = st;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	printable_inplace(res->reason, NULL, '?');
	return -1;
}

/* errtext - a short text for a socket errno (strerror is not thread-safe) */
static const char *errtext(int e)
{
	switch (e) {
	case ECONNREFUSED: return "connection refused";
	case ECONNRESET: return "connection reset";
	case EPIPE: return "connection closed";
	case ETIMEDOUT: return "connection timed out";
	case EHOSTUNREACH: return "host unreachable";
	case ENETUNREACH: return "network unreachable";
	case EADDRNOTAVAIL: return "address not available";
	case ENOMEM: case ENOBUFS: return "out of memory";
	case EMFILE: case ENFILE: return "too many open files";
	}
	return "socket error";
}

/* ---------------------------------------------------------------- BIO */

/* A socket BIO whose writes use MSG_NOSIGNAL; its data pointer is the fd. */
static BIO_METHOD *sock_meth;
static pthread_once_t sock_once = PTHREAD_ONCE_INIT;

static int sock_write(BIO *b, const char *p, int n)
{
	int fd = (int)(intptr_t)BIO_get_data(b);
	ssize_t r;

	BIO_clear_retry_flags(b);
	do
		r = send(fd, p, (size_t)n, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_write(b);
	return (int)r;
}

static int sock_read(BIO *b, char *p, int n)
{
	int fd = (int)(intptr_t)BIO_get_data(b);
	ssize_t r;

	BIO_clear_retry_flags(b);
	do
		r = recv(fd, p, (size_t)n, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_read(b);
	return (int)r;
}

static long sock_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	int fd = (int)(intptr_t)BIO_get_data(b);

	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_C_GET_FD:              /* a descriptor BIO must answer this */
		if (ptr != NULL)
			*(int *)ptr = fd;
		return fd;
	default:
		return 0;               /* no KTLS, no other controls */
	}
}

static int sock_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static void sock_meth_init(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
				     "tlspolicy probe socket");

	if (m == NULL)
		return;
	if (!BIO_meth_set_write(m, sock_write) || !BIO_meth_set_read(m, sock_read) ||
	    !BIO_meth_set_ctrl(m, sock_ctrl) || !BIO_meth_set_create(m, sock_create)) {
		BIO_meth_free(m);
		return;
	}
	sock_meth = m;
}

/* ---------------------------------------------------------------- I/O */

/* wait_fd - poll fd for events until the deadline; 0 ready, -1 timeout */
static int wait_fd(struct conn *c, short events)
{
	for (;;) {
		struct pollfd pfd = {.fd = c->fd, .events = events};
		long long left = c->deadline - probe_now_ms();
		int r;

		if (left <= 0)
			return -1;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 0;       /* readable, writable, or an error the next call reports */
		if (r < 0 && errno != EINTR)
			return 0;
	}
}

/* tls_err - the first OpenSSL error of this thread as text, queue cleared */
static const char *tls_err(char *buf, size_t bufsz)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, bufsz, "protocol error");
	else
		ERR_error_string_n(e, buf, bufsz);
	ERR_clear_error();
	return buf;
}

/* tls_wait - after an SSL_* call returned r <= 0: wait as OpenSSL asks.
 * Returns 0 to retry, -1 failed (reason set; what names the step). */
static int tls_wait(struct conn *c, int r, const char *what, enum probe_status ssl_status)
{
	int e = SSL_get_error(c->ssl, r), saved = errno;
	char eb[160];

	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		if (wait_fd(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT) < 0)
			return fail(c->res, PROBE_TEMPFAIL, "timeout %s", what);
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		return fail(c->res, PROBE_TEMPFAIL, "connection closed %s", what);
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (r == 0 || saved == 0)
			return fail(c->res, PROBE_TEMPFAIL, "connection closed %s", what);
		return fail(c->res, PROBE_TEMPFAIL, "%s %s", errtext(saved), what);
	default:
		return fail(c->res, ssl_status, "TLS error %s: %s", what, tls_err(eb, sizeof(eb)));
	}
}

/* conn_write - write all of p[0..n); 0 or -1 (reason set) */
static int conn_write(struct conn *c, const char *p, size_t n, const char *what)
{
	while (n > 0) {
		ssize_t r;

		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_write(c->ssl, p, (int)n);
			if (r <= 0) {
				if (tls_wait(c, (int)r, what, PROBE_TEMPFAIL) < 0)
					return -1;
				continue;
			}
		} else {
			r = send(c->fd, p, n, MSG_NOSIGNAL);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN && errno != EWOULDBLOCK)
					return fail(c->res, PROBE_TEMPFAIL, "%s %s", errtext(errno), what);
				if (wait_fd(c, POLLOUT) < 0)
					return fail(c->res, PROBE_TEMPFAIL, "timeout %s", what);
				continue;
			}
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* conn_read - read some bytes into p[0..cap); the count, or -1 (reason set) */
static ssize_t conn_read(struct conn *c, char *p, size_t cap, const char *what)
{
	for (;;) {
		ssize_t r;

		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_read(c->ssl, p, (int)cap);
			if (r > 0)
				return r;
			if (tls_wait(c, (int)r, what, PROBE_TEMPFAIL) < 0)
				return -1;
			continue;
		}
		r = recv(c->fd, p, cap, 0);
		if (r > 0)
			return r;
		if (r == 0)
			return fail(c->res, PROBE_TEMPFAIL, "connection closed %s", what);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(c->res, PROBE_TEMPFAIL, "%s %s", errtext(errno), what);
		if (wait_fd(c, POLLIN) < 0)
			return fail(c->res, PROBE_TEMPFAIL, "timeout %s", what);
	}
}

/* read_reply - read exactly one reply.  Bytes after it are an error: we never
 * pipeline, and data behind the STARTTLS reply would be injected plaintext. */
static int read_reply(struct conn *c, struct probe_reply *r, const char *what, const char *name)
{
	for (;;) {
		const char *err;
		ssize_t n;
		int rc = probe_reply_parse(c->buf, c->len, r, &err);

		if (rc > 0) {
			if (r->len != c->len)
				return fail(c->res, PROBE_INFEASIBLE, "unexpected data after %s", name);
			c->len = 0;
			return 0;
		}
		if (rc < 0)
			return fail(c->res, PROBE_INFEASIBLE, "bad %s: %s", name, err);
		if (c->len >= sizeof(c->buf))   /* the parser stops at PROBE_REPLY_MAX: not reached */
			return fail(c->res, PROBE_INFEASIBLE, "bad %s: reply too long", name);
		n = conn_read(c, c->buf + c->len, sizeof(c->buf) - c->len, what);
		if (n < 0)
			return -1;
		c->len += (size_t)n;
	}
}

/* command - send cmd (CRLF added here), read the reply; 0 or -1 */
static int command(struct conn *c, const char *cmd, struct probe_reply *r, const char *name)
{
	char line[HOST_MAX + 16], what[64];

	snprintf(line, sizeof(line), "%s\r\n", cmd);
	snprintf(what, sizeof(what), "sending %s", name);
	if (conn_write(c, line, strlen(line), what) < 0)
		return -1;
	snprintf(what, sizeof(what), "reading reply to %s", name);
	return read_reply(c, r, what, what + 8);     /* "reply to NAME" */
}

/* want - the reply must have code; else a failure naming step and reply */
static int want(struct conn *c, const struct probe_reply *r, int code, const char *step)
{
	if (r->code == code)
		return 0;
	return fail(c->res, r->code >= 400 && r->code < 500 ? PROBE_TEMPFAIL : PROBE_INFEASIBLE,
		    "%s: %d %.120s", step, r->code, r->text);
}

/* quit - polite end: QUIT, wait briefly for the 221; errors ignored */
static void quit(struct conn *c, long long deadline)
{
	struct probe_result scratch;
	struct probe_reply r;
	struct probe_result *res = c->res;
	long long soon = probe_now_ms() + QUIT_WAIT_MS;

	memset(&scratch, 0, sizeof(scratch));
	c->res = &scratch;
	c->deadline = soon < deadline ? soon : deadline;
	c->len = 0;
	if (command(c, "QUIT", &r, "QUIT") == 0 && c->ssl != NULL) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);   /* one try: send our close_notify, do not wait */
	}
	ERR_clear_error();
	c->res = res;
}

/* ---------------------------------------------------------------- steps */

/* tcp_connect - non-blocking connect to addr:port */
static int tcp_connect(struct conn *c, const char *addr, unsigned port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int err = 0;
	socklen_t el = sizeof(err);

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		return fail(c->res, PROBE_TEMPFAIL, "bad address");     /* checked before: not reached */
	}
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(c->res, PROBE_TEMPFAIL, "%s creating a socket", errtext(errno));
	if (connect(c->fd, (struct sockaddr *)&ss, sl) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return fail(c->res, PROBE_TEMPFAIL, "%s", errtext(errno));
	if (wait_fd(c, POLLOUT) < 0)
		return fail(c->res, PROBE_TEMPFAIL, "timeout connecting");
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err != 0)
		return fail(c->res, PROBE_TEMPFAIL, "%s", errtext(err));
	return 0;
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

/* tls_setup - SSL object with SNI, and DANE or PKIX name checks */
static int tls_setup(struct conn *c, SSL_CTX *ctx, const struct probe_req *req, const char *mx)
{
	BIO *bio;
	size_t i, want = 0;
	int usable = 0;
	char eb[160];

	if (sock_meth == NULL || (c->ssl = SSL_new(ctx)) == NULL ||
	    (bio = BIO_new(sock_meth)) == NULL)
		return fail(c->res, PROBE_TEMPFAIL, "TLS setup failed: %s", tls_err(eb, sizeof(eb)));
	BIO_set_data(bio, (void *)(intptr_t)c->fd);
	SSL_set_bio(c->ssl, bio, bio);
	SSL_set_connect_state(c->ssl);
	if (!SSL_set_tlsext_host_name(c->ssl, mx))
		return fail(c->res, PROBE_TEMPFAIL, "TLS setup failed: %s", tls_err(eb, sizeof(eb)));
	X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(c->ssl), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	for (i = 0; i < req->ntlsa; i++)
		if (req->tlsa[i].usage == 2 || req->tlsa[i].usage == 3)
			want++;
	if (want > 0) {
		/* Sets the reference name (mx) for usage 2 name checks too. */
		if (SSL_dane_enable(c->ssl, mx) <= 0)
			return fail(c->res, PROBE_TEMPFAIL, "DANE setup failed: %s", tls_err(eb, sizeof(eb)));
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
			return fail(c->res, PROBE_TEMPFAIL, "TLS setup failed: %s", tls_err(eb, sizeof(eb)));
	} else if (req->ntlsa == 0) {
		if (!SSL_set1_host(c->ssl, mx))
			return fail(c->res, PROBE_TEMPFAIL, "TLS setup failed: %s", tls_err(eb, sizeof(eb)));
	}
	return 0;
}

/* tls_check - handshake done: record evidence, then the verification result */
static int tls_check(struct conn *c, const char *mx)
{
	X509 *peer = SSL_get0_peer_certificate(c->ssl);
	long v;

	snprintf(c->res->tls_version, sizeof(c->res->tls_version), "%s", SSL_get_version(c->ssl));
	snprintf(c->res->cipher, sizeof(c->res->cipher), "%s", SSL_get_cipher_name(c->ssl));
	if (peer == NULL)
		return fail(c->res, PROBE_INFEASIBLE, "no certificate from %s", mx);
	name_text(X509_get_subject_name(peer), c->res->subject, sizeof(c->res->subject));
	name_text(X509_get_issuer_name(peer), c->res->issuer, sizeof(c->res->issuer));
	v = SSL_get_verify_result(c->ssl);
	if (v != X509_V_OK)
		return fail(c->res, PROBE_INFEASIBLE, "certificate not valid for %s: %s%s", mx,
			    X509_verify_cert_error_string(v),
			    c->dane ? " (DANE)" : "");
	c->res->verified = SSL_get0_dane_authority(c->ssl, NULL, NULL) >= 0 ? PROBE_VERIFY_DANE : PROBE_VERIFY_PKIX;
	return 0;
}

/* attempt - one address, the whole dialogue; fills *res */
static void attempt(const struct probe_req *req, const char *mx, SSL_CTX *ctx, const char *addr,
		    long long deadline, struct probe_result *res, struct conn *c)
{
	struct probe_reply r;
	char cmd[HOST_MAX + 8];
	int rc;

	memset(res, 0, sizeof(*res));
	snprintf(res->addr, sizeof(res->addr), "%s", addr);
	c->fd = -1;
	c->ssl = NULL;
	c->dane = 0;
	c->len = 0;
	c->res = res;
	c->deadline = deadline;
	snprintf(cmd, sizeof(cmd), "EHLO %s", req->helo);
	if (tcp_connect(c, addr, req->port ? req->port : PROBE_PORT) < 0)
		goto out;
	if (read_reply(c, &r, "reading banner", "banner") < 0)
		goto out;
	if (want(c, &r, 220, "banner") < 0)
		goto polite;
	if (command(c, cmd, &r, "EHLO") < 0)
		goto out;
	if (want(c, &r, 250, "EHLO refused") < 0)
		goto polite;
	if (!(r.ext & PROBE_EXT_STARTTLS)) {
		fail(res, PROBE_INFEASIBLE, "no STARTTLS");
		goto polite;
	}
	if (command(c, "STARTTLS", &r, "STARTTLS") < 0)
		goto out;
	if (want(c, &r, 220, "STARTTLS refused") < 0)
		goto polite;
	if (tls_setup(c, ctx, req, mx) < 0)
		goto out;
	for (;;) {
		ERR_clear_error();
		rc = SSL_connect(c->ssl);
		if (rc == 1)
			break;
		if (tls_wait(c, rc, "in TLS handshake", PROBE_INFEASIBLE) < 0)
			goto out;
	}
	if (tls_check(c, mx) < 0)
		goto polite;
	if (command(c, cmd, &r, "EHLO after STARTTLS") < 0)
		goto out;
	if (want(c, &r, 250, "EHLO after STARTTLS refused") < 0)
		goto polite;
	if (!(r.ext & PROBE_EXT_REQUIRETLS)) {
		fail(res, PROBE_INFEASIBLE, "no REQUIRETLS after STARTTLS");
		goto polite;
	}
	res->status = PROBE_FEASIBLE;
	snprintf(res->reason, sizeof(res->reason), "REQUIRETLS after STARTTLS, certificate verified by %s",
		 probe_verify_name(res->verified));
polite:
	quit(c, deadline);
out:
	if (c->ssl != NULL)
		SSL_free(c->ssl);       /* frees the BIO too */
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	ERR_clear_error();
}

/* ---------------------------------------------------------------- request */

/* host_ok - a host name we may put in SNI / EHLO: letters, digits, '-', '.', '_' */
static int host_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > HOST_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '.' || ch == '_'))
			return 0;
	}
	return 1;
}

/* check_req - validate the request; 0 or -1 (res filled) */
static int check_req(const struct probe_req *req, char *mx, struct probe_result *res)
{
	size_t i, n;
	unsigned char a[16];

	if (req->mx == NULL || !host_ok(req->mx))
		return fail(res, PROBE_TEMPFAIL, "bad request: MX name missing or not a host name");
	n = strlen(req->mx);
	memcpy(mx, req->mx, n + 1);
	if (mx[n - 1] == '.')
		mx[n - 1] = '\0';
	if (mx[0] == '\0' || mx[0] == '.' || strstr(mx, "..") != NULL)
		return fail(res, PROBE_TEMPFAIL, "bad request: MX name has an empty label");
	if (req->helo == NULL || !host_ok(req->helo))
		return fail(res, PROBE_TEMPFAIL, "bad request: EHLO name missing or not a host name");
	if (req->naddrs == 0 || req->naddrs > PROBE_ADDRS_MAX || req->addrs == NULL)
		return fail(res, PROBE_TEMPFAIL, "bad request: 1 to %d addresses needed", PROBE_ADDRS_MAX);
	for (i = 0; i < req->naddrs; i++)
		if (req->addrs[i] == NULL || strlen(req->addrs[i]) >= sizeof(res->addr) ||
		    (inet_pton(AF_INET, req->addrs[i], a) != 1 && inet_pton(AF_INET6, req->addrs[i], a) != 1))
			return fail(res, PROBE_TEMPFAIL, "bad request: address %zu is not an IP address", i + 1);
	if (req->port > 65535)
		return fail(res, PROBE_TEMPFAIL, "bad request: port out of range");
	if (req->ntlsa > PROBE_TLSA_MAX || (req->ntlsa > 0 && req->tlsa == NULL))
		return fail(res, PROBE_TEMPFAIL, "bad request: at most %d TLSA records", PROBE_TLSA_MAX);
	for (i = 0; i < req->ntlsa; i++)
		if (req->tlsa[i].len > 0 && req->tlsa[i].data == NULL)
			return fail(res, PROBE_TEMPFAIL, "bad request: TLSA record %zu has no data", i + 1);
	return 0;
}

/* ctx_new - this probe's SSL_CTX: TLS 1.2 or later, the CA store, DANE if asked */
static SSL_CTX *ctx_new(const struct probe_req *req, struct probe_result *res)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char eb[160];

	if (ctx == NULL) {
		fail(res, PROBE_TEMPFAIL, "TLS setup failed: %s", tls_err(eb, sizeof(eb)));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (req->ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, req->ca_file, NULL) != 1
				 : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		fail(res, PROBE_TEMPFAIL, "cannot load CA %s: %s", req->ca_file ? req->ca_file : "default store",
		     tls_err(eb, sizeof(eb)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (req->ntlsa > 0 && SSL_CTX_dane_enable(ctx) <= 0) {
		fail(res, PROBE_TEMPFAIL, "DANE setup failed: %s", tls_err(eb, sizeof(eb)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* probe_run - see probe.h */
int probe_run(const struct probe_req *req, struct probe_result *res)
{
	long long start = probe_now_ms();
	struct probe_result att, perm, temp;
	char mx[HOST_MAX + 1];
	struct conn *c;
	SSL_CTX *ctx;
	size_t i;
	int have_perm = 0;

	memset(res, 0, sizeof(*res));
	if (check_req(req, mx, res) < 0)
		return -1;
	pthread_once(&sock_once, sock_meth_init);
	memset(&temp, 0, sizeof(temp));
	fail(&temp, PROBE_TEMPFAIL, "deadline passed before the probe started");
	if ((ctx = ctx_new(req, res)) == NULL) {
		res->elapsed_ms = probe_now_ms() - start;
		return -1;
	}
	if ((c = malloc(sizeof(*c))) == NULL) {
		SSL_CTX_free(ctx);
		fail(res, PROBE_TEMPFAIL, "out of memory");
		return 0;
	}
	for (i = 0; i < req->naddrs; i++) {
		long long now = probe_now_ms(), left = req->deadline_ms - now;

		if (left <= 0)
			break;
		/* each remaining address gets an equal share of the time left, so
		 * one black hole (or a server that never speaks) cannot eat it all */
		attempt(req, mx, ctx, req->addrs[i], now + left / (long long)(req->naddrs - i), &att, c);
		res->tried++;
		if (att.status == PROBE_FEASIBLE) {
			unsigned tried = res->tried;

			*res = att;
			res->tried = tried;
			goto done;
		}
		if (att.status == PROBE_INFEASIBLE && !have_perm) {
			perm = att;
			have_perm = 1;
		} else if (att.status == PROBE_TEMPFAIL) {
			temp = att;
		}
	}
	{
		unsigned tried = res->tried;

		*res = have_perm ? perm : temp;
		res->tried = tried;
	}
done:
	free(c);
	SSL_CTX_free(ctx);
	res->elapsed_ms = probe_now_ms() - start;
	return 0;
}
