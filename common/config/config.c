/*
 * config - libconfig file -> ruleset snapshot (see config.h).
 *
 * This file reads the daemon settings (the top-level keys and the log
 * block) and hands each other top-level block to its loader in
 * config_blocks[] (config_BLOCK.c, see cfg.h).  Every setting is checked for
 * its name, type and value, and every problem is reported with the file and
 * line libconfig recorded for the setting.  Loading goes on after an error so
 * that one run shows every mistake; any error, including a failed
 * allocation, makes config_load return NULL.
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

#include "config/config.h"
#include "config/cfg.h"
#include "util/log.h"
#include "util/printable.h"

/* Top-level keys besides the blocks of config_blocks[]. */
static const char *const top_keys[] = {
	"socket", "socket_mode", "user", "group", "pidfile", "log", "mode", "action", "on_error",
	"mta", "mta_timeout",
	"policy_socket", "policy_socket_mode", "policy_socket_timeout",    /* the socketmap listener */
	"testing_header",           /* testing mode's header field (policy/testing_notes.h) */
	"metrics", "control_socket",                                        /* operations */
	NULL,
};
static const char *const log_keys[] = { "facility", "level", NULL };

/* The top-level blocks, in load order (later ones refer to earlier ones). */
static const struct config_block config_blocks[] = {
	{ "profiles", CONFIG_TYPE_GROUP, config_profiles_load },
	{ "requiretls", CONFIG_TYPE_GROUP, config_requiretls_load },
	{ "rules", CONFIG_TYPE_LIST, config_rules_load },
	{ "dns", CONFIG_TYPE_GROUP, config_dns_load },
	{ "mta_sts", CONFIG_TYPE_GROUP, config_mtasts_load },
	{ "probe", CONFIG_TYPE_GROUP, config_probe_load },
};
#define NBLOCKS (sizeof(config_blocks) / sizeof(config_blocks[0]))
static const char *const mode_names[] = { "enforce", "testing", NULL };
static const char *const action_names[] = { "reject", "tempfail", NULL };
static const char *const on_error_names[] = { "tempfail", "accept", "reject", NULL };
static const char *const mta_names[] = { "auto", "postfix", "sendmail", NULL };

/* ---- daemon settings ---- */

static void check_socket(struct cfg *c, const config_setting_t *s, const char *key, const char *v)
{
	const char *rest;

	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) {
		rest = strchr(v, ':') + 1;
		if (rest[0] != '/')
			CFG_ERR(c, s, "%s '%s': the unix socket path must be absolute", key, v);
		else if (strlen(rest) >= 108)
			CFG_ERR(c, s, "%s '%s': the unix socket path is too long", key, v);
		return;
	}
	if (strncmp(v, "inet:", 5) == 0)
		rest = v + 5;
	else if (strncmp(v, "inet6:", 6) == 0)
		rest = v + 6;
	else {
		CFG_ERR(c, s, "%s '%s': expected unix:/path, inet:PORT@HOST or inet6:PORT@HOST", key, v);
		return;
	}
	char *end;
	errno = 0;
	long port = strtol(rest, &end, 10);
	if (end == rest || errno || port < 1 || port > 65535 || (*end != '\0' && *end != '@') ||
	    (*end == '@' && end[1] == '\0'))
		CFG_ERR(c, s, "%s '%s': expected a port 1-65535 and an optional @HOST", key, v);
}

/* testing_header = "X-TLSPolicy-Testing": an RFC 5322 field name (ftext, 1..63 bytes); absent = off */
static void load_testing_header(struct cfg *c, config_setting_t *root)
{
	const config_setting_t *s;
	const char *v = cfg_string(c, root, "testing_header", &s);
	size_t n;

	if (!v)
		return;
	for (n = 0; v[n]; n++)
		if (!printable_char((unsigned char)v[n]) || v[n] == ' ' || v[n] == ':')
			break;
	if (v[n] != '\0' || n == 0 || n > 63) {
		CFG_ERR(c, s, "testing_header '%s': not a header field name (printable ASCII without ' ' or ':', "
		    "1..63 characters)", v);
		return;
	}
	c->p->testing_header = cfg_strdup(c, s, v);
}

/* an octal socket mode such as "0660" under key, or dflt */
static int socket_mode(struct cfg *c, config_setting_t *root, const char *key, int dflt)
{
	const config_setting_t *s;
	const char *v;

	if ((v = cfg_string(c, root, key, &s)) != NULL) {
		char *end;
		long m = strtol(v, &end, 8);
		if (*v == '\0' || *end != '\0' || m < 0 || m > 0777)
			CFG_ERR(c, s, "%s '%s': expected an octal mode such as \"0660\"", key, v);
		else
			return (int)m;
	}
	return dflt;
}

static void load_settings(struct cfg *c, config_setting_t *root)
{
	struct ruleset *p = c->p;
	const config_setting_t *s;
	const char *v;

	if ((v = cfg_string(c, root, "socket", &s)) != NULL)
		check_socket(c, s, "socket", v);
	p->socket = cfg_strdup(c, s, v ? v : CONFIG_DEFAULT_SOCKET);
	p->socket_mode = socket_mode(c, root, "socket_mode", p->socket_mode);
	/* the socketmap listener (milter/socketmap): optional, same forms and checks */
	if ((v = cfg_string(c, root, "policy_socket", &s)) != NULL) {
		check_socket(c, s, "policy_socket", v);
		if (p->socket && strcmp(v, p->socket) == 0)
			CFG_ERR(c, s, "policy_socket '%s': the same as socket", v);
		p->policy_socket = cfg_strdup(c, s, v);
	}
	p->policy_socket_mode = socket_mode(c, root, "policy_socket_mode", p->policy_socket_mode);
	long long pt;
	if (cfg_int(c, root, "policy_socket_timeout", &pt, &s)) {
		if (pt < 1 || pt > CONFIG_MAX_POLICY_SOCKET_TIMEOUT)
			CFG_ERR(c, s, "policy_socket_timeout %lld: expected 1..%d seconds", pt,
			    CONFIG_MAX_POLICY_SOCKET_TIMEOUT);
		else
			p->policy_socket_timeout = (int)pt;
	}
	/* the Prometheus endpoint: TCP only (a scraper connects over the network) */
	if ((v = cfg_string(c, root, "metrics", &s)) != NULL) {
		if (strncmp(v, "inet:", 5) != 0 && strncmp(v, "inet6:", 6) != 0)
			CFG_ERR(c, s, "metrics '%s': expected inet:PORT@HOST or inet6:PORT@HOST", v);
		else
			check_socket(c, s, "metrics", v);
		if ((p->socket && strcmp(v, p->socket) == 0) || (p->policy_socket && strcmp(v, p->policy_socket) == 0))
			CFG_ERR(c, s, "metrics '%s': the same as another socket", v);
		p->metrics = cfg_strdup(c, s, v);
	}
	/* the control socket (--cache): a unix socket path */
	if ((v = cfg_string(c, root, "control_socket", &s)) != NULL) {
		if (v[0] != '/')
			CFG_ERR(c, s, "control_socket '%s': expected an absolute path", v);
		else if (strlen(v) >= 108)
			CFG_ERR(c, s, "control_socket '%s': the path is too long", v);
		p->control_socket = cfg_strdup(c, s, v);
		p->control_socket_set = 1;
	}
	if ((v = cfg_string(c, root, "user", &s)) != NULL) {
		if (!getpwnam(v))
			CFG_ERR(c, s, "user '%s' does not exist", v);
		p->user = cfg_strdup(c, s, v);
	}
	if ((v = cfg_string(c, root, "group", &s)) != NULL) {
		if (!getgrnam(v))
			CFG_ERR(c, s, "group '%s' does not exist", v);
		p->group = cfg_strdup(c, s, v);
	}
	if ((v = cfg_string(c, root, "pidfile", &s)) != NULL) {
		if (v[0] != '/')
			CFG_ERR(c, s, "pidfile '%s': the path must be absolute", v);
		p->pidfile = cfg_strdup(c, s, v);
	}
	/* no control_socket: beside the pidfile, else in /run/tlspolicy-milter */
	if (!p->control_socket) {
		char def[108];
		const char *slash = p->pidfile ? strrchr(p->pidfile, '/') : NULL;
		int n;
		if (slash)
			n = snprintf(def, sizeof(def), "%.*s/tlspolicy-milter.control", (int)(slash - p->pidfile),
			    p->pidfile);
		else
			n = snprintf(def, sizeof(def), "%s", CONFIG_DEFAULT_CONTROL_SOCKET);
		if (n > 0 && (size_t)n < sizeof(def))
			p->control_socket = cfg_strdup(c, s, def);
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
	load_testing_header(c, root);
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


/* ---- top level ---- */

/* Built-in replies: [kind][cert failure][action].  A NULL one would crash a decision. */
static void load_defaults(struct cfg *c)
{
	static const char *const what[RULE_KINDS] = {
		"Mail from %{domain}", "Mail for %{domain}", "Mail from client %{domain}",
		"Mail from client %{domain}", "Authenticated mail",
	};
	static const char *const codes[2][2] = { { "550 5.7.10", "450 4.7.10" }, { "550 5.7.1", "450 4.7.1" } };
	static const char *const need[2] = { "over TLS", "with a trusted client certificate" };
	static const char *const on_error[2] = {
		"550 5.7.0 TLS policy check failed: %{reason}", "451 4.3.0 TLS policy check failed: %{reason}",
	};
	struct policy_defaults *def = &c->p->defaults;
	char buf[256], err[128];

	for (int k = 0; k < RULE_KINDS; k++)
		for (int cert = 0; cert < 2; cert++)
			for (int a = 0; a < 2; a++) {
				snprintf(buf, sizeof(buf), "%s %s is accepted only %s: %%{reason}", codes[cert][a],
				    what[k], need[cert]);
				if (!(def->reply[k][cert][a] = reply_tpl_parse(buf, err, sizeof(err))))
					diag_add(c->d, DIAG_ERROR, c->path, 0, "built-in reply: %s", err);
			}
	for (int a = 0; a < 2; a++)
		if (!(def->on_error[a] = reply_tpl_parse(on_error[a], err, sizeof(err))))
			diag_add(c->d, DIAG_ERROR, c->path, 0, "built-in reply: %s", err);
}

/* load_blocks - check the top-level keys, then run each present block's
 * loader; -1 when settings_only stopped it after the daemon settings */
static int load_blocks(struct cfg *c, config_setting_t *root, int settings_only)
{
	const char *allowed[sizeof(top_keys) / sizeof(top_keys[0]) + NBLOCKS];
	size_t n = 0;

	for (size_t i = 0; top_keys[i]; i++)
		allowed[n++] = top_keys[i];
	for (size_t i = 0; i < NBLOCKS; i++)
		allowed[n++] = config_blocks[i].key;
	allowed[n] = NULL;
	cfg_check_keys(c, root, allowed, "the top level");
	load_settings(c, root);
	if (settings_only)
		return -1;      /* the caller wants the daemon settings alone */
	for (size_t i = 0; i < NBLOCKS; i++) {
		const struct config_block *b = &config_blocks[i];
		const config_setting_t *s = config_setting_get_member(root, b->key);

		if (!s)
			continue;
		if (config_setting_type(s) != b->type) {
			int list = b->type == CONFIG_TYPE_LIST;
			CFG_ERR(c, s, "'%s' must be %s: %s = %s;", b->key, list ? "a list of groups" : "a group",
			    b->key, list ? "( { ... }, { ... } )" : "{ ... }");
			continue;
		}
		b->load(c, s);
	}
	return 0;
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
	c.p->file = cfg_strdup(&c, NULL, path);
	load_defaults(&c);
	config_init(&lc);
	const char *slash = strrchr(path, '/');
	snprintf(c.dir, sizeof(c.dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	config_set_include_dir(&lc, c.dir);
	/*
	 * libconfig 1.5 leaks a string token (64-128 bytes) that its parser
	 * discards on some syntax errors, e.g. a quote where a name belongs:
	 * the block is allocated and lost inside config_read_file, so no pointer
	 * to it ever reaches us.  t/config_leak.sh shows it under valgrind and
	 * checks that nothing else is lost; config_destroy frees all we own.
	 */
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			diag_add(d, DIAG_ERROR, path, 0, "cannot read the file: %s", strerror(errno));
		else
			diag_add(d, DIAG_ERROR, config_error_file(&lc) ? config_error_file(&lc) : path,
			    config_error_line(&lc), "syntax error: %s", config_error_text(&lc));
	} else {
		if (load_blocks(&c, config_root_setting(&lc), settings_only) < 0)
			goto done;
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
