/*
 * config - read the libconfig-syntax configuration file into a ruleset
 * snapshot (policy/ruleset.h).  Every key is checked: unknown keys, wrong types and
 * bad values are errors naming file:line, so a typo never passes silently.
 * The keys are documented in tlspolicy-milter.conf(5).
 */
#ifndef TP_CONFIG_H
#define TP_CONFIG_H

#include "util/diag.h"
#include "policy/ruleset.h"

#define CONFIG_DEFAULT_FILE SYSCONFDIR "/tlspolicy-milter.conf"
#define CONFIG_DEFAULT_SOCKET "inet:8895@127.0.0.1"
#define CONFIG_DEFAULT_CONTROL_SOCKET "/run/tlspolicy-milter/control.sock"
/* The MTA side may be silent this long (seconds): a large message uploads
 * while the milter waits for end-of-message, as it skips header and body. */
#define CONFIG_DEFAULT_MTA_TIMEOUT 3600
#define CONFIG_MAX_MTA_TIMEOUT 86400
/* socketmap: an idle (or slow) connection is closed after this many seconds;
 * Postfix closes its own idle ones after 10 s and reconnects when needed */
#define CONFIG_DEFAULT_POLICY_SOCKET_TIMEOUT 60
#define CONFIG_MAX_POLICY_SOCKET_TIMEOUT 3600

/*
 * config_load - parse path into a new snapshot (refs = 1; the caller owns
 * that reference and releases it with ruleset_unref).  Returns NULL when
 * anything is wrong, an allocation failure included, so a caller that
 * reloads keeps its old snapshot; every error and warning is added to *d
 * (which the caller initialised and frees with diag_free).  A snapshot is
 * returned only when no error was added.  path is copied.  Reads the config
 * file and the list files it names, with the caller's privileges.
 */
struct ruleset *config_load(const char *path, struct diag *d);

/*
 * config_load_settings - as config_load, but only the daemon settings
 * (socket, socket_mode, user, group, pidfile, log, mta_timeout, ...): what
 * root needs before the privilege drop.  No profile, rule or list file is
 * read (lists are read as the unprivileged user, with config_load).
 */
struct ruleset *config_load_settings(const char *path, struct diag *d);

#endif
