/*
 * printable - replace what may not leave the program (see printable.h).
 */
#include <string.h>

#include "util/printable.h"

int printable_char(int c)
{
	return c >= 0x20 && c <= 0x7e;
}

static int keep(unsigned char c, const char *extra)
{
	return printable_char(c) && (extra == NULL || strchr(extra, c) == NULL);
}

char *printable_copy(char *out, size_t outsz, const char *src, const char *extra, char repl)
{
	size_t o = 0;

	if (outsz == 0)
		return out;
	for (; src != NULL && *src != '\0' && o + 1 < outsz; src++)
		out[o++] = keep((unsigned char)*src, extra) ? *src : repl;
	out[o] = '\0';
	return out;
}

char *printable_inplace(char *s, const char *extra, char repl)
{
	for (char *p = s; p != NULL && *p != '\0'; p++)
		if (!keep((unsigned char)*p, extra))
			*p = repl;
	return s;
}
