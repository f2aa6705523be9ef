/*
 * probe - the live STARTTLS probe of one MX host (see probe.h).
 *
 * One attempt per address: connect, banner, EHLO (STARTTLS required),
 * STARTTLS, TLS handshake, certificate check, EHLO (REQUIRETLS required),
 * QUIT.  The connection and its deadline-bounded I/O are probe_conn, the
 * TLS context, handshake and certificate check probe_tls, the reply parser
 * probe_ehlo; this file is the dialogue and the choice among addresses.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/ssl.h>

#include "probe/probe.h"
#include "probe/probe_conn.h"
#include "probe/probe_ehlo.h"
#include "probe/probe_result.h"
#include "probe/probe_tls.h"

#define PROBE_PORT 25
#define HOST_MAX 253

/* probe_now_ms - see probe.h */
long long probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *probe_status_name(enum probe_status s)
{
	switch (s) {
	case PROBE_FEASIBLE: return "feasible";
	case PROBE_INFEASIBLE: return "infeasible";
	case PROBE_TEMPFAIL: return "tempfail";
	}
	return "?";
}

const char *probe_verify_name(enum probe_verify v)
{
	switch (v) {
	case PROBE_VERIFY_NONE: return "none";
	case PROBE_VERIFY_PKIX: return "pkix";
	case PROBE_VERIFY_DANE: return "dane";
	}
	return "?";
}

/* attempt - one address, the whole dialogue; fills *res */
static void attempt(const struct probe_req *req, const char *mx, SSL_CTX *ctx, const char *addr,
		    long long deadline, struct probe_result *res, struct probe_conn *c)
{
	struct probe_reply r;
	char cmd[HOST_MAX + 8];

	memset(res, 0, sizeof(*res));
	snprintf(res->addr, sizeof(res->addr), "%s", addr);
	probe_conn_init(c, res, deadline);
	snprintf(cmd, sizeof(cmd), "EHLO %s", req->helo);
	if (probe_conn_connect(c, addr, req->port ? req->port : PROBE_PORT) < 0)
		goto out;
	if (probe_conn_reply(c, &r, "reading banner", "banner") < 0)
		goto out;
	if (probe_conn_want(c, &r, 220, "banner") < 0)
		goto polite;
	if (probe_conn_command(c, cmd, &r, "EHLO") < 0)
		goto out;
	if (probe_conn_want(c, &r, 250, "EHLO refused") < 0)
		goto polite;
	if (!(r.ext & PROBE_EXT_STARTTLS)) {
		probe_result_fail(res, PROBE_INFEASIBLE, "no STARTTLS");
		goto polite;
	}
	if (probe_conn_command(c, "STARTTLS", &r, "STARTTLS") < 0)
		goto out;
	if (probe_conn_want(c, &r, 220, "STARTTLS refused") < 0)
		goto polite;
	if (probe_tls_start(c, ctx, req, mx) < 0)
		goto out;
	if (probe_tls_check(c, mx) < 0)
		goto polite;
	if (probe_conn_command(c, cmd, &r, "EHLO after STARTTLS") < 0)
		goto out;
	if (probe_conn_want(c, &r, 250, "EHLO after STARTTLS refused") < 0)
		goto polite;
	if (!(r.ext & PROBE_EXT_REQUIRETLS)) {
		probe_result_fail(res, PROBE_INFEASIBLE, "no REQUIRETLS after STARTTLS");
		goto polite;
	}
	res->status = PROBE_FEASIBLE;
	snprintf(res->reason, sizeof(res->reason), "REQUIRETLS after STARTTLS, certificate verified by %s",
		 probe_verify_name(res->verified));
polite:
	probe_conn_quit(c);
out:
	probe_conn_close(c);
}

/* ---------------------------------------------------------------- request */

/* host_ok - a host name we may put in SNI / EHLO: letters, digits, '-', '.', '_' */
static int host_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > HOST_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '.' || ch == '_'))
			return 0;
	}
	return 1;
}

/* check_req - validate the request; 0 or -1 (res filled) */
static int check_req(const struct probe_req *req, char *mx, struct probe_result *res)
{
	size_t i, n;
	unsigned char a[16];

	if (req->mx == NULL || !host_ok(req->mx))
		return probe_result_fail(res, PROBE_TEMPFAIL, "bad request: MX name missing or not a host name");
	n = strlen(req->mx);
	memcpy(mx, req->mx, n + 1);
	if (mx[n - 1] == '.')
		mx[n - 1] = '\0';
	if (mx[0] == '\0' || mx[0] == '.' || strstr(mx, "..") != NULL)
		return probe_result_fail(res, PROBE_TEMPFAIL, "bad request: MX name has an empty label");
	if (req->helo == NULL || !host_ok(req->helo))
		return probe_result_fail(res, PROBE_TEMPFAIL, "bad request: EHLO name missing or not a host name");
	if (req->naddrs == 0 || req->naddrs > PROBE_ADDRS_MAX || req->addrs == NULL)
		return probe_result_fail(res, PROBE_TEMPFAIL, "bad request: 1 to %d addresses needed",
					 PROBE_ADDRS_MAX);
	for (i = 0; i < req->naddrs; i++)
		if (req->addrs[i] == NULL || strlen(req->addrs[i]) >= sizeof(res->addr) ||
		    (inet_pton(AF_INET, req->addrs[i], a) != 1 && inet_pton(AF_INET6, req->addrs[i], a) != 1))
			return probe_result_fail(res, PROBE_TEMPFAIL, "bad request: address %zu is not an IP address",
						 i + 1);
	if (req->port > 65535)
		return probe_result_fail(res, PROBE_TEMPFAIL, "bad request: port out of range");
	if (req->ntlsa > PROBE_TLSA_MAX || (req->ntlsa > 0 && req->tlsa == NULL))
		return probe_result_fail(res, PROBE_TEMPFAIL, "bad request: at most %d TLSA records",
					 PROBE_TLSA_MAX);
	for (i = 0; i < req->ntlsa; i++)
		if (req->tlsa[i].len > 0 && req->tlsa[i].data == NULL)
			return probe_result_fail(res, PROBE_TEMPFAIL, "bad request: TLSA record %zu has no data",
						 i + 1);
	return 0;
}

/* probe_run - see probe.h */
int probe_run(const struct probe_req *req, struct probe_result *res)
{
	long long start = probe_now_ms();
	struct probe_result att, perm, temp;
	char mx[HOST_MAX + 1];
	struct probe_conn *c;
	SSL_CTX *ctx;
	size_t i;
	int have_perm = 0;

	memset(res, 0, sizeof(*res));
	if (check_req(req, mx, res) < 0)
		return -1;
	memset(&temp, 0, sizeof(temp));
	probe_result_fail(&temp, PROBE_TEMPFAIL, "deadline passed before the probe started");
	if ((ctx = probe_tls_ctx_new(req, res)) == NULL) {
		res->elapsed_ms = probe_now_ms() - start;
		return -1;
	}
	if ((c = malloc(sizeof(*c))) == NULL) {
		SSL_CTX_free(ctx);
		probe_result_fail(res, PROBE_TEMPFAIL, "out of memory");
		return 0;
	}
	for (i = 0; i < req->naddrs; i++) {
		long long now = probe_now_ms(), left = req->deadline_ms - now;

		if (left <= 0)
			break;
		/* each remaining address gets an equal share of the time left, so
		 * one black hole (or a server that never speaks) cannot eat it all */
		attempt(req, mx, ctx, req->addrs[i], now + left / (long long)(req->naddrs - i), &att, c);
		res->tried++;
		if (att.status == PROBE_FEASIBLE) {
			unsigned tried = res->tried;

			*res = att;
			res->tried = tried;
			goto done;
		}
		if (att.status == PROBE_INFEASIBLE && !have_perm) {
			perm = att;
			have_perm = 1;
		} else if (att.status == PROBE_TEMPFAIL) {
			temp = att;
		}
	}
	{
		unsigned tried = res->tried;

		*res = have_perm ? perm : temp;
		res->tried = tried;
	}
done:
	free(c);
	SSL_CTX_free(ctx);
	res->elapsed_ms = probe_now_ms() - start;
	return 0;
}
