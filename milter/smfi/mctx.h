/*
 * mctx - the seam between the milter steps (handle.c) and whoever drives
 * them.  The daemon binds it to libmilter (callbacks.c: smfi_getpriv,
 * smfi_setreply, smfi_chgheader, ...); -q binds it to the command line and
 * stdout (explain.c).  Both run the very same handle_* functions, so what -q
 * prints is what the daemon does (as OpenDKIM's test mode wraps getpriv).
 *
 * Every operation gets the driver's own context pointer (SMFICTX * for the
 * daemon).  Strings passed in are only borrowed for the call.
 */
#ifndef TP_MCTX_H
#define TP_MCTX_H

struct ruleset;

struct mctx_ops {
	/* A new reference to the snapshot a new connection uses, NULL if none. */
	struct ruleset *(*ruleset)(void *ctx);
	void *(*getpriv)(void *ctx);
	void (*setpriv)(void *ctx, void *priv);
	/* A macro's value ("{tls_version}", "i", "v"), NULL when the MTA sent none. */
	const char *(*getsymval)(void *ctx, const char *name);
	/* Ask for macros at a stage (SMFIM_*); only at negotiation.  0 or -1. */
	int (*setsymlist)(void *ctx, int stage, const char *macros);
	/* The reply for a REJECT/TEMPFAIL answer (text: '%' not yet escaped).  0 or -1. */
	int (*setreply)(void *ctx, const char *rcode, const char *xcode, const char *text);
	/* End-of-message edits.  chgheader with value NULL deletes occurrence index (1-based).  0 or -1. */
	int (*addheader)(void *ctx, const char *name, const char *value);
	int (*chgheader)(void *ctx, const char *name, int index, const char *value);
	int (*addrcpt)(void *ctx, const char *rcpt);
	int (*delrcpt)(void *ctx, const char *rcpt);
	/* One decision or requiretls line (err: an error the admin must see). */
	void (*report)(void *ctx, int err, const char *line);
	/* 1 when report(ctx, err, ...) would keep the line: a line nobody reads is
	 * not built (formatting it costs more than the decision it describes).
	 * NULL: every line is built. */
	int (*reporting)(void *ctx, int err);
};

struct mctx {
	const struct mctx_ops *ops;
	void *ctx;
};

#endif
