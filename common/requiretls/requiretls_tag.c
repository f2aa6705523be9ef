/*
 * requiretls_tag - the +requiretls address convention (see requiretls_tag.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "requiretls/requiretls_tag.h"

int requiretls_tag_strip(const struct addr *a, const char *tag, char *out, size_t outsz)
{
	const char *plus;
	size_t base;

	if (a->null || a->quoted || !a->domain[0] || !tag[0])
		return 0;
	if (!(plus = strrchr(a->local, '+')) || strcasecmp(plus + 1, tag) != 0)
		return 0;
	if ((base = (size_t)(plus - a->local)) == 0)
		return 0;
	int n = snprintf(out, outsz, "<%.*s@%s>", (int)base, a->local, a->domain);
	return n < 0 || (size_t)n >= outsz ? -1 : 1;
}
