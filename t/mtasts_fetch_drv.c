/*
 * mtasts_fetch_drv - run mtasts_fetch once (or in N threads at once) and
 * print the outcome on one line, for t/mtasts_live.sh:
 *
 *   mtasts_fetch_drv DOMAIN ADDR[,ADDR...] PORT CAFILE|- TIMEOUT_MS [DEADLINE_IN_MS [THREADS]]
 *
 * One thread:  status=ok|no-policy|temporary http=N mode=M max_age=N mx=A,B elapsed_ms=N reason=TEXT
 * N threads:   threads=N ok=K elapsed_ms=N  (every thread fetches the same policy)
 * Exit status 0 whenever the call returned (the script judges the line).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts/mtasts_fetch.h"

static const char *domain;
static const char *addrs[16];
static size_t naddrs;
static struct mtasts_fetch_opts opts;

static void *worker(void *arg)
{
	struct mtasts_fetch_result r;
	int *okp = arg;

	*okp = mtasts_fetch(domain, addrs, naddrs, &opts, &r) == MTASTS_FETCH_OK;
	mtasts_fetch_result_clear(&r);
	return NULL;
}

int main(int argc, char **argv)
{
	struct mtasts_fetch_result r;
	char *list, *tok, *save = NULL, mx[2048] = "";
	long long t0;
	int threads = 1, i;
	size_t k;

	if (argc < 6) {
		fprintf(stderr, "usage: %s DOMAIN ADDRS PORT CAFILE|- TIMEOUT_MS [DEADLINE_IN_MS [THREADS]]\n", argv[0]);
		return 2;
	}
	domain = argv[1];
	list = strdup(argv[2]);
	for (tok = strtok_r(list, ",", &save); tok && naddrs < 16; tok = strtok_r(NULL, ",", &save))
		addrs[naddrs++] = tok;
	opts.port = (unsigned)atoi(argv[3]);
	opts.ca_file = strcmp(argv[4], "-") ? argv[4] : NULL;
	opts.timeout_ms = atol(argv[5]);
	t0 = mtasts_now_ms();
	if (argc > 6 && atol(argv[6]) > 0)
		opts.deadline_ms = t0 + atol(argv[6]);
	if (argc > 7)
		threads = atoi(argv[7]);
	if (threads > 1) {
		pthread_t tid[64];
		int okv[64], n = 0;

		if (threads > 64)
			threads = 64;
		for (i = 0; i < threads; i++)
			pthread_create(&tid[i], NULL, worker, &okv[i]);
		for (i = 0; i < threads; i++) {
			pthread_join(tid[i], NULL);
			n += okv[i];
		}
		printf("threads=%d ok=%d elapsed_ms=%lld\n", threads, n, mtasts_now_ms() - t0);
		free(list);
		return 0;
	}
	mtasts_fetch(domain, addrs, naddrs, &opts, &r);
	for (k = 0; r.policy && k < r.policy->nmx; k++) {
		if (k)
			strncat(mx, ",", sizeof(mx) - strlen(mx) - 1);
		strncat(mx, r.policy->mx[k], sizeof(mx) - strlen(mx) - 1);
	}
	printf("status=%s http=%ld mode=%s max_age=%ld mx=%s len=%zu elapsed_ms=%lld reason=%s\n",
	    mtasts_fetch_status_name(r.status), r.http_status,
	    r.policy ? mtasts_mode_name(r.policy->mode) : "-", r.policy ? r.policy->max_age : -1L,
	    mx[0] ? mx : "-", r.len, mtasts_now_ms() - t0, r.reason);
	mtasts_fetch_result_clear(&r);
	free(list);
	return 0;
}
