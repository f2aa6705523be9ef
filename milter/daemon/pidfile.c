/*
 * pidfile - exclusive creation, stale-file replacement, checked removal
 * (see pidfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "daemon/pidfile.h"

/* The pid in the regular file at path (never through a symlink): >0; 0 when
 * the file holds no pid; -1 with errno set when it cannot be read (ELOOP: a
 * symlink) or is not a regular file (EINVAL). */
static long pidfile_read(const char *path)
{
	char buf[32];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	char *end;
	long pid = strtol(buf, &end, 10);
	if (end == buf || (*end != '\0' && *end != '\n') || pid <= 0)
		return 0;
	return pid;
}

static int pidfile_open(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
}

int pidfile_create(const char *path, pid_t pid)
{
	int fd = pidfile_open(path);

	if (fd < 0 && errno == EEXIST) {
		long old = pidfile_read(path);
		if (old < 0) {
			log_err("pidfile %s exists and is not a regular file (a symlink?): %s; refusing to use it",
			    path, errno == ELOOP ? "symbolic link" : strerror(errno));
			return -1;
		}
		if (old > 0 && (kill((pid_t)old, 0) == 0 || errno == EPERM)) {
			log_err("pidfile %s: process %ld is running (another instance?)", path, old);
			return -1;
		}
		log_warn("pidfile %s is stale (pid %ld is gone): replacing it", path, old);
		if (unlink(path) < 0 && errno != ENOENT) {
			log_err("cannot remove stale pidfile %s: %s", path, strerror(errno));
			return -1;
		}
		fd = pidfile_open(path);
	}
	if (fd < 0) {
		log_err("cannot create pidfile %s: %s", path, errno == EEXIST ? "created by someone else meanwhile" :
		    strerror(errno));
		return -1;
	}
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	if (write(fd, buf, (size_t)len) != len || close(fd) < 0) {
		log_err("cannot write pidfile %s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

void pidfile_remove(const char *path, pid_t pid)
{
	if (!path)
		return;
	long held = pidfile_read(path);
	if (held != (long)pid) {
		if (held < 0 && errno == ENOENT)
			log_warn("pidfile %s was already removed", path);
		else
			log_warn("pidfile %s no longer holds pid %ld: leaving it", path, (long)pid);
		return;
	}
	if (unlink(path) < 0)
		log_warn("cannot remove pidfile %s: %s", path, strerror(errno));
}
