/*
 * dns_tlsa - the TLSA RRset of _PORT._tcp.HOST.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_rdata.h"
#include "dns/dns_tlsa.h"
#include "util/domain.h"

#define T_TLSA 52

int dns_tlsa_lookup(struct dns *d, const char *host, unsigned port, int64_t deadline_ms,
		    struct dns_tlsa_set **out, char *err, size_t errsz)
{
	char h[DNS_NAME_MAX + 1], name[DNS_NAME_MAX + 32];
	struct dns_answer *a;
	struct dns_tlsa_set *s;
	struct dns_tlsa_rr rr;
	const char *e;
	size_t i;

	*out = NULL;
	if (domain_normalize(host, strlen(host), h, sizeof(h), &e) != 0) {
		snprintf(err, errsz, "bad host name \"%.*s\": %s", DNS_NAME_MAX, host, e);
		return -1;
	}
	if (port == 0 || port > 65535) {
		snprintf(err, errsz, "bad port %u", port);
		return -1;
	}
	snprintf(name, sizeof(name), "_%u._tcp.%s", port, h);
	if (dns_query(d, name, T_TLSA, deadline_ms, &a, err, errsz) != 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->rrs = calloc(a->count + 1, sizeof(*s->rrs))) == NULL)
		goto nomem;
	s->out = a->out;
	for (i = 0; i < a->count; i++) {
		if (dns_rdata_tlsa(a->data[i], a->len[i], &rr, &e) != 0) {
			s->out.status = DNS_TEMPFAIL;
			snprintf(s->out.reason, sizeof(s->out.reason), "malformed TLSA record: %s", e);
			break;
		}
		s->rrs[i].data = malloc(rr.datalen);
		if (s->rrs[i].data == NULL)
			goto nomem;
		memcpy(s->rrs[i].data, rr.data, rr.datalen);
		s->rrs[i].len = rr.datalen;
		s->rrs[i].usage = rr.usage;
		s->rrs[i].selector = rr.selector;
		s->rrs[i].mtype = rr.mtype;
		s->n++;
	}
	if (s->out.status == DNS_TEMPFAIL) {
		for (i = 0; i < s->n; i++)
			free(s->rrs[i].data);
		s->n = 0;
	}
	dns_answer_free(a);
	*out = s;
	return 0;
nomem:
	dns_tlsa_set_free(s);
	dns_answer_free(a);
	snprintf(err, errsz, "out of memory");
	return -1;
}

void dns_tlsa_set_free(struct dns_tlsa_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->rrs[i].data);
	free(s->rrs);
	free(s);
}
