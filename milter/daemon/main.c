/*
 * tlspolicy-milter - enforce TLS per domain for Sendmail and Postfix.
 *
 * Threads: libmilter runs in a thread of its own (smfi_main, one thread per
 * MTA connection below it); the main thread keeps SIGHUP, SIGTERM, SIGINT and
 * SIGUSR1 unblocked and handles them through a self-pipe.  libmilter's own
 * signal thread would treat SIGHUP as "stop"; the kernel offers a
 * process-directed signal to the main thread first when that thread accepts
 * it, so SIGHUP here means "reload".
 */
/* PACKAGE_VERSION comes from configure (DEFS) */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "smfi/callbacks.h"
#include "util/diag.h"
#include "smfi/explain.h"
#include "smfi/negotiate.h"
#include "util/log.h"
#include "policy/ruleset.h"
#include "daemon/privs.h"
#include "daemon/current.h"
#include "daemon/stats.h"
#include "config/config.h"

static int sigpipe_fd[2] = { -1, -1 };

static void on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	(void)!write(sigpipe_fd[1], &c, 1);
	errno = saved;
}

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: tlspolicy-milter [-f] [-c FILE]    run the milter (-f: foreground, log to stderr too)\n"
	    "       tlspolicy-milter -t [-c FILE]      check the config, print a summary; exit 0 if valid\n"
	    "       tlspolicy-milter [-c FILE] -q sender=A [rcpt=B ...] [client=IP] [tls_version=TLSv1.3 ...]\n"
	    "                                         explain the decision for one message (exit 0 accept,\n"
	    "                                         3 reject, 4 tempfail); see tlspolicy-milter(8)\n"
	    "       tlspolicy-milter -V | -h           version | this help\n"
	    "default FILE: %s\n", CONFIG_DEFAULT_FILE);
}

/* Load path; on failure print or log every error and return NULL. */
static struct ruleset *load(const char *path, int to_stderr)
{
	struct diag d;
	struct ruleset *p;

	diag_init(&d);
	p = config_load(path, &d);
	if (to_stderr)
		diag_print(&d, stderr);
	else
		diag_log(&d);
	diag_free(&d);
	return p;
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The pidfile written at start: removed on stop whatever a reload says. */
static char *pidfile_written;

static void reload(const char *path)
{
	struct ruleset *old = current_get(), *p;

	log_info("reloading %s", path);
	if (!(p = load(path, 0))) {
		stats_add(STAT_RELOAD_FAILURES);
		log_err("reload of %s failed: keeping the previous policy", path);
		ruleset_unref(old);
		return;
	}
	if (!same_str(p->socket, old->socket) || !same_str(p->user, old->user) || !same_str(p->group, old->group) ||
	    !same_str(p->pidfile, old->pidfile) || p->socket_mode != old->socket_mode || p->log_facility != old->log_facility)
		log_warn("socket, socket_mode, user, group, pidfile and log facility changes take effect only after a restart");
	log_set_level(p->log_level);
	current_set(p);
	stats_add(STAT_RELOADS);
	log_info("reloaded %s: %zu profiles, %zu rules", path, p->nprofiles, p->nrules);
	ruleset_unref(old);
}

static int write_pidfile(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fprintf(fp, "%ld\n", (long)getpid()) < 0 || fclose(fp) != 0) {
		log_err("cannot write pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* chmod/chgrp a unix socket so the MTA can connect. */
static int fix_socket(const struct ruleset *p)
{
	const char *path = NULL;

	if (strncmp(p->socket, "unix:", 5) == 0)
		path = p->socket + 5;
	else if (strncmp(p->socket, "local:", 6) == 0)
		path = p->socket + 6;
	if (!path)
		return 0;
	if (p->socket_mode >= 0 && chmod(path, (mode_t)p->socket_mode) < 0) {
		log_err("chmod %s: %s", path, strerror(errno));
		return -1;
	}
	if (p->group) {
		struct group *gr = getgrnam(p->group);
		if (!gr || chown(path, (uid_t)-1, gr->gr_gid) < 0) {
			log_err("chgrp %s %s: %s", p->group, path, gr ? strerror(errno) : "no such group");
			return -1;
		}
	}
	if (p->user) {
		struct passwd *pw = getpwnam(p->user);
		if (pw && chown(path, pw->pw_uid, (gid_t)-1) < 0)
			log_warn("chown %s %s: %s", p->user, path, strerror(errno));
	}
	return 0;
}

static int milter_status;

static void *milter_thread(void *arg)
{
	milter_status = smfi_main();
	on_signal(0);           /* wake the main thread */
	return NULL;
}

int main(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_FILE;
	int opt, foreground = 0, check = 0, explain = 0;

	while ((opt = getopt(argc, argv, "c:fqthV")) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 't': check = 1; break;
		case 'q': explain = 1; break;
		case 'V': printf("tlspolicy-milter %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc && !explain) {
		usage(stderr);
		return 2;
	}
	log_stderr_only();
	struct ruleset *p = load(path, 1);
	if (!p) {
		fprintf(stderr, "tlspolicy-milter: %s has errors\n", path);
		return 1;
	}
	if (explain) {
		int status = explain_run(p, argc - optind, argv + optind);
		ruleset_unref(p);
		return status;
	}
	if (check) {
		ruleset_summary(p, stdout);
		ruleset_unref(p);
		return 0;
	}

	log_open(p->log_facility, foreground);
	log_set_level(p->log_level);
	if (smfi_setconn(p->socket) != MI_SUCCESS || smfi_register(callbacks_desc) != MI_SUCCESS ||
	    smfi_setbacklog(SOMAXCONN) != MI_SUCCESS) {
		log_err("cannot set up libmilter for %s", p->socket);
		return 1;
	}
	if (smfi_opensocket(1) != MI_SUCCESS) {
		log_err("cannot open socket %s (in use, or no permission?)", p->socket);
		return 1;
	}
	if (fix_socket(p) < 0)
		return 1;
	if (!foreground && daemon(0, 0) < 0) {
		log_err("cannot detach: %s", strerror(errno));
		return 1;
	}
	if (p->pidfile) {
		if (write_pidfile(p->pidfile) < 0)
			return 1;
		pidfile_written = strdup(p->pidfile);
	}
	if (privs_drop(p->user, p->group) < 0)
		return 1;
	if (geteuid() == 0)
		log_warn("running as root: set user = \"...\"; in %s", path);
	current_set(p);

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	if (pipe(sigpipe_fd) < 0 || fcntl(sigpipe_fd[1], F_SETFL, O_NONBLOCK) < 0) {
		log_err("pipe: %s", strerror(errno));
		return 1;
	}
	/* every thread but this one has these signals blocked */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_attr_t attr;    /* the default for libmilter's threads too */
	pthread_attr_init(&attr);
	if (pthread_attr_setstacksize(&attr, TP_THREAD_STACK) != 0 || pthread_setattr_default_np(&attr) != 0)
		log_warn("cannot set the thread stack size; keeping the default");
	pthread_attr_destroy(&attr);
	pthread_t tid;
	if ((errno = pthread_create(&tid, NULL, milter_thread, NULL)) != 0) {
		log_err("pthread_create: %s", strerror(errno));
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&set, sig))
			sigaction(sig, &sa, NULL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	log_info("started: %s, %zu profiles, %zu rules, listening on %s", path, p->nprofiles, p->nrules, p->socket);

	for (;;) {
		unsigned char c;
		ssize_t n = read(sigpipe_fd[0], &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || c == 0)
			break;  /* smfi_main returned by itself */
		if (c == SIGHUP)
			reload(path);
		else if (c == SIGUSR1)
			stats_log();
		else {
			log_info("stopping on signal %d", c);
			smfi_stop();
			break;
		}
	}
	pthread_join(tid, NULL);
	if (pidfile_written && unlink(pidfile_written) < 0 && errno != ENOENT)
		log_warn("cannot remove pidfile %s: %s", pidfile_written, strerror(errno));
	free(pidfile_written);
	current_set(NULL);
	log_info("stopped");
	log_close();
	return milter_status == MI_SUCCESS ? 0 : 1;
}
