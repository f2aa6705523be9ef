/*
 * config_rules - the "rules" block of the config file: each rule binds a
 * profile (require) and/or the REQUIRETLS flag to one kind of key: sender
 * domains, recipient domains (inline or from list files), client addresses
 * and host names, or every authenticated session.
 *
 * Fills c->p->rules and the tables that map keys to them (senders,
 * recipients, clients, client_names, auth_rule).  A key or rule that cannot
 * be stored (out of memory) is a load error, never a rule that is not there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cidr.h"
#include "config/cfg.h"
#include "util/domain.h"
#include "util/listfile.h"

static const char *const rule_keys[] = {
	"name", "sender", "sender_list", "recipient", "recipient_list", "client", "authenticated",
	"require", "requiretls", "outbound", "mode", "action", "reply", NULL,
};
static const char *const mode_names[] = { "enforce", "testing", NULL };
static const char *const action_names[] = { "reject", "tempfail", NULL };

struct rule_bind {
	struct cfg *c;
	struct dtable *table;
	uint32_t rule;
	enum rule_kind kind;
};

/* Call fn for each string of s (a string, or an array/list of strings). */
static void for_each_string(struct cfg *c, const config_setting_t *s,
    void (*fn)(struct rule_bind *, const config_setting_t *, const char *), struct rule_bind *b)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		fn(b, s, config_setting_get_string(s));
		return;
	}
	if (!config_setting_is_aggregate(s) || config_setting_is_group(s)) {
		CFG_ERR(c, s, "'%s' must be a string or a list of strings", config_setting_name(s));
		return;
	}
	if (config_setting_length(s) == 0)
		CFG_ERR(c, s, "'%s' is an empty list", config_setting_name(s));
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			CFG_ERR(c, e, "'%s' must contain only strings", config_setting_name(s));
		else
			fn(b, e, config_setting_get_string(e));
	}
}

/* bind_result - count a new key; a failed bind is a load error */
static void bind_result(struct rule_bind *b, const config_setting_t *s, int r, enum rule_kind kind)
{
	if (r == 0 && b->table != b->c->p->outbound)   /* a key counts once */
		b->c->p->nkeys[kind]++;
	else if (r < 0)
		cfg_nomem(b->c, s);
}

static void bind_domain(struct rule_bind *b, const config_setting_t *s, const char *v)
{
	char key[DOMAIN_MAX + 2];
	const char *err;

	if (domain_key_normalize(v, strlen(v), key, sizeof(key), &err) < 0) {
		CFG_ERR(b->c, s, "bad domain '%s': %s", v, err);
		return;
	}
	bind_result(b, s, ruleset_bind_domain(b->c->p, b->table, key, b->rule), b->kind);
}

static int list_add(void *arg, const char *key, int line)
{
	struct rule_bind *b = arg;
	int r = ruleset_bind_domain(b->c->p, b->table, key, b->rule);

	if (r == 0 && b->table != b->c->p->outbound)
		b->c->p->nkeys[b->kind]++;
	return r < 0 ? -1 : 0;
}

static void bind_list(struct rule_bind *b, const config_setting_t *s, const char *v)
{
	char path[PATH_MAX + 1];

	if (v[0] == '/')
		snprintf(path, sizeof(path), "%s", v);
	else
		snprintf(path, sizeof(path), "%s/%s", b->c->dir, v);
	size_t before = b->c->d->nerrors;
	long n = listfile_read(path, b->c->d, list_add, b);
	if (n < 0 && b->c->d->nerrors == before)
		CFG_ERR(b->c, s, "cannot read domain list '%s'", path);
	else if (n < 0 || b->c->d->nerrors > before)
		CFG_ERR(b->c, s, "domain list '%s' has errors (see above)", path);
	else if (n == 0)
		CFG_WARN(b->c, s, "domain list '%s' is empty", path);
}

/* An address or prefix, or else a host name ("mx.partner.example", ".partner.example"). */
static void bind_client(struct rule_bind *b, const config_setting_t *s, const char *v)
{
	struct cidr cidr;
	const char *err;

	if (cidr_parse(v, &cidr, &err) == 0) {
		bind_result(b, s, ruleset_bind_cidr(b->c->p, &cidr, b->rule), RULE_CLIENT);
		return;
	}
	if (strchr(v, '/') || strchr(v, ':') || strspn(v, "0123456789.") == strlen(v)) {
		CFG_ERR(b->c, s, "bad client address '%s': %s", v, err);
		return;
	}
	char key[DOMAIN_MAX + 2];
	const char *derr;
	if (domain_key_normalize(v, strlen(v), key, sizeof(key), &derr) < 0) {
		CFG_ERR(b->c, s, "bad client '%s': neither an address/prefix (%s) nor a host name (%s)", v, err, derr);
		return;
	}
	bind_result(b, s, ruleset_bind_domain(b->c->p, b->c->p->client_names, key, b->rule), RULE_CLIENT_NAME);
}

/* The one kind of key a rule has; -1 (reported) if none or several. */
static int rule_kind(struct cfg *c, const config_setting_t *g)
{
	static const struct { const char *key; enum rule_kind kind; } keys[] = {
		{ "sender", RULE_SENDER }, { "sender_list", RULE_SENDER },
		{ "recipient", RULE_RECIPIENT }, { "recipient_list", RULE_RECIPIENT },
		{ "client", RULE_CLIENT }, { "authenticated", RULE_AUTH },
	};
	int kind = -1;
	const char *first = NULL;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!config_setting_get_member(g, keys[i].key))
			continue;
		if (kind >= 0 && kind != (int)keys[i].kind) {
			CFG_ERR(c, g, "a rule has one kind of key, but this one has '%s' and '%s' (make two rules)",
			    first, keys[i].key);
			return -1;
		}
		kind = (int)keys[i].kind;
		first = keys[i].key;
	}
	if (kind < 0)
		CFG_ERR(c, g, "a rule needs one of sender, sender_list, recipient, recipient_list, client or authenticated");
	return kind;
}

/* "sender bank.example (FILE:12)", or the rule's name (NULL: none); NULL (reported) on ENOMEM. */
static char *rule_label(struct cfg *c, const config_setting_t *g, enum rule_kind kind, const char *name)
{
	static const char *const keys[] = { "sender", "sender_list", "recipient", "recipient_list", "client" };
	const char *key = NULL, *first = NULL;
	int more = 0;
	char buf[600];

	for (size_t i = 0; !first && i < sizeof(keys) / sizeof(keys[0]); i++) {
		const config_setting_t *s = config_setting_get_member(g, keys[i]);
		if (!s)
			continue;
		key = keys[i];
		if (config_setting_type(s) == CONFIG_TYPE_STRING)
			first = config_setting_get_string(s);
		else if (config_setting_is_aggregate(s) && config_setting_length(s) > 0) {
			first = config_setting_get_string_elem(s, 0);
			more = config_setting_length(s) - 1;
		}
	}
	if (name)
		snprintf(buf, sizeof(buf), "%s", name);
	else if (kind == RULE_AUTH)
		snprintf(buf, sizeof(buf), "authenticated");
	else
		snprintf(buf, sizeof(buf), "%s %s%s", key ? key : "?", first ? first : "?", more ? " ..." : "");
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (%s:%d)", cfg_file(c, g), config_setting_source_line(g));
	return cfg_strdup(c, g, buf);
}

static void load_rule(struct cfg *c, const config_setting_t *g)
{
	struct ruleset *p = c->p;
	const config_setting_t *s;
	const char *v;
	int b;

	if (!config_setting_is_group(g)) {
		CFG_ERR(c, g, "each rule must be a group: { recipient = \"example.com\"; require = \"tls\"; }");
		return;
	}
	cfg_check_keys(c, g, rule_keys, "a rule");
	int kind = rule_kind(c, g);
	if (kind < 0)
		return;

	struct rule r = { .kind = (enum rule_kind)kind, .line = config_setting_source_line(g) };
	if ((v = cfg_string(c, g, "require", &s)) != NULL && !(r.require = ruleset_profile(p, v))) {
		char names[300] = "";
		for (size_t i = 0; i < p->nprofiles; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
			    p->profiles[i]->name);
		CFG_ERR(c, s, "unknown profile '%s' (defined: %s)", v, p->nprofiles ? names : "none");
	}
	if (cfg_bool(c, g, "requiretls", &b, &s)) {
		r.requiretls = b;
		if (b && kind != RULE_SENDER && kind != RULE_RECIPIENT)
			CFG_ERR(c, s, "requiretls applies to sender and recipient rules only");
		else if (b && !p->requiretls.enabled)
			CFG_ERR(c, s, "requiretls = true needs a top-level requiretls = { ... }; block (it may be empty)");
	}
	static const char *const outbound_names[] = { "none", "encrypt", "verify", "secure", "dane-only", NULL };
	if (config_setting_get_member(g, "outbound")) {
		r.outbound = (enum outbound_level)cfg_enum(c, g, "outbound", outbound_names, OUTBOUND_NONE);
		if (kind != RULE_RECIPIENT)
			CFG_ERR(c, config_setting_get_member(g, "outbound"),
			    "outbound applies to recipient rules only (it is the TLS level for mail sent to them)");
	}
	if (!v && !r.requiretls && !r.outbound)
		CFG_ERR(c, g, "a rule needs 'require = \"PROFILE\";', 'requiretls = true;' or 'outbound = \"LEVEL\";'");
	if (kind == RULE_AUTH && cfg_bool(c, g, "authenticated", &b, &s)) {
		if (!b)
			CFG_ERR(c, s, "authenticated = false matches nothing: use true or drop the rule");
		else if (p->auth_rule >= 0)
			CFG_ERR(c, s, "only one rule may have authenticated = true");
	}
	r.mode = (enum policy_mode)cfg_enum(c, g, "mode", mode_names, p->mode);
	r.action = (enum policy_action)cfg_enum(c, g, "action", action_names, p->action);
	if ((v = cfg_string(c, g, "reply", &s)) != NULL) {
		char err[200];
		if (!(r.reply = reply_tpl_parse(v, err, sizeof(err))))
			CFG_ERR(c, s, "bad reply '%s': %s", v, err);
		else if (reply_tpl_class(r.reply) != (r.action == POLICY_TEMPFAIL ? '4' : '5'))
			CFG_ERR(c, s, "reply '%.3s...' does not fit action %s (use a %s code)", v,
			    action_names[r.action], r.action == POLICY_TEMPFAIL ? "4xx" : "5xx");
	}
	r.label = rule_label(c, g, r.kind, cfg_string(c, g, "name", NULL));

	struct rule *rules = realloc(p->rules, (p->nrules + 1) * sizeof(*rules));
	if (rules)
		p->rules = rules;
	else
		cfg_nomem(c, g);
	if (!r.label || !rules) {
		free(r.label);
		reply_tpl_free(r.reply);
		return;
	}
	p->rules[p->nrules++] = r;

	struct rule_bind bind = { .c = c, .rule = (uint32_t)(p->nrules - 1), .kind = r.kind };
	/* an outbound-only rule stays out of the inbound tables: it decides nothing there */
	int inbound = !r.outbound || cfg_string(c, g, "require", NULL) || r.requiretls;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0 && !inbound)
			continue;
		if (pass == 1 && !r.outbound)
			break;
		bind.table = pass == 1 ? p->outbound : kind == RULE_SENDER ? p->senders : p->recipients;
		if ((s = config_setting_get_member(g, kind == RULE_SENDER ? "sender" : "recipient")) &&
		    kind <= RULE_RECIPIENT)
			for_each_string(c, s, bind_domain, &bind);
		if ((s = config_setting_get_member(g, kind == RULE_SENDER ? "sender_list" : "recipient_list")) &&
		    kind <= RULE_RECIPIENT)
			for_each_string(c, s, bind_list, &bind);
	}
	if (kind == RULE_CLIENT && (s = config_setting_get_member(g, "client")))
		for_each_string(c, s, bind_client, &bind);
	if (kind == RULE_AUTH && p->auth_rule < 0) {
		p->auth_rule = (int)(p->nrules - 1);
		p->nkeys[RULE_AUTH]++;
	}
}

void config_rules_load(struct cfg *c, const config_setting_t *block)
{
	for (int i = 0; i < config_setting_length(block); i++)
		load_rule(c, config_setting_get_elem(block, (unsigned)i));
}
