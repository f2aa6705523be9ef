/*
 * cfg - the loader's state and typed, checked access to libconfig settings,
 * shared by config.c and the block loaders (config_BLOCK.c).  Internal to
 * common/config/.
 *
 * Every helper reports what is wrong into c->d with the setting's file and
 * line; a setting of the wrong type is an error, never "absent".  An
 * allocation that fails is an error too (cfg_nomem): the load fails and the
 * caller keeps its old snapshot, so no rule or requirement is ever silently
 * missing.
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
	struct ruleset *p;          /* being built; owned by config_load */
	char dir[PATH_MAX];         /* directory of path: base for relative list files */
};

/*
 * A top-level block of the config file: its key, the libconfig type it must
 * have (CONFIG_TYPE_GROUP or CONFIG_TYPE_LIST) and its loader, which fills
 * the block's part of c->p.  load is called only when the block is present
 * and of the right type; an absent block leaves what ruleset_create set.
 * Adding a block: one file config_BLOCK.c defining config_BLOCK_load, its
 * prototype below and one entry in config.c's table (which also makes the
 * key known to the unknown-key check).
 */
struct config_block {
	const char *key;
	int type;
	void (*load)(struct cfg *c, const config_setting_t *block);
};

/* cfg_strv - member key as a string or a list of strings, copied into a new
 * NULL-terminated array *out of *n strings (the caller frees each and the
 * array).  1 if present and valid, 0 if absent or (reported) invalid. */
int cfg_strv(struct cfg *c, const config_setting_t *group, const char *key, char ***out, size_t *n);
/* cfg_path - member key as an absolute path, copied into *out (a previous
 * *out, e.g. a default, is freed).  Absent: *out unchanged; relative: an
 * error, *out NULL. */
void cfg_path(struct cfg *c, const config_setting_t *group, const char *key, char **out);
/* cfg_seconds - member key as whole seconds in lo..hi, stored as *ms.  1 if
 * present and valid, 0 if absent or (reported) invalid. */
int cfg_seconds(struct cfg *c, const config_setting_t *group, const char *key, long lo, long hi, long *ms);

/* config_profiles.c: "profiles = { NAME = { ... }; ... };" */
void config_profiles_load(struct cfg *c, const config_setting_t *block);
/* config_requiretls.c: "requiretls = { ... };" (before the rules: they refer to it) */
void config_requiretls_load(struct cfg *c, const config_setting_t *block);
/* config_rules.c: "rules = ( { ... }, ... );" (last: refers to profiles and requiretls) */
void config_rules_load(struct cfg *c, const config_setting_t *block);
/* config_dns.c, config_mtasts.c, config_probe.c: the network blocks of
 * REQUIRETLS feasibility: "dns = { ... };", "mta_sts = { ... };", "probe = { ... };" */
void config_dns_load(struct cfg *c, const config_setting_t *block);
void config_mtasts_load(struct cfg *c, const config_setting_t *block);
void config_probe_load(struct cfg *c, const config_setting_t *block);

/* File of setting s (libconfig @include aware). */
const char *cfg_file(const struct cfg *c, const config_setting_t *s);

#define CFG_ERR(c, s, ...) diag_add((c)->d, DIAG_ERROR, cfg_file((c), (s)), config_setting_source_line(s), __VA_ARGS__)
#define CFG_WARN(c, s, ...) diag_add((c)->d, DIAG_WARNING, cfg_file((c), (s)), config_setting_source_line(s), __VA_ARGS__)

/* cfg_nomem - report an allocation failure while loading s (NULL: the file). */
void cfg_nomem(struct cfg *c, const config_setting_t *s);
/* cfg_strdup - strdup(v); on failure reports cfg_nomem(c, s) and returns NULL.
 * The copy is the caller's (it goes into c->p, freed with it). */
char *cfg_strdup(struct cfg *c, const config_setting_t *s, const char *v);

/* Report every member of group whose name is not in allowed (NULL-terminated),
 * suggesting the nearest allowed name.  Unnamed members (of a list) are not keys. */
void cfg_check_keys(struct cfg *c, const config_setting_t *group, const char *const *allowed, const char *where);

/* Member key of group as a string; NULL if absent or (reported) not a string.
 * The string is libconfig's: valid until the config_t is destroyed, so copy it
 * (cfg_strdup) to keep it.  *where (if not NULL) gets the setting, or NULL. */
const char *cfg_string(struct cfg *c, const config_setting_t *group, const char *key, const config_setting_t **where);
/* 1 and *v if present and a boolean; 0 if absent or (reported) not one. */
int cfg_bool(struct cfg *c, const config_setting_t *group, const char *key, int *v, const config_setting_t **where);
/* 1 and *v if present and an integer; 0 if absent or (reported) not one. */
int cfg_int(struct cfg *c, const config_setting_t *group, const char *key, long long *v, const config_setting_t **where);
/* Member key as one of names (NULL-terminated); its index, or def if absent or (reported) invalid. */
int cfg_enum(struct cfg *c, const config_setting_t *group, const char *key, const char *const *names, int def);
/* Member key as a group; NULL if absent or (reported) not a group. */
config_setting_t *cfg_group(struct cfg *c, const config_setting_t *group, const char *key);

#endif
