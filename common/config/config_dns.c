/*
 * config_dns - the "dns" block: how REQUIRETLS feasibility checks look
 * things up (libunbound, never the system resolver).
 *
 *   dns = { resolver = "127.0.0.1";  trust_anchor_file = "/usr/share/dns/root.key";  timeout = 5; };
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"

static const char *const dns_keys[] = { "resolver", "trust_anchor_file", "timeout", "remove_zones", NULL };

/* "IP" or "IP@port": what libunbound's forwarder takes. */
static int resolver_ok(const char *v)
{
	char ip[64];
	const char *at = strchr(v, '@');
	size_t n = at ? (size_t)(at - v) : strlen(v);
	unsigned char buf[16];

	if (n == 0 || n >= sizeof(ip))
		return 0;
	memcpy(ip, v, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)
		return 0;
	if (at) {
		char *end;
		long port = strtol(at + 1, &end, 10);
		if (end == at + 1 || *end || port < 1 || port > 65535)
			return 0;
	}
	return 1;
}

void config_dns_load(struct cfg *c, const config_setting_t *g)
{
	struct ruleset_dns *d = &c->p->dns;
	const config_setting_t *s;

	cfg_check_keys(c, g, dns_keys, "dns");
	if (cfg_strv(c, g, "resolver", &d->resolvers, &d->nresolvers)) {
		s = config_setting_get_member(g, "resolver");
		for (size_t i = 0; i < d->nresolvers; i++)
			if (!resolver_ok(d->resolvers[i]))
				CFG_ERR(c, s, "resolver '%s': expected an IP address, optionally @port", d->resolvers[i]);
	}
	cfg_path(c, g, "trust_anchor_file", &d->trust_anchor_file);
	cfg_seconds(c, g, "timeout", 1, 60, &d->timeout_ms);
	cfg_strv(c, g, "remove_zones", &d->remove_zones, &d->nremove_zones);
}
