/*
 * cfg - typed, checked access to libconfig settings for config.c and
 * config_rules.c.  Internal to the config loader.
 */
#ifndef TP_CFG_H
#define TP_CFG_H

#include <libconfig.h>
#include <limits.h>

#include "util/diag.h"
#include "policy/ruleset.h"

struct cfg {
	const char *path;           /* the main config file */
	struct diag *d;
	struct ruleset *p;           /* being built */
	char dir[PATH_MAX];         /* directory of path: base for relative list files */
};

/* File of setting s (libconfig @include aware). */
const char *cfg_file(const struct cfg *c, const config_setting_t *s);

#define CFG_ERR(c, s, ...) diag_add((c)->d, DIAG_ERROR, cfg_file((c), (s)), config_setting_source_line(s), __VA_ARGS__)
#define CFG_WARN(c, s, ...) diag_add((c)->d, DIAG_WARNING, cfg_file((c), (s)), config_setting_source_line(s), __VA_ARGS__)

/* Report every member of group whose name is not in allowed (NULL-terminated),
 * suggesting the nearest allowed name. */
void cfg_check_keys(struct cfg *c, const config_setting_t *group, const char *const *allowed, const char *where);

/* Member key of group as a string; NULL if absent or (reported) not a string.
 * *where (if not NULL) gets the setting for later messages. */
const char *cfg_string(struct cfg *c, const config_setting_t *group, const char *key, const config_setting_t **where);
/* 1 and *v if present and a boolean; 0 if absent or (reported) not one. */
int cfg_bool(struct cfg *c, const config_setting_t *group, const char *key, int *v, const config_setting_t **where);
int cfg_int(struct cfg *c, const config_setting_t *group, const char *key, long long *v, const config_setting_t **where);
/* Member key as one of names (NULL-terminated); its index, or def if absent or (reported) invalid. */
int cfg_enum(struct cfg *c, const config_setting_t *group, const char *key, const char *const *names, int def);
/* Member key as a group; NULL if absent or (reported) not a group. */
config_setting_t *cfg_group(struct cfg *c, const config_setting_t *group, const char *key);

/* config_rules.c: the rules list. */
void config_rules_load(struct cfg *c, config_setting_t *root);
/* config_requiretls.c: the requiretls block (before the rules: they refer to it). */
void config_requiretls_load(struct cfg *c, config_setting_t *root);

#endif
