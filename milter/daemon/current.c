/*
 * current - the snapshot in force (see current.h).  The lock is held only to
 * copy a pointer and bump a counter: once per session, never per lookup.
 */
#include <pthread.h>

#include "daemon/current.h"

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ruleset *current_current;
static unsigned long current_gen;       /* atomic */

void current_set(struct ruleset *p)
{
	pthread_mutex_lock(&current_lock);
	struct ruleset *old = current_current;
	current_current = p;
	__atomic_add_fetch(&current_gen, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&current_lock);
	ruleset_unref(old);
}

struct ruleset *current_get(void)
{
	pthread_mutex_lock(&current_lock);
	struct ruleset *p = current_current ? ruleset_ref(current_current) : NULL;
	pthread_mutex_unlock(&current_lock);
	return p;
}

unsigned long current_generation(void)
{
	return __atomic_load_n(&current_gen, __ATOMIC_ACQUIRE);
}
