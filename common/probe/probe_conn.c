/*
 * probe_conn - one SMTP connection of the probe (see probe_conn.h).
 *
 * OpenSSL talks to the socket through a small BIO of our own that writes
 * with MSG_NOSIGNAL, so a peer that resets the connection can never raise
 * SIGPIPE in the caller's process (libmilter's or anyone's).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "probe/probe_conn.h"
#include "probe/probe_result.h"

#define QUIT_WAIT_MS 1000           /* at most this long for the 221 to our QUIT */
#define CMD_MAX 272                 /* "EHLO " + a 253-byte name + CRLF, with room */

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

/* probe_conn_bio - see probe_conn.h */
BIO *probe_conn_bio(struct probe_conn *c)
{
	BIO *b;

	pthread_once(&sock_once, sock_meth_init);
	if (sock_meth == NULL || (b = BIO_new(sock_meth)) == NULL)
		return NULL;
	BIO_set_data(b, (void *)(intptr_t)c->fd);
	return b;
}

/* ---------------------------------------------------------------- I/O */

/* wait_fd - poll fd for events until the deadline; 0 ready, -1 timeout */
static int wait_fd(struct probe_conn *c, short events)
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

/* probe_conn_tls_error - see probe_conn.h */
const char *probe_conn_tls_error(char *buf, size_t bufsz)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, bufsz, "protocol error");
	else
		ERR_error_string_n(e, buf, bufsz);
	ERR_clear_error();
	return buf;
}

/* probe_conn_tls_wait - see probe_conn.h */
int probe_conn_tls_wait(struct probe_conn *c, int r, const char *what, enum probe_status ssl_status)
{
	int saved = errno;              /* before anything else can change it */
	int e = SSL_get_error(c->ssl, r);
	char eb[160];

	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		if (wait_fd(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT) < 0)
			return probe_result_fail(c->res, PROBE_TEMPFAIL, "timeout %s", what);
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		return probe_result_fail(c->res, PROBE_TEMPFAIL, "connection closed %s", what);
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (r == 0 || saved == 0)
			return probe_result_fail(c->res, PROBE_TEMPFAIL, "connection closed %s", what);
		return probe_result_fail(c->res, PROBE_TEMPFAIL, "%s %s", errtext(saved), what);
	default:
		/* OpenSSL 3 reports a peer's close without close_notify as a
		 * protocol error; it is a dropped connection, not a bad server */
		if (ERR_GET_LIB(ERR_peek_error()) == ERR_LIB_SSL &&
		    ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
			ERR_clear_error();
			return probe_result_fail(c->res, PROBE_TEMPFAIL, "connection closed %s", what);
		}
		return probe_result_fail(c->res, ssl_status, "TLS error %s: %s",
					 what, probe_conn_tls_error(eb, sizeof(eb)));
	}
}

/* conn_write - write all of p[0..n); 0 or -1 (reason set) */
static int conn_write(struct probe_conn *c, const char *p, size_t n, const char *what)
{
	while (n > 0) {
		ssize_t r;

		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_write(c->ssl, p, (int)n);
			if (r <= 0) {
				if (probe_conn_tls_wait(c, (int)r, what, PROBE_TEMPFAIL) < 0)
					return -1;
				continue;
			}
		} else {
			r = send(c->fd, p, n, MSG_NOSIGNAL);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN && errno != EWOULDBLOCK)
					return probe_result_fail(c->res, PROBE_TEMPFAIL, "%s %s",
								 errtext(errno), what);
				if (wait_fd(c, POLLOUT) < 0)
					return probe_result_fail(c->res, PROBE_TEMPFAIL, "timeout %s", what);
				continue;
			}
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* conn_read - read some bytes into p[0..cap); the count, or -1 (reason set) */
static ssize_t conn_read(struct probe_conn *c, char *p, size_t cap, const char *what)
{
	for (;;) {
		ssize_t r;

		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_read(c->ssl, p, (int)cap);
			if (r > 0)
				return r;
			if (probe_conn_tls_wait(c, (int)r, what, PROBE_TEMPFAIL) < 0)
				return -1;
			continue;
		}
		r = recv(c->fd, p, cap, 0);
		if (r > 0)
			return r;
		if (r == 0)
			return probe_result_fail(c->res, PROBE_TEMPFAIL, "connection closed %s", what);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return probe_result_fail(c->res, PROBE_TEMPFAIL, "%s %s", errtext(errno), what);
		if (wait_fd(c, POLLIN) < 0)
			return probe_result_fail(c->res, PROBE_TEMPFAIL, "timeout %s", what);
	}
}

/* probe_conn_reply - see probe_conn.h */
int probe_conn_reply(struct probe_conn *c, struct probe_reply *r, const char *what, const char *name)
{
	for (;;) {
		const char *err;
		ssize_t n;
		int rc = probe_reply_parse(c->buf, c->len, r, &err);

		if (rc > 0) {
			if (r->len != c->len)
				return probe_result_fail(c->res, PROBE_INFEASIBLE, "unexpected data after %s",
							 name);
			c->len = 0;
			return 0;
		}
		if (rc < 0)
			return probe_result_fail(c->res, PROBE_INFEASIBLE, "bad %s: %s", name, err);
		if (c->len >= sizeof(c->buf))   /* the parser stops at PROBE_REPLY_MAX: not reached */
			return probe_result_fail(c->res, PROBE_INFEASIBLE, "bad %s: reply too long", name);
		n = conn_read(c, c->buf + c->len, sizeof(c->buf) - c->len, what);
		if (n < 0)
			return -1;
		c->len += (size_t)n;
	}
}

/* probe_conn_command - see probe_conn.h */
int probe_conn_command(struct probe_conn *c, const char *cmd, struct probe_reply *r, const char *name)
{
	char line[CMD_MAX], what[64];

	snprintf(line, sizeof(line), "%s\r\n", cmd);
	snprintf(what, sizeof(what), "sending %s", name);
	if (conn_write(c, line, strlen(line), what) < 0)
		return -1;
	snprintf(what, sizeof(what), "reading reply to %s", name);
	return probe_conn_reply(c, r, what, what + 8);     /* "reply to NAME" */
}

/* probe_conn_want - see probe_conn.h */
int probe_conn_want(struct probe_conn *c, const struct probe_reply *r, int code, const char *step)
{
	if (r->code == code)
		return 0;
	return probe_result_fail(c->res, r->code >= 400 && r->code < 500 ? PROBE_TEMPFAIL : PROBE_INFEASIBLE,
		    "%s: %d %.120s", step, r->code, r->text);
}

/* probe_conn_quit - see probe_conn.h */
void probe_conn_quit(struct probe_conn *c)
{
	struct probe_result scratch;
	struct probe_reply r;
	struct probe_result *res = c->res;
	long long soon = probe_now_ms() + QUIT_WAIT_MS;

	memset(&scratch, 0, sizeof(scratch));
	c->res = &scratch;
	if (soon < c->deadline)
		c->deadline = soon;
	c->len = 0;
	if (probe_conn_command(c, "QUIT", &r, "QUIT") == 0 && c->ssl != NULL) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);   /* one try: send our close_notify, do not wait */
	}
	ERR_clear_error();
	c->res = res;
}

/* ---------------------------------------------------------------- connection */

/* probe_conn_init - see probe_conn.h */
void probe_conn_init(struct probe_conn *c, struct probe_result *res, long long deadline)
{
	c->fd = -1;
	c->ssl = NULL;
	c->dane = 0;
	c->deadline = deadline;
	c->res = res;
	c->len = 0;
}

/* probe_conn_close - see probe_conn.h */
void probe_conn_close(struct probe_conn *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);       /* frees the BIO too */
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	ERR_clear_error();
}

/* probe_conn_connect - see probe_conn.h */
int probe_conn_connect(struct probe_conn *c, const char *addr, unsigned port)
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
		return probe_result_fail(c->res, PROBE_TEMPFAIL, "bad address");     /* checked before: not reached */
	}
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return probe_result_fail(c->res, PROBE_TEMPFAIL, "%s creating a socket", errtext(errno));
	if (connect(c->fd, (struct sockaddr *)&ss, sl) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return probe_result_fail(c->res, PROBE_TEMPFAIL, "%s", errtext(errno));
	if (wait_fd(c, POLLOUT) < 0)
		return probe_result_fail(c->res, PROBE_TEMPFAIL, "timeout connecting");
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err != 0)
		return probe_result_fail(c->res, PROBE_TEMPFAIL, "%s", errtext(err));
	return 0;
}
