/*
 * NAME
 *	holdconn - hold many milter connections open (the MTA side), for the
 *	daemon's stop and timeout tests
 * SYNOPSIS
 *	holdconn partial|session N SECS unix:/path
 * DESCRIPTION
 *	Opens N connections to the milter.  partial: each sends the first 5
 *	bytes of a 13-byte option negotiation packet and stalls (a worker
 *	thread reads the rest of the packet until the MTA timeout).  session:
 *	each negotiates and passes CONNECT, then idles between commands like an
 *	MTA session waiting for its client.  Prints "open N" once all are open,
 *	then watches them for SECS seconds and prints
 *	"closed K of N min=F max=L": of the K the milter closed, the shortest
 *	and the longest time (seconds) from a connection's own opening to its
 *	close (-1 if none).  Exit 0, or
 *	1 when the connections could not be opened.
 *
 *	Connections are opened 2 ms apart, as MTA sessions arrive, not in one
 *	burst: Debian's libmilter worker pool hands a new session to an idle
 *	worker that a session of the same burst may already have taken, and
 *	that session then waits for a free worker (behind the stalled ones,
 *	until their mta_timeout) - a limit of libmilter, not of the daemon.
 */
#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One milter packet: length, command, data. */
static int send_packet(int fd, char cmd, const void *data, uint32_t len)
{
	unsigned char hdr[5];
	uint32_t n = len + 1;

	hdr[0] = (unsigned char)(n >> 24);
	hdr[1] = (unsigned char)(n >> 16);
	hdr[2] = (unsigned char)(n >> 8);
	hdr[3] = (unsigned char)n;
	hdr[4] = (unsigned char)cmd;
	return write_all(fd, hdr, 5) < 0 || (len && write_all(fd, data, len) < 0) ? -1 : 0;
}

/* Read one reply packet into buf (command byte first); returns the
 * command byte or -1. */
static int read_reply(int fd, unsigned char *buf, size_t size)
{
	unsigned char hdr[4];
	uint32_t n;

	if (read_all(fd, hdr, 4) < 0)
		return -1;
	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > size || read_all(fd, buf, n) < 0)
		return -1;
	return buf[0];
}

#define NR_CONN 0x1000      /* SMFIP_NR_CONN: no reply to CONNECT */

static const unsigned char optneg[12] = {
	0, 0, 0, 6,                 /* version 6 */
	0, 0, 0x01, 0xff,           /* every action */
	0, 0x1f, 0xff, 0xff,        /* every protocol step the milter may turn off */
};

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct rlimit rl;

	if (argc != 5 || (strcmp(argv[1], "partial") && strcmp(argv[1], "session")) ||
	    strncmp(argv[4], "unix:", 5) != 0) {
		fprintf(stderr, "usage: holdconn partial|session N SECS unix:/path\n");
		return 2;
	}
	int partial = strcmp(argv[1], "partial") == 0;
	int n = atoi(argv[2]);
	double secs = atof(argv[3]);
	if (n < 1) {
		fprintf(stderr, "holdconn: N must be >= 1\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[4] + 5);

	const struct timespec pace = { 0, 2000000 };
	struct pollfd *pfd = calloc((size_t)n, sizeof(*pfd));
	double *opened = calloc((size_t)n, sizeof(*opened));
	if (!pfd || !opened) {
		free(pfd);
		free(opened);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "holdconn: connection %d: %s\n", i + 1, strerror(errno));
			goto fail;
		}
		if (partial) {
			unsigned char part[5] = { 0, 0, 0, 13, 'O' };
			if (write_all(fd, part, sizeof(part)) < 0) {
				fprintf(stderr, "holdconn: connection %d: write: %s\n", i + 1, strerror(errno));
				goto fail;
			}
		} else {
			static const char conn[] = "client.test\0" "4" "\x00\x19" "192.0.2.7";
			unsigned char rep[4096];
			int neg = send_packet(fd, 'O', optneg, sizeof(optneg)) == 0 && read_reply(fd, rep, sizeof(rep)) == 'O';
			uint32_t proto = neg ? (uint32_t)rep[9] << 24 | (uint32_t)rep[10] << 16 | (uint32_t)rep[11] << 8 | rep[12] : 0;
			if (!neg || send_packet(fd, 'C', conn, sizeof(conn)) < 0 ||
			    (!(proto & NR_CONN) && read_reply(fd, rep, sizeof(rep)) < 0)) {
				fprintf(stderr, "holdconn: connection %d: negotiation failed\n", i + 1);
				goto fail;
			}
		}
		pfd[i].fd = fd;
		pfd[i].events = POLLIN;
		opened[i] = now();
		nanosleep(&pace, NULL);
	}
	printf("open %d\n", n);
	fflush(stdout);

	double t0 = now(), first = -1, last = -1;   /* shortest, longest stall */
	int closed = 0;
	while (closed < n) {
		double left = t0 + secs - now();
		if (left <= 0)
			break;
		int r = poll(pfd, (nfds_t)n, (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			break;
		for (int i = 0; r > 0 && i < n; i++) {
			char buf[256];
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			ssize_t k = read(pfd[i].fd, buf, sizeof(buf));
			if (k > 0)
				continue;   /* a reply: not closed */
			close(pfd[i].fd);
			pfd[i].fd = -1;
			closed++;
			double d = now() - opened[i];
			if (first < 0 || d < first)
				first = d;
			if (d > last)
				last = d;
		}
	}
	printf("closed %d of %d min=%.1f max=%.1f\n", closed, n, first, last);
	fflush(stdout);
	for (int i = 0; i < n; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	free(pfd);
	free(opened);
	return 0;
fail:
	for (int i = 0; i < n; i++)
		if (pfd[i].fd > 0)
			close(pfd[i].fd);
	free(pfd);
	free(opened);
	return 1;
}
