/*
 * child - the milter process (see child.h): drop privileges, load the
 * policy as the unprivileged user, run libmilter, and act on the
 * supervisor's requests - reload, stats, stop with a deadline.
 *
 * Threads: libmilter runs in a thread of its own (smfi_main, its signal
 * thread and one worker per busy MTA connection below it); the main thread
 * reloads, logs stats and stops.  SIGHUP, SIGTERM and SIGINT stay blocked
 * here (supervise_run hands them over blocked) for libmilter's sigwait
 * thread: a signal sent straight to this process stops libmilter, and the
 * supervisor then exits 1.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "config/config.h"
#include "util/diag.h"
#include "util/log.h"
#include "policy/ruleset.h"
#include "daemon/child.h"
#include "daemon/current.h"
#include "daemon/privs.h"
#include "daemon/stats.h"
#include "daemon/metrics.h"
#include "daemon/ctl.h"
#include "daemon/supervise.h"
#include "daemon/netctx.h"
#include "socketmap/smap_server.h"

/* Load path whole, every error and warning logged; NULL on errors. */
static struct ruleset *load(const char *path)
{
	struct diag d;
	struct ruleset *p;

	diag_init(&d);
	p = netctx_load(path, &d);
	diag_log(&d);
	diag_free(&d);
	return p;
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int reload(const char *path)
{
	struct ruleset *old = current_get(), *p;

	log_info("reloading %s", path);
	if (!(p = load(path))) {
		stats_add(STAT_RELOAD_FAILURES);
		log_err("reload of %s failed: keeping the previous policy", path);
		ruleset_unref(old);
		return -1;
	}
	if (!same_str(p->socket, old->socket) || !same_str(p->user, old->user) || !same_str(p->group, old->group) ||
	    !same_str(p->pidfile, old->pidfile) || p->socket_mode != old->socket_mode ||
	    p->log_facility != old->log_facility || p->mta_timeout != old->mta_timeout)
		log_warn("socket, socket_mode, user, group, pidfile, mta_timeout and log facility changes take effect "
		    "only after a restart");
	if (!same_str(p->policy_socket, old->policy_socket) || p->policy_socket_mode != old->policy_socket_mode ||
	    p->policy_socket_timeout != old->policy_socket_timeout)
		log_warn("policy_socket, policy_socket_mode and policy_socket_timeout changes take effect only after "
		    "a restart");
	if (!same_str(p->metrics, old->metrics) || !same_str(p->control_socket, old->control_socket))
		log_warn("metrics and control_socket changes take effect only after a restart");
	log_set_level(p->log_level);
	current_set(p);
	netctx_purge();         /* answers found under the old settings */
	stats_add(STAT_RELOADS);
	stats_loaded(time(NULL));
	log_info("reloaded %s: %zu profiles, %zu rules", path, p->nprofiles, p->nrules);
	ruleset_unref(old);
	return 0;
}

static int milter_status;
static int milter_done[2] = { -1, -1 };

static void *milter_thread(void *arg)
{
	(void)arg;
	milter_status = smfi_main();
	(void)!write(milter_done[1], "x", 1);  /* wake the main thread */
	return NULL;
}

/* smfi_stop() takes libmilter's listener lock, which the listener can hold
 * for seconds: called from a thread of its own, it can never keep the main
 * thread from its stop deadline. */
static void *stop_thread(void *arg)
{
	(void)arg;
	smfi_stop();
	return NULL;
}

static void milter_stop(void)
{
	pthread_t t;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, stop_thread, NULL) != 0) {
		log_warn("cannot start a thread for smfi_stop: calling it here");
		smfi_stop();
	}
	pthread_attr_destroy(&attr);
}

/* Wait up to ms (-1: for ever) for fd to be readable: 1 readable, 0 not. */
static int wait_readable(int fd, int ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	int n;

	while ((n = poll(&pfd, 1, ms)) < 0 && errno == EINTR)
		;
	return n > 0;
}

int child_run(int ctl, void *arg)
{
	const struct child_args *a = arg;
	const struct ruleset *s = a->settings;

	if (privs_drop(s->user, s->group) < 0)
		return 1;
	/* the policy in force is the one read as the unprivileged user, at start as on reload */
	struct ruleset *p = load(a->path);
	if (!p) {
		log_err("%s has errors%s%s: not starting (everything but the daemon settings is read as that user, "
		    "at start and on reload)", a->path, s->user ? " as user " : "", s->user ? s->user : "");
		return 1;
	}
	if (geteuid() == 0)
		log_warn("running as root: set user = \"...\"; in %s", a->path);
	log_set_level(p->log_level);
	current_set(p);
	stats_loaded(time(NULL));

	if (pipe(milter_done) < 0) {
		log_err("pipe: %s", strerror(errno));
		return 1;
	}
	/* the socketmap's threads first: a failure here still returns cleanly */
	struct smap_server *smap = NULL;
	if (a->smap_fd >= 0) {
		char err[256];
		if (!(smap = smap_server_start(a->smap_fd, s->policy_socket_timeout, err, sizeof(err)))) {
			log_err("cannot serve policy_socket %s: %s", s->policy_socket, err);
			return 1;
		}
	}
	/* operations: metrics and the control socket (each its own thread) */
	struct metrics *metrics = NULL;
	struct ctl_server *ctl_srv = NULL;
	if (a->metrics_fd >= 0) {
		char err[256];
		if (!(metrics = metrics_start(a->metrics_fd, err, sizeof(err)))) {
			log_err("cannot serve metrics %s: %s", s->metrics, err);
			return 1;
		}
	}
	if (a->ctl_fd >= 0) {
		char err[256];
		if (!(ctl_srv = ctl_server_start(a->ctl_fd, err, sizeof(err))))
			log_warn("cannot serve the control socket %s: %s", s->control_socket, err);
	}
	if (netctx_refresher_start() < 0)
		log_warn("cannot start the MTA-STS refresh thread: policies are fetched when they are needed");
	pthread_t tid;
	if ((errno = pthread_create(&tid, NULL, milter_thread, NULL)) != 0) {
		log_err("pthread_create: %s", strerror(errno));
		return 1;
	}
	log_info("started: %s, %zu profiles, %zu rules, listening on %s%s%s", a->path, p->nprofiles, p->nrules,
	    p->socket, smap ? " and (socketmap) " : "", smap ? s->policy_socket : "");
	supervise_ready(ctl);

	int requested = 0;
	for (;;) {
		struct pollfd pfd[2] = { { milter_done[0], POLLIN, 0 }, { ctl, POLLIN, 0 } };
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents) {
			log_err("libmilter stopped by itself");
			break;
		}
		unsigned char c = SUPERVISE_STOP;
		ssize_t n = read(ctl, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 1 && c == SUPERVISE_RELOAD) {
			int ok = reload(a->path) == 0;
			struct ruleset *now = current_get();   /* its level is the one in force now */
			supervise_reloaded(ctl, ok, now ? (int)now->log_level : LOG_LVL_INFO);
			ruleset_unref(now);
		} else if (n == 1 && c == SUPERVISE_STATS)
			metrics_log();
		else if (n <= 0 || c == SUPERVISE_STOP) {
			requested = 1;
			milter_stop();
			break;
		}
	}
	/* one deadline for both listeners: the socketmap's connections first
	 * (shut down at once; a lookup in progress finishes), then libmilter */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	netctx_refresher_stop();
	ctl_server_stop(ctl_srv);
	metrics_stop(metrics);
	if (smap && smap_server_stop(smap, SUPERVISE_STOP_SECS * 1000) < 0) {
		log_err("the socketmap did not stop within %d s: exiting", SUPERVISE_STOP_SECS);
		_exit(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long spent = (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	long left = SUPERVISE_STOP_SECS * 1000L - spent;
	if (requested && !wait_readable(milter_done[0], left > 0 ? (int)left : 0)) {
		/* libmilter's worker pool can wait for ever on open sessions: cut them */
		log_err("libmilter did not stop within %d s (sessions still open?): exiting, open sessions are cut",
		    SUPERVISE_STOP_SECS);
		_exit(1);
	}
	pthread_join(tid, NULL);
	current_set(NULL);
	return milter_status == MI_SUCCESS ? 0 : 1;
}
