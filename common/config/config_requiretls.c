/*
 * config_requiretls - the "requiretls" block: the address tag, the routing
 * and trace header fields and the content rules.  Its presence turns
 * REQUIRETLS handling on.  Fills c->p->requiretls (struct ruleset_requiretls).
 */
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "util/printable.h"
#include "util/domain.h"

static const char *const requiretls_keys[] = {
	"address_tag", "header", "trace_header", "content", "verify", "reply", "tempfail_reply", "mode",
	"timeout", "skip_mailers", "skip_bracket_nexthop", NULL,
};
static const char *const content_keys[] = { "header", "match", "strip", "caseless", NULL };

/* A header field name: RFC 5322 ftext (printable ASCII but ':'), 1..63 bytes. */
static int field_name_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 63)
		return 0;
	for (; *v; v++)
		if (!printable_char((unsigned char)*v) || *v == ' ' || *v == ':')
			return 0;
	return 1;
}

static char *field_name(struct cfg *c, const config_setting_t *g, const char *key, const char *def)
{
	const config_setting_t *s;
	const char *v = cfg_string(c, g, key, &s);

	if (!v)
		return cfg_strdup(c, g, def);
	if (!field_name_ok(v))
		CFG_ERR(c, s, "%s '%s': not a header field name", key, v);
	return cfg_strdup(c, s, v);
}

static void load_content(struct cfg *c, const config_setting_t *g)
{
	struct ruleset_requiretls *r = &c->p->requiretls;
	const config_setting_t *s;
	const char *header, *match;
	int strip = 0, caseless = 0;
	char err[300];

	if (!config_setting_is_group(g)) {
		CFG_ERR(c, g, "each content rule must be a group: { header = \"Subject\"; match = \"...\"; }");
		return;
	}
	cfg_check_keys(c, g, content_keys, "a content rule");
	header = cfg_string(c, g, "header", &s);
	if (!header && !s)
		CFG_ERR(c, g, "a content rule needs header = \"FIELD\";");
	else if (header && !field_name_ok(header))
		CFG_ERR(c, s, "header '%s': not a header field name", header);
	match = cfg_string(c, g, "match", &s);
	if (!match && !s)
		CFG_ERR(c, g, "a content rule needs match = \"PCRE2 PATTERN\";");
	cfg_bool(c, g, "strip", &strip, NULL);
	cfg_bool(c, g, "caseless", &caseless, NULL);
	if (!header || !match)
		return;
	struct requiretls_content *rc = requiretls_content_create(header, match, caseless, strip,
	    config_setting_source_line(g), err, sizeof(err));
	if (!rc) {
		CFG_ERR(c, s, "bad pattern '%s': %s", match, err);
		return;
	}
	struct requiretls_content **a = realloc(r->content, (r->ncontent + 1) * sizeof(*a));
	if (!a) {
		cfg_nomem(c, g);
		requiretls_content_free(rc);
		return;
	}
	r->content = a;
	a[r->ncontent++] = rc;
}

/* A reply template setting, or the built-in one (class must match). */
static struct reply_tpl *template(struct cfg *c, const config_setting_t *g, const char *key, const char *def,
    char class)
{
	const config_setting_t *s;
	const char *v = cfg_string(c, g, key, &s);
	char err[128];
	struct reply_tpl *t = reply_tpl_parse(v ? v : def, err, sizeof(err));

	if (!t) {
		if (v)
			CFG_ERR(c, s, "%s: %s", key, err);
		else
			cfg_nomem(c, g);
		return NULL;
	}
	if (reply_tpl_class(t) != class) {
		CFG_ERR(c, s, "%s '%s': must be a %cxx reply", key, v, class);
		reply_tpl_free(t);
		return NULL;
	}
	return t;
}

/* Local mailers (Postfix transports, Sendmail mailers): the MTA delivers
 * these itself, so no REQUIRETLS relay happens and nothing is checked. */
static const char *const default_skip[] = {
	"local", "virtual", "lmtp", "error", "discard", "prog", "*file*", "*include*", NULL,
};

static void load_verify(struct cfg *c, const config_setting_t *g)
{
	static const char *const verify_names[] = { "off", "dnssec-or-mta-sts", "probe", NULL };
	static const char *const mode_names[] = { "enforce", "testing", NULL };
	struct ruleset_requiretls *r = &c->p->requiretls;
	const config_setting_t *s;
	int b;

	r->verify = (enum rt_verify)cfg_enum(c, g, "verify", verify_names, RT_VERIFY_OFF);
	if (config_setting_get_member(g, "mode"))
		r->mode = cfg_enum(c, g, "mode", mode_names, -1);
	r->reply = template(c, g, "reply",
	    "550 5.7.30 %{domain} cannot receive mail that requires TLS: %{reason}", '5');
	r->tempfail_reply = template(c, g, "tempfail_reply",
	    "451 4.4.3 The REQUIRETLS check of %{domain} did not finish: %{reason}", '4');
	cfg_seconds(c, g, "timeout", 1, 300, &r->timeout_ms);
	if (!cfg_strv(c, g, "skip_mailers", &r->skip_mailers, &r->nskip_mailers)) {
		size_t n = 0;
		while (default_skip[n])
			n++;
		if ((r->skip_mailers = calloc(n + 1, sizeof(char *))) == NULL)
			cfg_nomem(c, g);
		else
			for (size_t i = 0; i < n; i++)
				if ((r->skip_mailers[r->nskip_mailers] = cfg_strdup(c, g, default_skip[i])) != NULL)
					r->nskip_mailers++;
	}
	if (cfg_bool(c, g, "skip_bracket_nexthop", &b, &s))
		r->skip_bracket_nexthop = b;
}

void config_requiretls_load(struct cfg *c, const config_setting_t *g)
{
	struct ruleset_requiretls *r = &c->p->requiretls;
	const config_setting_t *s;
	const char *v;

	r->enabled = 1;
	cfg_check_keys(c, g, requiretls_keys, "requiretls");
	if ((v = cfg_string(c, g, "address_tag", &s)) == NULL && !s)
		r->tag = cfg_strdup(c, g, "requiretls");
	else if (v && *v) {
		if (strpbrk(v, "+@\"<> \t") || strlen(v) > 64)
			CFG_ERR(c, s, "address_tag '%s': letters, digits and '-' '_' '.' only", v);
		r->tag = cfg_strdup(c, s, v);
	}
	r->header = field_name(c, g, "header", "X-RequireTLS");
	r->trace_header = field_name(c, g, "trace_header", "X-RequireTLS-Reason");
	load_verify(c, g);
	if ((s = config_setting_get_member(g, "content")) != NULL) {
		if (!config_setting_is_list(s))
			CFG_ERR(c, s, "'content' must be a list of groups: content = ( { ... } );");
		else
			for (int i = 0; i < config_setting_length(s); i++)
				load_content(c, config_setting_get_elem(s, (unsigned)i));
	}
}
