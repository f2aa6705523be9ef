/*
 * netctx - the network contexts of a snapshot: what REQUIRETLS feasibility
 * checks need (a libunbound context, the MTA-STS store; common/feasible),
 * built from the snapshot's requiretls, dns, mta_sts and probe blocks, and
 * the one result cache all snapshots share (daemon-wide, so a reload keeps
 * what was learnt; netctx_purge drops it).
 *
 * Call after any fork: libunbound starts threads.
 */
#ifndef TP_NETCTX_H
#define TP_NETCTX_H

#include <stddef.h>

struct ruleset;
struct cache;

/*
 * netctx_attach - give p (not yet shared) its network context when
 * requiretls.verify is on, a policy_socket is set or outbound rules exist
 * (the outbound maps); nothing otherwise.  0, or -1 with err (a trust
 * anchor or store that cannot be read...): the snapshot must not be used.
 */
int netctx_attach(struct ruleset *p, char *err, size_t errsz);

struct diag;
/* netctx_load - config_load(path) and netctx_attach: the snapshot with its
 * network context, or NULL with every error added to d. */
struct ruleset *netctx_load(const char *path, struct diag *d);

/* netctx_always - build a context for every snapshot from now on, even
 * with requiretls.verify off and no outbound rules (-q next_hop=). */
void netctx_always(int on);

/* netctx_purge - forget every cached answer (after a reload). */
void netctx_purge(void);

/* netctx_cache - the daemon-wide result cache, or NULL before the first
 * snapshot that needed one (for metrics and the control socket). */
struct cache *netctx_cache(void);

/*
 * netctx_refresher_start - a thread that, every mta_sts.refresh seconds of
 * the snapshot in force, fetches again the stored MTA-STS policies that
 * expire within a day (feasible_refresh).  netctx_refresher_stop wakes and
 * joins it, waiting at most 3 s for a fetch under way.  0 or -1.
 */
int netctx_refresher_start(void);
void netctx_refresher_stop(void);

#endif
