/*
 * config_profiles - the "profiles" block: named TLS requirements
 * (policy/profile.h) that rules refer to with require = "NAME".
 *
 *   profiles = { tls = { min_version = "TLSv1.2"; }; partner = { ... }; };
 *
 * Fills c->p->profiles.  A requirement that cannot be stored (out of memory)
 * is a load error, never a profile that asks for less.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/cfg.h"
#include "policy/cipherex.h"

static const char *const profile_keys[] = {
	"encrypted", "min_version", "min_bits", "client_cert", "subject", "issuer", "fingerprint",
	"exclude_ciphers", NULL,
};

/* fingerprint = "AB:CD..." or [ "...", ... ]: a non-empty list of hex strings. */
static void load_fingerprints(struct cfg *c, struct profile *pr, const config_setting_t *s)
{
	int scalar = config_setting_type(s) == CONFIG_TYPE_STRING;
	int n = scalar ? 1 : config_setting_length(s);

	if (!scalar && !config_setting_is_array(s) && !config_setting_is_list(s)) {
		CFG_ERR(c, s, "fingerprint must be a string or a list of strings");
		return;
	}
	if (n == 0) {
		CFG_ERR(c, s, "fingerprint is an empty list: name at least one, or drop the key");
		return;
	}
	if (!(pr->fingerprints = calloc((size_t)n, sizeof(char *)))) {
		cfg_nomem(c, s);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = scalar ? s : config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) : NULL;
		char fp[130];

		if (!v) {
			CFG_ERR(c, e, "fingerprint must be a string or a list of strings");
			continue;
		}
		if (profile_fingerprint_normalize(v, fp, sizeof(fp)) < 0) {
			CFG_ERR(c, e, "fingerprint '%s': expected hex digits, optionally separated by ':'", v);
			continue;
		}
		if ((pr->fingerprints[pr->nfingerprints] = cfg_strdup(c, e, fp)) != NULL)
			pr->nfingerprints++;
	}
}

/* exclude_ciphers = "RC4" or [ "RC4", "3DES", "DES-CBC", ... ]: a non-empty list
 * of families or cipher name parts (policy/cipherex.h) */
static void load_exclude_ciphers(struct cfg *c, struct profile *pr, const config_setting_t *s)
{
	int scalar = config_setting_type(s) == CONFIG_TYPE_STRING;
	int n = scalar ? 1 : config_setting_length(s);

	if (!scalar && !config_setting_is_array(s) && !config_setting_is_list(s)) {
		CFG_ERR(c, s, "exclude_ciphers must be a string or a list of strings");
		return;
	}
	if (n == 0) {
		CFG_ERR(c, s, "exclude_ciphers is an empty list: name at least one, or drop the key");
		return;
	}
	if (!(pr->exclude_ciphers = calloc((size_t)n, sizeof(char *)))) {
		cfg_nomem(c, s);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = scalar ? s : config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) : NULL;
		const char *err;

		if (!v) {
			CFG_ERR(c, e, "exclude_ciphers must be a string or a list of strings");
			continue;
		}
		if (cipherex_valid(v, &err) < 0) {
			CFG_ERR(c, e, "exclude_ciphers '%s': %s", v, err);
			continue;
		}
		if ((pr->exclude_ciphers[pr->nexclude_ciphers] = cfg_strdup(c, e, v)) != NULL)
			pr->nexclude_ciphers++;
	}
}

/* client_cert = "verified" | "none" | true | false */
static void load_client_cert(struct cfg *c, struct profile *pr, const config_setting_t *s)
{
	const char *v = config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;

	if (config_setting_type(s) == CONFIG_TYPE_BOOL)
		pr->client_cert = config_setting_get_bool(s);
	else if (v && strcasecmp(v, "verified") == 0)
		pr->client_cert = 1;
	else if (v && strcasecmp(v, "none") == 0)
		pr->client_cert = 0;
	else
		CFG_ERR(c, s, "client_cert: expected \"verified\" or \"none\"");
}

/* load_profile - one NAME = { ... }; appended to c->p->profiles */
static void load_profile(struct cfg *c, const config_setting_t *g)
{
	const char *name = config_setting_name(g), *v;
	const config_setting_t *s;
	struct profile *pr, **a;
	int b, any = 0;
	long long n;

	if (!config_setting_is_group(g)) {
		CFG_ERR(c, g, "profile '%s' must be a group: %s = { ... };", name, name);
		return;
	}
	cfg_check_keys(c, g, profile_keys, "a profile");
	if (!(pr = profile_create(name))) {
		cfg_nomem(c, g);
		return;
	}
	pr->line = config_setting_source_line(g);
	if (cfg_bool(c, g, "encrypted", &b, NULL)) {
		pr->encrypted = b;
		any = 1;
	}
	if ((v = cfg_string(c, g, "min_version", &s)) != NULL) {
		if (tls_version_parse(v, &pr->min_version) < 0)
			CFG_ERR(c, s, "min_version '%s': expected SSLv3 or TLSvX.Y, such as TLSv1.2", v);
		any = 1;
	}
	if (cfg_int(c, g, "min_bits", &n, &s)) {
		if (n < 0 || n > 65536)
			CFG_ERR(c, s, "min_bits %lld: expected 0..65536", n);
		pr->min_bits = (int)n;
		any = 1;
	}
	if ((s = config_setting_get_member(g, "client_cert")) != NULL) {
		load_client_cert(c, pr, s);
		any = 1;
	}
	if ((v = cfg_string(c, g, "subject", &s)) != NULL) {
		if (!*v)
			CFG_ERR(c, s, "subject must not be empty");
		pr->subject = cfg_strdup(c, s, v);
		any = 1;
	}
	if ((v = cfg_string(c, g, "issuer", &s)) != NULL) {
		if (!*v)
			CFG_ERR(c, s, "issuer must not be empty");
		pr->issuer = cfg_strdup(c, s, v);
		any = 1;
	}
	if ((s = config_setting_get_member(g, "fingerprint")) != NULL) {
		load_fingerprints(c, pr, s);
		any = 1;
	}
	if ((s = config_setting_get_member(g, "exclude_ciphers")) != NULL) {
		load_exclude_ciphers(c, pr, s);
		any = 1;
	}
	if (pr->min_version || pr->min_bits || pr->client_cert || pr->subject || pr->issuer || pr->nfingerprints
	    || pr->nexclude_ciphers)
		pr->encrypted = 1;
	if (!any)
		CFG_WARN(c, g, "profile '%s' requires nothing (add encrypted = true; or other requirements)", name);
	if (!(a = realloc(c->p->profiles, (c->p->nprofiles + 1) * sizeof(*a)))) {
		cfg_nomem(c, g);
		profile_free(pr);
		return;
	}
	c->p->profiles = a;
	a[c->p->nprofiles++] = pr;
}

void config_profiles_load(struct cfg *c, const config_setting_t *block)
{
	for (int i = 0; i < config_setting_length(block); i++)
		load_profile(c, config_setting_get_elem(block, (unsigned)i));
}
