/*
 * netctx - network contexts of a snapshot (see netctx.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "feasible/feasible.h"
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
	struct cache_opts o = { .max_entries = 100000 };

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
