/*
 * NAME
 *	nullsmap - a socketmap server that answers every request with a fixed
 *	"OK ...": the benchmark ceiling
 * SYNOPSIS
 *	nullsmap unix:/path | inet:PORT@ADDR [REPLY]
 * DESCRIPTION
 *	One thread per connection, like the daemon's socketmap listener, the
 *	same netstring decoder and the same syscalls per request (one read, one
 *	write); only the lookup is missing.  REPLY defaults to
 *	"OK secure match=mx.example.test".  SIGTERM ends it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/netstring.h"
#include "socketmap/smap_listen.h"

static char out[2048];
static size_t outlen;

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	struct netstring *d = netstring_create(NETSTRING_MAX);
	char in[4096];
	ssize_t n;

	while (d && (n = read(fd, in, sizeof(in))) > 0) {
		size_t off = 0, used, len;
		const char *data;
		enum netstring_status st = NETSTRING_MORE;

		while (off < (size_t)n && (st = netstring_feed(d, in + off, (size_t)n - off, &used, &data, &len)) ==
		    NETSTRING_DONE) {
			off += used;
			if (send(fd, out, outlen, MSG_NOSIGNAL) != (ssize_t)outlen)
				st = NETSTRING_ERROR;
		}
		if (st == NETSTRING_ERROR)
			break;
	}
	netstring_free(d);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *reply = argc > 2 ? argv[2] : "OK secure match=mx.example.test";
	char err[256];
	int lfd, fd;
	pthread_t t;

	if (argc < 2) {
		fprintf(stderr, "usage: nullsmap unix:/path | inet:PORT@ADDR [REPLY]\n");
		return 2;
	}
	if ((lfd = smap_listen_open(argv[1], err, sizeof(err))) < 0) {
		fprintf(stderr, "nullsmap: %s\n", err);
		return 1;
	}
	outlen = (size_t)netstring_encode(out, sizeof(out), reply, strlen(reply));
	while ((fd = accept(lfd, NULL, NULL)) >= 0 || 1) {
		if (fd < 0)
			continue;
		if (pthread_create(&t, NULL, serve, (void *)(long)fd) != 0)
			close(fd);
		else
			pthread_detach(t);
	}
}
