/*
 * pidfile - the pid file of the supervising (root) process.
 *
 * Created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644), so root never
 * writes through a symlink or into a file someone else planted; a regular
 * file left by a process that is gone is replaced, a live one or anything
 * that is not a regular file is an error.  The process that created it (the
 * supervisor, which stays root) removes it, and only while it still holds
 * its pid: removal works after the milter child has dropped privileges.
 */
#ifndef TP_PIDFILE_H
#define TP_PIDFILE_H

#include <sys/types.h>

/* Write pid to path as above.  Returns 0, or -1 after logging why. */
int pidfile_create(const char *path, pid_t pid);

/* Remove path if it is a regular file holding pid (never follows a symlink);
 * logs a warning when that fails.  path NULL: nothing to do. */
void pidfile_remove(const char *path, pid_t pid);

#endif
