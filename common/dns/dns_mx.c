/*
 * dns_mx - the mail exchangers of a domain (RFC 5321 §5.1, RFC 7505).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_addr.h"
#include "dns/dns_mx.h"
#include "dns/dns_rdata.h"
#include "util/domain.h"

#define T_MX 15

static int by_pref(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* decode - the MX records of a into s (null MX noted, not listed) */
static void decode(struct dns_mx_set *s, const struct dns_answer *a)
{
	const char *e;
	size_t i;

	for (i = 0; i < a->count; i++) {
		struct dns_mx *m = &s->hosts[s->n];

		if (dns_rdata_mx(a->data[i], a->len[i], &m->pref, m->name, sizeof(m->name), &e) != 0) {
			/* unusable data from the resolver: fail closed */
			s->out.status = DNS_TEMPFAIL;
			snprintf(s->out.reason, sizeof(s->out.reason), "malformed MX record: %s", e);
			s->n = 0;
			return;
		}
		if (strcmp(m->name, ".") == 0)
			s->null_mx = 1; /* RFC 7505: no mail, whatever else is there */
		else
			s->n++;
	}
	qsort(s->hosts, s->n, sizeof(*s->hosts), by_pref);
}

/* implicit - no MX: the domain's own addresses (RFC 5321 §5.1) */
static int implicit(struct dns *d, const char *domain, int64_t deadline_ms, struct dns_mx_set *s,
		    char *err, size_t errsz)
{
	struct dns_addr_set *as;
	struct dns_outcome mx = s->out;

	if (dns_addr_lookup(d, domain, deadline_ms, &as, err, errsz) != 0)
		return -1;
	s->out = as->out;
	s->out.security = dns_security_weakest(mx.security, as->out.security);
	if (mx.ttl < s->out.ttl)
		s->out.ttl = mx.ttl;
	if (mx.security == DNS_SEC_BOGUS)
		snprintf(s->out.reason, sizeof(s->out.reason), "%s", mx.reason);
	if (as->out.status == DNS_OK) {
		s->implicit = 1;
		s->hosts[0].pref = 0;
		snprintf(s->hosts[0].name, sizeof(s->hosts[0].name), "%s", domain);
		s->n = 1;
	} else if (as->out.status == DNS_NXDOMAIN) {
		/* the name vanished between the two lookups: nothing there */
		s->out.status = DNS_NODATA;
	}
	dns_addr_set_free(as);
	return 0;
}

int dns_mx_lookup(struct dns *d, const char *domain, int64_t deadline_ms,
		  struct dns_mx_set **out, char *err, size_t errsz)
{
	char name[DNS_NAME_MAX + 1];
	struct dns_answer *a;
	struct dns_mx_set *s;
	const char *e;

	*out = NULL;
	if (domain_normalize(domain, strlen(domain), name, sizeof(name), &e) != 0) {
		snprintf(err, errsz, "bad domain \"%.*s\": %s", DNS_NAME_MAX, domain, e);
		return -1;
	}
	if (dns_query(d, name, T_MX, deadline_ms, &a, err, errsz) != 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (s != NULL)
		s->hosts = calloc(a->count + 1, sizeof(*s->hosts));
	if (s == NULL || s->hosts == NULL) {
		dns_mx_set_free(s);
		dns_answer_free(a);
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	s->out = a->out;
	if (a->out.status == DNS_OK)
		decode(s, a);
	dns_answer_free(a);
	if (s->out.status == DNS_NODATA && implicit(d, name, deadline_ms, s, err, errsz) != 0) {
		dns_mx_set_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void dns_mx_set_free(struct dns_mx_set *s)
{
	if (s == NULL)
		return;
	free(s->hosts);
	free(s);
}
