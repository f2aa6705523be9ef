/*
 * config_probe - the "probe" block: the live STARTTLS check of requiretls
 * verify = "probe".
 *
 *   probe = { ca_file = "/etc/ssl/certs/ca-certificates.crt";  timeout = 10; };
 */
#include <string.h>

#include "config/cfg.h"

static const char *const probe_keys[] = { "ca_file", "timeout", "port", "helo", NULL };

void config_probe_load(struct cfg *c, const config_setting_t *g)
{
	struct ruleset_probe *p = &c->p->probe;
	const config_setting_t *s;
	const char *v;
	long long port;

	cfg_check_keys(c, g, probe_keys, "probe");
	cfg_path(c, g, "ca_file", &p->ca_file);
	if ((v = cfg_string(c, g, "helo", &s)) != NULL) {
		if (!*v || strpbrk(v, " \t\r\n") || strlen(v) > 253)
			CFG_ERR(c, s, "helo '%s': expected a host name", v);
		else
			p->helo = cfg_strdup(c, s, v);
	}
	cfg_seconds(c, g, "timeout", 1, 120, &p->timeout_ms);
	if (cfg_int(c, g, "port", &port, &s)) {
		if (port < 1 || port > 65535)
			CFG_ERR(c, s, "port %lld: expected 1..65535 (SMTP: 25)", port);
		else
			p->port = (unsigned)port;
	}
}
