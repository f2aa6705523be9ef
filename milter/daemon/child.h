/*
 * child - the milter process, forked by the supervisor (supervise.h).
 */
#ifndef TP_CHILD_H
#define TP_CHILD_H

#include "policy/ruleset.h"

struct child_args {
	const char *path;               /* absolute config path (reloads run after chdir "/") */
	const struct ruleset *settings; /* the daemon settings root read; not owned */
	int smap_fd;                    /* the socketmap listener root opened, or -1 */
	int metrics_fd;                 /* the metrics listener (metrics.h), or -1 */
	int ctl_fd;                     /* the control socket (ctl.h), or -1 */
};

/*
 * child_run - the child function for supervise_run (arg: struct child_args).
 * Drops to settings->user, loads path as that user (everything in it, list
 * files too; errors are logged and fail the start), starts smfi_main, says
 * SUPERVISE_READY on ctl, then serves the requests read from ctl.  On
 * SUPERVISE_STOP (or end of file) it calls smfi_stop from a thread of its
 * own and gives smfi_main SUPERVISE_STOP_SECS to return; after that it logs
 * why and _exit(1)s, cutting open sessions.  Returns 0 after a clean stop,
 * 1 on errors (also when libmilter stopped by itself).
 */
int child_run(int ctl, void *arg);

#endif
