/*
 * smap_listen - the socketmap listener's socket: opened by root before the
 * privilege drop (like the milter socket), inherited by the milter child,
 * removed (unix) by the parent at the end.
 *
 * Addresses use the milter socket's forms: "unix:/path" (or "local:/path"),
 * "inet:PORT[@HOST]", "inet6:PORT[@HOST]"; no HOST = every address.
 */
#ifndef TP_SMAP_LISTEN_H
#define TP_SMAP_LISTEN_H

#include <stddef.h>

/*
 * smap_listen_open - a listening, close-on-exec socket for spec; a stale
 * unix socket file is replaced (as libmilter does with its own), any other
 * file there is an error.  The descriptor, or -1 with err.
 */
int smap_listen_open(const char *spec, char *err, size_t errsz);

/* smap_listen_path - the file of a unix spec, NULL for inet. */
const char *smap_listen_path(const char *spec);

/* smap_listen_close - close fd (if >= 0) and remove a unix socket file. */
void smap_listen_close(int fd, const char *spec);

#endif
