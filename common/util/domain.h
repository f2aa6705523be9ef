/*
 * domain - normalise and validate DNS domain names used as policy keys.
 */
#ifndef TP_DOMAIN_H
#define TP_DOMAIN_H

#include <stddef.h>

#define DOMAIN_MAX 253          /* presentation length without trailing dot */

/*
 * domain_normalize - copy the len bytes of in to out, lower-cased (ASCII),
 * with one trailing dot removed, after checking it is a host name:
 * labels of letters, digits, '-' and '_' (1..63 bytes, no leading or trailing
 * '-'), at most DOMAIN_MAX bytes, no empty label.  outsz must be at least
 * DOMAIN_MAX + 1.  Returns 0, or -1 with *err set to a static English reason.
 */
int domain_normalize(const char *in, size_t len, char *out, size_t outsz, const char **err);

/*
 * domain_key_normalize - as domain_normalize, but a leading '.' is allowed and
 * kept (".example.com" = every subdomain of example.com).  Used for config
 * keys and list-file lines.
 */
int domain_key_normalize(const char *in, size_t len, char *out, size_t outsz, const char **err);

#endif
