/*
 * diag - the list of errors and warnings found while loading a config, each
 * with the file and line it is about ("FILE:LINE: error: unknown key 'modee'").
 */
#ifndef TP_DIAG_H
#define TP_DIAG_H

#include <stddef.h>
#include <stdio.h>

enum diag_kind { DIAG_ERROR, DIAG_WARNING };

#define DIAG_MAX 100            /* further messages are counted, not kept */

struct diag {
	size_t nerrors, nwarnings;
	size_t nkept;
	char *msgs[DIAG_MAX];       /* malloc'd, "FILE:LINE: error: text" */
};

/* Zero a diag on the stack; release with diag_free(). */
void diag_init(struct diag *d);
void diag_free(struct diag *d);
/* Add a message; file may be NULL, line 0 = no line. */
void diag_add(struct diag *d, enum diag_kind kind, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Print every kept message on fp, one a line, plus a count of dropped ones. */
void diag_print(const struct diag *d, FILE *fp);
/* Log every kept message (errors with log_err, warnings with log_warn). */
void diag_log(const struct diag *d);

#endif
