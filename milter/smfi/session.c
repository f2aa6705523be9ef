/*
 * session - per-connection state (see session.h).
 */
#include <stdlib.h>
#include <string.h>

#include "smfi/session.h"
#include "daemon/current.h"

struct session *session_create(void)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (!(s->policy = current_get())) {
		free(s);
		return NULL;
	}
	return s;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	requiretls_plan_free(&s->plan);
	ruleset_unref(s->policy);
	free(s);
}

void session_reset_message(struct session *s)
{
	struct policy_msg *m = &s->msg;

	requiretls_plan_free(&s->plan);
	memset(m, 0, sizeof(*m));
	s->sender_raw[0] = '\0';
	s->queue_id[0] = '\0';
	m->client_addr = s->client_addr[0] ? s->client_addr : NULL;
	m->client_name = s->client_name[0] ? s->client_name : NULL;
	m->client_ip_ok = s->client_addr[0] && ipaddr_parse(s->client_addr, &m->client_ip) == 0;
	m->sender_raw = s->sender_raw;
	m->queue_id = s->queue_id;
}
