/*
 * bench_policy - load a policy whose recipient rule takes its domains from a
 * list file of N lines, and time a whole recipient decision
 * (decide_rcpt: parse, lookup, profile check) against the same with
 * 10 domains.  A benchmark, not a test: it prints numbers and fails only
 * when a decision is wrong.
 *
 *   bench_policy [-n DOMAINS] [-q QUERIES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "util/log.h"
#include "policy/decide.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	while (fp && fgets(line, sizeof(line), fp))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (fp)
		fclose(fp);
	return kib;
}

struct run { double load_s; long rss_kib; double ns_hit, ns_miss; long wrong; };

static const char *get_none(void *arg, const char *name)
{
	return NULL;
}

/* Time q decisions on recipients d<k>.forced.example (hits when k < n) or m<k>.other.example. */
static double time_decisions(const struct ruleset *p, long n, long q, int hits, long *wrong)
{
	struct policy_msg m;
	double best = 1e9;

	memset(&m, 0, sizeof(m));
	tlsfacts_collect(&m.tls, TLS_MTA_POSTFIX, get_none, NULL);
	for (int rep = 0; rep < 5; rep++) {
		double t0 = now();
		for (long i = 0; i < q; i++) {
			char arg[128];
			struct addr a;
			struct policy_decision d;
			const char *err;
			long k = (i * 7919) % n;
			snprintf(arg, sizeof(arg), hits ? "<user@d%ld.forced.example>" : "<user@m%ld.other.example>", k);
			addr_parse(arg, &a, &err);
			decide_rcpt(p, &m, arg, &a, NULL, &d);
			if ((hits && (d.act < 0 || d.v[d.act].verdict != VERDICT_REJECT)) || (!hits && d.n != 0))
				(*wrong)++;
		}
		double ns = (now() - t0) * 1e9 / (double)q;
		if (ns < best)
			best = ns;
	}
	return best;
}

static int run(const char *dir, long n, long q, struct run *r)
{
	char list[600], conf[600];
	struct diag d;

	snprintf(list, sizeof(list), "%s/domains-%ld.txt", dir, n);
	snprintf(conf, sizeof(conf), "%s/bench-%ld.conf", dir, n);
	FILE *fp = fopen(list, "w");
	if (!fp)
		return -1;
	fprintf(fp, "# %ld forced-TLS domains\n", n);
	for (long k = 0; k < n; k++)
		fprintf(fp, "d%ld.forced.example\n", k);
	fclose(fp);
	fp = fopen(conf, "w");
	fprintf(fp, "profiles = { tls = { encrypted = true; }; };\n"
	    "rules = ( { recipient_list = \"%s\"; require = \"tls\"; } );\n", list);
	fclose(fp);

	long rss0 = rss_kib();
	double t0 = now();
	diag_init(&d);
	struct ruleset *p = config_load(conf, &d);
	r->load_s = now() - t0;
	r->rss_kib = rss_kib() - rss0;
	diag_print(&d, stderr);
	diag_free(&d);
	if (!p)
		return -1;
	r->wrong = 0;
	r->ns_hit = time_decisions(p, n, q, 1, &r->wrong);
	r->ns_miss = time_decisions(p, n, q, 0, &r->wrong);
	ruleset_unref(p);
	unlink(list);
	unlink(conf);
	return 0;
}

int main(int argc, char **argv)
{
	long n = 1000000, q = 200000;
	int opt;
	char dir[] = "/tmp/tp-bench-policy-XXXXXX";

	while ((opt = getopt(argc, argv, "n:q:")) != -1) {
		if (opt == 'n')
			n = atol(optarg);
		else if (opt == 'q')
			q = atol(optarg);
		else {
			fprintf(stderr, "usage: bench_policy [-n DOMAINS] [-q QUERIES]\n");
			return 2;
		}
	}
	if (n < 10 || q < 1 || !mkdtemp(dir))
		return 2;
	log_stderr_only();
	log_set_level(LOG_LVL_ERR);

	struct run small, big;
	if (run(dir, 10, q, &small) < 0 || run(dir, n, q, &big) < 0) {
		fprintf(stderr, "bench_policy: config did not load\n");
		rmdir(dir);
		return 1;
	}
	rmdir(dir);
	printf("policy with a recipient_list of N domains (times machine-dependent; ratios are the result)\n");
	printf("  %-10s %10s %10s %14s %14s\n", "N", "load s", "RSS MiB", "ns/rcpt hit", "ns/rcpt miss");
	printf("  %-10d %10.3f %10.1f %14.0f %14.0f\n", 10, small.load_s, small.rss_kib / 1024.0, small.ns_hit, small.ns_miss);
	printf("  %-10ld %10.3f %10.1f %14.0f %14.0f\n", n, big.load_s, big.rss_kib / 1024.0, big.ns_hit, big.ns_miss);
	printf("  ratio %ld/10: hit %.2f, miss %.2f\n", n, big.ns_hit / small.ns_hit, big.ns_miss / small.ns_miss);
	printf("wrong decisions: %ld\n", small.wrong + big.wrong);
	return small.wrong + big.wrong ? 1 : 0;
}
