/*
 * outbound - outbound TLS policy answers (see outbound.h).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/domain.h"
#include "util/log.h"
#include "util/printable.h"
#include "dns/dns_mx.h"
#include "dns/dns_tlsa.h"
#include "feasible/outbound.h"

static const char *const map_names[] = { "tls", "requiretls", "sendmail" };
static const char *const kind_names[] = { "OK", "NOTFOUND", "TEMP", "PERM" };

int outbound_map_parse(const char *name, enum outbound_map *m)
{
	for (int i = 0; i < OUTBOUND_MAPS; i++)
		if (strcmp(name, map_names[i]) == 0) {
			*m = (enum outbound_map)i;
			return 0;
		}
	return -1;
}

const char *outbound_map_name(enum outbound_map m)
{
	return (unsigned)m < OUTBOUND_MAPS ? map_names[m] : "?";
}

const char *outbound_kind_name(enum outbound_kind k)
{
	return (unsigned)k < 4 ? kind_names[k] : "?";
}

/* Evidence about one next-hop domain: found once, cached, shared by the maps. */
struct ob_ev {
	enum feasible_status status;    /* TEMP: a lookup the maps need could not finish */
	int have_mx;                    /* an MX set (or implicit MX) was found */
	int mx_secure;                  /* ... and it is DNSSEC-secure */
	int dane;                       /* 2: usable TLSA at an MX host; 1: TLSA, none usable; 0: none */
	char mx_names[FEASIBLE_EVIDENCE_MAX];   /* all MX hosts, ':'-separated (Postfix's match= syntax) */
	struct feasible_sts sts;        /* MTA-STS (looked at only without usable DANE) */
	char reason[FEASIBLE_REASON_MAX];
	char evidence[FEASIBLE_EVIDENCE_MAX];
};

/*
 * What the cache keeps of an ob_ev: its numbers, and its strings end to end
 * in text[] behind them, with views pointing there.  An entry costs its text
 * (a few hundred bytes), not ob_ev's fixed buffers (3.7 KB), and a hit is
 * answered from the entry while the item is held: nothing is copied.
 */
struct ob_view {
	enum feasible_status status, sts_status;
	int have_mx, mx_secure, dane, sts_have_policy, sts_enforce;
	const char *mx_names, *sts_match, *sts_reason, *reason, *evidence;
	char text[];
};

/* No evidence (no feasible context, or a parent-domain key). */
static const struct ob_view ob_none = {
	.status = FEASIBLE_YES, .sts_status = FEASIBLE_NO,
	.mx_names = "", .sts_match = "", .sts_reason = "", .reason = "", .evidence = "",
};

/* ob_pack - e as one malloc'd ob_view (free() frees it), *size its bytes;
 * NULL when out of memory. */
static struct ob_view *ob_pack(const struct ob_ev *e, size_t *size)
{
	const char *src[5] = { e->mx_names, e->sts.match, e->sts.reason, e->reason, e->evidence };
	size_t len[5], total = 0;

	for (int i = 0; i < 5; i++)
		total += len[i] = strlen(src[i]) + 1;
	struct ob_view *v = malloc(sizeof(*v) + total);
	if (!v)
		return NULL;
	v->status = e->status;
	v->sts_status = e->sts.status;
	v->have_mx = e->have_mx;
	v->mx_secure = e->mx_secure;
	v->dane = e->dane;
	v->sts_have_policy = e->sts.have_policy;
	v->sts_enforce = e->sts.enforce;
	const char **dst[5] = { &v->mx_names, &v->sts_match, &v->sts_reason, &v->reason, &v->evidence };
	char *t = v->text;
	for (int i = 0; i < 5; i++) {
		memcpy(t, src[i], len[i]);
		*dst[i] = t;
		t += len[i];
	}
	*size = sizeof(*v) + total;
	return v;
}

/* A TLSA record Postfix can use for DANE (RFC 7672 §3.1.3: DANE-TA(2), DANE-EE(3)). */
static int tlsa_usable(const struct dns_tlsa *t)
{
	return (t->usage == 2 || t->usage == 3) && t->selector <= 1 && t->mtype <= 2 && t->len > 0;
}

static void ev_add(struct ob_ev *e, const char *part)
{
	size_t len = strlen(e->evidence);

	snprintf(e->evidence + len, sizeof(e->evidence) - len, "%s%s", len ? "; " : "", part);
}

static int64_t ev_gather(struct feasible *f, const char *domain, int64_t deadline, struct ob_ev *e)
{
	struct dns *d = feasible_dns(f);
	struct dns_mx_set *mx = NULL;
	char err[256], part[FEASIBLE_EVIDENCE_MAX];
	int64_t ttl = feasible_max_ttl_ms(f);

	memset(e, 0, sizeof(*e));
	e->status = FEASIBLE_YES;
	e->sts.status = FEASIBLE_NO;    /* no MTA-STS evidence until it is looked at */
	if (dns_mx_lookup(d, domain, deadline, &mx, err, sizeof(err)) < 0) {
		e->status = FEASIBLE_TEMP;
		snprintf(e->reason, sizeof(e->reason), "MX lookup: %.200s", err);
		return ttl;
	}
	if ((int64_t)mx->out.ttl * 1000 < ttl)
		ttl = (int64_t)mx->out.ttl * 1000;
	if (mx->out.status == DNS_TEMPFAIL || mx->out.security == DNS_SEC_BOGUS) {
		e->status = FEASIBLE_TEMP;
		snprintf(e->reason, sizeof(e->reason), "MX lookup: %s%.200s",
		    mx->out.security == DNS_SEC_BOGUS ? "bogus: " : "", mx->out.reason);
		goto out;
	}
	if (mx->out.status != DNS_OK || mx->null_mx || mx->n == 0) {
		e->status = FEASIBLE_NO;
		snprintf(e->reason, sizeof(e->reason), "%s", mx->null_mx ? "null MX" : "no MX and no address");
		goto out;
	}
	e->have_mx = 1;
	e->mx_secure = mx->out.security == DNS_SEC_SECURE;
	for (size_t i = 0; i < mx->n; i++) {
		size_t len = strlen(e->mx_names);
		snprintf(e->mx_names + len, sizeof(e->mx_names) - len, "%s%s", i ? ":" : "", mx->hosts[i].name);
	}
	snprintf(part, sizeof(part), "mx=%s dnssec=%s", e->mx_names, dns_security_name(mx->out.security));
	ev_add(e, part);
	/* DANE only under a secure MX RRset (RFC 7672 §2.2.1) */
	for (size_t i = 0; e->mx_secure && i < mx->n; i++) {
		struct dns_tlsa_set *t = NULL;
		if (dns_tlsa_lookup(d, mx->hosts[i].name, 25, deadline, &t, err, sizeof(err)) < 0 ||
		    t->out.status == DNS_TEMPFAIL || t->out.security == DNS_SEC_BOGUS) {
			/* never a silent downgrade from DANE to MTA-STS or less */
			e->status = FEASIBLE_TEMP;
			snprintf(e->reason, sizeof(e->reason), "TLSA of %.90s: %.140s", mx->hosts[i].name,
			    t ? t->out.reason : err);
			dns_tlsa_set_free(t);
			goto out;
		}
		if (t->out.security == DNS_SEC_SECURE && t->n > 0) {
			int usable = 0;
			for (size_t j = 0; j < t->n; j++)
				usable |= tlsa_usable(&t->rrs[j]);
			if (e->dane < (usable ? 2 : 1))
				e->dane = usable ? 2 : 1;
			if ((int64_t)t->out.ttl * 1000 < ttl)
				ttl = (int64_t)t->out.ttl * 1000;
			snprintf(part, sizeof(part), "tlsa %s: %zu record%s, %s", mx->hosts[i].name, t->n,
			    t->n == 1 ? "" : "s", usable ? "usable" : "none usable");
			ev_add(e, part);
		}
		dns_tlsa_set_free(t);
	}
	if (e->dane < 2) {
		feasible_sts(f, domain, mx, deadline, &e->sts);
		if (e->sts.evidence[0])
			ev_add(e, e->sts.evidence);
		if (e->sts.have_policy && e->sts.max_age_ms < ttl)
			ttl = e->sts.max_age_ms;
	}
out:
	dns_mx_set_free(mx);
	return ttl;
}

struct ob_job {
	struct feasible *f;
	const char *domain;
};

static int ev_compute(void *arg, const char *key, int64_t deadline, struct cache_result *out)
{
	struct ob_job *j = arg;
	struct ob_ev *e = malloc(sizeof(*e));     /* 3.7 KB: not on a socketmap thread's stack */
	struct ob_view *v;
	int64_t ttl;
	size_t size = 0;

	if (!e)
		return -1;
	ttl = ev_gather(j->f, j->domain, deadline, e);
	v = ob_pack(e, &size);
	free(e);
	if (!v)
		return -1;
	out->value = v;
	out->free_value = free;
	out->size = size;
	out->flags = v->status == FEASIBLE_TEMP || v->sts_status == FEASIBLE_TEMP ? CACHE_NEGATIVE : 0;
	out->expires = cache_now(feasible_cache(j->f)) +
	    (out->flags ? feasible_negative_ttl_ms(j->f) : ttl);
	return 0;
}

/* 1 when key is a next hop that is not a domain: "[host]:port", an IP address. */
static int not_a_domain(const char *key)
{
	unsigned char buf[16];

	return !key[0] || strpbrk(key, "[]:") != NULL || inet_pton(AF_INET, key, buf) == 1;
}

/* The strongest outbound level the admin's rules ask for key; *proto gets
 * the strongest min_version of their profiles (TLS_V_NONE: none). */
static enum outbound_level rules_level(const struct ruleset *p, const char *key, enum tls_version *proto,
    const char **label)
{
	uint32_t value, n;
	enum outbound_level best = OUTBOUND_NONE;

	*proto = TLS_V_NONE;
	*label = NULL;
	if (!dtable_lookup(p->outbound, key, &value, NULL))
		return OUTBOUND_NONE;
	const uint32_t *ids = ruleset_value_rules(p, &value, &n);
	for (uint32_t i = 0; i < n; i++) {
		const struct rule *r = &p->rules[ids[i]];
		if (r->outbound > best) {
			best = r->outbound;
			*label = r->label;
		}
		if (r->require && r->require->min_version > *proto)
			*proto = r->require->min_version;
	}
	return best;
}

static const char *const level_names[] = { "none", "encrypt", "verify", "secure", "dane-only" };

/* Rank of an answer for "the strongest wins" (dane with no usable TLSA is
 * Postfix's mandatory encryption, just above encrypt). */
enum { RANK_NONE = 0, RANK_ENCRYPT = 10, RANK_DANE = 15, RANK_VERIFY = 20, RANK_SECURE = 30, RANK_DANE_ONLY = 40 };
static const int level_rank[] = { RANK_NONE, RANK_ENCRYPT, RANK_VERIFY, RANK_SECURE, RANK_DANE_ONLY };

static void set_ok(struct outbound_answer *a, const char *source, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_ok(struct outbound_answer *a, const char *source, const char *fmt, ...)
{
	va_list ap;

	a->kind = OUTBOUND_OK;
	a->source = source;
	va_start(ap, fmt);
	vsnprintf(a->value, sizeof(a->value), fmt, ap);
	va_end(ap);
}

static void set_temp(struct outbound_answer *a, const char *why)
{
	a->kind = OUTBOUND_TEMP;
	a->source = "none";
	printable_copy(a->value, sizeof(a->value), why, NULL, '?');
}

/* Postfix's tls map: DANE > MTA-STS > rules; the strongest wins. */
static void answer_tls(const struct ob_view *e, enum outbound_level lvl, const char *rule, struct outbound_answer *a)
{
	int rank = RANK_NONE;

	if (e->dane == 2) {
		set_ok(a, "dane", "dane-only");
		rank = RANK_DANE_ONLY;
	} else if (e->sts_status == FEASIBLE_TEMP) {
		set_temp(a, e->sts_reason);
		return;
	} else if (e->sts_have_policy && e->sts_enforce) {
		if (e->sts_status == FEASIBLE_YES)
			set_ok(a, "mta-sts", "secure match=%s servername=hostname", e->sts_match);
		else    /* enforce, but no MX matches: nothing may be delivered */
			set_ok(a, "mta-sts", "secure match=.invalid");
		rank = RANK_SECURE;
	} else if (e->dane == 1) {
		set_ok(a, "dane", "dane");
		rank = RANK_DANE;
	}
	if (level_rank[lvl] > rank) {   /* the admin asks for more than the evidence gives: it stands */
		set_ok(a, "rule", "%s", level_names[lvl]);
		(void)rule;
	}
}

/* The strict REQUIRETLS transport: only what RFC 8689 allows. */
static void answer_requiretls(const struct ob_view *e, enum outbound_level lvl, struct outbound_answer *a)
{
	if (e->dane == 2 || lvl == OUTBOUND_DANE_ONLY)
		set_ok(a, e->dane == 2 ? "dane" : "rule", "dane-only");
	else if (e->have_mx && e->mx_secure)
		set_ok(a, "dnssec", "secure match=%s servername=hostname", e->mx_names);
	else if (e->sts_status == FEASIBLE_TEMP)
		set_temp(a, e->sts_reason);
	else if (e->sts_status == FEASIBLE_YES)
		set_ok(a, "mta-sts", "secure match=%s servername=hostname", e->sts_match);
	else    /* no evidence: a level that cannot deliver; the message waits, then bounces */
		set_ok(a, "none", "secure match=.invalid");
}

/* Sendmail's TLS_Rcpt syntax for the tls map's decision. */
static void answer_sendmail(const struct ob_view *e, enum outbound_level lvl, const char *rule,
    struct outbound_answer *a)
{
	answer_tls(e, lvl, rule, a);
	if (a->kind != OUTBOUND_OK)
		return;
	if (strncmp(a->value, "dane-only", 9) == 0 || strncmp(a->value, "secure", 6) == 0)
		snprintf(a->value, sizeof(a->value), "VERIFY+CN");      /* verified, name = the MX host */
	else if (strcmp(a->value, "verify") == 0)
		snprintf(a->value, sizeof(a->value), "VERIFY");
	else    /* encrypt, dane without usable TLSA */
		snprintf(a->value, sizeof(a->value), "ENCR:128");
}

void outbound_lookup(const struct ruleset *p, struct feasible *f, enum outbound_map map, const char *key,
    struct outbound_answer *a)
{
	char dom[DOMAIN_MAX + 2];
	const char *err, *rule;
	enum tls_version proto = TLS_V_NONE;    /* set by rules_level once the key is a domain */
	int64_t start = dns_now_ms();
	struct cache_item *it = NULL;           /* held until the answer is written: ev points into it */
	const struct ob_view *ev = &ob_none;

	memset(a, 0, sizeof(*a));
	a->kind = OUTBOUND_NOTFOUND;
	a->source = "none";
	if ((unsigned)map >= OUTBOUND_MAPS) {
		a->kind = OUTBOUND_PERM;
		snprintf(a->value, sizeof(a->value), "unknown map");
		return;
	}
	/* next hops that are not domains ("[host]:port", IP literals) are not ours */
	if (not_a_domain(key) || domain_key_normalize(key, strlen(key), dom, sizeof(dom), &err) < 0)
		goto done;
	enum outbound_level lvl = rules_level(p, dom, &proto, &rule);
	if (dom[0] == '.') {    /* Postfix's parent-domain key after a NOTFOUND: the rules only */
		if (map == OUTBOUND_TLS && lvl != OUTBOUND_NONE)
			answer_tls(&ob_none, lvl, rule, a);
		else if (map == OUTBOUND_SENDMAIL && lvl != OUTBOUND_NONE)
			answer_sendmail(&ob_none, lvl, rule, a);
		goto done;
	}
	if (f) {
		char ckey[DOMAIN_MAX + 8];
		struct ob_job j = { .f = f, .domain = dom };
		enum cache_status cs;
		snprintf(ckey, sizeof(ckey), "ob:%s", dom);
		it = cache_get_or_compute(feasible_cache(f), ckey, ev_compute, &j,
		    cache_now(feasible_cache(f)) + feasible_timeout_ms(f), &cs);
		if (!it) {
			set_temp(a, cs == CACHE_TIMEOUT ? "the lookup did not finish in time" : "out of memory");
			goto done;
		}
		ev = cache_item_value(it);
		a->cached = cs == CACHE_HIT || cs == CACHE_SHARED;
		if (ev->status == FEASIBLE_TEMP) {
			set_temp(a, ev->reason);
			goto done;
		}
	}
	snprintf(a->evidence, sizeof(a->evidence), "%s", ev->evidence);
	if (map == OUTBOUND_TLS)
		answer_tls(ev, lvl, rule, a);
	else if (map == OUTBOUND_REQUIRETLS)
		answer_requiretls(ev, lvl, a);
	else
		answer_sendmail(ev, lvl, rule, a);
done:
	cache_item_release(it);
	/* a rule's minimum version holds whatever level answered */
	if (a->kind == OUTBOUND_OK && map != OUTBOUND_SENDMAIL && proto > TLS_V(1, 0) &&
	    strstr(a->value, "match=.invalid") == NULL) {
		char v[TLS_VERSION_NAMESZ];
		size_t len = strlen(a->value);
		tls_version_name(proto, v, sizeof(v));
		snprintf(a->value + len, sizeof(a->value) - len, " protocols=>=%s", v);
	}
	a->elapsed_ms = dns_now_ms() - start;
}

void outbound_format(enum outbound_map map, const char *key, const struct outbound_answer *a, char *buf,
    size_t bufsz)
{
	char qk[300], qv[OUTBOUND_VALUE_MAX + 8];

	snprintf(buf, bufsz, "socketmap map=%s key=%s answer=%s value=\"%s\" source=%s cached=%s ms=%lld",
	    outbound_map_name(map), log_quote(qk, sizeof(qk), key), outbound_kind_name(a->kind),
	    log_quote(qv, sizeof(qv), a->value), a->source, a->cached ? "yes" : "no", a->elapsed_ms);
}
