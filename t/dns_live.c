/*
 * dns_live - the dns layer against the signed test tree of t/dnsbed (TAP).
 *
 *   dns_live DIR      DIR as given to dnsbed_start (DIR/anchor is used);
 *                     run inside the bed's network namespace
 *
 * Every check asks the real unbound of the bed through libunbound; nothing
 * is mocked.  Timing assertions are loose on purpose (shared machines).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/dns_addr.h"
#include "dns/dns_mx.h"
#include "dns/dns_tlsa.h"
#include "dns/dns_txt.h"
#include "tap.h"

#define T_A 1
#define NTHREADS 20

static struct dns *dns;
static char anchor[4096];
static char err[512];

static struct dns *make(const char *ta, int timeout_ms)
{
	static const char *const resolvers[] = {"127.0.0.1", NULL};
	struct dns_conf c = {resolvers, ta, timeout_ms, NULL, 0};

	return dns_create(&c, err, sizeof(err));
}

static void show(const struct dns_outcome *o)
{
	printf("#   status=%s security=%s rcode=%d ttl=%u reason=\"%s\"\n",
	       dns_status_name(o->status), dns_security_name(o->security), o->rcode,
	       (unsigned)o->ttl, o->reason);
}

/* mx - one MX lookup with its expected outcome and first host */
static void mx(const char *label, const char *domain, enum dns_status st, enum dns_security sec,
	       int null_mx, int implicit, const char *host0)
{
	struct dns_mx_set *s;
	int good;

	if (dns_mx_lookup(dns, domain, dns_now_ms() + 5000, &s, err, sizeof(err)) != 0) {
		ok(0, "%s: %s", label, err);
		return;
	}
	good = s->out.status == st && s->out.security == sec && s->null_mx == null_mx &&
	       s->implicit == implicit &&
	       (host0 ? s->n >= 1 && strcmp(s->hosts[0].name, host0) == 0 : s->n == 0);
	if (!ok(good, "%s", label)) {
		show(&s->out);
		printf("#   null_mx=%d implicit=%d n=%zu host0=%s\n", s->null_mx, s->implicit,
		       s->n, s->n ? s->hosts[0].name : "-");
	}
	dns_mx_set_free(s);
}

static void test_mx(void)
{
	struct dns_mx_set *s;

	mx("secure MX", "secure.example", DNS_OK, DNS_SEC_SECURE, 0, 0, "mx.secure.example");
	mx("insecure MX (unsigned delegation)", "insecure.example", DNS_OK, DNS_SEC_INSECURE, 0, 0,
	   "mx.insecure.example");
	mx("null MX, secure", "nullmx.example", DNS_OK, DNS_SEC_SECURE, 1, 0, NULL);
	mx("secure NXDOMAIN", "nonexistent.secure.example", DNS_NXDOMAIN, DNS_SEC_SECURE, 0, 0, NULL);
	mx("insecure NXDOMAIN", "nonexistent.insecure.example", DNS_NXDOMAIN, DNS_SEC_INSECURE, 0, 0,
	   NULL);
	mx("no MX: the domain's own A record, secure", "plain.secure.example", DNS_OK, DNS_SEC_SECURE,
	   0, 1, "plain.secure.example");
	mx("no MX, no address: NODATA", "_mta-sts.secure.example", DNS_NODATA, DNS_SEC_SECURE, 0, 0,
	   NULL);
	mx("TLSA zone MX", "tlsa.example", DNS_OK, DNS_SEC_SECURE, 0, 0, "mx.tlsa.example");

	/* bogus: reported bogus (never insecure), with why */
	if (dns_mx_lookup(dns, "bogus.example", dns_now_ms() + 5000, &s, err, sizeof(err)) != 0) {
		ok(0, "bogus MX: %s", err);
		return;
	}
	if (!ok(s->out.security == DNS_SEC_BOGUS, "MX edited after signing is bogus"))
		show(&s->out);
	if (!ok(s->out.reason[0] != '\0', "bogus answer says why"))
		show(&s->out);
	else
		printf("# why: %s\n", s->out.reason);
	dns_mx_set_free(s);

	if (dns_mx_lookup(dns, "secure.example", dns_now_ms() + 5000, &s, err, sizeof(err)) == 0) {
		ok(s->n == 1 && s->hosts[0].pref == 10, "secure MX preference 10");
		ok(s->out.ttl > 0 && s->out.ttl <= 300, "secure MX TTL from the zone (%u)",
		   (unsigned)s->out.ttl);
		dns_mx_set_free(s);
	} else {
		ok(0, "secure MX again: %s", err);
	}
}

static void test_tlsa_txt_addr(void)
{
	static const unsigned char want[32] = {
		0x9f, 0x50, 0x36, 0x4e, 0x08, 0xc2, 0x36, 0x01, 0xd8, 0x55, 0x2d, 0x87, 0xa1, 0xff,
		0x09, 0x7b, 0x9b, 0x17, 0x86, 0xfb, 0xca, 0xe9, 0xea, 0x80, 0xde, 0x9d, 0x9e, 0xb4,
		0xc6, 0x5e, 0x7f, 0x2a};     /* sha256("dnsbed"), as the bed publishes */
	struct dns_tlsa_set *t;
	struct dns_txt_set *x;
	struct dns_addr_set *a;

	if (dns_tlsa_lookup(dns, "mx.tlsa.example", 25, dns_now_ms() + 5000, &t, err,
			    sizeof(err)) == 0) {
		if (!ok(t->out.status == DNS_OK && t->out.security == DNS_SEC_SECURE && t->n == 1,
			"TLSA of _25._tcp.mx.tlsa.example secure"))
			show(&t->out);
		ok(t->n == 1 && t->rrs[0].usage == 3 && t->rrs[0].selector == 1 &&
		   t->rrs[0].mtype == 1 && t->rrs[0].len == 32 &&
		   memcmp(t->rrs[0].data, want, 32) == 0, "TLSA 3 1 1 with the published digest");
		dns_tlsa_set_free(t);
	} else {
		ok(0, "TLSA: %s", err);
	}
	if (dns_tlsa_lookup(dns, "mx.secure.example", 25, dns_now_ms() + 5000, &t, err,
			    sizeof(err)) == 0) {
		if (!ok(t->out.status == DNS_NXDOMAIN && t->out.security == DNS_SEC_SECURE && t->n == 0,
			"no TLSA: secure NXDOMAIN"))
			show(&t->out);
		dns_tlsa_set_free(t);
	} else {
		ok(0, "no TLSA: %s", err);
	}
	if (dns_txt_lookup(dns, "_mta-sts.secure.example", dns_now_ms() + 5000, &x, err,
			   sizeof(err)) == 0) {
		if (!ok(x->out.security == DNS_SEC_SECURE && x->n == 1, "TXT secure, one record"))
			show(&x->out);
		ok(x->n == 1 && strcmp(x->txt[0], "v=STSv1; id=dnsbed1") == 0 &&
		   x->len[0] == strlen("v=STSv1; id=dnsbed1"), "TXT strings concatenated (%s)",
		   x->n ? x->txt[0] : "-");
		dns_txt_set_free(x);
	} else {
		ok(0, "TXT: %s", err);
	}
	if (dns_addr_lookup(dns, "mx.secure.example", dns_now_ms() + 5000, &a, err,
			    sizeof(err)) == 0) {
		if (!ok(a->out.status == DNS_OK && a->out.security == DNS_SEC_SECURE && a->n == 1 &&
			strcmp(a->addrs[0].text, "127.0.0.10") == 0, "A of mx.secure.example, secure"))
			show(&a->out);
		ok(a->a.status == DNS_OK && a->aaaa.status == DNS_NODATA &&
		   a->aaaa.security == DNS_SEC_SECURE, "AAAA: secure NODATA, A: data");
		dns_addr_set_free(a);
	} else {
		ok(0, "addresses: %s", err);
	}
}

/* timeout - a name server that never answers ends at our deadline */
static void test_timeout(void)
{
	struct dns_answer *a;
	struct dns_mx_set *s;
	int64_t t0, el;
	int i;

	for (i = 0; i < 2; i++) {
		t0 = dns_now_ms();
		if (dns_query(dns, i ? "b.slow.example" : "a.slow.example", 15, t0 + 1000, &a, err,
			      sizeof(err)) != 0) {
			ok(0, "timeout query: %s", err);
			continue;
		}
		el = dns_now_ms() - t0;
		if (!ok(a->out.status == DNS_TEMPFAIL && a->out.security != DNS_SEC_SECURE,
			"silent name server (try %d): temporary failure", i + 1))
			show(&a->out);
		ok(el < 3000, "... within the 1 s deadline + slack (%lld ms)", (long long)el);
		printf("# reason: %s\n", a->out.reason);
		dns_answer_free(a);
	}
	t0 = dns_now_ms();
	if (dns_mx_lookup(dns, "slow.example", t0 + 800, &s, err, sizeof(err)) == 0) {
		el = dns_now_ms() - t0;
		ok(s->out.status == DNS_TEMPFAIL && el < 3000, "MX of the silent zone: tempfail in %lld ms",
		   (long long)el);
		dns_mx_set_free(s);
	} else {
		ok(0, "MX slow: %s", err);
	}
}

struct job {
	char name[64];
	int64_t deadline_ms;
	enum dns_status status;
	char addr[46];
	int64_t took_ms;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	struct dns_addr_set *a;
	char e[256];

	int64_t t0 = dns_now_ms();

	j->status = DNS_TEMPFAIL;
	if (dns_addr_lookup(dns, j->name, j->deadline_ms, &a, e, sizeof(e)) == 0) {
		j->status = a->out.status;
		if (a->n)
			snprintf(j->addr, sizeof(j->addr), "%s", a->addrs[0].text);
		dns_addr_set_free(a);
	}
	j->took_ms = dns_now_ms() - t0;
	return NULL;
}

/* run NTHREADS lookups of different hosts under zone at once; returns
 * elapsed ms */
static int64_t run_threads(const char *zone, int64_t budget_ms, struct job *jobs)
{
	pthread_t th[NTHREADS];
	int64_t t0 = dns_now_ms();
	int i;

	for (i = 0; i < NTHREADS; i++) {
		snprintf(jobs[i].name, sizeof(jobs[i].name), "p%d.%s", i, zone);
		jobs[i].deadline_ms = t0 + budget_ms;
		jobs[i].addr[0] = '\0';
		pthread_create(&th[i], NULL, worker, &jobs[i]);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	return dns_now_ms() - t0;
}

static void test_parallel(void)
{
	struct job jobs[NTHREADS], one;
	int64_t single, total;
	int i, good = 0;

	/* one lookup through the delaying name server: about one delay */
	snprintf(one.name, sizeof(one.name), "single.delay.example");
	one.deadline_ms = dns_now_ms() + 5000;
	single = dns_now_ms();
	worker(&one);
	single = dns_now_ms() - single;
	ok(one.status == DNS_OK && strcmp(one.addr, "127.0.0.1") == 0,
	   "delayed name server answers (%lld ms)", (long long)single);
	ok(single >= 250, "one lookup takes at least the server's 300 ms delay (%lld ms)",
	   (long long)single);

	total = run_threads("delay.example", 8000, jobs);
	for (i = 0; i < NTHREADS; i++)
		good += jobs[i].status == DNS_OK && strcmp(jobs[i].addr, "127.0.0.1") == 0;
	is_int(good, NTHREADS, "%d threads, different names: all answered", NTHREADS);
	printf("# each took (ms):");
	for (i = 0; i < NTHREADS; i++)
		printf(" %lld", (long long)jobs[i].took_ms);
	printf("\n");
	ok(total < 10 * (single > 300 ? single : 300),
	   "... concurrently: %lld ms for %d, one alone %lld ms", (long long)total, NTHREADS,
	   (long long)single);
	/* 40 queries in flight: libunbound's default of 16 sockets made this 3x */
	ok(total < 5 * (single > 300 ? single : 300) / 2,
	   "... in about one round trip, not in batches (< 2.5x one lookup)");

	total = run_threads("slow.example", 1000, jobs);
	for (i = 0, good = 0; i < NTHREADS; i++)
		good += jobs[i].status == DNS_TEMPFAIL;
	is_int(good, NTHREADS, "%d threads against the silent server: all tempfail", NTHREADS);
	ok(total < 3000, "... each within its own 1 s deadline (%lld ms for all)", (long long)total);
}

static void test_create_errors(const char *dir)
{
	char bad[4200];
	struct dns *d;
	FILE *f;

	d = make("/nonexistent/anchor", 2000);
	ok(d == NULL && strstr(err, "/nonexistent/anchor") != NULL,
	   "missing trust anchor file: clear error (%s)", err);
	dns_free(d);

	snprintf(bad, sizeof(bad), "%s/bad-anchor", dir);
	f = fopen(bad, "w");
	if (f != NULL) {
		fputs("example. IN DS this is not a DS record\n", f);
		fclose(f);
	}
	d = make(bad, 2000);
	ok(d == NULL && err[0] != '\0', "malformed trust anchor file: clear error (%s)", err);
	dns_free(d);

	{
		static const char *const resolvers[] = {"not-an-ip", NULL};
		struct dns_conf c = {resolvers, NULL, 1000, NULL, 0};

		d = dns_create(&c, err, sizeof(err));
		ok(d == NULL && strstr(err, "not-an-ip") != NULL, "bad resolver address: clear error (%s)",
		   err);
		dns_free(d);
	}
}

/* what dns_live.sh added to the bed through its EXTRA file */
static void test_extra(void)
{
	struct dns_addr_set *a;
	struct dns_txt_set *x;

	mx("extra signed zone: secure MX", "sts.example", DNS_OK, DNS_SEC_SECURE, 0, 0,
	   "mx.sts.example");
	mx("extra unsigned zone: insecure MX", "plain.example", DNS_OK, DNS_SEC_INSECURE, 0, 0,
	   "mx.plain.example");
	mx("extra zone two levels down, bogus mode", "bad.sts.example", DNS_OK, DNS_SEC_BOGUS, 0, 0,
	   "evil.bad.sts.example");
	if (dns_txt_lookup(dns, "_mta-sts.sts.example", dns_now_ms() + 5000, &x, err,
			   sizeof(err)) == 0) {
		ok(x->out.security == DNS_SEC_SECURE && x->n == 1 &&
		   strcmp(x->txt[0], "v=STSv1; id=20260101") == 0 && x->out.ttl <= 60,
		   "extra TXT record, secure, its own TTL");
		dns_txt_set_free(x);
	} else {
		ok(0, "extra TXT: %s", err);
	}
	if (dns_addr_lookup(dns, "extra.secure.example", dns_now_ms() + 5000, &a, err,
			    sizeof(err)) == 0) {
		ok(a->out.security == DNS_SEC_SECURE && a->n == 1 &&
		   strcmp(a->addrs[0].text, "127.0.0.22") == 0, "extra record in a bed zone, secure");
		dns_addr_set_free(a);
	} else {
		ok(0, "extra A: %s", err);
	}
}

/* a DNSKEY anchor with comments, as Debian's root.key is laid out */
static void test_dnskey_anchor(const char *dir)
{
	struct dns *saved = dns;
	char ta[4200];

	snprintf(ta, sizeof(ta), "%s/anchor.dnskey", dir);
	dns = make(ta, 5000);
	if (!ok(dns != NULL, "context with a DNSKEY trust anchor file")) {
		printf("# %s\n", err);
		dns = saved;
		return;
	}
	mx("DNSKEY anchor: secure MX", "secure.example", DNS_OK, DNS_SEC_SECURE, 0, 0,
	   "mx.secure.example");
	mx("DNSKEY anchor: insecure MX", "insecure.example", DNS_OK, DNS_SEC_INSECURE, 0, 0,
	   "mx.insecure.example");
	dns_free(dns);
	dns = saved;
}

/* no resolvers configured: the nameservers of /etc/resolv.conf (which
 * dns_live.sh bind-mounts to name the bed) */
static void test_resolvconf(void)
{
	struct dns *saved = dns;
	struct dns_conf c = {NULL, anchor, 5000, NULL, 0};

	dns = dns_create(&c, err, sizeof(err));
	if (!ok(dns != NULL, "context from /etc/resolv.conf")) {
		printf("# %s\n", err);
		dns = saved;
		return;
	}
	mx("resolv.conf: secure MX", "secure.example", DNS_OK, DNS_SEC_SECURE, 0, 0,
	   "mx.secure.example");
	dns_free(dns);
	dns = saved;
}

static void test_no_anchor(void)
{
	struct dns *saved = dns;

	dns = make(NULL, 3000);
	if (!ok(dns != NULL, "context without trust anchor")) {
		dns = saved;
		return;
	}
	/* without an anchor nothing is secure, and bogus cannot be detected */
	mx("no anchor: signed zone is insecure", "secure.example", DNS_OK, DNS_SEC_INSECURE, 0, 0,
	   "mx.secure.example");
	dns_free(dns);
	dns = saved;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: dns_live DIR\n");
		return 2;
	}
	snprintf(anchor, sizeof(anchor), "%s/anchor", argv[1]);
	dns = make(anchor, 5000);
	if (!ok(dns != NULL, "dns_create with the bed's anchor")) {
		printf("# %s\n", err);
		return tap_done();
	}
	test_mx();
	test_tlsa_txt_addr();
	test_timeout();
	test_parallel();
	test_extra();
	test_dnskey_anchor(argv[1]);
	test_resolvconf();
	test_no_anchor();
	test_create_errors(argv[1]);
	dns_free(dns);
	return tap_done();
}
