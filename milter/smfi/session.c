/*
 * session - connection and message state (see session.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smfi/session.h"

struct session *session_create(struct ruleset *policy)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s) {
		ruleset_unref(policy);
		return NULL;
	}
	s->policy = policy;
	return s;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	session_msg_reset(s);
	ruleset_unref(s->policy);
	free(s);
}

void session_msg_reset(struct session *s)
{
	struct session_msg *m = &s->msg;

	requiretls_plan_free(&m->plan);
	for (size_t i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i].domain);
	free(m->rcpts);
	m->rcpts = NULL;
	m->nrcpts = m->caprcpts = 0;
	free(m->sender_raw);
	m->sender_raw = NULL;
	memset(&m->facts, 0, sizeof(m->facts));
	m->queue_id[0] = '\0';
	testing_notes_reset(&m->testing);
}

int session_msg_start(struct session *s, const char *sender)
{
	struct policy_msg *f = &s->msg.facts;

	session_msg_reset(s);
	if (!(s->msg.sender_raw = strdup(sender ? sender : "")))
		return -1;
	f->client_addr = s->client_addr[0] ? s->client_addr : NULL;
	f->client_name = s->client_name[0] ? s->client_name : NULL;
	f->client_ip = s->client_ip;
	f->client_ip_ok = s->client_ip_ok;
	f->sender_raw = s->msg.sender_raw;
	f->queue_id = s->msg.queue_id;
	return 0;
}

void session_set_client(struct session *s, const char *addr, const char *name)
{
	snprintf(s->client_addr, sizeof(s->client_addr), "%s", addr ? addr : "");
	s->client_ip_ok = s->client_addr[0] && ipaddr_parse(s->client_addr, &s->client_ip) == 0;
	snprintf(s->client_name, sizeof(s->client_name), "%s", name ? name : "");
}

int session_msg_rcpt(struct session *s, const char *domain, int checked, int relayed)
{
	struct session_msg *m = &s->msg;

	if (m->nrcpts == m->caprcpts) {
		size_t cap = m->caprcpts ? 2 * m->caprcpts : 8;
		struct session_rcpt *r = realloc(m->rcpts, cap * sizeof(*r));
		if (!r)
			return -1;
		m->rcpts = r;
		m->caprcpts = cap;
	}
	if (!(m->rcpts[m->nrcpts].domain = strdup(domain)))
		return -1;
	m->rcpts[m->nrcpts].checked = checked;
	m->rcpts[m->nrcpts++].relayed = relayed;
	return 0;
}
