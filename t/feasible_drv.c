/*
 * feasible_drv - run feasible_check (common/feasible) from the command line,
 * for t/feasible_live.sh:
 *
 *   feasible_drv [options] DOMAIN...
 *     --resolver IP[@PORT]   (repeatable; default: /etc/resolv.conf)
 *     --anchor FILE          trust anchor file (default: none, nothing secure)
 *     --remove-zone ZONE     a libunbound local zone to remove (repeatable)
 *     --dns-timeout MS       per DNS query
 *     --mode MODE            dnssec-or-mta-sts (default) | probe
 *     --timeout MS           the one deadline of a whole check
 *     --mtasts-ca FILE  --mtasts-port N  --mtasts-timeout MS  --store FILE
 *     --probe-ca FILE   --probe-port N   --probe-timeout MS   --helo NAME
 *     --threads N            check every domain in N threads that start together
 *     --verbose              the library's log lines (info) on stderr
 *
 * One cache and one feasible context serve all checks of a run, so a domain
 * named twice is answered from the cache the second time.  Per check, one
 * line on stdout (reason and evidence are printable and contain no '"'):
 *   domain=D status=yes|no|tempfail method=M cached=yes|no elapsed_ms=N reason="..." evidence="..."
 * Exit status: 0 when every check returned (the script judges the lines),
 * 2 for bad usage or a context that could not be made (message on stderr).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "cache/cache.h"
#include "feasible/feasible.h"

#define LIST_MAX 16
#define THREADS_MAX 64

static struct feasible *fz;
static char **domains;
static int ndomains;
static pthread_barrier_t start;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void print_result(const char *domain, const struct feasible_result *r)
{
	pthread_mutex_lock(&out_lock);
	printf("domain=%s status=%s method=%s cached=%s elapsed_ms=%lld reason=\"%s\" evidence=\"%s\"\n", domain,
	    feasible_status_name(r->status), r->method ? r->method : "(null)", r->cached ? "yes" : "no",
	    r->elapsed_ms, r->reason, r->evidence);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void check_all(void)
{
	struct feasible_result r;

	for (int i = 0; i < ndomains; i++) {
		feasible_check(fz, domains[i], &r);
		print_result(domains[i], &r);
	}
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	check_all();
	return NULL;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--resolver IP[@PORT]] [--anchor FILE] [--remove-zone Z] [--dns-timeout MS]\n"
	    "  [--mode dnssec-or-mta-sts|probe] [--timeout MS] [--mtasts-ca FILE] [--mtasts-port N]\n"
	    "  [--mtasts-timeout MS] [--store FILE] [--probe-ca FILE] [--probe-port N] [--probe-timeout MS]\n"
	    "  [--helo NAME] [--threads N] [--refresh HORIZON_S] [--verbose] DOMAIN...\n", prog);
}

/* A number option: 0 and *out, or -1 when s is not a whole number >= 0. */
static int number(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < 0)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	const char *resolvers[LIST_MAX + 1] = { NULL }, *zones[LIST_MAX + 1] = { NULL };
	int nres = 0, nzones = 0, verbose = 0;
	long threads = 1, refresh = -1, v;
	struct feasible_conf c;
	char err[512];
	int i;

	memset(&c, 0, sizeof(c));
	c.mode = FEASIBLE_DNSSEC_OR_MTASTS;
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *o = argv[i], *a = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--verbose") == 0) {
			verbose = 1;
			continue;
		}
		if (!a) {
			fprintf(stderr, "%s: %s needs a value\n", argv[0], o);
			return 2;
		}
		i++;
		if (strcmp(o, "--resolver") == 0 && nres < LIST_MAX)
			resolvers[nres++] = a;
		else if (strcmp(o, "--remove-zone") == 0 && nzones < LIST_MAX)
			zones[nzones++] = a;
		else if (strcmp(o, "--anchor") == 0)
			c.dns.trust_anchor_file = a;
		else if (strcmp(o, "--mode") == 0) {
			if (feasible_mode_parse(a, &c.mode) < 0) {
				fprintf(stderr, "%s: unknown mode %s\n", argv[0], a);
				return 2;
			}
		} else if (strcmp(o, "--mtasts-ca") == 0)
			c.mtasts_ca_file = a;
		else if (strcmp(o, "--store") == 0)
			c.mtasts_store = a;
		else if (strcmp(o, "--probe-ca") == 0)
			c.probe_ca_file = a;
		else if (strcmp(o, "--helo") == 0)
			c.helo = a;
		else if (number(a, &v) < 0) {
			fprintf(stderr, "%s: %s: not a number: %s\n", argv[0], o, a);
			return 2;
		} else if (strcmp(o, "--dns-timeout") == 0)
			c.dns.timeout_ms = (int)v;
		else if (strcmp(o, "--timeout") == 0)
			c.timeout_ms = v;
		else if (strcmp(o, "--mtasts-port") == 0)
			c.mtasts_port = (unsigned)v;
		else if (strcmp(o, "--mtasts-timeout") == 0)
			c.mtasts_timeout_ms = v;
		else if (strcmp(o, "--probe-port") == 0)
			c.probe_port = (unsigned)v;
		else if (strcmp(o, "--probe-timeout") == 0)
			c.probe_timeout_ms = v;
		else if (strcmp(o, "--threads") == 0 && v >= 1 && v <= THREADS_MAX)
			threads = v;
		else if (strcmp(o, "--refresh") == 0 && v >= 0)
			refresh = v;
		else {
			fprintf(stderr, "%s: bad option %s %s\n", argv[0], o, a);
			usage(argv[0]);
			return 2;
		}
	}
	if (i >= argc) {
		usage(argv[0]);
		return 2;
	}
	domains = argv + i;
	ndomains = argc - i;
	c.dns.resolvers = nres ? resolvers : NULL;
	c.dns.remove_zones = nzones ? zones : NULL;

	log_stderr_only();
	log_set_level(verbose ? LOG_LVL_INFO : LOG_LVL_ERR);
	struct cache *cache = cache_create(NULL);
	if (!cache) {
		fprintf(stderr, "%s: cache_create failed\n", argv[0]);
		return 2;
	}
	if (!(fz = feasible_create(&c, cache, err, sizeof(err)))) {
		fprintf(stderr, "%s: feasible_create: %s\n", argv[0], err);
		cache_free(cache);
		return 2;
	}
	if (refresh >= 0)       /* before the checks: fetch what expires within refresh s */
		printf("refreshed %d\n", feasible_refresh(fz, refresh));
	if (threads == 1)
		check_all();
	else {
		pthread_t tid[THREADS_MAX];
		long started = 0;

		pthread_barrier_init(&start, NULL, (unsigned)threads);
		for (long t = 0; t < threads; t++) {
			if (pthread_create(&tid[t], NULL, worker, NULL) != 0) {
				fprintf(stderr, "%s: pthread_create failed\n", argv[0]);
				return 2;       /* the barrier can never open: the others stay blocked */
			}
			started++;
		}
		for (long t = 0; t < started; t++)
			pthread_join(tid[t], NULL);
		pthread_barrier_destroy(&start);
	}
	feasible_free(fz);
	cache_free(cache);
	return 0;
}
