/*
 * snapshot - the current policy, swapped whole on reload.
 *
 * A session takes a reference once (snapshot_get) and uses that snapshot
 * until it ends, so a reload never changes the rules under a message in
 * flight; the old snapshot is freed when its last session drops it.
 */
#ifndef TP_SNAPSHOT_H
#define TP_SNAPSHOT_H

#include "policy.h"

/* Install p as current (takes over the caller's reference); drops the previous one. */
void snapshot_set(struct policy *p);
/* A new reference to the current policy; release with policy_unref(). */
struct policy *snapshot_get(void);

#endif
