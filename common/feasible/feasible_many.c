/*
 * feasible_many - feasible_check for several domains at once (see
 * feasible.h): a few threads take the domains in turn, so a message with
 * several slow domains waits about one check, not their sum.
 */
#include <pthread.h>
#include <stddef.h>

#include "feasible/feasible.h"

struct many {
	struct feasible *f;
	const char *const *domains;
	struct feasible_result *results;
	size_t n, next;
	pthread_mutex_t lock;
};

static void *many_worker(void *arg)
{
	struct many *m = arg;

	for (;;) {
		pthread_mutex_lock(&m->lock);
		size_t i = m->next < m->n ? m->next++ : m->n;
		pthread_mutex_unlock(&m->lock);
		if (i == m->n)
			return NULL;
		feasible_check(m->f, m->domains[i], &m->results[i]);
	}
}

void feasible_check_many(struct feasible *f, const char *const *domains, size_t n, struct feasible_result *results)
{
	enum { WORKERS = 8 };           /* each check mostly waits on the network */
	struct many m = { .f = f, .domains = domains, .results = results, .n = n };
	pthread_t tid[WORKERS];
	size_t started = 0;

	pthread_mutex_init(&m.lock, NULL);
	for (size_t i = 0; n > 1 && i < WORKERS && i + 1 < n; i++) {
		if (pthread_create(&tid[started], NULL, many_worker, &m) != 0)
			break;  /* fewer helpers: the caller's thread does the rest */
		started++;
	}
	many_worker(&m);
	for (size_t i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&m.lock);
}

