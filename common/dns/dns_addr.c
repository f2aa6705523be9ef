/*
 * dns_addr - the IPv4 and IPv6 addresses of a host, A and AAAA in parallel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns/dns_addr.h"
#include "dns/dns_rdata.h"
#include "util/domain.h"

#define T_A 1
#define T_AAAA 28

/* combine - the outcome of a name from its A and AAAA outcomes (dns_addr.h) */
static void combine(struct dns_outcome *o, const struct dns_outcome *a, const struct dns_outcome *b)
{
	const struct dns_outcome *why;

	memset(o, 0, sizeof(*o));
	o->security = dns_security_weakest(a->security, b->security);
	o->ttl = a->ttl < b->ttl ? a->ttl : b->ttl;
	o->rcode = a->rcode;
	if (a->status == DNS_TEMPFAIL || b->status == DNS_TEMPFAIL)
		o->status = DNS_TEMPFAIL;
	else if (a->status == DNS_OK || b->status == DNS_OK)
		o->status = DNS_OK;
	else if (a->status == DNS_NXDOMAIN || b->status == DNS_NXDOMAIN)
		o->status = DNS_NXDOMAIN;
	else
		o->status = DNS_NODATA;
	/* the first reason that explains the combined result */
	why = a->reason[0] && (a->status == DNS_TEMPFAIL || a->security == DNS_SEC_BOGUS) ? a
	    : b->reason[0] ? b : a;
	snprintf(o->reason, sizeof(o->reason), "%s", why->reason);
}

/* add - decode the records of one family into s->addrs */
static void add(struct dns_addr_set *s, struct dns_answer *ans, struct dns_outcome *fam, int af)
{
	const char *e;
	size_t i;

	for (i = 0; i < ans->count; i++) {
		struct dns_addr *x = &s->addrs[s->n];
		int rc = af == AF_INET
			 ? dns_rdata_a(ans->data[i], ans->len[i], x->text, sizeof(x->text), &e)
			 : dns_rdata_aaaa(ans->data[i], ans->len[i], x->text, sizeof(x->text), &e);

		if (rc != 0) {
			/* unusable data from the resolver: fail closed */
			fam->status = DNS_TEMPFAIL;
			snprintf(fam->reason, sizeof(fam->reason), "malformed %s record: %s",
				 af == AF_INET ? "A" : "AAAA", e);
			return;
		}
		x->family = af;
		s->n++;
	}
}

int dns_addr_lookup(struct dns *d, const char *host, int64_t deadline_ms,
		    struct dns_addr_set **out, char *err, size_t errsz)
{
	char name[DNS_NAME_MAX + 1];
	const char *names[2] = {name, name};
	const int types[2] = {T_A, T_AAAA};
	struct dns_answer *ans[2];
	struct dns_addr_set *s;
	const char *e;
	size_t keep;

	*out = NULL;
	if (domain_normalize(host, strlen(host), name, sizeof(name), &e) != 0) {
		snprintf(err, errsz, "bad host name \"%.*s\": %s", DNS_NAME_MAX, host, e);
		return -1;
	}
	if (dns_query_multi(d, 2, names, types, deadline_ms, ans, err, errsz) != 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (s != NULL)
		s->addrs = calloc(ans[0]->count + ans[1]->count + 1, sizeof(*s->addrs));
	if (s == NULL || s->addrs == NULL) {
		dns_addr_set_free(s);
		dns_answer_free(ans[0]);
		dns_answer_free(ans[1]);
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	s->a = ans[0]->out;
	s->aaaa = ans[1]->out;
	add(s, ans[0], &s->a, AF_INET);
	keep = s->n;
	if (s->a.status == DNS_TEMPFAIL)
		s->n = keep = 0;
	add(s, ans[1], &s->aaaa, AF_INET6);
	if (s->aaaa.status == DNS_TEMPFAIL)
		s->n = keep;
	combine(&s->out, &s->a, &s->aaaa);
	dns_answer_free(ans[0]);
	dns_answer_free(ans[1]);
	*out = s;
	return 0;
}

void dns_addr_set_free(struct dns_addr_set *s)
{
	if (s == NULL)
		return;
	free(s->addrs);
	free(s);
}
