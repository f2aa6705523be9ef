/*
 * hangshim - fault injection for t/daemon/stop.sh (LD_PRELOAD): close() of
 * a listening socket blocks for ever, so libmilter's smfi_stop and the
 * return of smfi_main never finish - the state issue 9 (defect 10) saw now
 * and then under load.  Built by the test with cc -shared; inert unless
 * TP_HANG_LISTEN_CLOSE is set.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int close(int fd)
{
	static int (*real_close)(int);
	int listening = 0;
	socklen_t len = sizeof(listening);

	if (getenv("TP_HANG_LISTEN_CLOSE") &&
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening)
		for (;;)
			pause();
	if (!real_close)
		real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	return real_close(fd);
}
