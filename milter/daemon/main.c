/*
 * tlspolicy-milter - enforce TLS per domain for Sendmail and Postfix.
 *
 * Processes: the process started (pid in the pidfile) opens the socket and
 * writes the pidfile as root, then becomes the supervising parent
 * (supervise.h): it owns SIGHUP, SIGTERM, SIGINT and SIGUSR1, stays root and
 * runs no libmilter code.  Its child drops privileges, loads the policy as
 * the unprivileged user and runs libmilter.  libmilter's own signal thread
 * takes SIGHUP as "stop", so no signal is ever passed to the child: requests
 * come as bytes on a socketpair, read by the child's main thread.
 *
 * The child (child.h) gives smfi_main SUPERVISE_STOP_SECS to return after a
 * stop (Debian's worker pool can wait for ever on open sessions) before it
 * exits with status 1.
 *
 * Files: root reads only the config file's daemon settings
 * (config_load_settings) and opens the socket and the pidfile; everything
 * else - the config file again, list files, and whatever files later blocks
 * name - is read as the unprivileged user, at start and on every reload.
 */
/* PACKAGE_VERSION comes from configure (DEFS) */

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "smfi/callbacks.h"
#include "util/diag.h"
#include "smfi/explain.h"
#include "daemon/netctx.h"
#include "smfi/negotiate.h"
#include "util/log.h"
#include "policy/ruleset.h"
#include "daemon/privs.h"
#include "daemon/child.h"
#include "daemon/pidfile.h"
#include "daemon/stats.h"
#include "daemon/supervise.h"
#include "daemon/ctl.h"
#include "config/config.h"
#include "socketmap/smap_listen.h"
#include "socketmap/smap_server.h"

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: tlspolicy-milter [-f] [-c FILE]    run the milter (-f: foreground, log to stderr too)\n"
	    "       tlspolicy-milter -t [-c FILE]      check the config, print a summary; exit 0 if valid\n"
	    "       tlspolicy-milter [-c FILE] -q sender=A [rcpt=B ...] [client=IP] [tls_version=TLSv1.3 ...]\n"
	    "                                         explain the decision for one message (exit 0 accept,\n"
	    "                                         3 reject, 4 tempfail); see tlspolicy-milter(8)\n"
	    "       tlspolicy-milter [-c FILE] --cache dump|purge [DOMAIN]\n"
	    "                                         list or drop the running daemon's cached results\n"
	    "                                         (control_socket; root or the daemon's user)\n"
	    "       tlspolicy-milter -V | -h           version | this help\n"
	    "default FILE: %s\n", CONFIG_DEFAULT_FILE);
}

/* Load path (whole, or only the daemon settings); on failure print or log
 * every error and return NULL. */
static struct ruleset *load(const char *path, int settings_only, int to_stderr)
{
	struct diag d;
	struct ruleset *p;

	diag_init(&d);
	p = settings_only ? config_load_settings(path, &d) : netctx_load(path, &d);
	if (to_stderr)
		diag_print(&d, stderr);
	else
		diag_log(&d);
	diag_free(&d);
	return p;
}

/*
 * The files-as-the-user rule for -t and -q: root reads the daemon settings,
 * drops to the configured user, then loads everything as that user, as the
 * milter does at start.  Not root: everything is read as the caller.
 */
static struct ruleset *load_as_user(const char *path)
{
	struct ruleset *s = load(path, 1, 1);

	if (!s)
		return NULL;
	if (geteuid() == 0 && s->user) {
		if (privs_drop(s->user, s->group) < 0) {
			ruleset_unref(s);
			return NULL;
		}
	} else if (s->user) {
		struct passwd *pw = getpwnam(s->user);
		if (pw && pw->pw_uid != geteuid())
			fprintf(stderr, "tlspolicy-milter: note: not run as root: files were read as uid %ld, "
			    "the milter reads them as user %s\n", (long)geteuid(), s->user);
	}
	struct ruleset *p = load(path, 0, 1);
	if (!p && geteuid() != 0 && s->user)
		fprintf(stderr, "tlspolicy-milter: note: everything but the daemon settings was read as user %s, "
		    "as the milter reads it\n", s->user);
	ruleset_unref(s);
	return p;
}

/* chmod/chgrp a unix socket (spec: the milter's or the socketmap's) so the MTA can connect. */
static int fix_socket(const struct ruleset *p, const char *spec, int mode)
{
	const char *path = NULL;

	if (strncmp(spec, "unix:", 5) == 0)
		path = spec + 5;
	else if (strncmp(spec, "local:", 6) == 0)
		path = spec + 6;
	if (!path)
		return 0;
	if (mode >= 0 && chmod(path, (mode_t)mode) < 0) {
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

/* Thousands of MTA sessions each hold a descriptor: soft limit up to the hard one. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rlim_t was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("cannot raise the open files limit from %lu: %s", (unsigned long)was, strerror(errno));
	else
		log_debug("open files limit raised from %lu to %lu", (unsigned long)was, (unsigned long)rl.rlim_max);
}

int main(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_FILE;
	int opt, foreground = 0, check = 0, explain = 0;
	const char *cache_cmd = NULL;
	static const struct option longopts[] = {
		{ "cache", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};

	while ((opt = getopt_long(argc, argv, "c:fqthV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': cache_cmd = optarg; break;
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 't': check = 1; break;
		case 'q': explain = 1; break;
		case 'V': printf("tlspolicy-milter %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (cache_cmd) {
		/* --cache dump | purge [DOMAIN]: a client of the running daemon */
		char cmd[CTL_LINE_MAX];
		if ((strcmp(cache_cmd, "dump") != 0 && strcmp(cache_cmd, "purge") != 0) || argc - optind > 1 ||
		    (argc - optind == 1 && strcmp(cache_cmd, "purge") != 0) || explain || check) {
			usage(stderr);
			return 2;
		}
		snprintf(cmd, sizeof(cmd), "%s%s%s", cache_cmd, optind < argc ? " " : "", optind < argc ? argv[optind] : "");
		log_stderr_only();
		struct ruleset *s = load(path, 1, 1);
		if (!s) {
			fprintf(stderr, "tlspolicy-milter: %s has errors\n", path);
			return 1;
		}
		int status = s->control_socket ? ctl_client(s->control_socket, cmd) : 1;
		if (!s->control_socket)
			fprintf(stderr, "tlspolicy-milter: no control_socket (set one in %s)\n", path);
		ruleset_unref(s);
		return status;
	}
	if (optind != argc && !explain) {
		usage(stderr);
		return 2;
	}
	log_stderr_only();
	if (explain || check) {
		for (int i = optind; explain && i < argc; i++)
			if (strncmp(argv[i], "next_hop=", 9) == 0)
				netctx_always(1);       /* -q next_hop= looks at DNS whatever the policy */
		struct ruleset *p = load_as_user(path);
		if (!p) {
			fprintf(stderr, "tlspolicy-milter: %s has errors\n", path);
			return 1;
		}
		int status = 0;
		if (explain)
			status = explain_run(p, argc - optind, argv + optind);
		else
			ruleset_summary(p, stdout);
		ruleset_unref(p);
		return status;
	}

	/* root: the daemon settings only (lists are read later, as the user) */
	struct ruleset *s = load(path, 1, 1);
	if (!s) {
		fprintf(stderr, "tlspolicy-milter: %s has errors\n", path);
		return 1;
	}
	/* reloads happen after chdir("/") */
	char abspath[PATH_MAX];
	if (!realpath(path, abspath)) {
		fprintf(stderr, "tlspolicy-milter: %s: %s\n", path, strerror(errno));
		return 1;
	}
	struct child_args args = { abspath, s, -1, -1, -1 };

	log_open(s->log_facility, foreground);
	log_set_level(s->log_level);
	raise_nofile();
	if (smfi_setconn(s->socket) != MI_SUCCESS || smfi_register(callbacks_desc) != MI_SUCCESS ||
	    smfi_setbacklog(SOMAXCONN) != MI_SUCCESS || smfi_settimeout(s->mta_timeout) != MI_SUCCESS) {
		log_err("cannot set up libmilter for %s", s->socket);
		return 1;
	}
	if (smfi_opensocket(1) != MI_SUCCESS) {
		log_err("cannot open socket %s (in use, or no permission?)", s->socket);
		return 1;
	}
	if (fix_socket(s, s->socket, s->socket_mode) < 0)
		return 1;
	/* the socketmap listener: opened here as root too, served by the child */
	int smap_fd = -1;
	if (s->policy_socket) {
		char err[256];
		if ((smap_fd = smap_listen_open(s->policy_socket, err, sizeof(err))) < 0) {
			log_err("cannot open policy_socket %s: %s", s->policy_socket, err);
			return 1;
		}
		if (fix_socket(s, s->policy_socket, s->policy_socket_mode) < 0)
			return 1;
	}
	args.smap_fd = smap_fd;
	/* operations: the metrics port and the control socket, opened as root too */
	if (s->metrics) {
		char err[256];
		if ((args.metrics_fd = smap_listen_open(s->metrics, err, sizeof(err))) < 0) {
			log_err("cannot open metrics %s: %s", s->metrics, err);
			return 1;
		}
	}
	char ctl_spec[128] = "";
	if (s->control_socket) {
		char err[256];
		snprintf(ctl_spec, sizeof(ctl_spec), "unix:%s", s->control_socket);
		/* 0600 before anyone can connect: umask while it is made */
		mode_t um = umask(0177);
		args.ctl_fd = smap_listen_open(ctl_spec, err, sizeof(err));
		umask(um);
		if (args.ctl_fd < 0 && s->control_socket_set) {
			log_err("cannot open control_socket %s: %s", s->control_socket, err);
			return 1;
		}
		if (args.ctl_fd < 0) {
			log_warn("no control socket (--cache): cannot open %s: %s; set control_socket", s->control_socket,
			    err);
			ctl_spec[0] = '\0';
		} else if (fix_socket(s, ctl_spec, 0600) < 0)
			return 1;
	}
	/* the default for libmilter's threads in the child (inherited by fork) */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	if (pthread_attr_setstacksize(&attr, TP_THREAD_STACK) != 0 || pthread_setattr_default_np(&attr) != 0)
		log_warn("cannot set the thread stack size; keeping the default");
	pthread_attr_destroy(&attr);
	if (!foreground && supervise_detach() < 0)
		return 1;
	if (s->pidfile && pidfile_create(s->pidfile, getpid()) < 0)
		return 1;

	int status = supervise_run(child_run, &args);

	if (s->policy_socket)
		smap_listen_close(smap_fd, s->policy_socket);
	if (args.metrics_fd >= 0)
		close(args.metrics_fd);
	if (ctl_spec[0])
		smap_listen_close(args.ctl_fd, ctl_spec);

	pidfile_remove(s->pidfile, getpid());
	ruleset_unref(s);
	if (status == 0)
		log_info("stopped");
	else
		log_err("stopped with exit status %d", status);
	log_close();
	return status;
}
