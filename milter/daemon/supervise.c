/*
 * supervise - the supervising parent (see supervise.h).
 *
 * The parent runs no threads and no libmilter code: a self-pipe turns
 * SIGHUP, SIGTERM, SIGINT, SIGUSR1 and SIGCHLD into bytes, and one poll()
 * loop reads them and the socketpair to the child.
 *
 * systemd (Type=notify) hears from the parent, its main pid: READY=1 when
 * the child says it serves, RELOADING=1 when a SIGHUP is passed on and
 * READY=1 again when the child says the reload is done, STOPPING=1 at a
 * stop (notify.h; nothing without NOTIFY_SOCKET).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "daemon/notify.h"
#include "daemon/supervise.h"

static int supervise_sigpipe[2] = { -1, -1 };
static int supervise_detach_fd = -1;    /* to the process waiting in supervise_detach */

static const int supervise_signals[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGCHLD };
#define NSIGNALS (sizeof(supervise_signals) / sizeof(supervise_signals[0]))

static void supervise_on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	(void)!write(supervise_sigpipe[1], &c, 1);
	errno = saved;
}

int supervise_detach(void)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0 || (pid = fork()) < 0) {
		log_err("cannot detach: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		/* the original process: its exit status says whether the milter started */
		unsigned char c = 0;
		ssize_t n;
		close(p[1]);
		while ((n = read(p[0], &c, 1)) < 0 && errno == EINTR)
			;
		_exit(n == 1 && c == '0' ? 0 : 1);
	}
	close(p[0]);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	supervise_detach_fd = p[1];
	if (setsid() < 0 || chdir("/") < 0) {
		log_err("cannot detach: %s", strerror(errno));
		return -1;
	}
	int fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
		log_err("cannot detach: /dev/null: %s", strerror(errno));
		return -1;
	}
	if (fd > 2)
		close(fd);
	return 0;
}

int supervise_ready(int fd)
{
	unsigned char c = SUPERVISE_READY;

	return send(fd, &c, 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int supervise_reloaded(int fd, int ok, int log_level)
{
	unsigned char m[2] = { (unsigned char)(SUPERVISE_LEVEL + log_level), SUPERVISE_RELOADED };

	if (!ok) {
		m[1] = SUPERVISE_RELOAD_FAILED;
		return send(fd, m + 1, 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
	}
	return send(fd, m, 2, MSG_NOSIGNAL) == 2 ? 0 : -1;
}

/* the monotonic clock in microseconds, as systemd wants it with RELOADING=1 */
static unsigned long long supervise_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
}

/* One request to the child; a child that is gone shows up as SIGCHLD. */
static void supervise_send(int fd, enum supervise_msg m)
{
	unsigned char c = (unsigned char)m;

	if (fd >= 0 && send(fd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1)
		log_warn("cannot pass request '%c' to the milter process: %s", c, strerror(errno));
}

static void supervise_describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "wait status 0x%x", status);
}

static double supervise_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int supervise_run(int (*child)(int fd, void *arg), void *arg)
{
	int sp[2];
	sigset_t set, old;
	struct sigaction sa;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0 || pipe(supervise_sigpipe) < 0 ||
	    fcntl(supervise_sigpipe[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(supervise_sigpipe[1], F_SETFL, O_NONBLOCK) < 0) {
		log_err("supervise: %s", strerror(errno));
		return 1;
	}
	sigemptyset(&set);
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaddset(&set, supervise_signals[i]);
	/* blocked across fork: no request is lost, and the child starts with them blocked */
	sigprocmask(SIG_BLOCK, &set, &old);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = supervise_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(supervise_signals[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((pid = fork()) < 0) {
		log_err("cannot fork the milter process: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		/* the child: default dispositions; SIGHUP, SIGTERM and SIGINT stay
		 * blocked for libmilter's sigwait thread, SIGUSR1 stays blocked so a
		 * stray one sent to the child cannot kill it */
		sa.sa_handler = SIG_DFL;
		sa.sa_flags = 0;
		for (size_t i = 0; i < NSIGNALS; i++)
			sigaction(supervise_signals[i], &sa, NULL);
		sigset_t unblock;
		sigemptyset(&unblock);
		sigaddset(&unblock, SIGCHLD);
		sigprocmask(SIG_UNBLOCK, &unblock, NULL);
		close(supervise_sigpipe[0]);
		close(supervise_sigpipe[1]);
		close(sp[0]);
		if (supervise_detach_fd >= 0)
			close(supervise_detach_fd);
		exit(child(sp[1], arg));
	}
	close(sp[1]);
	sigprocmask(SIG_SETMASK, &old, NULL);

	int fd = sp[0], ready = 0, stopping = 0, killed = 0, status = 0, done = 0;
	double deadline = 0;
	while (!done) {
		struct pollfd pfd[2] = { { supervise_sigpipe[0], POLLIN, 0 }, { fd, POLLIN, 0 } };
		int timeout = -1;
		if (stopping) {
			double left = deadline - supervise_now();
			timeout = left <= 0 ? 0 : (int)(left * 1000) + 1;
		}
		int n = poll(pfd, fd >= 0 ? 2 : 1, timeout);
		if (n < 0 && errno != EINTR) {
			log_err("supervise: poll: %s", strerror(errno));
			stopping = 1;
			deadline = supervise_now();
		}
		if (n == 0 && stopping && !killed) {
			log_err("the milter process (pid %ld) did not stop within %d s: killing it", (long)pid,
			    SUPERVISE_STOP_SECS + SUPERVISE_KILL_GRACE);
			kill(pid, SIGKILL);
			killed = 1;
			deadline = supervise_now() + 3600;
		}
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			unsigned char sigs[64];
			ssize_t k = read(supervise_sigpipe[0], sigs, sizeof(sigs));
			for (ssize_t i = 0; i < k; i++) {
				switch (sigs[i]) {
				case SIGHUP:
					if (!stopping && fd >= 0) {
						notify_send("RELOADING=1\nSTATUS=reloading the policy\nMONOTONIC_USEC=%llu",
						    supervise_usec());
						supervise_send(fd, SUPERVISE_RELOAD);
					}
					break;
				case SIGUSR1: supervise_send(fd, SUPERVISE_STATS); break;
				case SIGCHLD:
					if (waitpid(pid, &status, WNOHANG) == pid)
						done = 1;
					break;
				default:    /* SIGTERM, SIGINT */
					if (!stopping) {
						log_info("stopping on signal %d", sigs[i]);
						notify_send("STOPPING=1\nSTATUS=stopping (signal %d)", sigs[i]);
						stopping = 1;
						deadline = supervise_now() + SUPERVISE_STOP_SECS + SUPERVISE_KILL_GRACE;
						supervise_send(fd, SUPERVISE_STOP);
					}
				}
			}
		}
		/* also without a SIGCHLD byte: the self-pipe may have been full */
		if (!done && waitpid(pid, &status, WNOHANG) == pid)
			done = 1;
		if (n > 0 && fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			unsigned char c;
			ssize_t k = recv(fd, &c, 1, MSG_DONTWAIT);
			if (k == 1 && c >= SUPERVISE_LEVEL && c <= SUPERVISE_LEVEL + LOG_LVL_DEBUG)
				log_set_level((enum log_level)(c - SUPERVISE_LEVEL));
			else if (k == 1 && (c == SUPERVISE_RELOADED || c == SUPERVISE_RELOAD_FAILED) && !stopping) {
				notify_send("READY=1\nSTATUS=serving (pid %ld); last reload %s", (long)pid,
				    c == SUPERVISE_RELOADED ? "ok" : "failed: the previous policy stays");
			} else if (k == 1 && c == SUPERVISE_READY && !ready) {
				ready = 1;
				notify_send("READY=1\nSTATUS=serving (pid %ld)", (long)pid);
				if (supervise_detach_fd >= 0) {
					(void)!write(supervise_detach_fd, "0", 1);
					close(supervise_detach_fd);
					supervise_detach_fd = -1;
				}
			} else if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
				close(fd);      /* the child is ending: wait for SIGCHLD */
				fd = -1;
			}
		}
	}
	if (fd >= 0)
		close(fd);

	char how[96];
	supervise_describe(status, how, sizeof(how));
	if (!ready) {
		log_err("the milter process failed to start (%s)", how);
		return 1;
	}
	if (!stopping) {
		log_err("the milter process (pid %ld) ended without a stop request (%s): exiting with status 1",
		    (long)pid, how);
		return 1;
	}
	if (killed || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_err("the milter process (pid %ld) did not stop cleanly (%s)", (long)pid, how);
		return 1;
	}
	return 0;
}
