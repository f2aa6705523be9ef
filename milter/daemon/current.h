/*
 * current - the snapshot in force, swapped whole on reload.
 *
 * A session takes a reference once (current_get) and uses that snapshot
 * until it ends, so a reload never changes the rules under a message in
 * flight; the old snapshot is freed when its last session drops it.
 */
#ifndef TP_CURRENT_H
#define TP_CURRENT_H

#include "policy/ruleset.h"

/* Install p as current (takes over the caller's reference); drops the previous one. */
void current_set(struct ruleset *p);
/* A new reference to the current policy; release with ruleset_unref(). */
struct ruleset *current_get(void);
/* A number that changes with every current_set (no lock: one atomic load),
 * so a long-lived user can keep its reference until a reload happened. */
unsigned long current_generation(void);

#endif
