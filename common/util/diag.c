/*
 * diag - errors and warnings with file:line (see diag.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/diag.h"
#include "util/log.h"
#include "util/printable.h"

void diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->nkept; i++)
		free(d->msgs[i]);
	memset(d, 0, sizeof(*d));
}

void diag_add(struct diag *d, enum diag_kind kind, const char *file, int line, const char *fmt, ...)
{
	char text[1024], where[600] = "";
	va_list ap;

	if (kind == DIAG_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
	if (d->nkept >= DIAG_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (file && line > 0)
		snprintf(where, sizeof(where), "%s:%d: ", file, line);
	else if (file)
		snprintf(where, sizeof(where), "%s: ", file);
	size_t len = strlen(where) + strlen(text) + 16;
	char *m = malloc(len);
	if (!m)
		return;
	snprintf(m, len, "%s%s: %s", where, kind == DIAG_ERROR ? "error" : "warning", text);
	/* config values are quoted in messages: no escape sequence or line break reaches a log or terminal */
	printable_inplace(m, NULL, '?');
	d->msgs[d->nkept++] = m;
}

void diag_print(const struct diag *d, FILE *fp)
{
	for (size_t i = 0; i < d->nkept; i++)
		fprintf(fp, "%s\n", d->msgs[i]);
	size_t total = d->nerrors + d->nwarnings;
	if (total > d->nkept)
		fprintf(fp, "(%zu more messages not shown)\n", total - d->nkept);
}

void diag_log(const struct diag *d)
{
	for (size_t i = 0; i < d->nkept; i++) {
		if (strstr(d->msgs[i], ": error: "))
			log_err("%s", d->msgs[i]);
		else
			log_warn("%s", d->msgs[i]);
	}
}
