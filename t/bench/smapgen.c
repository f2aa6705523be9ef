/*
 * NAME
 *	smapgen - socketmap load client: answers/s and latency, every reply checked
 * SYNOPSIS
 *	smapgen [-c CONNS] [-t SECS] [-m MAP] [-k KEYFILE | -d DOMAIN[,DOMAIN...]]
 *	        [-e REPLY | -p PREFIX] [-w] [-1] ADDR
 *	smapgen --probe SECS ADDR
 * DESCRIPTION
 *	CONNS connections (default 1), each sending "MAP KEY" requests back to
 *	back (one outstanding per connection, as an MTA does) for SECS seconds
 *	(default 5); keys cycle through the domains (each connection starts at
 *	a different one).  -w first asks every key once on one connection (a
 *	warm cache) and does not count it.  Each reply must be a well-formed
 *	netstring, equal to REPLY (-e) or starting with PREFIX (-p); by default
 *	any OK, NOTFOUND, TEMP or PERM reply counts as an answer.
 *	ADDR: unix:/path or inet:PORT@HOST.
 *	Prints one line:
 *	  RESULT ok=1|0 conns=N secs=S answers=A rate=R p50_us=X p99_us=Y bad=B errors=E
 *	ok=1 when there were answers, no bad reply and no connection error.
 *	Exit status 0 when ok=1.
 *	-1: every key exactly once, handed out to the connections in order (a
 *	cold cache sees each domain once); the run ends when all are answered,
 *	and fails (ok=0) if that takes longer than SECS.
 *	--probe SECS: wait until ADDR accepts a connection; exit 0 if it did.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/netstring.h"

#define HIST_US 200000          /* latencies up to 200 ms in 1 µs buckets, */
#define HIST_MS 60000           /* then up to 60 s in 1 ms buckets; the rest in the last */
#define HIST_N (HIST_US + HIST_MS)
/* bucket of a latency, and the latency a bucket stands for */
static size_t hist_idx(unsigned long us)
{
	unsigned long ms = us < HIST_US ? 0 : (us - HIST_US) / 1000;

	return us < HIST_US ? us : HIST_US + (ms < HIST_MS - 1 ? ms : HIST_MS - 1);
}
static unsigned long hist_us(size_t i)
{
	return i < HIST_US ? i : HIST_US + (i - HIST_US) * 1000;
}

static const char *addr, *map = "tls", *expect, *prefix;
static char **keys;
static size_t nkeys;
static double secs = 5;
static volatile int running = 1;
static int once;                        /* -1 */
static size_t next_key, keys_done;      /* -1: handed out, answered (atomics) */

struct worker {
	pthread_t tid;
	int idx;
	unsigned long answers, bad, errors;
	unsigned *hist;
	char first_bad[256];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dial(void)
{
	int fd = -1;

	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", addr + 5);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(fd);
			fd = -1;
		}
	} else if (strncmp(addr, "inet:", 5) == 0) {
		char port[16] = "", host[256] = "127.0.0.1";
		const char *at = strchr(addr + 5, '@');
		struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
		snprintf(port, sizeof(port), "%.*s", at ? (int)(at - addr - 5) : (int)strlen(addr + 5), addr + 5);
		if (at)
			snprintf(host, sizeof(host), "%s", at + 1);
		if (getaddrinfo(host, port, &hints, &res) != 0)
			return -1;
		if ((fd = socket(res->ai_family, SOCK_STREAM, 0)) >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
		freeaddrinfo(res);
	}
	return fd;
}

/* one request, one reply; 0 answered (checked: *badp), -1 connection error */
static int ask(int fd, struct netstring *d, const char *key, char *reply, size_t replysz, int *badp)
{
	char req[1100], buf[4096];
	char body[600];
	int bl = snprintf(body, sizeof(body), "%s %s", map, key);
	long n = netstring_encode(req, sizeof(req), body, (size_t)bl);

	if (n < 0 || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		return -1;
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));
		size_t used, len;
		const char *data;
		if (k <= 0)
			return -1;
		enum netstring_status st = netstring_feed(d, buf, (size_t)k, &used, &data, &len);
		if (st == NETSTRING_ERROR)
			return -1;
		if (st == NETSTRING_DONE) {
			if ((size_t)k != used)
				return -1;      /* a reply nobody asked for */
			snprintf(reply, replysz, "%s", data);
			if (expect)
				*badp = strcmp(data, expect) != 0;
			else if (prefix)
				*badp = strncmp(data, prefix, strlen(prefix)) != 0;
			else
				*badp = !(strncmp(data, "OK ", 3) == 0 || strcmp(data, "NOTFOUND ") == 0 ||
				    strncmp(data, "TEMP ", 5) == 0 || strncmp(data, "PERM ", 5) == 0);
			return 0;
		}
	}
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct netstring *d = netstring_create(0);
	int fd = dial();
	size_t i = (size_t)w->idx * 7;
	char reply[1200];

	if (fd < 0 || !d) {
		w->errors++;
		netstring_free(d);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (running) {
		int bad = 0;
		double t0 = now();
		if (once && (i = __atomic_fetch_add(&next_key, 1, __ATOMIC_RELAXED)) >= nkeys)
			break;
		if (ask(fd, d, keys[i++ % nkeys], reply, sizeof(reply), &bad) < 0) {
			w->errors++;
			break;
		}
		unsigned long us = (unsigned long)((now() - t0) * 1e6);
		w->hist[hist_idx(us)]++;
		w->answers++;
		if (once)
			__atomic_fetch_add(&keys_done, 1, __ATOMIC_RELEASE);
		if (bad && !w->bad++)
			snprintf(w->first_bad, sizeof(w->first_bad), "%.200s", reply);
	}
	close(fd);
	netstring_free(d);
	return NULL;
}

static void add_keys(const char *list)
{
	char *copy = strdup(list), *save = NULL;

	for (char *t = strtok_r(copy, ", \n", &save); t; t = strtok_r(NULL, ", \n", &save)) {
		keys = realloc(keys, (nkeys + 1) * sizeof(*keys));
		keys[nkeys++] = strdup(t);
	}
	free(copy);
}

static void usage(void)
{
	fprintf(stderr, "usage: smapgen [-c CONNS] [-t SECS] [-m MAP] [-k KEYFILE | -d DOMAINS] [-e REPLY | -p PREFIX] "
	    "[-w] [-1] ADDR\n       smapgen --probe SECS ADDR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int conns = 1, warm = 0;
	double probe = -1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-1") == 0) {
			once = 1;
			continue;
		}
		if (strcmp(a, "-w") == 0) {
			warm = 1;
			continue;
		}
		if (a[0] != '-') {
			addr = a;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (strcmp(a, "-c") == 0) conns = atoi(v);
		else if (strcmp(a, "-t") == 0) secs = atof(v);
		else if (strcmp(a, "-m") == 0) map = v;
		else if (strcmp(a, "-d") == 0) add_keys(v);
		else if (strcmp(a, "-e") == 0) expect = v;
		else if (strcmp(a, "-p") == 0) prefix = v;
		else if (strcmp(a, "--probe") == 0) probe = atof(v);
		else if (strcmp(a, "-k") == 0) {
			FILE *fp = fopen(v, "r");
			char line[512];
			if (!fp) {
				perror(v);
				return 2;
			}
			while (fgets(line, sizeof(line), fp))
				add_keys(line);
			fclose(fp);
		} else
			usage();
	}
	if (!addr || conns < 1)
		usage();
	if (probe >= 0) {
		double end = now() + probe;
		for (;;) {
			int fd = dial();
			if (fd >= 0) {
				close(fd);
				return 0;
			}
			if (now() > end)
				return 1;
			usleep(50000);
		}
	}
	if (!nkeys)
		add_keys("example.com");

	if (warm) {
		struct netstring *d = netstring_create(0);
		int fd = dial(), bad;
		char reply[1200];
		for (size_t i = 0; fd >= 0 && i < nkeys; i++)
			if (ask(fd, d, keys[i], reply, sizeof(reply), &bad) < 0)
				break;
		if (fd >= 0)
			close(fd);
		netstring_free(d);
	}

	struct worker *w = calloc((size_t)conns, sizeof(*w));
	for (int i = 0; i < conns; i++) {
		w[i].idx = i;
		w[i].hist = calloc(HIST_N, sizeof(unsigned));
	}
	double t0 = now();
	for (int i = 0; i < conns; i++)
		pthread_create(&w[i].tid, NULL, work, &w[i]);
	double t_end = 0;
	if (once) {     /* until every key is answered, or the time limit */
		struct timespec ms = { 0, 1000000 };
		while (__atomic_load_n(&keys_done, __ATOMIC_ACQUIRE) < nkeys && now() - t0 < secs)
			nanosleep(&ms, NULL);
		t_end = now();
	} else {
		struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
		nanosleep(&ts, NULL);
	}
	running = 0;
	unsigned long answers = 0, bad = 0, errors = 0;
	for (int i = 0; i < conns; i++) {
		pthread_join(w[i].tid, NULL);
		answers += w[i].answers;
		bad += w[i].bad;
		errors += w[i].errors;
		if (w[i].bad)
			fprintf(stderr, "smapgen: connection %d: unexpected reply \"%s\"\n", i, w[i].first_bad);
	}
	double el = (once ? t_end : now()) - t0;
	unsigned long p50 = 0, p99 = 0, seen = 0;
	int got50 = 0;
	for (size_t b = 0; b < HIST_N && answers; b++) {
		for (int i = 0; i < conns; i++)
			seen += w[i].hist[b];
		if (!got50 && seen * 2 >= answers) {
			p50 = hist_us(b);
			got50 = 1;
		}
		if (seen * 100 >= answers * 99) {
			p99 = hist_us(b);
			break;
		}
	}
	int ok = answers > 0 && bad == 0 && errors == 0 && (!once || answers == nkeys);
	printf("RESULT ok=%d conns=%d secs=%.2f answers=%lu rate=%.0f p50_us=%lu p99_us=%lu bad=%lu errors=%lu\n", ok,
	    conns, el, answers, answers / el, p50, p99, bad, errors);
	for (int i = 0; i < conns; i++)
		free(w[i].hist);
	free(w);
	return ok ? 0 : 1;
}
