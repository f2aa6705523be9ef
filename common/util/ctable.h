/*
 * ctable - client address table: CIDR prefixes -> uint32_t value, longest
 * prefix wins.  One hash per prefix length in use, probed longest first, so
 * a lookup costs at most one probe per distinct prefix length.
 * Built once, then read-only.
 */
#ifndef TP_CTABLE_H
#define TP_CTABLE_H

#include <stdint.h>
#include "util/cidr.h"

struct ctable;

struct ctable *ctable_create(void);
void ctable_free(struct ctable *t);

/* Find or insert prefix c; as dtable_slot.  NULL on ENOMEM. */
uint32_t *ctable_slot(struct ctable *t, const struct cidr *c, int *created);

/* Longest prefix containing ip: 1 with *value (and *matched if not NULL), or 0. */
int ctable_lookup(const struct ctable *t, const struct ipaddr *ip, uint32_t *value, struct cidr *matched);

size_t ctable_count(const struct ctable *t);

#endif
