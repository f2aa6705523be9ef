/*
 * snapshot - the current policy (see snapshot.h).  The lock is held only to
 * copy a pointer and bump a counter: once per session, never per lookup.
 */
#include <pthread.h>

#include "snapshot.h"

static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct policy *snapshot_current;

void snapshot_set(struct policy *p)
{
	pthread_mutex_lock(&snapshot_lock);
	struct policy *old = snapshot_current;
	snapshot_current = p;
	pthread_mutex_unlock(&snapshot_lock);
	policy_unref(old);
}

struct policy *snapshot_get(void)
{
	pthread_mutex_lock(&snapshot_lock);
	struct policy *p = snapshot_current ? policy_ref(snapshot_current) : NULL;
	pthread_mutex_unlock(&snapshot_lock);
	return p;
}
