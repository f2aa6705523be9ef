/*
 * feasible - REQUIRETLS feasibility of a recipient domain (see feasible.h).
 *
 * Order of evidence: a DNSSEC-secure MX RRset is enough; an insecure one
 * needs an MTA-STS policy in enforce mode that names one of the MX hosts.
 * A bogus answer, a timeout or a SERVFAIL never counts as insecure: the
 * check ends in FEASIBLE_TEMP (the caller applies on_error).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/printable.h"
#include "dns/dns_addr.h"
#include "dns/dns_mx.h"
#include "dns/dns_tlsa.h"
#include "dns/dns_txt.h"
#include "mtasts/mtasts_fetch.h"
#include "mtasts/mtasts_store.h"
#include "probe/probe.h"
#include "feasible/feasible.h"

struct feasible {
	struct feasible_conf c;         /* strings below are our copies */
	char *mtasts_ca_file, *mtasts_store_path, *probe_ca_file, *helo;
	struct dns *dns;
	struct mtasts_store *store;
	struct cache *cache;
};

/* What one check found, while it runs. */
struct check {
	struct feasible *f;
	const char *domain;
	int64_t deadline;
	struct feasible_result *r;
	int64_t ttl_ms;                 /* smallest lifetime of the evidence used */
	int force_fetch;                /* fetch the MTA-STS policy even when its id is unchanged */
};

static const char *const mode_names[] = { "off", "dnssec-or-mta-sts", "probe", NULL };
static const char *const status_names[] = { "yes", "no", "tempfail" };

const char *feasible_status_name(enum feasible_status s)
{
	return (unsigned)s < 3 ? status_names[s] : "?";
}

const char *feasible_mode_name(enum feasible_mode m)
{
	return (unsigned)m < 3 ? mode_names[m] : "?";
}

int feasible_mode_parse(const char *s, enum feasible_mode *m)
{
	for (int i = 0; s && mode_names[i]; i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*m = (enum feasible_mode)i;
			return 0;
		}
	return -1;
}

static char *dup_or_null(const char *s, int *fail)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*fail = 1;
	return d;
}

struct feasible *feasible_create(const struct feasible_conf *c, struct cache *cache, char *err, size_t errsz)
{
	struct feasible *f = calloc(1, sizeof(*f));
	int fail = 0;

	if (!f || !cache) {
		snprintf(err, errsz, "%s", f ? "no cache" : "out of memory");
		free(f);
		return NULL;
	}
	f->c = *c;
	f->cache = cache;
	f->mtasts_ca_file = dup_or_null(c->mtasts_ca_file, &fail);
	f->mtasts_store_path = dup_or_null(c->mtasts_store, &fail);
	f->probe_ca_file = dup_or_null(c->probe_ca_file, &fail);
	f->helo = dup_or_null(c->helo ? c->helo : "localhost", &fail);
	f->c.mtasts_ca_file = f->mtasts_ca_file;
	f->c.mtasts_store = f->mtasts_store_path;
	f->c.probe_ca_file = f->probe_ca_file;
	f->c.helo = f->helo;
	f->c.dns.resolvers = NULL;      /* only valid during create (dns_create copies) */
	f->c.dns.trust_anchor_file = NULL;
	f->c.dns.remove_zones = NULL;
	if (f->c.timeout_ms <= 0)
		f->c.timeout_ms = 20000;
	if (f->c.negative_ttl_ms <= 0)
		f->c.negative_ttl_ms = 60000;
	if (f->c.max_ttl_ms <= 0)
		f->c.max_ttl_ms = 3600000;
	if (fail) {
		snprintf(err, errsz, "out of memory");
		feasible_free(f);
		return NULL;
	}
	if (!(f->dns = dns_create(&c->dns, err, errsz))) {
		feasible_free(f);
		return NULL;
	}
	char serr[256];
	if (!(f->store = mtasts_store_open(f->mtasts_store_path ? f->mtasts_store_path : ":memory:", serr,
	    sizeof(serr)))) {
		snprintf(err, errsz, "MTA-STS store %s: %s", f->mtasts_store_path ? f->mtasts_store_path : "(memory)",
		    serr);
		feasible_free(f);
		return NULL;
	}
	return f;
}

void feasible_free(struct feasible *f)
{
	if (!f)
		return;
	dns_free(f->dns);
	mtasts_store_close(f->store);
	free(f->mtasts_ca_file);
	free(f->mtasts_store_path);
	free(f->probe_ca_file);
	free(f->helo);
	free(f);
}

/* Append printable text to the evidence ("; " between parts). */
static void evidence(struct check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void evidence(struct check *k, const char *fmt, ...)
{
	char part[FEASIBLE_EVIDENCE_MAX], clean[FEASIBLE_EVIDENCE_MAX];
	size_t len = strlen(k->r->evidence);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(part, sizeof(part), fmt, ap);
	va_end(ap);
	printable_copy(clean, sizeof(clean), part, "\"", '?');
	snprintf(k->r->evidence + len, sizeof(k->r->evidence) - len, "%s%s", len ? "; " : "", clean);
}

/* End the check with status s and a printable reason. */
static enum feasible_status verdict(struct check *k, enum feasible_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum feasible_status verdict(struct check *k, enum feasible_status s, const char *fmt, ...)
{
	char raw[FEASIBLE_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	printable_copy(k->r->reason, sizeof(k->r->reason), raw, "\"", '?');
	k->r->status = s;
	return s;
}

static void keep_ttl(struct check *k, int64_t ms)
{
	if (ms < k->ttl_ms)
		k->ttl_ms = ms;
}

static int past_deadline(const struct check *k)
{
	return dns_now_ms() >= k->deadline;
}

/* ---- MTA-STS ---- */

/* The policy that applies: fetched now, or the stored one. */
struct sts {
	struct mtasts_store_entry stored;
	int have_stored;                /* stored and not expired */
	struct mtasts_fetch_result fetched;
	const struct mtasts_policy *policy;
	const char *id;
	const char *source;             /* "fetched", "stored" */
};

/* A lookup or fetch failed: fall back on a stored policy, else end with s. */
static int sts_fallback(struct check *k, struct sts *p, enum feasible_status s, const char *why)
{
	if (p->have_stored) {
		p->policy = p->stored.policy;
		p->id = p->stored.id;
		p->source = "stored";
		evidence(k, "%s; using the stored policy", why);
		return 0;
	}
	verdict(k, s, "%s", why);
	return -1;
}

/* Find the MTA-STS policy of the domain.  0: p->policy set; -1: verdict made. */
static int sts_find(struct check *k, struct sts *p)
{
	struct feasible *f = k->f;
	char name[DNS_NAME_MAX + 16], err[256];
	struct dns_txt_set *txt = NULL;
	struct mtasts_txt rec;
	const char *terr = NULL;
	int rc;

	if (mtasts_store_get(f->store, k->domain, &p->stored, err, sizeof(err)) < 0)
		log_warn("MTA-STS store: %s", err);
	else if (p->stored.policy && !mtasts_store_entry_expired(&p->stored, (long long)time(NULL)))
		p->have_stored = 1;

	snprintf(name, sizeof(name), "_mta-sts.%s", k->domain);
	if (dns_txt_lookup(f->dns, name, k->deadline, &txt, err, sizeof(err)) < 0)
		return sts_fallback(k, p, FEASIBLE_TEMP, err);
	if (txt->out.status == DNS_TEMPFAIL || txt->out.security == DNS_SEC_BOGUS) {
		char why[DNS_REASON_MAX + 300];
		snprintf(why, sizeof(why), "TXT %s %s: %.160s", name,
		    txt->out.security == DNS_SEC_BOGUS ? "is bogus" : "lookup failed", txt->out.reason);
		dns_txt_set_free(txt);
		return sts_fallback(k, p, FEASIBLE_TEMP, why);
	}
	rc = txt->out.status == DNS_OK ?
	    mtasts_txt_select((const char *const *)txt->txt, txt->len, txt->n, &rec, &terr) : MTASTS_TXT_NONE;
	dns_txt_set_free(txt);
	if (rc != MTASTS_TXT_FOUND) {
		if (rc == MTASTS_TXT_INVALID)
			evidence(k, "mta-sts: TXT record invalid: %s", terr ? terr : "?");
		return sts_fallback(k, p, FEASIBLE_NO, rc == MTASTS_TXT_INVALID ?
		    "no DNSSEC-secure MX and no valid MTA-STS record" : "no DNSSEC-secure MX and no MTA-STS policy");
	}
	if (p->have_stored && strcmp(p->stored.id, rec.id) == 0 && !k->force_fetch) {
		p->policy = p->stored.policy;
		p->id = p->stored.id;
		p->source = "stored";
		return 0;
	}

	/* a new or changed id: fetch (RFC 8461 §3.3) */
	struct dns_addr_set *as = NULL;
	snprintf(name, sizeof(name), "mta-sts.%s", k->domain);
	if (dns_addr_lookup(f->dns, name, k->deadline, &as, err, sizeof(err)) < 0)
		return sts_fallback(k, p, FEASIBLE_TEMP, err);
	if (as->out.status == DNS_TEMPFAIL || as->out.security == DNS_SEC_BOGUS || as->n == 0) {
		char why[DNS_REASON_MAX + 300];
		enum feasible_status s = as->out.status == DNS_TEMPFAIL || as->out.security == DNS_SEC_BOGUS ?
		    FEASIBLE_TEMP : FEASIBLE_NO;
		snprintf(why, sizeof(why), "address of %s: %s%.160s", name,
		    as->out.security == DNS_SEC_BOGUS ? "bogus " : "",
		    as->out.reason[0] ? as->out.reason : dns_status_name(as->out.status));
		dns_addr_set_free(as);
		return sts_fallback(k, p, s, why);
	}
	const char *addrs[PROBE_ADDRS_MAX];
	size_t n = 0;
	for (size_t i = 0; i < as->n && n < PROBE_ADDRS_MAX; i++)
		addrs[n++] = as->addrs[i].text;
	struct mtasts_fetch_opts o = {
		.ca_file = f->c.mtasts_ca_file, .port = f->c.mtasts_port,
		.timeout_ms = f->c.mtasts_timeout_ms, .deadline_ms = k->deadline,
	};
	enum mtasts_fetch_status fs = mtasts_fetch(k->domain, addrs, n, &o, &p->fetched);
	dns_addr_set_free(as);
	if (fs != MTASTS_FETCH_OK) {
		char why[300];
		snprintf(why, sizeof(why), "MTA-STS policy of %s: %s", k->domain, p->fetched.reason);
		return sts_fallback(k, p, fs == MTASTS_FETCH_TEMP ? FEASIBLE_TEMP : FEASIBLE_NO, why);
	}
	if (mtasts_store_put(f->store, k->domain, rec.id, p->fetched.body, p->fetched.len, (long long)time(NULL),
	    err, sizeof(err)) < 0)
		log_warn("MTA-STS store: %s: %s", k->domain, err);
	snprintf(p->stored.id, sizeof(p->stored.id), "%s", rec.id);   /* the id of what was fetched */
	p->policy = p->fetched.policy;
	p->id = p->stored.id;
	p->source = "fetched";
	return 0;
}

/* MX hosts the evidence covers: flags in use[] (all for DNSSEC). */
static enum feasible_status check_mtasts(struct check *k, const struct dns_mx_set *mx, unsigned char *use)
{
	struct sts p;
	enum feasible_status s;

	memset(&p, 0, sizeof(p));
	if (sts_find(k, &p) < 0) {
		s = k->r->status;
		goto out;
	}
	const struct mtasts_policy *pol = p.policy;
	char list[256] = "";
	for (size_t i = 0; i < pol->nmx; i++) {
		size_t len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "", pol->mx[i]);
	}
	evidence(k, "mta-sts: id=%s mode=%s mx=%s (%s)", p.id, mtasts_mode_name(pol->mode), list, p.source);
	keep_ttl(k, pol->max_age * 1000LL);
	if (pol->mode != MTASTS_MODE_ENFORCE) {
		s = verdict(k, FEASIBLE_NO, "no DNSSEC-secure MX, and the MTA-STS policy is in mode %s, not enforce",
		    mtasts_mode_name(pol->mode));
		goto out;
	}
	const char *hosts[256];
	size_t n = mx->n < 256 ? mx->n : 256;
	for (size_t i = 0; i < n; i++)
		hosts[i] = mx->hosts[i].name;
	if (mtasts_policy_match(pol, hosts, n, use) == 0) {
		s = verdict(k, FEASIBLE_NO, "no MX host matches the MTA-STS policy (mx %s)", list);
		goto out;
	}
	k->r->method = "mta-sts";
	s = k->r->status = FEASIBLE_YES;
out:
	mtasts_store_entry_clear(&p.stored);
	mtasts_fetch_result_clear(&p.fetched);
	return s;
}

void feasible_sts(struct feasible *f, const char *domain, const struct dns_mx_set *mx, int64_t deadline,
    struct feasible_sts *out)
{
	struct feasible_result r;
	struct check k = { .f = f, .domain = domain, .deadline = deadline, .r = &r, .ttl_ms = f->c.max_ttl_ms };
	struct sts p;
	unsigned char use[256];

	memset(&r, 0, sizeof(r));
	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	memset(use, 0, sizeof(use));
	if (sts_find(&k, &p) < 0) {
		out->status = r.status;
		goto out;
	}
	const struct mtasts_policy *pol = p.policy;
	out->have_policy = 1;
	out->enforce = pol->mode == MTASTS_MODE_ENFORCE;
	snprintf(out->id, sizeof(out->id), "%s", p.id);
	out->max_age_ms = pol->max_age * 1000LL;
	evidence(&k, "mta-sts: id=%s mode=%s (%s)", p.id, mtasts_mode_name(pol->mode), p.source);
	const char *hosts[256];
	size_t n = mx->n < 256 ? mx->n : 256;
	for (size_t i = 0; i < n; i++)
		hosts[i] = mx->hosts[i].name;
	if (!out->enforce)
		verdict(&k, FEASIBLE_NO, "the MTA-STS policy is in mode %s", mtasts_mode_name(pol->mode));
	else if (mtasts_policy_match(pol, hosts, n, use) == 0)
		verdict(&k, FEASIBLE_NO, "no MX host matches the MTA-STS policy");
	else {
		r.status = FEASIBLE_YES;
		for (size_t i = 0; i < n; i++)
			if (use[i]) {
				size_t len = strlen(out->match);
				snprintf(out->match + len, sizeof(out->match) - len, "%s%s", len ? ":" : "", hosts[i]);
			}
	}
	out->status = r.status;
out:
	snprintf(out->reason, sizeof(out->reason), "%s", r.reason);
	snprintf(out->evidence, sizeof(out->evidence), "%s", r.evidence);
	mtasts_store_entry_clear(&p.stored);
	mtasts_fetch_result_clear(&p.fetched);
}

struct dns *feasible_dns(struct feasible *f)
{
	return f->dns;
}

struct cache *feasible_cache(struct feasible *f)
{
	return f->cache;
}

long feasible_timeout_ms(const struct feasible *f)
{
	return f->c.timeout_ms;
}

long feasible_negative_ttl_ms(const struct feasible *f)
{
	return f->c.negative_ttl_ms;
}

long feasible_max_ttl_ms(const struct feasible *f)
{
	return f->c.max_ttl_ms;
}

/* ---- probe ---- */

static enum feasible_status probe_host(struct check *k, const char *host, int mx_secure, struct probe_result *pr)
{
	struct feasible *f = k->f;
	struct dns_addr_set *as = NULL;
	struct dns_tlsa_set *ts = NULL;
	struct probe_tlsa tl[PROBE_TLSA_MAX];
	const char *addrs[PROBE_ADDRS_MAX];
	size_t na = 0, nt = 0;
	char err[256];

	memset(pr, 0, sizeof(*pr));
	if (dns_addr_lookup(f->dns, host, k->deadline, &as, err, sizeof(err)) < 0) {
		snprintf(pr->reason, sizeof(pr->reason), "%s", err);
		return FEASIBLE_TEMP;
	}
	if (as->out.status == DNS_TEMPFAIL || as->out.security == DNS_SEC_BOGUS || as->n == 0) {
		enum feasible_status s = as->out.status == DNS_TEMPFAIL || as->out.security == DNS_SEC_BOGUS ?
		    FEASIBLE_TEMP : FEASIBLE_NO;
		snprintf(pr->reason, sizeof(pr->reason), "address of %.100s: %.120s", host,
		    as->out.reason[0] ? as->out.reason : dns_status_name(as->out.status));
		dns_addr_set_free(as);
		return s;
	}
	for (size_t i = 0; i < as->n && na < PROBE_ADDRS_MAX; i++)
		addrs[na++] = as->addrs[i].text;
	/* DANE only where the whole chain is secure (RFC 7672 §2.2) */
	if (mx_secure && as->out.security == DNS_SEC_SECURE) {
		if (dns_tlsa_lookup(f->dns, host, f->c.probe_port ? f->c.probe_port : 25, k->deadline, &ts, err,
		    sizeof(err)) < 0 || ts->out.status == DNS_TEMPFAIL || ts->out.security == DNS_SEC_BOGUS) {
			snprintf(pr->reason, sizeof(pr->reason), "TLSA of %.100s: %.120s", host,
			    ts ? ts->out.reason : err);
			dns_tlsa_set_free(ts);
			dns_addr_set_free(as);
			return FEASIBLE_TEMP;
		}
		if (ts->out.security == DNS_SEC_SECURE)
			for (size_t i = 0; i < ts->n && nt < PROBE_TLSA_MAX; i++)
				tl[nt++] = (struct probe_tlsa){ ts->rrs[i].usage, ts->rrs[i].selector, ts->rrs[i].mtype,
				    ts->rrs[i].data, ts->rrs[i].len };
	}
	int64_t pd = k->deadline;
	if (f->c.probe_timeout_ms > 0 && dns_now_ms() + f->c.probe_timeout_ms < pd)
		pd = dns_now_ms() + f->c.probe_timeout_ms;
	struct probe_req req = {
		.mx = host, .addrs = addrs, .naddrs = na, .port = f->c.probe_port, .ca_file = f->c.probe_ca_file,
		.tlsa = nt ? tl : NULL, .ntlsa = nt, .deadline_ms = pd, .helo = f->c.helo,
	};
	probe_run(&req, pr);
	dns_tlsa_set_free(ts);
	dns_addr_set_free(as);
	return pr->status == PROBE_FEASIBLE ? FEASIBLE_YES : pr->status == PROBE_INFEASIBLE ? FEASIBLE_NO :
	    FEASIBLE_TEMP;
}

/* At least one usable MX host (in preference order) must pass the probe. */
static enum feasible_status check_probe(struct check *k, const struct dns_mx_set *mx, const unsigned char *use,
    int mx_secure)
{
	struct probe_result pr;
	char first_no[FEASIBLE_REASON_MAX] = "", last_temp[FEASIBLE_REASON_MAX] = "";

	for (size_t i = 0; i < mx->n; i++) {
		if (!use[i])
			continue;
		if (past_deadline(k))
			break;
		enum feasible_status s = probe_host(k, mx->hosts[i].name, mx_secure, &pr);
		if (s == FEASIBLE_YES) {
			evidence(k, "probe: %s [%s] %s %s verified=%s%s requiretls", mx->hosts[i].name, pr.addr,
			    pr.tls_version, pr.cipher, probe_verify_name(pr.verified),
			    pr.dane_unusable ? " (TLSA unusable: PKIX)" : "");
			return FEASIBLE_YES;
		}
		evidence(k, "probe: %s: %s", mx->hosts[i].name, pr.reason);
		if (s == FEASIBLE_NO && !first_no[0])
			snprintf(first_no, sizeof(first_no), "%.100s: %.150s", mx->hosts[i].name, pr.reason);
		else if (s == FEASIBLE_TEMP)
			snprintf(last_temp, sizeof(last_temp), "%.100s: %.150s", mx->hosts[i].name, pr.reason);
	}
	if (first_no[0])
		return verdict(k, FEASIBLE_NO, "no MX host passes the REQUIRETLS probe: %s", first_no);
	return verdict(k, FEASIBLE_TEMP, "the REQUIRETLS probe could not finish: %s",
	    last_temp[0] ? last_temp : "deadline reached");
}

/* ---- the check ---- */

static enum feasible_status run_check(struct check *k)
{
	struct feasible *f = k->f;
	struct dns_mx_set *mx = NULL;
	char err[256];
	enum feasible_status s;
	unsigned char use[256];

	k->r->method = "none";
	if (dns_mx_lookup(f->dns, k->domain, k->deadline, &mx, err, sizeof(err)) < 0)
		return verdict(k, FEASIBLE_TEMP, "MX lookup failed: %s", err);
	const struct dns_outcome *o = &mx->out;
	keep_ttl(k, (int64_t)o->ttl * 1000);
	if (o->security == DNS_SEC_BOGUS) {
		s = verdict(k, FEASIBLE_TEMP, "bogus MX RRset (%s)", o->reason);
		goto out;
	}
	if (o->status == DNS_TEMPFAIL) {
		s = verdict(k, FEASIBLE_TEMP, "MX lookup failed: %s", o->reason[0] ? o->reason : "temporary failure");
		goto out;
	}
	if (o->status == DNS_NXDOMAIN) {
		s = verdict(k, FEASIBLE_NO, "the domain does not exist%s",
		    o->security == DNS_SEC_SECURE ? " (DNSSEC-secure NXDOMAIN)" : "");
		goto out;
	}
	if (mx->null_mx) {
		s = verdict(k, FEASIBLE_NO, "the domain accepts no mail (null MX)");
		goto out;
	}
	if (o->status != DNS_OK || mx->n == 0) {
		s = verdict(k, FEASIBLE_NO, "the domain has no MX and no address");
		goto out;
	}
	char list[384] = "";
	size_t n = mx->n < sizeof(use) ? mx->n : sizeof(use);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "", mx->hosts[i].name);
	}
	evidence(k, "mx=%s%s dnssec=%s", list, mx->implicit ? " (implicit)" : "", dns_security_name(o->security));
	int secure = o->security == DNS_SEC_SECURE;
	if (secure) {
		memset(use, 1, sizeof(use));
		k->r->method = "dnssec";
		s = k->r->status = FEASIBLE_YES;
	} else {
		memset(use, 0, sizeof(use));
		s = check_mtasts(k, mx, use);
	}
	if (s == FEASIBLE_YES && f->c.mode == FEASIBLE_PROBE) {
		const char *via = k->r->method;
		s = check_probe(k, mx, use, secure);
		k->r->method = s == FEASIBLE_YES ? (strcmp(via, "dnssec") == 0 ? "dnssec+probe" : "mta-sts+probe") :
		    via;
	}
out:
	dns_mx_set_free(mx);
	return s;
}

/*
 * What the cache keeps of a result: its status, its method (a static
 * string) and its two strings at their length, end to end in text[]
 * (reason, NUL, evidence, NUL): a few hundred bytes, not the result's 1 KB
 * of fixed buffers.
 */
struct packed_result {
	enum feasible_status status;
	const char *method;
	size_t reason_len, evidence_len;
	char text[];
};

static struct packed_result *pack_result(const struct feasible_result *r, size_t *size)
{
	size_t rl = strlen(r->reason), el = strlen(r->evidence);
	struct packed_result *p = malloc(sizeof(*p) + rl + el + 2);

	if (!p)
		return NULL;
	p->status = r->status;
	p->method = r->method;
	p->reason_len = rl;
	p->evidence_len = el;
	memcpy(p->text, r->reason, rl + 1);
	memcpy(p->text + rl + 1, r->evidence, el + 1);
	*size = sizeof(*p) + rl + el + 2;
	return p;
}

/* Into *r: the lengths came from a feasible_result, so they fit its buffers. */
static void unpack_result(const struct packed_result *p, struct feasible_result *r)
{
	r->status = p->status;
	r->method = p->method;
	memcpy(r->reason, p->text, p->reason_len + 1);
	memcpy(r->evidence, p->text + p->reason_len + 1, p->evidence_len + 1);
}

static int compute(void *arg, const char *key, int64_t deadline, struct cache_result *out)
{
	struct check *k = arg;
	struct packed_result *p;
	size_t size = 0;

	k->deadline = deadline;
	k->ttl_ms = k->f->c.max_ttl_ms;
	run_check(k);
	if (!(p = pack_result(k->r, &size)))
		return -1;
	out->value = p;
	out->free_value = free;
	out->size = size;
	if (k->r->status == FEASIBLE_TEMP) {
		out->flags = CACHE_NEGATIVE;
		out->expires = cache_now(k->f->cache) + k->f->c.negative_ttl_ms;
	} else {
		out->flags = 0;
		out->expires = cache_now(k->f->cache) + k->ttl_ms;
	}
	return 0;
}

void feasible_check(struct feasible *f, const char *domain, struct feasible_result *r)
{
	struct check k = { .f = f, .domain = domain, .r = r };
	char key[DNS_NAME_MAX + 32];
	enum cache_status cs;
	int64_t start = dns_now_ms();

	memset(r, 0, sizeof(*r));
	r->method = "none";
	snprintf(key, sizeof(key), "rt:%d:%s", (int)f->c.mode, domain);
	struct cache_item *it = cache_get_or_compute(f->cache, key, compute, &k, cache_now(f->cache) + f->c.timeout_ms,
	    &cs);
	if (it) {
		if (cs != CACHE_COMPUTED)
			unpack_result(cache_item_value(it), r);
		r->cached = cs == CACHE_HIT || cs == CACHE_SHARED;
		cache_item_release(it);
	} else {
		memset(r, 0, sizeof(*r));
		r->method = "none";
		r->status = FEASIBLE_TEMP;
		snprintf(r->reason, sizeof(r->reason), "%s",
		    cs == CACHE_TIMEOUT ? "the check did not finish in time" : "out of memory");
	}
	r->elapsed_ms = dns_now_ms() - start;
}

void feasible_format(const char *domain, const struct feasible_result *r, char *buf, size_t bufsz)
{
	char qd[DNS_NAME_MAX + 8], qr[FEASIBLE_REASON_MAX + 8], qe[FEASIBLE_EVIDENCE_MAX + 8];

	snprintf(buf, bufsz, "requiretls-check domain=%s method=%s result=%s cached=%s ms=%lld reason=\"%s\" "
	    "evidence=\"%s\"", log_quote(qd, sizeof(qd), domain), r->method, feasible_status_name(r->status),
	    r->cached ? "yes" : "no", r->elapsed_ms, log_quote(qr, sizeof(qr), r->reason),
	    log_quote(qe, sizeof(qe), r->evidence));
}

/* ---- proactive refresh of stored MTA-STS policies ---- */

struct due {
	char (*domains)[DOMAIN_MAX + 1];
	size_t n, cap;
	long long now, horizon;
};

static int collect_due(const struct mtasts_store_entry *e, void *arg)
{
	struct due *d = arg;

	if (mtasts_store_entry_expired(e, d->now) || !mtasts_store_entry_expired(e, d->now + d->horizon))
		return 0;       /* gone already (nothing to refresh), or not due yet */
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		void *p = realloc(d->domains, cap * sizeof(*d->domains));
		if (!p)
			return 1;
		d->domains = p;
		d->cap = cap;
	}
	snprintf(d->domains[d->n++], DOMAIN_MAX + 1, "%s", e->domain);
	return 0;
}

int feasible_refresh(struct feasible *f, long long horizon_s)
{
	struct due d = { .now = (long long)time(NULL), .horizon = horizon_s };
	char err[256];
	int done = 0;

	if (mtasts_store_list(f->store, collect_due, &d, err, sizeof(err)) < 0) {
		log_warn("MTA-STS refresh: %s", err);
		free(d.domains);
		return -1;
	}
	for (size_t i = 0; i < d.n; i++) {
		struct feasible_result r;
		struct check k = { .f = f, .domain = d.domains[i], .r = &r, .force_fetch = 1,
		    .deadline = dns_now_ms() + f->c.timeout_ms, .ttl_ms = f->c.max_ttl_ms };
		struct sts p;

		memset(&r, 0, sizeof(r));
		memset(&p, 0, sizeof(p));
		if (sts_find(&k, &p) == 0 && strcmp(p.source, "fetched") == 0) {
			done++;
			log_info("MTA-STS refresh domain=%s id=%s: fetched before expiry", d.domains[i], p.id);
		} else
			log_info("MTA-STS refresh domain=%s: not refreshed (%s); the stored policy stays until it expires",
			    d.domains[i], r.reason[0] ? r.reason : "no fetch");
		mtasts_store_entry_clear(&p.stored);
		mtasts_fetch_result_clear(&p.fetched);
	}
	free(d.domains);
	return done;
}
