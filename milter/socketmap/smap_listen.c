/*
 * smap_listen - the socketmap listener's socket (see smap_listen.h).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "socketmap/smap_listen.h"

const char *smap_listen_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return NULL;
}

static int open_unix(const char *path, char *err, size_t errsz)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "%s: path too long", path);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errsz, "%s exists and is not a socket", path);
			return -1;
		}
		if (unlink(path) < 0) {
			snprintf(err, errsz, "cannot remove the old socket %s: %s", path, strerror(errno));
			return -1;
		}
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, SOMAXCONN) < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int open_inet(const char *spec, char *err, size_t errsz)
{
	int six = strncmp(spec, "inet6:", 6) == 0;
	const char *rest = strchr(spec, ':') + 1, *at = strchr(rest, '@');
	char port[16], host[256];
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, rc, on = 1;

	if ((size_t)(at ? at - rest : (long)strlen(rest)) >= sizeof(port) || (at && strlen(at + 1) >= sizeof(host))) {
		snprintf(err, errsz, "%s: bad address", spec);
		return -1;
	}
	snprintf(port, sizeof(port), "%.*s", at ? (int)(at - rest) : (int)strlen(rest), rest);
	if (at)
		snprintf(host, sizeof(host), "%s", at + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = six ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(at ? host : NULL, port, &hints, &res)) != 0) {
		snprintf(err, errsz, "%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	snprintf(err, errsz, "%s: no address", spec);
	for (ai = res; ai; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0) {
			snprintf(err, errsz, "socket: %s", strerror(errno));
			continue;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0)
			break;
		snprintf(err, errsz, "%s: %s", spec, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int smap_listen_open(const char *spec, char *err, size_t errsz)
{
	const char *path = smap_listen_path(spec);

	if (path)
		return open_unix(path, err, errsz);
	if (strncmp(spec, "inet:", 5) == 0 || strncmp(spec, "inet6:", 6) == 0)
		return open_inet(spec, err, errsz);
	snprintf(err, errsz, "%s: expected unix:/path, inet:PORT@HOST or inet6:PORT@HOST", spec);
	return -1;
}

void smap_listen_close(int fd, const char *spec)
{
	const char *path = spec ? smap_listen_path(spec) : NULL;

	if (fd >= 0)
		close(fd);
	if (path)
		(void)unlink(path);
}
