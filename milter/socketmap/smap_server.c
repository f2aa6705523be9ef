/*
 * smap_server - the socketmap listener's threads (see smap_server.h).
 *
 * A connection thread reads with blocking read() under SO_RCVTIMEO and writes
 * under SO_SNDTIMEO: one read and one write per request, no poll, so the
 * daemon stays near the ceiling of a null server.  To stop, the stopping
 * thread shutdown()s every connection, which wakes its read at once.  The fd
 * of a connection is closed only under the lock, so a shutdown never hits a
 * descriptor number that was reused.
 *
 * Snapshot: a connection keeps its reference to the snapshot in force and
 * checks current_generation() (one atomic load) before every request; after
 * a reload it takes the new one, so the reload applies to the next request.
 * current_get per request would put a mutex shared by all connections on
 * every answer (half the throughput at 16 connections on 2 cores).  An idle
 * connection holds the old snapshot at most policy_socket_timeout.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/current.h"
#include "policy/ruleset.h"
#include "util/log.h"
#include "util/netstring.h"
#include "socketmap/smap_request.h"
#include "socketmap/smap_server.h"

struct smap_server {
	int lfd;
	int timeout_s;
	int stop_pipe[2];               /* wakes the accept thread */
	pthread_t acceptor;
	pthread_mutex_t lock;
	pthread_cond_t gone;            /* a connection thread ended */
	int stopping;
	int nconns;
	int fds[SMAP_MAX_CONNS];        /* -1: free slot */
	time_t last_full_warning;
};

struct smap_conn {
	struct smap_server *s;
	int slot;
	int fd;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* write all of buf; 0, or -1 (peer gone, send timeout, stop) */
static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, buf, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

static void conn_end(struct smap_conn *c)
{
	struct smap_server *s = c->s;

	pthread_mutex_lock(&s->lock);
	close(c->fd);
	s->fds[c->slot] = -1;
	s->nconns--;
	pthread_cond_broadcast(&s->gone);
	pthread_mutex_unlock(&s->lock);
	free(c);
}

/* serve one connection until EOF, error, timeout or stop */
static void *conn_thread(void *arg)
{
	struct smap_conn *c = arg;
	struct netstring *d = netstring_create(NETSTRING_MAX);
	char in[4096], reply[SMAP_REPLY_MAX], out[SMAP_REPLY_MAX + 16];
	double started = now_s();       /* the first byte of the request being read */
	const char *why = NULL;
	unsigned long gen = current_generation();
	struct ruleset *p = current_get();

	if (!d) {
		log_err("socketmap: out of memory: closing a connection");
		ruleset_unref(p);
		conn_end(c);
		return NULL;
	}
	for (;;) {
		ssize_t n = read(c->fd, in, sizeof(in));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			why = netstring_pending(d) ? "request not finished in time" : NULL;
			break;          /* idle: the MTA reconnects when it needs us */
		}
		if (n <= 0)
			break;          /* EOF, reset, or shut down by the stop */
		if (!netstring_pending(d))
			started = now_s();
		size_t off = 0, used, len;
		const char *data;
		int bad = 0;
		while (off < (size_t)n) {
			enum netstring_status st = netstring_feed(d, in + off, (size_t)n - off, &used, &data, &len);
			off += used;
			if (st == NETSTRING_ERROR) {
				why = netstring_error(d);
				bad = 1;
				break;
			}
			if (st == NETSTRING_MORE)
				break;
			unsigned long g = current_generation();
			if (g != gen) {
				ruleset_unref(p);
				gen = g;
				p = current_get();
			}
			size_t rl = smap_request_answer(p, data, len, reply);
			long ol = netstring_encode(out, sizeof(out), reply, rl);
			if (ol < 0 || write_all(c->fd, out, (size_t)ol) < 0) {
				bad = 1;
				break;
			}
			started = now_s();
		}
		if (bad)
			break;
		/* a request trickling in byte by byte must still finish in time */
		if (netstring_pending(d) && now_s() - started > c->s->timeout_s) {
			why = "request not finished in time";
			break;
		}
	}
	if (why)
		log_warn("socketmap: closing a connection: %s", why);
	else
		log_debug("socketmap: connection closed");
	netstring_free(d);
	ruleset_unref(p);
	conn_end(c);
	return NULL;
}

/* take a connection: a slot and a thread, or close it */
static void take(struct smap_server *s, int fd)
{
	struct timeval tv = { s->timeout_s, 0 };
	struct smap_conn *c = malloc(sizeof(*c));
	pthread_attr_t attr;
	pthread_t tid;
	int slot = -1;

	if (!c) {
		log_err("socketmap: out of memory: closing a new connection");
		close(fd);
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (!s->stopping && s->nconns < SMAP_MAX_CONNS)
		for (slot = 0; slot < SMAP_MAX_CONNS && s->fds[slot] >= 0; slot++)
			;
	if (slot < 0 || slot >= SMAP_MAX_CONNS) {
		time_t t = time(NULL);
		int warn = !s->stopping && t - s->last_full_warning >= 60;
		if (warn)
			s->last_full_warning = t;
		pthread_mutex_unlock(&s->lock);
		if (warn)
			log_warn("socketmap: %d connections open: closing new ones (the MTA's lookups fail and "
			    "the mail waits)", SMAP_MAX_CONNS);
		close(fd);
		free(c);
		return;
	}
	s->fds[slot] = fd;
	s->nconns++;
	pthread_mutex_unlock(&s->lock);

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->s = s;
	c->slot = slot;
	c->fd = fd;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if ((errno = pthread_create(&tid, &attr, conn_thread, c)) != 0) {
		log_err("socketmap: cannot start a connection thread: %s", strerror(errno));
		conn_end(c);
	}
	pthread_attr_destroy(&attr);
}

static void *accept_thread(void *arg)
{
	struct smap_server *s = arg;

	for (;;) {
		struct pollfd pfd[2] = { { s->lfd, POLLIN, 0 }, { s->stop_pipe[0], POLLIN, 0 } };
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("socketmap: poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_warn("socketmap: accept: %s", strerror(errno));
				poll(NULL, 0, 100);     /* let connections end */
			}
			continue;       /* EINTR, ECONNABORTED, EAGAIN (another accepted it) */
		}
		take(s, fd);
	}
	return NULL;
}

struct smap_server *smap_server_start(int lfd, int timeout_s, char *err, size_t errsz)
{
	struct smap_server *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	s->lfd = lfd;
	s->timeout_s = timeout_s > 0 ? timeout_s : 60;
	for (int i = 0; i < SMAP_MAX_CONNS; i++)
		s->fds[i] = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->gone, NULL);
	if (pipe(s->stop_pipe) < 0) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((errno = pthread_create(&s->acceptor, NULL, accept_thread, s)) != 0) {
		snprintf(err, errsz, "pthread_create: %s", strerror(errno));
		close(s->stop_pipe[0]);
		close(s->stop_pipe[1]);
		goto fail;
	}
	return s;
fail:
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->gone);
	free(s);
	return NULL;
}

int smap_server_stop(struct smap_server *s, int ms)
{
	struct timespec until;

	if (!s)
		return 0;
	(void)!write(s->stop_pipe[1], "x", 1);
	pthread_join(s->acceptor, NULL);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	for (int i = 0; i < SMAP_MAX_CONNS; i++)
		if (s->fds[i] >= 0)
			shutdown(s->fds[i], SHUT_RDWR);
	while (s->nconns > 0)
		if (pthread_cond_timedwait(&s->gone, &s->lock, &until) == ETIMEDOUT)
			break;
	int left = s->nconns;
	pthread_mutex_unlock(&s->lock);
	if (left > 0) {
		log_err("socketmap: %d connection(s) still answering after %d ms", left, ms);
		return -1;
	}
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->gone);
	free(s);
	return 0;
}
