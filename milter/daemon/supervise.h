/*
 * supervise - the supervising parent of the milter process.
 *
 * libmilter's own signal thread sigwait()s for SIGHUP, SIGTERM and SIGINT and
 * takes each as "stop", and a thread of ours can only compete with it for a
 * process-directed signal.  So the signals an admin or systemd sends go to a
 * small parent that runs no libmilter code: it owns SIGHUP (reload), SIGUSR1
 * (stats), SIGTERM and SIGINT (stop), forks the milter child and passes each
 * request on as one byte over a socketpair, which no libmilter thread reads.
 *
 * The parent stays root and does nothing else (it removes the pidfile at the
 * end).  When the child ends without a stop request, or the child does not
 * end within SUPERVISE_STOP_SECS + SUPERVISE_KILL_GRACE after one (it is then
 * killed), the parent logs why and returns a non-zero status, so a service
 * manager's Restart=on-failure brings the daemon back.
 */
#ifndef TP_SUPERVISE_H
#define TP_SUPERVISE_H

/* Requests, parent -> child; SUPERVISE_READY goes child -> parent. */
enum supervise_msg {
	SUPERVISE_RELOAD = 'R',     /* SIGHUP */
	SUPERVISE_STATS = 'S',      /* SIGUSR1 */
	SUPERVISE_STOP = 'T',       /* SIGTERM, SIGINT */
	SUPERVISE_READY = 'r',      /* the child loaded its policy and serves */
	SUPERVISE_RELOADED = 'l',   /* child -> parent: a reload is done (the new policy is in force) */
	SUPERVISE_RELOAD_FAILED = 'f',  /* child -> parent: a reload failed (the old policy stays) */
	SUPERVISE_LEVEL = '0',      /* child -> parent, before 'l': '0' + the reloaded log level */
};

/* The child's deadline for libmilter to return after a stop (see main.c). */
#define SUPERVISE_STOP_SECS 10
/* The parent's extra wait before it kills a child that did not stop. */
#define SUPERVISE_KILL_GRACE 5

/*
 * supervise_detach - go to the background (fork, setsid, chdir "/", stdio to
 * /dev/null).  The original process waits until supervise_ready() is called
 * in the background one (exit 0) or that one ends first (exit 1), so a
 * start-up failure shows in the exit status.  Returns 0 in the background
 * process, -1 after logging why.
 */
int supervise_detach(void);

/*
 * supervise_run - fork the child, which calls child(fd, arg) with its end of
 * the socketpair and exits with the value returned; in the parent, pass on
 * signals until the child ends.  The child writes SUPERVISE_READY once it
 * serves (see supervise_ready), reads requests from fd and must treat end of
 * file on fd as SUPERVISE_STOP.  Returns the parent's exit status: 0 only
 * when a stop was requested and the child then exited 0.
 */
int supervise_run(int (*child)(int fd, void *arg), void *arg);

/* Child side: tell the parent the milter serves (and release a waiting
 * supervise_detach).  Returns 0 or -1. */
int supervise_ready(int fd);
/* Child side: tell the parent how a reload ended (for systemd) and, when it
 * succeeded, the new log level (the parent's own lines follow it). */
int supervise_reloaded(int fd, int ok, int log_level);

#endif
