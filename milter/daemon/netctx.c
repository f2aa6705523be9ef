/*
 * netctx - network contexts of a snapshot (see netctx.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "util/log.h"

#include "feasible/feasible.h"
#include "daemon/current.h"
#include "config/config.h"
#include "util/diag.h"
#include "util/dtable.h"
#include "policy/ruleset.h"
#include "daemon/netctx.h"

static int always;               /* build a context whatever the snapshot says */
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static struct cache *shared_cache;

static void cache_init(void)
{
	/* bounded by memory, not only by count: entries keep their text packed
	 * (an outbound one ~350 bytes in all; BENCHMARKS.md, "Packed cache
	 * entries"), but a long evidence text can make one a few KB */
	struct cache_opts o = { .max_entries = 100000, .max_bytes = (size_t)64 << 20 };

	shared_cache = cache_create(&o);
}

static void free_feasible(void *f)
{
	feasible_free(f);
}

int netctx_attach(struct ruleset *p, char *err, size_t errsz)
{
	const struct ruleset_requiretls *r = &p->requiretls;
	char host[256];
	int verify = r->enabled && r->verify != RT_VERIFY_OFF;

	/* the outbound maps need DNS/MTA-STS evidence too: for the socketmap
	 * server, outbound rules, and -q next_hop= */
	if (!verify && !p->policy_socket && dtable_count(p->outbound) == 0 && !always)
		return 0;
	pthread_once(&cache_once, cache_init);
	if (!shared_cache) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	struct feasible_conf c = {
		.mode = verify && r->verify == RT_VERIFY_PROBE ? FEASIBLE_PROBE : FEASIBLE_DNSSEC_OR_MTASTS,
		.dns = {
			.resolvers = (const char *const *)p->dns.resolvers,
			.trust_anchor_file = p->dns.trust_anchor_file,
			.timeout_ms = (int)p->dns.timeout_ms,
			.remove_zones = (const char *const *)p->dns.remove_zones,
		},
		.timeout_ms = r->timeout_ms,
		.mtasts_ca_file = p->mta_sts.ca_file, .mtasts_port = p->mta_sts.port,
		.mtasts_timeout_ms = p->mta_sts.timeout_ms, .mtasts_store = p->mta_sts.store,
		.probe_ca_file = p->probe.ca_file, .probe_port = p->probe.port,
		.probe_timeout_ms = p->probe.timeout_ms, .helo = p->probe.helo ? p->probe.helo : host,
	};
	struct feasible *f = feasible_create(&c, shared_cache, err, errsz);
	if (!f)
		return -1;
	p->feasible = f;
	p->feasible_free = free_feasible;
	return 0;
}

void netctx_always(int on)
{
	always = on;
}

void netctx_purge(void)
{
	if (shared_cache)
		cache_purge_if(shared_cache, NULL, NULL);
}

struct cache *netctx_cache(void)
{
	return __atomic_load_n(&shared_cache, __ATOMIC_ACQUIRE);
}

struct ruleset *netctx_load(const char *path, struct diag *d)
{
	struct ruleset *p = config_load(path, d);
	char err[512];

	if (p && netctx_attach(p, err, sizeof(err)) < 0) {
		/* the network blocks are part of the policy: a context that cannot be
		 * built fails the load like a bad setting */
		diag_add(d, DIAG_ERROR, path, 0, "requiretls verify (or policy_socket): %s", err);
		ruleset_unref(p);
		p = NULL;
	}
	return p;
}

/* ---- proactive refresh of MTA-STS policies ---- */

static pthread_mutex_t refresh_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t refresh_cond;
static int refresh_stop, refresh_running;
static pthread_t refresh_tid;

#define REFRESH_HORIZON_S 86400         /* fetch again what expires within a day */

static void *refresher(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&refresh_lock);
	while (!refresh_stop) {
		struct ruleset *p = current_get();
		long period = p ? p->mta_sts.refresh_s : 0;
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += period > 0 ? period : 3600;     /* off: look again at the next snapshot later */
		if (p && p->feasible && period > 0) {
			pthread_mutex_unlock(&refresh_lock);
			int n = feasible_refresh(p->feasible, REFRESH_HORIZON_S);
			if (n > 0)
				log_info("MTA-STS refresh: %d policies fetched before they expire", n);
			pthread_mutex_lock(&refresh_lock);
		}
		ruleset_unref(p);
		while (!refresh_stop && pthread_cond_timedwait(&refresh_cond, &refresh_lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&refresh_lock);
	return NULL;
}

int netctx_refresher_start(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&refresh_cond, &ca);
	pthread_condattr_destroy(&ca);
	refresh_stop = 0;
	if (pthread_create(&refresh_tid, NULL, refresher, NULL) != 0)
		return -1;
	refresh_running = 1;
	return 0;
}

void netctx_refresher_stop(void)
{
	if (!refresh_running)
		return;
	pthread_mutex_lock(&refresh_lock);
	refresh_stop = 1;
	pthread_cond_broadcast(&refresh_cond);
	pthread_mutex_unlock(&refresh_lock);
	/* a refresh under way ends within its fetch deadline, which may be longer
	 * than a stop may take: wait a few seconds, then leave it to the exit */
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 3;
	if (pthread_timedjoin_np(refresh_tid, NULL, &t) != 0)
		log_warn("MTA-STS refresh still fetching at stop: not waiting for it");
	refresh_running = 0;
}
