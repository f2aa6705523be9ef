/*
 * listfile - domain list files (see listfile.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/domain.h"
#include "util/listfile.h"

long listfile_read(const char *path, struct diag *d, listfile_add_fn add, void *arg)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, key[DOMAIN_MAX + 2];
	size_t cap = 0;
	ssize_t len;
	long n = 0;
	int lineno = 0;

	if (!fp) {
		diag_add(d, DIAG_ERROR, path, 0, "cannot open domain list: %s", strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		const char *err;
		char *s = line, *e;

		lineno++;
		if ((e = memchr(line, '#', (size_t)len)) != NULL)
			len = e - line;
		while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		while (len > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		if (len == 0)
			continue;
		if (domain_key_normalize(s, (size_t)len, key, sizeof(key), &err) < 0) {
			diag_add(d, DIAG_ERROR, path, lineno, "bad domain '%.*s': %s", len > 80 ? 80 : (int)len, s, err);
			continue;
		}
		if (add(arg, key, lineno) < 0) {
			diag_add(d, DIAG_ERROR, path, lineno, "out of memory");
			n = -1;
			break;
		}
		n++;
	}
	/*
	 * getline returns -1 at the end of the file, and also when it cannot
	 * grow its buffer (ENOMEM, stream flags untouched): anything but EOF
	 * means the list is incomplete, and an incomplete list is an error.
	 */
	if (n >= 0 && (ferror(fp) || !feof(fp))) {
		if (errno == ENOMEM)
			diag_add(d, DIAG_ERROR, path, lineno + 1, "out of memory");
		else
			diag_add(d, DIAG_ERROR, path, lineno + 1, "read error: %s", strerror(errno));
		n = -1;
	}
	free(line);
	fclose(fp);
	return n;
}
