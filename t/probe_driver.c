/*
 * probe_driver - run probe_run from the command line, for t/probe_live.sh.
 *
 *   probe_driver --mx NAME --addr IP [--addr IP...] [--port N] [--ca FILE]
 *                [--tlsa "USAGE SELECTOR MTYPE HEX"]... [--timeout MS]
 *                [--helo NAME] [--threads N]
 *
 * --ca "" means the default store.  --timeout sets the deadline to now + MS.
 * Prints one block of key=value lines per probe (--threads N: N probes at
 * once, blocks separated by "--").  Exit 0 when every probe ran, 2 on usage
 * errors, 1 when probe_run refused the request.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "probe/probe.h"

#define THREADS_MAX 64

static struct probe_req req;
static struct probe_result results[THREADS_MAX];
static int rcs[THREADS_MAX];

static void *run(void *arg)
{
	long i = (long)arg;

	rcs[i] = probe_run(&req, &results[i]);
	return NULL;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* parse_tlsa - "U S M HEX" into t (data malloc'd); 0 or -1 */
static int parse_tlsa(const char *s, struct probe_tlsa *t)
{
	unsigned u, sel, m;
	char hex[2 * PROBE_TLSA_DATA_MAX + 2];
	unsigned char *d;
	size_t n, i;

	if (sscanf(s, "%u %u %u %8193s", &u, &sel, &m, hex) != 4 || u > 255 || sel > 255 || m > 255)
		return -1;
	n = strlen(hex);
	if (n % 2 != 0 || (d = malloc(n / 2 + 1)) == NULL)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(d);
			return -1;
		}
		d[i] = (unsigned char)(hi << 4 | lo);
	}
	t->usage = (uint8_t)u, t->selector = (uint8_t)sel, t->mtype = (uint8_t)m;
	t->data = d;
	t->len = n / 2;
	return 0;
}

static void print(const struct probe_result *r, int rc)
{
	printf("rc=%d\nstatus=%s\nreason=%s\naddr=%s\ntried=%u\nverified=%s\ndane_unusable=%d\n"
	       "tls_version=%s\ncipher=%s\nsubject=%s\nissuer=%s\nelapsed_ms=%lld\n",
	       rc, probe_status_name(r->status), r->reason, r->addr, r->tried, probe_verify_name(r->verified),
	       r->dane_unusable, r->tls_version, r->cipher, r->subject, r->issuer, r->elapsed_ms);
}

int main(int argc, char **argv)
{
	static const char *addrs[PROBE_ADDRS_MAX + 1];
	static struct probe_tlsa tlsa[PROBE_TLSA_MAX + 1];
	pthread_t th[THREADS_MAX];
	long timeout = 10000, threads = 1, i;
	int bad = 0;

	signal(SIGPIPE, SIG_DFL);       /* the probe must never raise it: let it kill us if it does */
	req.helo = "probe.example.test";
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			goto usage;
		i++;
		if (strcmp(o, "--mx") == 0)
			req.mx = v;
		else if (strcmp(o, "--addr") == 0 && req.naddrs <= PROBE_ADDRS_MAX)
			addrs[req.naddrs++] = v;
		else if (strcmp(o, "--port") == 0)
			req.port = (unsigned)atoi(v);
		else if (strcmp(o, "--ca") == 0)
			req.ca_file = *v ? v : NULL;
		else if (strcmp(o, "--tlsa") == 0 && req.ntlsa <= PROBE_TLSA_MAX) {
			if (parse_tlsa(v, &tlsa[req.ntlsa++]) < 0)
				goto usage;
		} else if (strcmp(o, "--timeout") == 0)
			timeout = atol(v);
		else if (strcmp(o, "--helo") == 0)
			req.helo = v;
		else if (strcmp(o, "--threads") == 0 && (threads = atol(v)) >= 1 && threads <= THREADS_MAX)
			;
		else
			goto usage;
	}
	req.addrs = addrs;
	req.tlsa = req.ntlsa ? tlsa : NULL;
	req.deadline_ms = probe_now_ms() + timeout;
	for (i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, run, (void *)i) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 2;
		}
	for (i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		if (i > 0)
			printf("--\n");
		print(&results[i], rcs[i]);
		if (rcs[i] < 0)
			bad = 1;
	}
	for (i = 0; i < (long)req.ntlsa; i++)
		free((void *)tlsa[i].data);
	return bad;
usage:
	fprintf(stderr, "usage: probe_driver --mx NAME --addr IP [--addr IP...] [--port N] [--ca FILE]\n"
		"       [--tlsa \"U S M HEX\"]... [--timeout MS] [--helo NAME] [--threads N]\n");
	return 2;
}
