/*
 * explain - the -q mode (see explain.h).  It drives the daemon's own milter
 * steps (handle.c) through the mctx seam: macros come from the command line,
 * reports, replies and end-of-message edits go to stdout.  So -q shows what
 * the daemon does, not a replay of it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "smfi/explain.h"
#include "smfi/handle.h"
#include "smfi/negotiate.h"
#include "smfi/session.h"

/* The command line, and what the steps reported for the current stage. */
struct explain {
	const struct ruleset *p;
	void *priv;
	const char **macro_names, **macro_values;
	int nmacros;
	const char **rcpts, **headers;
	int nrcpts, nheaders;
	char **params;              /* NULL-terminated */
	int nparams;
	const char *sender, *client, *client_name;
	int reported;               /* lines reported in this stage */
	char reply[2048];           /* the last setreply, "" if none */
	char *deleted;              /* the last recipient deleted (its replacement follows) */
};

static struct ruleset *ex_ruleset(void *ctx)
{
	struct explain *e = ctx;

	return ruleset_ref((struct ruleset *)e->p);
}

static void *ex_getpriv(void *ctx)
{
	return ((struct explain *)ctx)->priv;
}

static void ex_setpriv(void *ctx, void *priv)
{
	((struct explain *)ctx)->priv = priv;
}

static const char *ex_getsymval(void *ctx, const char *name)
{
	const struct explain *e = ctx;

	for (int i = 0; i < e->nmacros; i++)
		if (strcmp(e->macro_names[i], name) == 0)
			return e->macro_values[i];
	return NULL;
}

static int ex_setsymlist(void *ctx, int stage, const char *macros)
{
	(void)ctx;
	(void)stage;
	(void)macros;
	return 0;
}

static int ex_setreply(void *ctx, const char *rcode, const char *xcode, const char *text)
{
	struct explain *e = ctx;

	snprintf(e->reply, sizeof(e->reply), "%s %s %s", rcode, xcode, text);
	return 0;
}

static int ex_addheader(void *ctx, const char *name, const char *value)
{
	(void)ctx;
	printf("  header added: %s: %s\n", name, value);
	return 0;
}

static int ex_chgheader(void *ctx, const char *name, int index, const char *value)
{
	(void)ctx;
	if (value)
		printf("  header %s #%d becomes \"%s\"\n", name, index, value);
	else
		printf("  header %s #%d is deleted\n", name, index);
	return 0;
}

static int ex_delrcpt(void *ctx, const char *rcpt)
{
	struct explain *e = ctx;

	free(e->deleted);
	if (!(e->deleted = strdup(rcpt)))
		return -1;
	return 0;
}

static int ex_addrcpt(void *ctx, const char *rcpt)
{
	struct explain *e = ctx;

	if (e->deleted)
		printf("  recipient %s becomes %s\n", e->deleted, rcpt);
	else
		printf("  recipient %s is added\n", rcpt);
	free(e->deleted);
	e->deleted = NULL;
	return 0;
}

static void ex_report(void *ctx, int err, const char *line)
{
	struct explain *e = ctx;

	e->reported++;
	printf("%s%s\n", err ? "error: " : "", line);
}

/* -q shows every line, whatever the configured log level */
static int ex_reporting(void *ctx, int err)
{
	(void)ctx;
	(void)err;
	return 1;
}

static const struct mctx_ops explain_ops = {
	.ruleset = ex_ruleset, .getpriv = ex_getpriv, .setpriv = ex_setpriv, .getsymval = ex_getsymval,
	.setsymlist = ex_setsymlist, .setreply = ex_setreply, .addheader = ex_addheader,
	.chgheader = ex_chgheader, .addrcpt = ex_addrcpt, .delrcpt = ex_delrcpt, .report = ex_report,
	.reporting = ex_reporting,
};

static const char *explain_macro(void *arg, const char *name)
{
	return ex_getsymval(arg, name);
}

static void explain_free(struct explain *e)
{
	free(e->macro_names);
	free(e->macro_values);
	free(e->rcpts);
	free(e->headers);
	free(e->params);
	free(e->deleted);
}

static int explain_parse(struct explain *e, int nwords, char **words)
{
	static const struct { const char *key, *macro; } macros[] = {
		{ "tls_version", "{tls_version}" }, { "cipher", "{cipher}" }, { "cipher_bits", "{cipher_bits}" },
		{ "cert_subject", "{cert_subject}" }, { "cert_issuer", "{cert_issuer}" }, { "verify", "{verify}" },
		{ "cert_fp", "{cert_fp}" }, { "cert_md5", "{cert_md5}" }, { "auth_type", "{auth_type}" }, { "mta", "v" },
		{ "rcpt_mailer", "{rcpt_mailer}" }, { "rcpt_host", "{rcpt_host}" },
	};
	size_t n = (size_t)nwords + 1;

	/* every array has room for every word: no count is too large */
	if (!(e->macro_names = calloc(n, sizeof(char *))) || !(e->macro_values = calloc(n, sizeof(char *))) ||
	    !(e->rcpts = calloc(n, sizeof(char *))) || !(e->headers = calloc(n, sizeof(char *))) ||
	    !(e->params = calloc(n, sizeof(char *)))) {
		fprintf(stderr, "tlspolicy-milter: -q: out of memory\n");
		return -1;
	}
	for (int i = 0; i < nwords; i++) {
		char *eq = strchr(words[i], '=');
		if (!eq) {
			fprintf(stderr, "tlspolicy-milter: -q: '%s' is not key=value\n", words[i]);
			return -1;
		}
		size_t klen = (size_t)(eq - words[i]);
		const char *v = eq + 1;
		int known = 1;
#define KEY(k) (klen == strlen(k) && strncmp(words[i], k, klen) == 0)
		if (KEY("sender"))
			e->sender = v;
		else if (KEY("client"))
			e->client = v;
		else if (KEY("client_name"))
			e->client_name = v;
		else if (KEY("rcpt"))
			e->rcpts[e->nrcpts++] = v;
		else if (KEY("header"))
			e->headers[e->nheaders++] = v;
		else if (KEY("param"))
			e->params[e->nparams++] = (char *)v;
		else {
			known = 0;
			for (size_t m = 0; m < sizeof(macros) / sizeof(macros[0]); m++)
				if (KEY(macros[m].key)) {
					/* mta=postfix|sendmail stands for the version macro each sends */
					if (strcmp(macros[m].key, "mta") == 0)
						v = strcmp(v, "postfix") == 0 ? "Postfix 3.7" : strcmp(v, "sendmail") == 0 ? "8.17.1" : v;
					e->macro_names[e->nmacros] = macros[m].macro;
					e->macro_values[e->nmacros++] = v;
					known = 1;
				}
		}
#undef KEY
		if (!known) {
			fprintf(stderr, "tlspolicy-milter: -q: unknown key '%.*s'\n", (int)klen, words[i]);
			return -1;
		}
	}
	if (!e->sender) {
		fprintf(stderr, "tlspolicy-milter: -q needs sender=ADDRESS (sender= for the null sender)\n");
		return -1;
	}
	for (int i = 0; i < e->nheaders; i++) {
		const char *colon = strchr(e->headers[i], ':');
		if (!colon || colon == e->headers[i]) {
			fprintf(stderr, "tlspolicy-milter: -q: header '%s' is not \"Name: value\"\n", e->headers[i]);
			return -1;
		}
	}
	return 0;
}

/* The client address as the MTA would pass it; 0, or -1 if client= is not an address. */
static int explain_client(const char *client, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, client, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, client, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

/* After a step: "no rule applies" when it reported nothing; the MTA's answer;
 * the step's outcome as an EXPLAIN_* status. */
static int explain_step(struct explain *e, sfsistat r, const char *what)
{
	if (e->reported == 0 && what)
		printf("%s: no rule applies\n", what);
	e->reported = 0;
	if (r != SMFIS_REJECT && r != SMFIS_TEMPFAIL)
		return EXPLAIN_ACCEPT;
	printf("  => the MTA answers: %s\n", e->reply[0] ? e->reply :
	    r == SMFIS_REJECT ? "550 5.7.1 Command rejected" : "451 4.3.0 try again later");
	e->reply[0] = '\0';
	return r == SMFIS_REJECT ? EXPLAIN_REJECT : EXPLAIN_TEMPFAIL;
}

static int worse(int a, int b)
{
	return a == EXPLAIN_REJECT || b == EXPLAIN_REJECT ? EXPLAIN_REJECT : a > b ? a : b;
}

/* The REQUIRETLS state of the message before end of message. */
static void explain_requiretls(const struct explain *e, const struct session *s)
{
	char trig[64];

	if (!e->p->requiretls.enabled)
		printf("requiretls: off (no requiretls block in the config)\n");
	else if (!s)
		printf("requiretls: not flagged (no session)\n");
	else if (s->msg.plan.error)
		printf("requiretls: error: out of memory or a content pattern could not be run (on_error applies)\n");
	else if (!s->msg.plan.triggers)
		printf("requiretls: not flagged\n");
	else
		printf("requiretls: flagged (%s): %s\n", requiretls_plan_triggers(&s->msg.plan, trig, sizeof(trig)),
		    s->msg.plan.why);
}

/* MAIL, RCPTs, header fields and end of message on a negotiated, connected session. */
static int explain_message(struct explain *e, const struct mctx *m, unsigned long proto)
{
	char **argv = calloc((size_t)e->nparams + 2, sizeof(char *));
	char *sender = malloc(strlen(e->sender) + 3);
	int status, accepted = 0;
	sfsistat r;

	if (!argv || !sender) {
		free(argv);
		free(sender);
		fprintf(stderr, "tlspolicy-milter: -q: out of memory\n");
		return EXPLAIN_USAGE;
	}
	sprintf(sender, "<%s>", e->sender);
	argv[0] = sender;
	memcpy(argv + 1, e->params, (size_t)e->nparams * sizeof(char *));
	r = handle_envfrom(m, argv);
	status = explain_step(e, r, "mail");
	free(argv);
	free(sender);
	if (status != EXPLAIN_ACCEPT) {
		printf("verdict: refused at MAIL FROM\n");
		return status;
	}
	if (r == SMFIS_ACCEPT) {
		printf("mail: nothing is left to decide: the MTA skips the later steps\nverdict: accepted\n");
		return status;
	}
	for (int i = 0; i < e->nrcpts; i++) {
		char *raw = malloc(strlen(e->rcpts[i]) + 3), *rargv[2] = { raw, NULL }, what[80];
		if (!raw) {
			fprintf(stderr, "tlspolicy-milter: -q: out of memory\n");
			return EXPLAIN_USAGE;
		}
		sprintf(raw, "<%s>", e->rcpts[i]);
		snprintf(what, sizeof(what), "rcpt %s", raw);
		int st = explain_step(e, handle_envrcpt(m, rargv), what);
		free(raw);
		accepted += st == EXPLAIN_ACCEPT;
		status = worse(status, st);
	}
	struct session *s = e->priv;
	if (e->nrcpts && !accepted) {
		printf("requiretls: not flagged (no recipient accepted: the message ends before DATA)\n");
		printf("verdict: every recipient refused\n");
		return status;
	}
	if ((proto & SMFIP_NOHDRS) && e->nheaders > 0)
		printf("header fields: not sent to the milter (it asks for them only with a requiretls block)\n");
	if (!(proto & SMFIP_NOHDRS))
		for (int i = 0; i < e->nheaders; i++) {
			const char *colon = strchr(e->headers[i], ':'), *value = colon + 1;
			char *name = strndup(e->headers[i], (size_t)(colon - e->headers[i]));
			if (!name) {
				fprintf(stderr, "tlspolicy-milter: -q: out of memory\n");
				return EXPLAIN_USAGE;
			}
			while (*value == ' ' || *value == '\t')
				value++;
			handle_header(m, name, value);
			free(name);
		}
	explain_requiretls(e, s);
	int st = explain_step(e, handle_eom(m), NULL);
	if (st != EXPLAIN_ACCEPT) {
		printf("verdict: refused at end of message\n");
		return worse(status, st);
	}
	printf("verdict: %s\n", status == EXPLAIN_ACCEPT ? "accepted" : "some recipients refused");
	return status;
}

int explain_run(const struct ruleset *p, int nwords, char **words)
{
	struct explain e;
	struct mctx m = { &explain_ops, &e };
	struct sockaddr_storage ss;
	struct tls_facts tls;
	unsigned long pf0, pf1;
	char desc[80];
	int status;

	for (int i = 0; i < nwords; i++)
		if (strncmp(words[i], "next_hop=", 9) == 0)
			return explain_outbound_run(p, nwords, words);
	memset(&e, 0, sizeof(e));
	e.p = p;
	if (explain_parse(&e, nwords, words) < 0) {
		explain_free(&e);
		return EXPLAIN_USAGE;
	}
	if (e.client && explain_client(e.client, &ss) < 0) {
		fprintf(stderr, "tlspolicy-milter: -q: client '%s' is not an IP address\n", e.client);
		explain_free(&e);
		return EXPLAIN_USAGE;
	}
	/* the facts the MAIL step will read, shown once up front */
	tlsfacts_collect(&tls, p->mta, explain_macro, &e);
	tlsfacts_describe(&tls, desc, sizeof(desc));
	printf("session: client=%s tls=%s mta=%s\n", e.client ? e.client : "-", desc,
	    tls.mta == TLS_MTA_POSTFIX ? "postfix" : tls.mta == TLS_MTA_SENDMAIL ? "sendmail" : "unknown");
	/* offer what Postfix and Sendmail offer; the steps choose as in the daemon */
	handle_negotiate(&m, SMFIF_SETSYMLIST | TP_ACTIONS_REQUIRETLS, TP_PROTO_SKIP_BASE | TP_PROTO_HEADERS_NR,
	    &pf0, &pf1);
	if (handle_connect(&m, e.client_name, e.client ? (struct sockaddr *)&ss : NULL) != SMFIS_CONTINUE &&
	    !e.priv) {
		printf("verdict: tempfailed at connect (no session)\n");
		status = EXPLAIN_TEMPFAIL;
	} else {
		handle_helo(&m);
		status = explain_message(&e, &m, pf1);
	}
	handle_close(&m);
	explain_free(&e);
	return status;
}
