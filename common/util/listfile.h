/*
 * listfile - read a domain list file: one domain key a line ("example.com",
 * or ".example.com" for every subdomain), '#' starts a comment, blank lines
 * and surrounding white space are ignored.  Forced-TLS lists run to 100k+
 * lines, so the file is read in one pass with no per-line allocation.
 */
#ifndef TP_LISTFILE_H
#define TP_LISTFILE_H

#include "util/diag.h"

/* Called for each normalised key; return 0 to go on, -1 to stop (out of memory). */
typedef int (*listfile_add_fn)(void *arg, const char *key, int line);

/*
 * listfile_read - read path, calling add() for each valid line.  Bad lines
 * are reported in *d as "path:line: error: ..." (and skipped, so every error
 * is shown).  Returns the number of keys read, or -1 when the file cannot be
 * opened or read, or add() failed (also reported in *d).
 */
long listfile_read(const char *path, struct diag *d, listfile_add_fn add, void *arg);

#endif
