/*
 * config_mtasts - the "mta_sts" block: fetching MTA-STS policies (RFC 8461).
 *
 *   mta_sts = { ca_file = "/etc/ssl/certs/ca-certificates.crt";  timeout = 10;
 *               store = "/var/lib/tlspolicy-milter/mta-sts.db"; };
 */
#include "config/cfg.h"

static const char *const mtasts_keys[] = { "ca_file", "timeout", "store", "port", "refresh", NULL };

void config_mtasts_load(struct cfg *c, const config_setting_t *g)
{
	struct ruleset_mtasts *m = &c->p->mta_sts;
	const config_setting_t *s;
	long long port;

	cfg_check_keys(c, g, mtasts_keys, "mta_sts");
	cfg_path(c, g, "ca_file", &m->ca_file);
	cfg_path(c, g, "store", &m->store);
	cfg_seconds(c, g, "timeout", 1, 120, &m->timeout_ms);
	long long refresh;
	if (cfg_int(c, g, "refresh", &refresh, &s)) {
		if (refresh != 0 && (refresh < 60 || refresh > 86400))
			CFG_ERR(c, s, "refresh %lld: expected 0 (off) or 60..86400 seconds", refresh);
		else
			m->refresh_s = (long)refresh;
	}
	if (cfg_int(c, g, "port", &port, &s)) {
		if (port < 1 || port > 65535)
			CFG_ERR(c, s, "port %lld: expected 1..65535 (RFC 8461: 443)", port);
		else
			m->port = (unsigned)port;
	}
}
