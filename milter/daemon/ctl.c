/*
 * ctl - the control socket (see ctl.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "feasible/feasible.h"
#include "mtasts/mtasts_store.h"
#include "policy/ruleset.h"
#include "util/domain.h"
#include "util/log.h"
#include "daemon/current.h"
#include "daemon/netctx.h"
#include "daemon/ctl.h"

/* ---- the commands ---- */

struct text {
	char *s;
	size_t len, cap;
	int failed;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || t->failed)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8192;
		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		char *s = realloc(t->s, cap);
		if (!s) {
			t->failed = 1;
			return;
		}
		t->s = s;
		t->cap = cap;
	}
	memcpy(t->s + t->len, line, (size_t)n);
	t->len += (size_t)n;
	t->s[t->len] = '\0';
}

struct dump {
	struct text *t;
	int64_t now;
};

/* one cache entry (shard lock held: format and go) */
static int dump_entry(void *arg, const struct cache_info *in)
{
	struct dump *d = arg;
	char qk[300];

	snprintf(qk, sizeof(qk), "%s", in->key);
	for (char *p = qk; *p; p++)
		if (*p <= ' ' || *p > '~')
			*p = '?';
	long long left = (long long)((in->expires - d->now) / 1000);
	if (strncmp(in->key, "rt:", 3) == 0 && in->value) {
		const struct feasible_result *r = in->value;
		add(d->t, "cache %s expires_in=%llds negative=%s result=%s method=%s\n", qk, left,
		    (in->flags & CACHE_NEGATIVE) ? "yes" : "no", feasible_status_name(r->status),
		    r->method ? r->method : "-");
	} else
		add(d->t, "cache %s expires_in=%llds negative=%s\n", qk, left,
		    (in->flags & CACHE_NEGATIVE) ? "yes" : "no");
	return 0;
}

static int dump_sts(const struct mtasts_store_entry *e, void *arg)
{
	struct text *t = arg;

	add(t, "mta-sts %s id=%s fetched_at=%lld expired=%s\n", e->domain, e->id, e->fetched_at,
	    mtasts_store_entry_expired(e, (long long)time(NULL)) ? "yes" : "no");
	return 0;
}

struct names {
	char (*d)[DOMAIN_MAX + 1];
	size_t n, cap;
};

static int collect_sts(const struct mtasts_store_entry *e, void *arg)
{
	struct names *nm = arg;

	if (nm->n == nm->cap) {
		size_t cap = nm->cap ? nm->cap * 2 : 64;
		void *d = realloc(nm->d, cap * sizeof(*nm->d));
		if (!d)
			return 1;
		nm->d = d;
		nm->cap = cap;
	}
	snprintf(nm->d[nm->n++], DOMAIN_MAX + 1, "%s", e->domain);
	return 0;
}

/* does key ("rt:MODE:DOMAIN", "ob:DOMAIN") name domain arg? */
static int key_is(void *arg, const char *key)
{
	const char *c = strrchr(key, ':');

	return c && strcasecmp(c + 1, arg) == 0;
}

/* The persisted MTA-STS store of the policy in force (NULL: memory only). */
static struct mtasts_store *open_store(struct text *t, int *failed)
{
	struct ruleset *p = current_get();
	struct mtasts_store *st = NULL;
	char err[256];

	if (p && p->mta_sts.store && !(st = mtasts_store_open(p->mta_sts.store, err, sizeof(err)))) {
		add(t, "error MTA-STS store %s: %s\n", p->mta_sts.store, err);
		*failed = 1;
	}
	ruleset_unref(p);
	return st;
}

static int run(const char *cmd, struct text *t)
{
	struct cache *c = netctx_cache();
	int failed = 0;
	char dom[DOMAIN_MAX + 1];
	const char *arg = NULL;

	if (strcmp(cmd, "dump") != 0 && strcmp(cmd, "purge") != 0 && strncmp(cmd, "purge ", 6) != 0) {
		add(t, "error unknown command (expected dump, purge or purge DOMAIN)\n");
		return -1;
	}
	if (strncmp(cmd, "purge ", 6) == 0) {
		const char *err;
		size_t len = strlen(cmd + 6);
		if (len && cmd[6 + len - 1] == '.')
			len--;          /* a trailing dot is the same domain */
		if (domain_normalize(cmd + 6, len, dom, sizeof(dom), &err) < 0) {
			add(t, "error bad domain: %s\n", err ? err : "invalid");
			return -1;
		}
		arg = dom;
	}
	struct mtasts_store *st = open_store(t, &failed);
	char err[256];
	if (strcmp(cmd, "dump") == 0) {
		size_t n = 0;
		long m = 0;
		if (c) {
			struct dump d = { t, cache_now(c) };
			n = cache_foreach(c, INT64_MAX, dump_entry, &d);
		}
		if (st && (m = mtasts_store_list(st, dump_sts, t, err, sizeof(err))) < 0) {
			add(t, "error MTA-STS store: %s\n", err);
			failed = 1;
		}
		if (!failed)
			add(t, "ok %zu cache entries, %ld stored MTA-STS policies\n", n, st ? m : 0L);
	} else {
		size_t n = c ? cache_purge_if(c, arg ? key_is : NULL, (void *)arg) : 0;
		long m = 0;
		if (st && arg) {
			int r = mtasts_store_delete(st, arg, err, sizeof(err));
			if (r < 0) {
				add(t, "error MTA-STS store: %s\n", err);
				failed = 1;
			} else
				m = r;
		} else if (st) {
			struct names nm = { 0 };
			if (mtasts_store_list(st, collect_sts, &nm, err, sizeof(err)) < 0) {
				add(t, "error MTA-STS store: %s\n", err);
				failed = 1;
			}
			for (size_t i = 0; i < nm.n && !failed; i++) {
				int r = mtasts_store_delete(st, nm.d[i], err, sizeof(err));
				if (r < 0) {
					add(t, "error MTA-STS store: %s\n", err);
					failed = 1;
				} else
					m += r;
			}
			free(nm.d);
		}
		if (!failed) {
			add(t, "ok purged %zu cache entries, %ld stored MTA-STS policies%s%s\n", n, m,
			    arg ? " for " : "", arg ? arg : "");
			log_info("control: purged %zu cache entries, %ld stored MTA-STS policies%s%s", n, m,
			    arg ? " for " : "", arg ? arg : "");
		}
	}
	mtasts_store_close(st);
	if (t->failed)
		return -1;
	return failed ? -1 : 0;
}

int ctl_handle(const char *cmd, int (*out)(void *arg, const char *s, size_t len), void *arg)
{
	struct text t = { 0 };
	int r = run(cmd, &t);

	if (t.failed) {
		free(t.s);
		static const char oom[] = "error out of memory\n";
		out(arg, oom, sizeof(oom) - 1);
		return -1;
	}
	if (t.len && out(arg, t.s, t.len) < 0)
		r = -1;
	free(t.s);
	return r;
}

/* ---- the server ---- */

struct ctl_server {
	int fd, wake[2];
	pthread_t tid;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* write all of s to the connection by the deadline */
static int send_all(void *arg, const char *s, size_t len)
{
	int fd = *(int *)arg;
	int64_t deadline = now_ms() + CTL_TIMEOUT_MS;

	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			s += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		int64_t left = deadline - now_ms();
		struct pollfd p = { fd, POLLOUT, 0 };
		if (left <= 0 || poll(&p, 1, (int)left) < 0)
			return -1;
	}
	return 0;
}

static void serve_one(int fd)
{
	char line[CTL_LINE_MAX + 2];
	size_t len = 0;
	int64_t deadline = now_ms() + CTL_TIMEOUT_MS;
	struct ucred cr;
	socklen_t crl = sizeof(cr);

	/* the file mode keeps others out; the peer's uid is checked as well */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0 || (cr.uid != 0 && cr.uid != geteuid())) {
		log_warn("control: connection from uid %ld refused", (long)cr.uid);
		return;
	}
	while (len < sizeof(line) - 1 && !memchr(line, '\n', len)) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			send_all(&fd, "error request not finished in time\n", 35);
			return;
		}
		ssize_t n = recv(fd, line + len, sizeof(line) - 1 - len, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return;
		}
		len += (size_t)n;
	}
	line[len] = '\0';
	char *nl = memchr(line, '\n', len);
	if (!nl && len >= CTL_LINE_MAX) {
		send_all(&fd, "error request too long\n", 23);
		return;
	}
	if (nl)
		*nl = '\0';
	line[strcspn(line, "\r")] = '\0';
	ctl_handle(line, send_all, &fd);
}

static void *ctl_thread(void *arg)
{
	struct ctl_server *c = arg;

	for (;;) {
		struct pollfd p[2] = { { c->fd, POLLIN, 0 }, { c->wake[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("control: poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("control: accept: %s", strerror(errno));
			continue;
		}
		serve_one(fd);
		close(fd);
	}
	return NULL;
}

struct ctl_server *ctl_server_start(int fd, char *err, size_t errsz)
{
	struct ctl_server *c = calloc(1, sizeof(*c));

	if (!c || pipe2(c->wake, O_CLOEXEC) < 0) {
		snprintf(err, errsz, "%s", c ? strerror(errno) : "out of memory");
		free(c);
		close(fd);
		return NULL;
	}
	c->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if ((errno = pthread_create(&c->tid, NULL, ctl_thread, c)) != 0) {
		snprintf(err, errsz, "pthread_create: %s", strerror(errno));
		close(c->wake[0]);
		close(c->wake[1]);
		close(fd);
		free(c);
		return NULL;
	}
	return c;
}

void ctl_server_stop(struct ctl_server *c)
{
	if (!c)
		return;
	(void)!write(c->wake[1], "x", 1);
	pthread_join(c->tid, NULL);     /* a request in progress ends within its deadlines */
	close(c->wake[0]);
	close(c->wake[1]);
	close(c->fd);
	free(c);
}

/* ---- the client ---- */

int ctl_client(const char *path, const char *cmd)
{
	struct sockaddr_un sa;
	int fd;
	char buf[8192], last[CTL_LINE_MAX] = "";
	size_t ll = 0;
	int at_start = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "tlspolicy-milter: control socket path too long: %s\n", path);
		return 1;
	}
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "tlspolicy-milter: cannot connect to the control socket %s: %s (is the daemon running, "
		    "and are you root or its user?)\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	struct timeval tv = { CTL_TIMEOUT_MS / 1000 * 2, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	char req[CTL_LINE_MAX + 2];
	int n = snprintf(req, sizeof(req), "%s\n", cmd);
	if (n < 0 || n >= (int)sizeof(req) || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		fprintf(stderr, "tlspolicy-milter: cannot send the command: %s\n", n >= (int)sizeof(req) ? "too long" :
		    strerror(errno));
		close(fd);
		return 1;
	}
	shutdown(fd, SHUT_WR);
	ssize_t k;
	while ((k = recv(fd, buf, sizeof(buf), 0)) > 0) {
		fwrite(buf, 1, (size_t)k, stdout);
		/* remember the last line */
		for (ssize_t i = 0; i < k; i++) {
			if (at_start) {
				ll = 0;
				at_start = 0;
			}
			if (buf[i] == '\n') {
				last[ll < sizeof(last) ? ll : sizeof(last) - 1] = '\0';
				at_start = 1;
			} else if (ll < sizeof(last) - 1)
				last[ll++] = buf[i];
		}
	}
	if (k < 0) {
		fprintf(stderr, "tlspolicy-milter: reading the answer: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	fflush(stdout);
	if (strncmp(last, "ok", 2) != 0) {
		fprintf(stderr, "tlspolicy-milter: the daemon did not answer ok\n");
		return 1;
	}
	return 0;
}
