/*
 * config - libconfig file -> policy snapshot (see config.h).
 *
 * Every setting is checked for its name, type and value, and every problem is
 * reported with the file and line libconfig recorded for the setting.
 * Loading goes on after an error so that one run shows every mistake.
 */
#include <errno.h>
#include <grp.h>
#include <libconfig.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/cidr.h"
#include "config/config.h"
#include "config/cfg.h"
#include "util/domain.h"
#include "util/listfile.h"
#include "util/log.h"

static const char *const top_keys[] = {
	"socket", "socket_mode", "user", "group", "pidfile", "log", "mode", "action", "on_error",
	"mta", "profiles", "rules", "requiretls", "mta_timeout", NULL,
};
static const char *const log_keys[] = { "facility", "level", NULL };
static const char *const profile_keys[] = {
	"encrypted", "min_version", "min_bits", "client_cert", "subject", "issuer", "fingerprint", NULL,
};
static const char *const mode_names[] = { "enforce", "testing", NULL };
static const char *const action_names[] = { "reject", "tempfail", NULL };
static const char *const on_error_names[] = { "tempfail", "accept", "reject", NULL };
static const char *const mta_names[] = { "auto", "postfix", "sendmail", NULL };

/* ---- daemon settings ---- */

static void check_socket(struct cfg *c, const config_setting_t *s, const char *v)
{
	const char *rest;

	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) {
		rest = strchr(v, ':') + 1;
		if (rest[0] != '/')
			CFG_ERR(c, s, "socket '%s': the unix socket path must be absolute", v);
		else if (strlen(rest) >= 108)
			CFG_ERR(c, s, "socket '%s': the unix socket path is too long", v);
		return;
	}
	if (strncmp(v, "inet:", 5) == 0)
		rest = v + 5;
	else if (strncmp(v, "inet6:", 6) == 0)
		rest = v + 6;
	else {
		CFG_ERR(c, s, "socket '%s': expected unix:/path, inet:PORT@HOST or inet6:PORT@HOST", v);
		return;
	}
	char *end;
	errno = 0;
	long port = strtol(rest, &end, 10);
	if (end == rest || errno || port < 1 || port > 65535 || (*end != '\0' && *end != '@') ||
	    (*end == '@' && end[1] == '\0'))
		CFG_ERR(c, s, "socket '%s': expected a port 1-65535 and an optional @HOST", v);
}

static void load_settings(struct cfg *c, config_setting_t *root)
{
	struct ruleset *p = c->p;
	const config_setting_t *s;
	const char *v;

	p->socket = strdup(CONFIG_DEFAULT_SOCKET);
	if ((v = cfg_string(c, root, "socket", &s)) != NULL) {
		check_socket(c, s, v);
		free(p->socket);
		p->socket = strdup(v);
	}
	if ((v = cfg_string(c, root, "socket_mode", &s)) != NULL) {
		char *end;
		long m = strtol(v, &end, 8);
		if (*v == '\0' || *end != '\0' || m < 0 || m > 0777)
			CFG_ERR(c, s, "socket_mode '%s': expected an octal mode such as \"0660\"", v);
		else
			p->socket_mode = (int)m;
	}
	if ((v = cfg_string(c, root, "user", &s)) != NULL) {
		if (!getpwnam(v))
			CFG_ERR(c, s, "user '%s' does not exist", v);
		p->user = strdup(v);
	}
	if ((v = cfg_string(c, root, "group", &s)) != NULL) {
		if (!getgrnam(v))
			CFG_ERR(c, s, "group '%s' does not exist", v);
		p->group = strdup(v);
	}
	if ((v = cfg_string(c, root, "pidfile", &s)) != NULL) {
		if (v[0] != '/')
			CFG_ERR(c, s, "pidfile '%s': the path must be absolute", v);
		p->pidfile = strdup(v);
	}
	p->log_facility = log_facility_parse("mail");
	p->log_level = LOG_LVL_INFO;
	config_setting_t *lg = cfg_group(c, root, "log");
	if (lg) {
		cfg_check_keys(c, lg, log_keys, "log");
		if ((v = cfg_string(c, lg, "facility", &s)) != NULL) {
			int f = log_facility_parse(v);
			if (f < 0)
				CFG_ERR(c, s, "log facility '%s': expected mail, daemon, user or local0..local7", v);
			else
				p->log_facility = f;
		}
		if ((v = cfg_string(c, lg, "level", &s)) != NULL) {
			int l = log_level_parse(v);
			if (l < 0)
				CFG_ERR(c, s, "log level '%s': expected err, warning, info or debug", v);
			else
				p->log_level = l;
		}
	}
	p->mode = cfg_enum(c, root, "mode", mode_names, POLICY_ENFORCE);
	p->action = cfg_enum(c, root, "action", action_names, POLICY_REJECT);
	p->on_error = cfg_enum(c, root, "on_error", on_error_names, ON_ERROR_TEMPFAIL);
	p->mta = (enum tls_mta)cfg_enum(c, root, "mta", mta_names, TLS_MTA_AUTO);
	long long t;
	p->mta_timeout = CONFIG_DEFAULT_MTA_TIMEOUT;
	if (cfg_int(c, root, "mta_timeout", &t, &s)) {
		if (t < 1 || t > CONFIG_MAX_MTA_TIMEOUT)
			CFG_ERR(c, s, "mta_timeout %lld: expected 1..%d seconds", t, CONFIG_MAX_MTA_TIMEOUT);
		else
			p->mta_timeout = (int)t;
	}
}

/* ---- profiles ---- */

static void load_fingerprints(struct cfg *c, struct profile *pr, const config_setting_t *s)
{
	int n = config_setting_is_scalar(s) ? 1 : config_setting_length(s);

	if (!config_setting_is_scalar(s) && !config_setting_is_aggregate(s)) {
		CFG_ERR(c, s, "fingerprint must be a string or a list of strings");
		return;
	}
	pr->fingerprints = calloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n && pr->fingerprints; i++) {
		const config_setting_t *e = config_setting_is_scalar(s) ? s : config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);
		char fp[130];
		if (!v) {
			CFG_ERR(c, e, "fingerprint must be a string");
			continue;
		}
		if (profile_fingerprint_normalize(v, fp, sizeof(fp)) < 0) {
			CFG_ERR(c, e, "fingerprint '%s': expected hex digits, optionally separated by ':'", v);
			continue;
		}
		pr->fingerprints[pr->nfingerprints++] = strdup(fp);
	}
}

static void load_profile(struct cfg *c, config_setting_t *g)
{
	const char *name = config_setting_name(g), *v;
	const config_setting_t *s;
	struct profile *pr;
	int b;
	long long n;

	if (!config_setting_is_group(g)) {
		CFG_ERR(c, g, "profile '%s' must be a group: %s = { ... };", name, name);
		return;
	}
	cfg_check_keys(c, g, profile_keys, "a profile");
	pr = profile_create(name);
	if (!pr)
		return;
	pr->line = config_setting_source_line(g);
	int any = 0;
	if (cfg_bool(c, g, "encrypted", &b, NULL)) {
		pr->encrypted = b;
		any = 1;
	}
	if ((v = cfg_string(c, g, "min_version", &s)) != NULL) {
		if (tls_version_parse(v, &pr->min_version) < 0)
			CFG_ERR(c, s, "min_version '%s': expected TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3", v);
		any = 1;
	}
	if (cfg_int(c, g, "min_bits", &n, &s)) {
		if (n < 0 || n > 65536)
			CFG_ERR(c, s, "min_bits %lld: expected 0..65536", n);
		pr->min_bits = (int)n;
		any = 1;
	}
	if ((s = config_setting_get_member(g, "client_cert")) != NULL) {
		if (config_setting_type(s) == CONFIG_TYPE_BOOL)
			pr->client_cert = config_setting_get_bool(s);
		else if ((v = config_setting_get_string(s)) != NULL && strcasecmp(v, "verified") == 0)
			pr->client_cert = 1;
		else if (v && strcasecmp(v, "none") == 0)
			pr->client_cert = 0;
		else
			CFG_ERR(c, s, "client_cert: expected \"verified\" or \"none\"");
		any = 1;
	}
	if ((v = cfg_string(c, g, "subject", &s)) != NULL) {
		if (!*v)
			CFG_ERR(c, s, "subject must not be empty");
		pr->subject = strdup(v);
		any = 1;
	}
	if ((v = cfg_string(c, g, "issuer", &s)) != NULL) {
		if (!*v)
			CFG_ERR(c, s, "issuer must not be empty");
		pr->issuer = strdup(v);
		any = 1;
	}
	if ((s = config_setting_get_member(g, "fingerprint")) != NULL) {
		load_fingerprints(c, pr, s);
		any = 1;
	}
	if (pr->min_version || pr->min_bits || pr->client_cert || pr->subject || pr->issuer || pr->nfingerprints)
		pr->encrypted = 1;
	if (!any)
		CFG_WARN(c, g, "profile '%s' requires nothing (add encrypted = true; or other requirements)", name);
	struct profile **a = realloc(c->p->profiles, (c->p->nprofiles + 1) * sizeof(*a));
	if (!a) {
		profile_free(pr);
		return;
	}
	c->p->profiles = a;
	a[c->p->nprofiles++] = pr;
}

static void load_profiles(struct cfg *c, config_setting_t *root)
{
	config_setting_t *g = cfg_group(c, root, "profiles");

	for (int i = 0; g && i < config_setting_length(g); i++)
		load_profile(c, config_setting_get_elem(g, (unsigned)i));
}

/* ---- top level ---- */

/* Built-in replies: [kind][cert failure][action]. */
static void load_defaults(struct ruleset *p)
{
	static const char *const what[RULE_KINDS] = {
		"Mail from %{domain}", "Mail for %{domain}", "Mail from client %{domain}",
		"Mail from client %{domain}", "Authenticated mail",
	};
	static const char *const codes[2][2] = { { "550 5.7.10", "450 4.7.10" }, { "550 5.7.1", "450 4.7.1" } };
	static const char *const need[2] = { "over TLS", "with a trusted client certificate" };
	char buf[256], err[128];

	for (int k = 0; k < RULE_KINDS; k++)
		for (int cert = 0; cert < 2; cert++)
			for (int a = 0; a < 2; a++) {
				snprintf(buf, sizeof(buf), "%s %s is accepted only %s: %%{reason}", codes[cert][a],
				    what[k], need[cert]);
				p->defaults.reply[k][cert][a] = reply_tpl_parse(buf, err, sizeof(err));
			}
	p->defaults.on_error[0] = reply_tpl_parse("550 5.7.0 TLS policy check failed: %{reason}", err, sizeof(err));
	p->defaults.on_error[1] = reply_tpl_parse("451 4.3.0 TLS policy check failed: %{reason}", err, sizeof(err));
}

static struct ruleset *config_load_opt(const char *path, struct diag *d, int settings_only);

struct ruleset *config_load(const char *path, struct diag *d)
{
	return config_load_opt(path, d, 0);
}

struct ruleset *config_load_settings(const char *path, struct diag *d)
{
	return config_load_opt(path, d, 1);
}

static struct ruleset *config_load_opt(const char *path, struct diag *d, int settings_only)
{
	struct cfg c = { .path = path, .d = d };
	config_t lc;
	size_t errors_before = d->nerrors;

	c.p = ruleset_create();
	if (!c.p) {
		diag_add(d, DIAG_ERROR, path, 0, "out of memory");
		return NULL;
	}
	c.p->file = strdup(path);
	load_defaults(c.p);
	config_init(&lc);
	const char *slash = strrchr(path, '/');
	snprintf(c.dir, sizeof(c.dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	config_set_include_dir(&lc, c.dir);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			diag_add(d, DIAG_ERROR, path, 0, "cannot read the file: %s", strerror(errno));
		else
			diag_add(d, DIAG_ERROR, config_error_file(&lc) ? config_error_file(&lc) : path,
			    config_error_line(&lc), "syntax error: %s", config_error_text(&lc));
	} else {
		config_setting_t *root = config_root_setting(&lc);
		cfg_check_keys(&c, root, top_keys, "the top level");
		load_settings(&c, root);
		if (settings_only)
			goto done;
		load_profiles(&c, root);
		config_requiretls_load(&c, root);
		config_rules_load(&c, root);
		if (c.p->nrules == 0)
			diag_add(d, DIAG_WARNING, path, 0, "no rules: every message will be accepted");
	}
done:
	config_destroy(&lc);
	if (d->nerrors > errors_before) {
		ruleset_unref(c.p);
		return NULL;
	}
	return c.p;
}
