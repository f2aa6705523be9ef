/*
 * dns_txt - the TXT records of a name, strings of each record concatenated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_rdata.h"
#include "dns/dns_txt.h"
#include "util/domain.h"

#define T_TXT 16

int dns_txt_lookup(struct dns *d, const char *name, int64_t deadline_ms,
		   struct dns_txt_set **out, char *err, size_t errsz)
{
	char n[DNS_NAME_MAX + 1];
	struct dns_answer *a;
	struct dns_txt_set *s;
	const char *e;
	size_t i;

	*out = NULL;
	if (domain_normalize(name, strlen(name), n, sizeof(n), &e) != 0) {
		snprintf(err, errsz, "bad name \"%.*s\": %s", DNS_NAME_MAX, name, e);
		return -1;
	}
	if (dns_query(d, n, T_TXT, deadline_ms, &a, err, errsz) != 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto nomem;
	s->out = a->out;
	s->txt = calloc(a->count + 1, sizeof(*s->txt));
	s->len = calloc(a->count + 1, sizeof(*s->len));
	if (s->txt == NULL || s->len == NULL)
		goto nomem;
	for (i = 0; i < a->count; i++) {
		/* the text is never longer than the rdata */
		s->txt[i] = malloc(a->len[i] + 1);
		if (s->txt[i] == NULL)
			goto nomem;
		s->n++;
		if (dns_rdata_txt(a->data[i], a->len[i], s->txt[i], a->len[i] + 1, &s->len[i],
				  &e) != 0) {
			s->out.status = DNS_TEMPFAIL;
			snprintf(s->out.reason, sizeof(s->out.reason), "malformed TXT record: %s", e);
			break;
		}
	}
	if (s->out.status == DNS_TEMPFAIL) {
		/* nothing half-decoded reaches the caller */
		for (i = 0; i < s->n; i++)
			free(s->txt[i]);
		s->n = 0;
	}
	dns_answer_free(a);
	*out = s;
	return 0;
nomem:
	dns_txt_set_free(s);
	dns_answer_free(a);
	snprintf(err, errsz, "out of memory");
	return -1;
}

void dns_txt_set_free(struct dns_txt_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->txt[i]);
	free(s->txt);
	free(s->len);
	free(s);
}
