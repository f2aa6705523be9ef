/*
 * cfg - checked access to libconfig settings (see cfg.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"

const char *cfg_file(const struct cfg *c, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	return f ? f : c->path;
}

void cfg_nomem(struct cfg *c, const config_setting_t *s)
{
	if (s)
		CFG_ERR(c, s, "out of memory");
	else
		diag_add(c->d, DIAG_ERROR, c->path, 0, "out of memory");
}

char *cfg_strdup(struct cfg *c, const config_setting_t *s, const char *v)
{
	char *copy = strdup(v);

	if (!copy)
		cfg_nomem(c, s);
	return copy;
}

/* Edit distance of two short names, for "did you mean" hints. */
static int cfg_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b), row[64];

	if (la > 62 || lb > 62)
		return 99;
	for (int j = 0; j <= lb; j++)
		row[j] = j;
	for (int i = 1; i <= la; i++) {
		int prev = row[0];
		row[0] = i;
		for (int j = 1; j <= lb; j++) {
			int cur = row[j];
			int best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

void cfg_check_keys(struct cfg *c, const config_setting_t *group, const char *const *allowed, const char *where)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s), *best = NULL;
		int bestd, found = 0;

		if (!name)
			continue;               /* a list element: not a key */
		bestd = strlen(name) >= 6 ? 4 : 3;  /* hint only for close names */
		for (const char *const *k = allowed; *k; k++) {
			if (strcmp(*k, name) == 0) {
				found = 1;
				break;
			}
			int dist = cfg_distance(name, *k);
			if (dist < bestd) {
				bestd = dist;
				best = *k;
			}
		}
		if (found)
			continue;
		if (best)
			CFG_ERR(c, s, "unknown key '%s' in %s (did you mean '%s'?)", name, where, best);
		else
			CFG_ERR(c, s, "unknown key '%s' in %s", name, where);
	}
}

static const char *const cfg_type_names[] = {
	"nothing", "a group", "an integer", "a 64-bit integer", "a number", "a string", "a boolean",
	"an array", "a list",
};

static const char *cfg_type_name(const config_setting_t *s)
{
	int t = config_setting_type(s);

	return t >= 0 && t < 9 ? cfg_type_names[t] : "unknown";
}

const char *cfg_string(struct cfg *c, const config_setting_t *group, const char *key, const config_setting_t **where)
{
	const config_setting_t *s = config_setting_get_member(group, key);

	if (where)
		*where = s;
	if (!s)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		CFG_ERR(c, s, "'%s' must be a string (in double quotes), not %s", key, cfg_type_name(s));
		return NULL;
	}
	return config_setting_get_string(s);
}

int cfg_bool(struct cfg *c, const config_setting_t *group, const char *key, int *v, const config_setting_t **where)
{
	const config_setting_t *s = config_setting_get_member(group, key);

	if (where)
		*where = s;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		CFG_ERR(c, s, "'%s' must be true or false, not %s", key, cfg_type_name(s));
		return 0;
	}
	*v = config_setting_get_bool(s);
	return 1;
}

int cfg_int(struct cfg *c, const config_setting_t *group, const char *key, long long *v, const config_setting_t **where)
{
	const config_setting_t *s = config_setting_get_member(group, key);

	if (where)
		*where = s;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
		CFG_ERR(c, s, "'%s' must be an integer, not %s", key, cfg_type_name(s));
		return 0;
	}
	*v = config_setting_get_int64(s);
	return 1;
}

int cfg_enum(struct cfg *c, const config_setting_t *group, const char *key, const char *const *names, int def)
{
	const config_setting_t *s;
	const char *v = cfg_string(c, group, key, &s);
	char list[200] = "";

	if (!v)
		return def;
	for (int i = 0; names[i]; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	for (int i = 0; names[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", names[i]);
	CFG_ERR(c, s, "%s '%s': expected one of %s", key, v, list);
	return def;
}

config_setting_t *cfg_group(struct cfg *c, const config_setting_t *group, const char *key)
{
	config_setting_t *s = config_setting_get_member(group, key);

	if (s && !config_setting_is_group(s)) {
		CFG_ERR(c, s, "'%s' must be a group: %s = { ... };", key, key);
		return NULL;
	}
	return s;
}

int cfg_strv(struct cfg *c, const config_setting_t *group, const char *key, char ***out, size_t *n)
{
	const config_setting_t *s = config_setting_get_member(group, key);
	int len;

	if (!s)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		len = 1;
	else if (config_setting_is_array(s) || config_setting_is_list(s))
		len = config_setting_length(s);
	else {
		CFG_ERR(c, s, "'%s' must be a string or a list of strings, not %s", key, cfg_type_name(s));
		return 0;
	}
	char **v = calloc((size_t)len + 1, sizeof(*v));
	if (!v) {
		cfg_nomem(c, s);
		return 0;
	}
	size_t k = 0;
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_type(s) == CONFIG_TYPE_STRING ? s :
		    config_setting_get_elem(s, (unsigned)i);
		const char *str = config_setting_get_string(e);
		if (!str) {
			CFG_ERR(c, e, "'%s' must hold strings only, not %s", key, cfg_type_name(e));
			continue;
		}
		if ((v[k] = cfg_strdup(c, e, str)) != NULL)
			k++;
	}
	*out = v;
	*n = k;
	return 1;
}

int cfg_seconds(struct cfg *c, const config_setting_t *group, const char *key, long lo, long hi, long *ms)
{
	const config_setting_t *s;
	long long v;

	if (!cfg_int(c, group, key, &v, &s))
		return 0;
	if (v < lo || v > hi) {
		CFG_ERR(c, s, "%s %lld: expected %ld..%ld seconds", key, v, lo, hi);
		return 0;
	}
	*ms = (long)v * 1000;
	return 1;
}

void cfg_path(struct cfg *c, const config_setting_t *group, const char *key, char **out)
{
	const config_setting_t *s;
	const char *v = cfg_string(c, group, key, &s);

	if (!v)
		return;
	free(*out);             /* a default the setting replaces */
	*out = NULL;
	if (*v != '/')
		CFG_ERR(c, s, "%s '%s': the path must be absolute", key, v);
	else
		*out = cfg_strdup(c, s, v);
}
