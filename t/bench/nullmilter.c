/*
 * NAME
 *	nullmilter - a milter that accepts everything: the benchmark ceiling
 * SYNOPSIS
 *	nullmilter [-A] -p unix:/path | inet:PORT@ADDR [-b BACKLOG]
 * DESCRIPTION
 *	Built from the same libmilter as tlspolicy-milter and negotiating the
 *	same protocol steps and macros (milter/negotiate.h), so the MTA spends
 *	on it exactly the round trips and bytes it spends on tlspolicy-milter;
 *	only the policy work is missing.  It mirrors the daemon with a policy
 *	without REQUIRETLS: the same callbacks, steps, macro lists and listen
 *	backlog; every callback continues, and connect and HELO do not reply
 *	(SMFIP_NR_CONN, SMFIP_NR_HELO).
 *	-A asks for every protocol step instead, with a reply to each (to test
 *	the load generator's full path: DATA, headers, EOH, body, EOM).
 *	SIGTERM stops it (libmilter may take a few seconds).
 */

#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "smfi/negotiate.h"

static int all_steps;	/* -A: ask for every step (tests the load generator) */

/* nm_negotiate - skip the steps tlspolicy-milter skips, ask for its macros */
static sfsistat nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
			     unsigned long f3, unsigned long *pf0, unsigned long *pf1,
			     unsigned long *pf2, unsigned long *pf3)
{
	(void)f2;
	(void)f3;
	*pf0 = f0 & SMFIF_SETSYMLIST;
	*pf1 = all_steps ? 0 : f1 & TP_PROTO_SKIP_BASE;
	*pf2 = *pf3 = 0;
	if (f0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_CONNECT, TP_MACROS_CONNECT);
		smfi_setsymlist(ctx, SMFIM_ENVFROM, TP_MACROS_MAIL);
		smfi_setsymlist(ctx, SMFIM_ENVRCPT, TP_MACROS_RCPT);
		smfi_setsymlist(ctx, SMFIM_EOM, TP_MACROS_EOM);
	}
	return SMFIS_CONTINUE;
}

/* nm_noreply - connect and HELO: nothing to say (SMFIP_NR_CONN/NR_HELO) */
static sfsistat nm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	(void)ctx;
	(void)host;
	(void)addr;
	return all_steps ? SMFIS_CONTINUE : SMFIS_NOREPLY;
}

static sfsistat nm_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx;
	(void)helo;
	return all_steps ? SMFIS_CONTINUE : SMFIS_NOREPLY;
}

/* nm_envelope - MAIL and RCPT: read the macros the daemon reads, continue */
static sfsistat nm_envfrom(SMFICTX *ctx, char **argv)
{
	(void)argv;
	(void)smfi_getsymval(ctx, "{tls_version}");
	return SMFIS_CONTINUE;
}

static sfsistat nm_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)argv;
	(void)smfi_getsymval(ctx, "{tls_version}");
	return SMFIS_CONTINUE;
}

/* with -A only: the content steps the daemon turns off */
static sfsistat nm_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return SMFIS_CONTINUE;
}

static sfsistat nm_step(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat nm_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)ctx;
	(void)chunk;
	(void)len;
	return SMFIS_CONTINUE;
}

static sfsistat nm_abort(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat nm_close(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

int main(int argc, char **argv)
{
	struct smfiDesc desc;
	const char *sock = NULL;
	int c, backlog = SOMAXCONN;

	while ((c = getopt(argc, argv, "Ap:b:")) != -1) {
		switch (c) {
		case 'A':
			all_steps = 1;
			break;
		case 'p':
			sock = optarg;
			break;
		case 'b':
			backlog = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (!sock || optind != argc)
		goto usage;
	memset(&desc, 0, sizeof desc);
	desc.xxfi_name = "nullmilter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = SMFIF_SETSYMLIST;
	desc.xxfi_connect = nm_connect;
	desc.xxfi_helo = nm_helo;
	desc.xxfi_envfrom = nm_envfrom;
	desc.xxfi_envrcpt = nm_envrcpt;
	desc.xxfi_abort = nm_abort;
	desc.xxfi_close = nm_close;
	desc.xxfi_eom = nm_step;
	desc.xxfi_negotiate = nm_negotiate;
	if (all_steps) {
		desc.xxfi_data = nm_step;
		desc.xxfi_header = nm_header;
		desc.xxfi_eoh = nm_step;
		desc.xxfi_body = nm_body;
	}
	if (smfi_setconn((char *)sock) == MI_FAILURE || smfi_register(desc) == MI_FAILURE ||
	    (backlog > 0 && smfi_setbacklog(backlog) == MI_FAILURE) || smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "nullmilter: cannot listen on %s\n", sock);
		return 1;
	}
	/* the same thread stacks as tlspolicy-milter, so the ceiling stays comparable */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, TP_THREAD_STACK);
	pthread_setattr_default_np(&attr);
	pthread_attr_destroy(&attr);
	return smfi_main() == MI_SUCCESS ? 0 : 1;
usage:
	fprintf(stderr, "usage: nullmilter [-A] -p unix:/path|inet:PORT@ADDR [-b BACKLOG]\n");
	return 2;
}
