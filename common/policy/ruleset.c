/*
 * ruleset - the immutable, reference-counted configuration snapshot
 * (see ruleset.h).  This file owns its lifetime and the rule bindings;
 * config.c fills it, decide.c reads it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "policy/ruleset.h"

struct ruleset *ruleset_create(void)
{
	struct ruleset *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->refs = 1;
	p->socket_mode = -1;
	p->policy_socket_mode = -1;
	p->policy_socket_timeout = 60;      /* CONFIG_DEFAULT_POLICY_SOCKET_TIMEOUT */
	p->requiretls.mode = -1;
	p->requiretls.timeout_ms = 20000;
	p->requiretls.skip_bracket_nexthop = 1;
	p->dns.timeout_ms = 5000;
	p->mta_sts.timeout_ms = 10000;
	p->mta_sts.port = 443;
	p->mta_sts.refresh_s = 3600;
	p->probe.timeout_ms = 10000;
	p->probe.port = 25;
	if (!(p->dns.trust_anchor_file = strdup(RULESET_TRUST_ANCHOR))) {
		free(p);
		return NULL;
	}
	p->auth_rule = -1;
	p->senders = dtable_create(16);
	p->recipients = dtable_create(16);
	p->client_names = dtable_create(16);
	p->outbound = dtable_create(16);
	p->clients = ctable_create();
	if (!p->senders || !p->recipients || !p->client_names || !p->outbound || !p->clients) {
		ruleset_unref(p);
		return NULL;
	}
	return p;
}

struct ruleset *ruleset_ref(struct ruleset *p)
{
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return p;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void policy_free(struct ruleset *p)
{
	free(p->file);
	free(p->socket);
	free(p->policy_socket);
	free(p->metrics);
	free(p->control_socket);
	free(p->user);
	free(p->group);
	free(p->pidfile);
	free(p->testing_header);
	for (size_t i = 0; i < p->nprofiles; i++)
		profile_free(p->profiles[i]);
	free(p->profiles);
	for (size_t i = 0; i < p->nrules; i++) {
		free(p->rules[i].label);
		reply_tpl_free(p->rules[i].reply);
	}
	free(p->rules);
	dtable_free(p->senders);
	dtable_free(p->recipients);
	dtable_free(p->client_names);
	dtable_free(p->outbound);
	ctable_free(p->clients);
	for (uint32_t i = 0; i < p->nmulti; i++)
		free(p->multi[i].rules);
	free(p->multi);
	for (int k = 0; k < RULE_KINDS; k++)
		for (int c = 0; c < 2; c++)
			for (int a = 0; a < 2; a++)
				reply_tpl_free(p->defaults.reply[k][c][a]);
	free(p->requiretls.tag);
	free(p->requiretls.header);
	free(p->requiretls.trace_header);
	for (size_t i = 0; i < p->requiretls.ncontent; i++)
		requiretls_content_free(p->requiretls.content[i]);
	free(p->requiretls.content);
	reply_tpl_free(p->requiretls.reply);
	reply_tpl_free(p->requiretls.tempfail_reply);
	free_strv(p->requiretls.skip_mailers, p->requiretls.nskip_mailers);
	free_strv(p->dns.resolvers, p->dns.nresolvers);
	free_strv(p->dns.remove_zones, p->dns.nremove_zones);
	free(p->dns.trust_anchor_file);
	free(p->mta_sts.ca_file);
	free(p->mta_sts.store);
	free(p->probe.ca_file);
	free(p->probe.helo);
	if (p->feasible && p->feasible_free)
		p->feasible_free(p->feasible);
	reply_tpl_free(p->defaults.on_error[0]);
	reply_tpl_free(p->defaults.on_error[1]);
	free(p);
}

void ruleset_unref(struct ruleset *p)
{
	if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		policy_free(p);
#ifdef __GLIBC__
		/* A snapshot is millions of small blocks freed at once, once per
		 * reload: give the free pages back, or glibc keeps them in every
		 * arena that held a piece and RSS creeps up reload after reload
		 * (t/soak.sh, BENCHMARKS.md). */
		malloc_trim(0);
#endif
	}
}

const struct profile *ruleset_profile(const struct ruleset *p, const char *name)
{
	for (size_t i = 0; i < p->nprofiles; i++)
		if (strcmp(p->profiles[i]->name, name) == 0)
			return p->profiles[i];
	return NULL;
}

/* Add ruleidx to the rule set behind *slot (a fresh slot holds 0 and created=1). */
static int policy_join(struct ruleset *p, uint32_t *slot, int created, uint32_t ruleidx)
{
	if (created) {
		*slot = ruleidx;
		return 0;
	}
	if (!(*slot & POLICY_MULTI)) {
		if (*slot == ruleidx)
			return 1;
		if (p->nmulti == p->capmulti) {
			uint32_t cap = p->capmulti ? p->capmulti * 2 : 8;
			struct policy_multi *m = realloc(p->multi, cap * sizeof(*m));
			if (!m)
				return -1;
			p->multi = m;
			p->capmulti = cap;
		}
		struct policy_multi *m = &p->multi[p->nmulti];
		m->rules = malloc(4 * sizeof(uint32_t));
		if (!m->rules)
			return -1;
		m->cap = 4;
		m->n = 2;
		m->rules[0] = *slot;
		m->rules[1] = ruleidx;
		*slot = POLICY_MULTI | p->nmulti++;
		return 0;
	}
	struct policy_multi *m = &p->multi[*slot & ~POLICY_MULTI];
	for (uint32_t i = 0; i < m->n; i++)
		if (m->rules[i] == ruleidx)
			return 1;
	if (m->n == m->cap) {
		uint32_t *r = realloc(m->rules, 2 * m->cap * sizeof(uint32_t));
		if (!r)
			return -1;
		m->rules = r;
		m->cap *= 2;
	}
	m->rules[m->n++] = ruleidx;
	return 0;
}

int ruleset_bind_domain(struct ruleset *p, struct dtable *t, const char *key, uint32_t ruleidx)
{
	int created;
	uint32_t *slot = dtable_slot(t, key, &created);

	return slot ? policy_join(p, slot, created, ruleidx) : -1;
}

int ruleset_bind_cidr(struct ruleset *p, const struct cidr *c, uint32_t ruleidx)
{
	int created;
	uint32_t *slot = ctable_slot(p->clients, c, &created);

	return slot ? policy_join(p, slot, created, ruleidx) : -1;
}

const uint32_t *ruleset_value_rules(const struct ruleset *p, const uint32_t *value, uint32_t *n)
{
	if (*value & POLICY_MULTI) {
		const struct policy_multi *m = &p->multi[*value & ~POLICY_MULTI];
		*n = m->n;
		return m->rules;
	}
	*n = 1;
	return value;
}

int ruleset_needs_rcpt(const struct ruleset *p)
{
	return dtable_count(p->recipients) > 0 || p->requiretls.enabled;
}

static const char *const policy_kind_names[RULE_KINDS] = {
	"sender", "recipient", "client", "client name", "authenticated",
};

void ruleset_summary(const struct ruleset *p, FILE *fp)
{
	static const char *const modes[] = { "enforce", "testing" };
	static const char *const actions[] = { "reject", "tempfail" };
	static const char *const on_error[] = { "tempfail", "accept", "reject" };

	fprintf(fp, "config %s: OK\n", p->file ? p->file : "(none)");
	fprintf(fp, "  socket %s, mode %s, action %s, on_error %s\n", p->socket,
	    modes[p->mode], actions[p->action], on_error[p->on_error]);
	if (p->policy_socket)
		fprintf(fp, "  policy_socket %s (socketmap)\n", p->policy_socket);
	if (p->metrics)
		fprintf(fp, "  metrics %s (GET /metrics)\n", p->metrics);
	if (p->control_socket)
		fprintf(fp, "  control_socket %s\n", p->control_socket);
	fprintf(fp, "  %zu profiles, %zu rules\n", p->nprofiles, p->nrules);
	if (p->requiretls.enabled)
		fprintf(fp, "  requiretls: address tag %s, header %s, trace %s, %zu content rules\n",
		    p->requiretls.tag ? p->requiretls.tag : "(off)", p->requiretls.header, p->requiretls.trace_header,
		    p->requiretls.ncontent);
	for (int k = 0; k < RULE_KINDS; k++)
		if (p->nkeys[k])
			fprintf(fp, "  %zu %s keys\n", p->nkeys[k], policy_kind_names[k]);
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];
		fprintf(fp, "  rule %zu: %s -> %s%s%s%s\n", i + 1, r->label,
		    r->require ? r->require->name : "-", r->requiretls ? ", requiretls" : "",
		    r->mode == POLICY_TESTING ? ", testing" : "",
		    r->action == POLICY_TEMPFAIL ? ", tempfail" : "");
	}
}
