/*
 * callbacks - libmilter binding (see callbacks.h).  Nothing here decides:
 * each operation is one libmilter call, each callback one handle_* step.
 */
#include <stdio.h>

#include "smfi/callbacks.h"
#include "smfi/handle.h"
#include "smfi/negotiate.h"
#include "policy/reply.h"
#include "util/log.h"
#include "daemon/current.h"

static struct ruleset *lm_ruleset(void *ctx)
{
	(void)ctx;
	return current_get();
}

static void *lm_getpriv(void *ctx)
{
	return smfi_getpriv(ctx);
}

static void lm_setpriv(void *ctx, void *priv)
{
	smfi_setpriv(ctx, priv);
}

static const char *lm_getsymval(void *ctx, const char *name)
{
	return smfi_getsymval(ctx, (char *)name);
}

static int lm_setsymlist(void *ctx, int stage, const char *macros)
{
	return smfi_setsymlist(ctx, stage, (char *)macros) == MI_SUCCESS ? 0 : -1;
}

static int lm_setreply(void *ctx, const char *rcode, const char *xcode, const char *text)
{
	/* libmilter takes the text as a format: every '%' doubled */
	char esc[2 * REPLY_TEXT_MAX + 1];

	return smfi_setreply(ctx, (char *)rcode, (char *)xcode, reply_escape_percent(text, esc, sizeof(esc))) ==
	    MI_SUCCESS ? 0 : -1;
}

static int lm_addheader(void *ctx, const char *name, const char *value)
{
	return smfi_addheader(ctx, (char *)name, (char *)value) == MI_SUCCESS ? 0 : -1;
}

static int lm_chgheader(void *ctx, const char *name, int index, const char *value)
{
	return smfi_chgheader(ctx, (char *)name, index, (char *)value) == MI_SUCCESS ? 0 : -1;
}

static int lm_addrcpt(void *ctx, const char *rcpt)
{
	return smfi_addrcpt(ctx, (char *)rcpt) == MI_SUCCESS ? 0 : -1;
}

static int lm_delrcpt(void *ctx, const char *rcpt)
{
	return smfi_delrcpt(ctx, (char *)rcpt) == MI_SUCCESS ? 0 : -1;
}

static void lm_report(void *ctx, int err, const char *line)
{
	(void)ctx;
	if (err)
		log_err("%s", line);
	else
		log_info("%s", line);
}

static int lm_reporting(void *ctx, int err)
{
	(void)ctx;
	return log_enabled(err ? LOG_LVL_ERR : LOG_LVL_INFO);
}

static const struct mctx_ops libmilter_ops = {
	.ruleset = lm_ruleset, .getpriv = lm_getpriv, .setpriv = lm_setpriv, .getsymval = lm_getsymval,
	.setsymlist = lm_setsymlist, .setreply = lm_setreply, .addheader = lm_addheader,
	.chgheader = lm_chgheader, .addrcpt = lm_addrcpt, .delrcpt = lm_delrcpt, .report = lm_report,
	.reporting = lm_reporting,
};

#define MCTX(ctx) (&(const struct mctx){ &libmilter_ops, (ctx) })

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
    unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)f2;
	(void)f3;
	*pf2 = *pf3 = 0;
	return handle_negotiate(MCTX(ctx), f0, f1, pf0, pf1);
}

static sfsistat cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	return handle_connect(MCTX(ctx), hostname, hostaddr);
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
	(void)helo;
	return handle_helo(MCTX(ctx));
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	return handle_envfrom(MCTX(ctx), argv);
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	return handle_envrcpt(MCTX(ctx), argv);
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	return handle_header(MCTX(ctx), name, value);
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	return handle_eom(MCTX(ctx));
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	return handle_abort(MCTX(ctx));
}

static sfsistat cb_close(SMFICTX *ctx)
{
	return handle_close(MCTX(ctx));
}

struct smfiDesc callbacks_desc = {
	.xxfi_name = "tlspolicy-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_SETSYMLIST | TP_ACTIONS_REQUIRETLS,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_negotiate = cb_negotiate,
};
