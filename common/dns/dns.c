/*
 * dns - DNS lookups through libunbound, validated, with an absolute deadline.
 *
 * Design: libunbound runs its resolver in a background thread
 * (ub_ctx_async(ctx, 1); never the forked worker).  Answers come back on one
 * pipe (ub_fd); a dispatcher thread of ours polls it and calls ub_process,
 * which runs our callback.  The callback stores the result in the caller's
 * struct query and signals that query's condition variable.  So each caller
 * waits only for its own answer, with pthread_cond_timedwait on the
 * monotonic clock; d->mu is held only to hand results over, never while
 * anybody waits for the network.
 *
 * On the deadline the caller cancels its query (ub_cancel).  In threaded
 * mode libunbound then never calls the callback (UB_NOERROR) - or the answer
 * is already on its way (UB_NOID) and the callback will run: the caller
 * waits for it, uses it, and only then frees the query.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "dns/dns.h"
#include "util/log.h"
#include "util/printable.h"

#define DNS_DEFAULT_TIMEOUT_MS 5000
#define DNS_DEFAULT_PARALLEL 256
#define RCODE_SERVFAIL 2
#define RCODE_NXDOMAIN 3

struct dns {
	struct ub_ctx *ctx;
	int timeout_ms;
	pthread_mutex_t mu;             /* guards struct query hand-over */
	pthread_condattr_t cattr;       /* CLOCK_MONOTONIC */
	pthread_t dispatcher;
	int dispatcher_running;
	int wake[2];                    /* dns_free -> dispatcher: stop */
};

struct batch {                          /* lives on the caller's stack */
	struct dns *d;
	pthread_cond_t cond;
	size_t pending;                 /* callbacks still to come */
};

struct query {                          /* one name/type of a batch */
	struct batch *b;
	int id;                         /* libunbound's async id */
	int started, done, timed_out;
	int err;                        /* libunbound error code, 0 if none */
	struct ub_result *res;
};

int64_t dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *dns_security_name(enum dns_security s)
{
	switch (s) {
	case DNS_SEC_SECURE: return "secure";
	case DNS_SEC_INSECURE: return "insecure";
	case DNS_SEC_BOGUS: return "bogus";
	default: return "none";
	}
}

const char *dns_status_name(enum dns_status s)
{
	switch (s) {
	case DNS_OK: return "ok";
	case DNS_NODATA: return "nodata";
	case DNS_NXDOMAIN: return "nxdomain";
	default: return "tempfail";
	}
}

/* rank: bogus worst, then none (no answer), insecure, secure best */
static int sec_rank(enum dns_security s)
{
	switch (s) {
	case DNS_SEC_BOGUS: return 0;
	case DNS_SEC_NONE: return 1;
	case DNS_SEC_INSECURE: return 2;
	default: return 3;
	}
}

enum dns_security dns_security_weakest(enum dns_security a, enum dns_security b)
{
	return sec_rank(a) <= sec_rank(b) ? a : b;
}

/* dispatcher - read libunbound's answers until dns_free says stop */
static void *dispatcher(void *arg)
{
	struct dns *d = arg;
	struct pollfd p[2];
	int rc;

	p[0].fd = ub_fd(d->ctx);
	p[0].events = POLLIN;
	p[1].fd = d->wake[0];
	p[1].events = POLLIN;
	for (;;) {
		p[0].revents = p[1].revents = 0;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;                  /* cannot happen with valid fds */
		}
		if (p[1].revents)
			break;
		if (p[0].revents && (rc = ub_process(d->ctx)) != 0) {
			if (rc != UB_PIPE) {
				log_warn("dns: ub_process: %s", ub_strerror(rc));
				continue;
			}
			/* the pipe to the resolver thread broke: nothing will
			 * answer any more; every query ends at its deadline */
			log_err("dns: libunbound's resolver thread is gone: %s", ub_strerror(rc));
			break;
		}
	}
	return NULL;
}

/* callback - runs in the dispatcher (inside ub_process) */
static void callback(void *arg, int err, struct ub_result *res)
{
	struct query *q = arg;
	struct batch *b = q->b;
	struct dns *d = b->d;

	/* done and the signal under the mutex: the waiter frees the batch as
	 * soon as nothing is pending, so neither is touched after the unlock */
	pthread_mutex_lock(&d->mu);
	q->err = err;
	q->res = res;
	q->done = 1;
	b->pending--;
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&d->mu);
}

static void ms_to_timespec(int64_t ms, struct timespec *ts)
{
	ts->tv_sec = ms / 1000;
	ts->tv_nsec = (ms % 1000) * 1000000;
}

/* fill - turn a ub_result (or an error) into the answer */
static int fill(struct dns_answer *a, int uberr, struct ub_result *r, int timed_out, int64_t waited)
{
	struct dns_outcome *o = &a->out;
	int i, n;

	o->rcode = -1;
	o->security = DNS_SEC_NONE;
	if (timed_out) {
		o->status = DNS_TEMPFAIL;
		snprintf(o->reason, sizeof(o->reason), "no answer within %lld ms", (long long)waited);
		return 0;
	}
	if (uberr != 0 || r == NULL) {
		o->status = DNS_TEMPFAIL;
		snprintf(o->reason, sizeof(o->reason), "resolver error: %s", ub_strerror(uberr));
		return 0;
	}
	o->rcode = r->rcode;
	o->ttl = r->ttl > 0 ? (uint32_t)r->ttl : 0;
	if (r->bogus) {
		/* never insecure: the caller sees BOGUS whatever rcode says */
		o->security = DNS_SEC_BOGUS;
		snprintf(o->reason, sizeof(o->reason), "DNSSEC validation failed: %s",
			 r->why_bogus ? r->why_bogus : "bogus");
		/* why_bogus quotes names and data from the network */
		printable_inplace(o->reason, NULL, '?');
	} else if (r->secure) {
		o->security = DNS_SEC_SECURE;
	} else {
		o->security = DNS_SEC_INSECURE;
	}
	if (r->rcode == 0 && r->havedata) {
		o->status = DNS_OK;
	} else if (r->rcode == 0) {
		o->status = DNS_NODATA;
	} else if (r->rcode == RCODE_NXDOMAIN || r->nxdomain) {
		o->status = DNS_NXDOMAIN;
	} else {
		o->status = DNS_TEMPFAIL;
		if (o->security != DNS_SEC_BOGUS) {
			if (r->rcode == RCODE_SERVFAIL)
				snprintf(o->reason, sizeof(o->reason), "SERVFAIL");
			else
				snprintf(o->reason, sizeof(o->reason), "rcode %d", r->rcode);
			o->security = DNS_SEC_NONE;
		}
	}
	if (o->status != DNS_OK)
		return 0;
	for (n = 0; r->data[n] != NULL; n++)
		;
	a->data = calloc((size_t)n + 1, sizeof(*a->data));
	a->len = calloc((size_t)n + 1, sizeof(*a->len));
	if (a->data == NULL || a->len == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		size_t l = r->len[i] > 0 ? (size_t)r->len[i] : 0;

		a->data[i] = malloc(l ? l : 1);
		if (a->data[i] == NULL)
			return -1;
		memcpy(a->data[i], r->data[i], l);
		a->len[i] = l;
		a->count++;
	}
	return 0;
}

void dns_answer_free(struct dns_answer *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->count; i++)
		free(a->data[i]);
	free(a->data);
	free(a->len);
	free(a);
}

/* wait_all - wait for every started query of the batch until the deadline,
 * then cancel the rest.  Called with d->mu held; returns with it held. */
static void wait_all(struct dns *d, struct batch *b, struct query *q, size_t n, int64_t until)
{
	struct timespec ts;
	size_t i;

	ms_to_timespec(until, &ts);
	while (b->pending > 0)
		if (pthread_cond_timedwait(&b->cond, &d->mu, &ts) == ETIMEDOUT)
			break;
	if (b->pending == 0)
		return;
	for (i = 0; i < n; i++) {
		if (!q[i].started || q[i].done)
			continue;
		/* never hold d->mu while taking libunbound's own lock.
		 * UB_NOERROR: the callback will never run.  Otherwise the
		 * answer is being delivered and is waited for below. */
		pthread_mutex_unlock(&d->mu);
		if (ub_cancel(d->ctx, q[i].id) == UB_NOERROR) {
			pthread_mutex_lock(&d->mu);
			if (!q[i].done) {
				q[i].timed_out = 1;
				b->pending--;
			}
		} else {
			pthread_mutex_lock(&d->mu);
		}
	}
	while (b->pending > 0)
		pthread_cond_wait(&b->cond, &d->mu);
}

int dns_query_multi(struct dns *d, size_t n, const char *const *names, const int *rrtypes,
		    int64_t deadline_ms, struct dns_answer **out, char *err, size_t errsz)
{
	struct query *q;
	struct batch b;
	int64_t start = dns_now_ms(), until;
	size_t i;
	int rc, failed = 0;

	for (i = 0; i < n; i++)
		out[i] = NULL;
	if (d == NULL || n == 0) {
		snprintf(err, errsz, "dns_query: bad arguments");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (names[i] == NULL || names[i][0] == '\0' || rrtypes[i] <= 0 || rrtypes[i] > 65535) {
			snprintf(err, errsz, "dns_query: bad arguments");
			return -1;
		}
	}
	q = calloc(n, sizeof(*q));
	if (q == NULL) {
		snprintf(err, errsz, "dns_query: out of memory");
		return -1;
	}
	until = start + d->timeout_ms;
	if (deadline_ms > 0 && deadline_ms < until)
		until = deadline_ms;
	b.d = d;
	b.pending = 0;
	if (pthread_cond_init(&b.cond, &d->cattr) != 0) {
		free(q);
		snprintf(err, errsz, "dns_query: pthread_cond_init failed");
		return -1;
	}
	for (i = 0; i < n; i++) {
		q[i].b = &b;
		/* counted before the call: the callback may run at once */
		pthread_mutex_lock(&d->mu);
		b.pending++;
		pthread_mutex_unlock(&d->mu);
		rc = ub_resolve_async(d->ctx, names[i], rrtypes[i], 1 /* IN */, &q[i], callback,
				      &q[i].id);
		pthread_mutex_lock(&d->mu);
		if (rc != 0) {
			q[i].done = 1;
			q[i].err = rc;
			b.pending--;
		} else {
			q[i].started = 1;
		}
		pthread_mutex_unlock(&d->mu);
	}
	pthread_mutex_lock(&d->mu);
	wait_all(d, &b, q, n, until);
	pthread_mutex_unlock(&d->mu);
	pthread_cond_destroy(&b.cond);

	for (i = 0; i < n; i++) {
		out[i] = calloc(1, sizeof(*out[i]));
		if (out[i] == NULL ||
		    fill(out[i], q[i].err, q[i].res, q[i].timed_out, dns_now_ms() - start) != 0)
			failed = 1;
		else
			out[i]->rrtype = rrtypes[i];
		ub_resolve_free(q[i].res);
	}
	free(q);
	if (failed) {
		for (i = 0; i < n; i++) {
			dns_answer_free(out[i]);
			out[i] = NULL;
		}
		snprintf(err, errsz, "dns_query: out of memory");
		return -1;
	}
	return 0;
}

int dns_query(struct dns *d, const char *name, int rrtype, int64_t deadline_ms,
	      struct dns_answer **out, char *err, size_t errsz)
{
	return dns_query_multi(d, 1, &name, &rrtype, deadline_ms, out, err, errsz);
}

/* check - libunbound return code to a message; 0 if fine */
static int check(int rc, const char *what, const char *arg, char *err, size_t errsz)
{
	if (rc == 0)
		return 0;
	snprintf(err, errsz, "%s%s%s%s: %s", what, arg ? " \"" : "", arg ? arg : "",
		 arg ? "\"" : "", ub_strerror(rc));
	return -1;
}

static int configure(struct dns *d, const struct dns_conf *c, char *err, size_t errsz)
{
	const char *const *p;
	char num[16];
	FILE *f;

	/* threads, not the forked worker: a fork of a libmilter process
	 * would copy every session thread's state */
	if (check(ub_ctx_async(d->ctx, 1), "ub_ctx_async", NULL, err, errsz) ||
	    check(ub_ctx_set_option(d->ctx, "do-not-query-localhost:", "no"),
		  "option do-not-query-localhost", NULL, err, errsz))
		return -1;
	snprintf(num, sizeof(num), "%d", c->max_parallel > 0 ? c->max_parallel : DNS_DEFAULT_PARALLEL);
	if (check(ub_ctx_set_option(d->ctx, "outgoing-range:", num), "option outgoing-range", num,
		  err, errsz))
		return -1;
	/* libunbound gives a server it has not measured yet 376 ms per try and
	 * drops a reply that comes after its resend: a slow forwarder would never
	 * be heard within the deadline.  With one resolver there is nothing to
	 * fail over to: give the first try three quarters of the timeout, the
	 * last quarter is left for one resend.  With several, the short limit
	 * is what moves a query on from a dead one quickly. */
	if (c->resolvers != NULL && c->resolvers[0] != NULL && c->resolvers[1] == NULL) {
		snprintf(num, sizeof(num), "%d", (c->timeout_ms > 0 ? c->timeout_ms : 5000) * 3 / 4);
		if (check(ub_ctx_set_option(d->ctx, "unknown-server-time-limit:", num),
			  "option unknown-server-time-limit", num, err, errsz))
			return -1;
	}
	if (c->resolvers != NULL && c->resolvers[0] != NULL) {
		for (p = c->resolvers; *p != NULL; p++)
			if (check(ub_ctx_set_fwd(d->ctx, *p), "resolver", *p, err, errsz))
				return -1;
	} else if (check(ub_ctx_resolvconf(d->ctx, NULL), "reading /etc/resolv.conf", NULL,
			 err, errsz)) {
		return -1;
	}
	if (c->trust_anchor_file != NULL) {
		/* libunbound reads the file only at the first query: say now
		 * when it cannot be opened */
		f = fopen(c->trust_anchor_file, "r");
		if (f == NULL) {
			snprintf(err, errsz, "trust anchor file \"%s\": %s", c->trust_anchor_file,
				 strerror(errno));
			return -1;
		}
		fclose(f);
		if (check(ub_ctx_add_ta_file(d->ctx, c->trust_anchor_file), "trust anchor file",
			  c->trust_anchor_file, err, errsz))
			return -1;
	}
	for (p = c->remove_zones; p != NULL && *p != NULL; p++)
		if (check(ub_ctx_zone_remove(d->ctx, *p), "removing local zone", *p, err, errsz))
			return -1;
	return 0;
}

/* warm_up - finalise the context now (it reads the anchors then), with a
 * name libunbound answers itself, so a bad anchor file fails dns_create
 * instead of every later query */
static int warm_up(struct dns *d, char *err, size_t errsz)
{
	struct dns_answer *a;
	char e[128];

	if (dns_query(d, "localhost.", 1, dns_now_ms() + d->timeout_ms, &a, e, sizeof(e)) != 0) {
		snprintf(err, errsz, "%s", e);
		return -1;
	}
	if (a->out.status == DNS_TEMPFAIL && strncmp(a->out.reason, "resolver error", 14) == 0) {
		snprintf(err, errsz, "libunbound: %s (check trust_anchor_file)", a->out.reason);
		dns_answer_free(a);
		return -1;
	}
	dns_answer_free(a);
	return 0;
}

struct dns *dns_create(const struct dns_conf *c, char *err, size_t errsz)
{
	sigset_t all, old;
	struct dns *d;
	int i, rc;

	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	d->wake[0] = d->wake[1] = -1;
	d->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : DNS_DEFAULT_TIMEOUT_MS;
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&d->cattr);
	pthread_condattr_setclock(&d->cattr, CLOCK_MONOTONIC);
	d->ctx = ub_ctx_create();
	if (d->ctx == NULL) {
		snprintf(err, errsz, "ub_ctx_create failed");
		goto fail;
	}
	if (configure(d, c, err, errsz) != 0)
		goto fail;
	if (pipe(d->wake) != 0) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < 2; i++)
		fcntl(d->wake[i], F_SETFD, FD_CLOEXEC);
	/* our dispatcher and libunbound's resolver thread (started by the
	 * first query, in warm_up) must never take a signal: libmilter
	 * expects to sigwait for them in its own thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&d->dispatcher, NULL, dispatcher, d) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		snprintf(err, errsz, "cannot start the DNS dispatcher thread");
		goto fail;
	}
	d->dispatcher_running = 1;
	rc = warm_up(d, err, errsz);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		goto fail;
	return d;
fail:
	dns_free(d);
	return NULL;
}

void dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	if (d->dispatcher_running) {
		ssize_t w;

		do
			w = write(d->wake[1], "x", 1);
		while (w < 0 && errno == EINTR);
		pthread_join(d->dispatcher, NULL);
	}
	if (d->ctx != NULL)
		ub_ctx_delete(d->ctx);
	if (d->wake[0] >= 0)
		close(d->wake[0]);
	if (d->wake[1] >= 0)
		close(d->wake[1]);
	pthread_condattr_destroy(&d->cattr);
	pthread_mutex_destroy(&d->mu);
	free(d);
}
