/*
 * fuzz_session - the whole milter session: the daemon's own milter steps
 * (milter/smfi/handle.c) driven through the mctx seam, as -q does
 * (explain.c), by a sequence of steps built from the input, against
 * snapshots loaded once from fixed configs (sender, recipient and client
 * rules, profiles, reply templates with '%', requiretls with content rules
 * and an address tag; requiretls.verify off, so no network).
 *
 * Input: records "OP STRING\0" (OP one byte, STRING up to the next NUL or
 * the end).  OP % 12:
 *   0 negotiate: STRING[0] bits 0-1 pick the config (3 = the first), bit 2
 *     offers SMFIF_SETSYMLIST, bit 3 the edit actions, bit 4 the NR flags
 *   1 connect: STRING is the client name and, when it parses, its address
 *   2 helo   3 MAIL FROM: STRING split at '\n' (argument, ESMTP params)
 *   4 RCPT TO (as 3)   5 header "name:value"   6 end of message
 *   7 abort   8 close
 *   9 macro: STRING[0] picks the name, the rest is its value
 *   10 forget a macro (STRING[0] picks it)   11 the MTA refuses edits: toggle
 * Steps out of libmilter's order (RCPT before MAIL, ...) are skipped, as
 * libmilter's state machine never calls them; close always ends a session.
 *
 * Properties: every answer is one libmilter knows; REJECT comes with a 5xx
 * reply set in that step, a reply set makes the step REJECT (5xx) or
 * TEMPFAIL (4xx); a reply has a 3-digit 4xx/5xx code, an enhanced code of
 * the same class, printable text (no CR or LF) and, escaped as the daemon
 * does (reply_escape_percent), no unescaped '%'; header fields added or
 * changed only at end of message and only when the edit actions were
 * negotiated (else the fake MTA refuses, like libmilter), with printable
 * names without ':' and printable values; every recipient added follows one
 * deleted and is that one untagged: "<" its local part without the final
 * "+TAG" (any case) "@" its normalised domain ">", no control byte (8-bit
 * bytes may stay: SMTPUTF8),
 * so at the end of a message they are equal in number; macros asked
 * for only at negotiation; every reported line printable; no leak (the
 * session is freed at close).  FUZZ_SESSION_TRACE=1 in the environment prints
 * every step, reply, edit and report on stderr (to see what an input does).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <unistd.h>

#include "fuzz.h"
#include "smfi/handle.h"
#include "smfi/negotiate.h"
#include "smfi/session.h"
#include "config/config.h"
#include "policy/reply.h"
#include "policy/ruleset.h"
#include "util/addr.h"
#include "util/diag.h"
#include "util/log.h"

#define NCONF 3
static struct ruleset *conf[NCONF];
static int trace;               /* FUZZ_SESSION_TRACE set: every step and edit on stderr */

static const char *const confs[NCONF] = {
	/* Postfix, rules of every kind, requiretls with content rules */
	"mta = \"postfix\";\n"
	"on_error = \"tempfail\";\n"
	"profiles = {\n"
	"  tls = { encrypted = true; };\n"
	"  strong = { min_version = \"TLSv1.2\"; min_bits = 128; };\n"
	"  partner = { min_version = \"TLSv1.2\"; client_cert = \"verified\"; issuer = \"Partner CA\"; };\n"
	"};\n"
	"requiretls = {\n"
	"  address_tag = \"requiretls\"; verify = \"off\";\n"
	"  content = (\n"
	"    { header = \"Subject\"; match = \"^\\\\s*\\\\[secure\\\\]\\\\s*\"; strip = true; caseless = true; },\n"
	"    { header = \"X-Catastrophe\"; match = \"(\\\\w+\\\\s?)*!|\\\\[secure\\\\]\"; }\n"
	"  );\n"
	"};\n"
	"rules = (\n"
	"  { sender = \"bank.example\"; require = \"strong\";\n"
	"    reply = \"550 5.7.10 Mail from %{domain} by %{sender} needs TLS 100%% (%{reason}) %{client}\"; },\n"
	"  { sender = \".corp.example\"; require = \"tls\"; action = \"tempfail\"; },\n"
	"  { recipient = \"secure.example\"; require = \"tls\";\n"
	"    reply = \"554 5.7.1 %{recipient} %{rule} %{tls_version} %{cipher_bits}\"; },\n"
	"  { recipient = [ \"lawfirm.example\", \".lawfirm.example\" ]; requiretls = true; },\n"
	"  { sender = \"secret.example\"; requiretls = true; },\n"
	"  { client = \"192.0.2.0/24\"; require = \"partner\"; action = \"tempfail\"; },\n"
	"  { authenticated = true; require = \"tls\"; }\n"
	");\n",
	/* Sendmail, testing mode with an enforced rule, on_error reject */
	"mta = \"sendmail\";\n"
	"mode = \"testing\";\n"
	"on_error = \"reject\";\n"
	"profiles = { tls = { encrypted = true; }; cert = { client_cert = \"verified\"; subject = \"mx\"; }; };\n"
	"requiretls = { header = \"X-RequireTLS\"; trace_header = \"X-RequireTLS-Why\";\n"
	"  content = ( { header = \"Subject\"; match = \"\\\\[tls\\\\]\"; strip = true; } ); };\n"
	"rules = (\n"
	"  { recipient = \".example\"; require = \"tls\"; mode = \"enforce\"; },\n"
	"  { sender = \"a.example\"; require = \"cert\"; },\n"
	"  { client = [ \"2001:db8::/32\", \".partner.example\" ]; require = \"cert\"; mode = \"enforce\"; },\n"
	"  { recipient = \"flag.example\"; requiretls = true; }\n"
	");\n",
	/* auto dialect, no requiretls, on_error accept */
	"on_error = \"accept\";\n"
	"action = \"tempfail\";\n"
	"profiles = { tls = { encrypted = true; }; };\n"
	"rules = ( { sender = \"b.example\"; require = \"tls\"; reply = \"451 4.7.1 %%{domain} %{domain}%%\"; },\n"
	"  { recipient = \"c.example\"; require = \"tls\"; } );\n",
};

static const char *const macro_names[] = {
	"{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}", "{verify}",
	"{cert_md5}", "{cert_fp}", "{auth_type}", "i", "v", "j", "_", "{rcpt_mailer}", "{rcpt_host}",
	"{client_addr}",
};
#define NMACROS (sizeof macro_names / sizeof macro_names[0])

/* the fake MTA */
struct fz {
	struct ruleset *p;
	void *priv;
	const char *macro[NMACROS];
	unsigned long pf0, pf1;
	int in_negotiate, in_eom, refuse_edits;
	int replied;                    /* setreply in this step: its class, '4' or '5' */
	char *deleted;                  /* a recipient deleted, its replacement not yet added */
	size_t dels, adds;
};

static struct ruleset *fz_ruleset(void *ctx)
{
	struct fz *f = ctx;

	return f->p ? ruleset_ref(f->p) : NULL;
}

static void *fz_getpriv(void *ctx) { return ((struct fz *)ctx)->priv; }
static void fz_setpriv(void *ctx, void *priv) { ((struct fz *)ctx)->priv = priv; }

static const char *fz_getsymval(void *ctx, const char *name)
{
	struct fz *f = ctx;
	size_t i;

	for (i = 0; i < NMACROS; i++)
		if (strcmp(macro_names[i], name) == 0)
			return f->macro[i];
	return NULL;
}

static int fz_setsymlist(void *ctx, int stage, const char *macros)
{
	struct fz *f = ctx;

	FUZZ_ASSERT(f->in_negotiate, "setsymlist outside negotiation");
	FUZZ_ASSERT(stage >= SMFIM_CONNECT && stage <= SMFIM_EOH && macros && fuzz_printable(macros), "setsymlist");
	return 0;
}

static int fz_setreply(void *ctx, const char *rcode, const char *xcode, const char *text)
{
	struct fz *f = ctx;
	char esc[2 * REPLY_TEXT_MAX + 1];
	const char *e;

	FUZZ_ASSERT(rcode && strlen(rcode) == 3 && (rcode[0] == '4' || rcode[0] == '5') &&
	    rcode[1] >= '0' && rcode[1] <= '9' && rcode[2] >= '0' && rcode[2] <= '9', "reply code '%s'", rcode);
	FUZZ_ASSERT(xcode && xcode[0] == rcode[0] && xcode[1] == '.' && fuzz_printable(xcode), "enhanced code '%s' for %s",
	    xcode, rcode);
	FUZZ_ASSERT(text && strchr(text, '\r') == NULL && strchr(text, '\n') == NULL, "CR or LF in the reply");
	FUZZ_ASSERT(fuzz_printable(text) && strlen(text) <= REPLY_TEXT_MAX, "reply text '%s'", text);
	reply_escape_percent(text, esc, sizeof esc);
	for (e = esc; *e; e++)
		if (*e == '%') {
			FUZZ_ASSERT(e[1] == '%', "unescaped '%%' in '%s'", esc);
			e++;
		}
	f->replied = rcode[0];
	if (trace)
		fprintf(stderr, "  reply %s %s %s\n", rcode, xcode, esc);
	return 0;
}

static int edit_allowed(struct fz *f, unsigned long action)
{
	FUZZ_ASSERT(f->in_eom, "an edit outside end of message");
	if (trace)
		fprintf(stderr, "  edit %#lx %s\n", action, (f->pf0 & action) && !f->refuse_edits ? "done" : "refused");
	return (f->pf0 & action) && !f->refuse_edits;
}

static void check_name(const char *name)
{
	FUZZ_ASSERT(name && *name && fuzz_printable(name) && strchr(name, ':') == NULL && strchr(name, ' ') == NULL,
	    "header name '%s'", name ? name : "(null)");
}

static int fz_addheader(void *ctx, const char *name, const char *value)
{
	struct fz *f = ctx;

	check_name(name);
	FUZZ_ASSERT(value && fuzz_printable(value), "added header value '%s'", value ? value : "(null)");
	return edit_allowed(f, SMFIF_ADDHDRS) ? 0 : -1;
}

static int fz_chgheader(void *ctx, const char *name, int index, const char *value)
{
	struct fz *f = ctx;

	check_name(name);
	FUZZ_ASSERT(index >= 1, "header index %d", index);
	FUZZ_ASSERT(value == NULL || fuzz_printable(value), "changed header value '%s'", value);
	return edit_allowed(f, SMFIF_CHGHDRS) ? 0 : -1;
}

static int fz_delrcpt(void *ctx, const char *rcpt)
{
	struct fz *f = ctx;

	FUZZ_ASSERT(rcpt && *rcpt, "deleting an empty recipient");
	FUZZ_ASSERT(f->deleted == NULL, "two recipients deleted without one added");
	if (!edit_allowed(f, SMFIF_DELRCPT))
		return -1;
	if ((f->deleted = strdup(rcpt)) == NULL)
		abort();
	f->dels++;
	return 0;
}

static int fz_addrcpt(void *ctx, const char *rcpt)
{
	struct fz *f = ctx;

	const char *tag = f->p->requiretls.tag, *err, *plus;
	char want[ADDR_LOCAL_MAX + DOMAIN_MAX + 8];
	struct addr a;
	size_t i;

	FUZZ_ASSERT(rcpt && *rcpt, "adding an empty recipient");
	FUZZ_ASSERT(f->deleted != NULL, "a recipient added without one deleted");
	/* the deleted one untagged: parsed, its local part ends in "+TAG" (any
	 * case); the new one is "<" local part without it "@" domain ">" (the
	 * domain normalised); no control byte (8-bit may stay: SMTPUTF8) */
	FUZZ_ASSERT(tag != NULL && *tag, "a recipient rewritten without an address tag");
	FUZZ_ASSERT(addr_parse(f->deleted, &a, &err) == 0 && !a.null && !a.quoted && a.domain[0],
	    "rewrote '%s', not a plain address", f->deleted);
	plus = strrchr(a.local, '+');
	FUZZ_ASSERT(plus && plus > a.local && strcasecmp(plus + 1, tag) == 0, "rewrote '%s' without +%s", f->deleted, tag);
	snprintf(want, sizeof want, "<%.*s@%s>", (int)(plus - a.local), a.local, a.domain);
	FUZZ_ASSERT(strcmp(rcpt, want) == 0, "'%s' became '%s', not '%s'", f->deleted, rcpt, want);
	for (i = 0; rcpt[i]; i++)
		FUZZ_ASSERT((unsigned char)rcpt[i] >= 0x20 && rcpt[i] != 0x7f, "control byte in added recipient");
	if (!edit_allowed(f, SMFIF_ADDRCPT))
		return -1;
	free(f->deleted);
	f->deleted = NULL;
	f->adds++;
	return 0;
}

static void fz_report(void *ctx, int err, const char *line)
{
	(void)ctx;
	if (trace)
		fprintf(stderr, "  report%s %s\n", err ? " (error)" : "", line);
	FUZZ_ASSERT(line && fuzz_printable(line), "reported line not printable: '%s'", line ? line : "(null)");
}

static const struct mctx_ops fz_ops = {
	.ruleset = fz_ruleset, .getpriv = fz_getpriv, .setpriv = fz_setpriv, .getsymval = fz_getsymval,
	.setsymlist = fz_setsymlist, .setreply = fz_setreply, .addheader = fz_addheader,
	.chgheader = fz_chgheader, .addrcpt = fz_addrcpt, .delrcpt = fz_delrcpt, .report = fz_report,
	.reporting = NULL,  /* every line is built and checked */
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/fuzz_session.XXXXXX", path[64];
	struct diag d;
	size_t i;
	FILE *fp;

	(void)argc;
	(void)argv;
	trace = getenv("FUZZ_SESSION_TRACE") != NULL;
	log_stderr_only();
	log_set_level(LOG_LVL_ERR);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/c.conf", dir);
	for (i = 0; i < NCONF; i++) {
		if ((fp = fopen(path, "w")) == NULL || fputs(confs[i], fp) < 0 || fclose(fp) != 0)
			abort();
		diag_init(&d);
		conf[i] = config_load(path, &d);
		if (conf[i] == NULL) {
			diag_print(&d, stderr);
			abort();
		}
		diag_free(&d);
	}
	unlink(path);
	rmdir(dir);
	return 0;
}

/* split s at '\n' into a NULL-terminated argv (at most 16 words) */
static void split(char *s, char **argv)
{
	int n = 0;

	argv[n++] = s;
	while (n < 16 && (s = strchr(s, '\n')) != NULL) {
		*s++ = '\0';
		argv[n++] = s;
	}
	argv[n] = NULL;
}

/* after a step: the answer and the reply agree */
static void check_answer(struct fz *f, sfsistat r, const char *step)
{
	FUZZ_ASSERT(r == SMFIS_CONTINUE || r == SMFIS_REJECT || r == SMFIS_TEMPFAIL || r == SMFIS_ACCEPT ||
	    r == SMFIS_NOREPLY, "%s answered %d", step, (int)r);
	if (r == SMFIS_REJECT)
		FUZZ_ASSERT(f->replied == '5', "%s: REJECT without a 5xx reply (%c)", step, f->replied ? f->replied : '-');
	if (f->replied)
		FUZZ_ASSERT((r == SMFIS_REJECT && f->replied == '5') || (r == SMFIS_TEMPFAIL && f->replied == '4'),
		    "%s: a %cxx reply with answer %d", step, f->replied, (int)r);
	if (r == SMFIS_NOREPLY)
		FUZZ_ASSERT(f->pf1 & (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR), "%s: NOREPLY not negotiated", step);
	if (trace)
		fprintf(stderr, "%s -> %d\n", step, (int)r);
	f->replied = 0;
}

enum st { ST_NONE, ST_NEG, ST_CONN, ST_MAIL, ST_RCPT, ST_SKIP };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_strndup(data, size), *p = in, *end = in + size, *argv[17];
	struct fz f;
	struct mctx m = { &fz_ops, &f };
	enum st st = ST_NONE;
	unsigned long pf0, pf1;
	int steps = 0;
	size_t i;

	memset(&f, 0, sizeof f);
	while (p < end && steps++ < 256) {
		unsigned op = (unsigned char)*p++ % 12;
		char *s = p;
		sfsistat r;

		p += strlen(p) + 1;
		switch (op) {
		case 0:         /* negotiate: a new connection */
			if (st != ST_NONE)
				break;
			f.p = conf[((unsigned char)s[0] & 3) % NCONF];
			f.in_negotiate = 1;
			r = handle_negotiate(&m, ((s[0] & 4) ? SMFIF_SETSYMLIST : 0) | ((s[0] & 8) ? TP_ACTIONS_REQUIRETLS : 0),
			    TP_PROTO_SKIP_BASE | ((s[0] & 16) ? (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR) : 0), &pf0, &pf1);
			f.in_negotiate = 0;
			f.pf0 = pf0;
			f.pf1 = pf1;
			check_answer(&f, r, "negotiate");
			FUZZ_ASSERT(r == SMFIS_CONTINUE, "negotiate answered %d", (int)r);
			st = ST_NEG;
			break;
		case 1: {       /* connect */
			struct sockaddr_in a4;
			struct sockaddr_in6 a6;
			const struct sockaddr *sa = NULL;

			if (st != ST_NEG)
				break;
			memset(&a4, 0, sizeof a4);
			memset(&a6, 0, sizeof a6);
			if (inet_pton(AF_INET, s, &a4.sin_addr) == 1) {
				a4.sin_family = AF_INET;
				sa = (const struct sockaddr *)&a4;
			} else if (inet_pton(AF_INET6, s, &a6.sin6_addr) == 1) {
				a6.sin6_family = AF_INET6;
				sa = (const struct sockaddr *)&a6;
			}
			r = handle_connect(&m, s, sa);
			check_answer(&f, r, "connect");
			st = r == SMFIS_CONTINUE || r == SMFIS_NOREPLY ? ST_CONN : ST_SKIP;
			break;
		}
		case 2:
			if (st != ST_CONN)
				break;
			check_answer(&f, handle_helo(&m), "helo");
			break;
		case 3:         /* MAIL FROM: a new message */
			if (st != ST_CONN && st != ST_MAIL && st != ST_RCPT)
				break;
			split(s, argv);
			r = handle_envfrom(&m, argv);
			check_answer(&f, r, "mail");
			st = r == SMFIS_CONTINUE ? ST_MAIL : ST_CONN;
			break;
		case 4:
			if (st != ST_MAIL && st != ST_RCPT)
				break;
			split(s, argv);
			r = handle_envrcpt(&m, argv);
			check_answer(&f, r, "rcpt");
			if (r == SMFIS_CONTINUE)
				st = ST_RCPT;
			break;
		case 5: {
			char *colon = strchr(s, ':');

			if (st != ST_RCPT)
				break;
			if (colon)
				*colon++ = '\0';
			check_answer(&f, handle_header(&m, s, colon ? colon : ""), "header");
			break;
		}
		case 6:
			if (st != ST_RCPT)
				break;
			f.in_eom = 1;
			r = handle_eom(&m);
			f.in_eom = 0;
			check_answer(&f, r, "eom");
			FUZZ_ASSERT(r != SMFIS_CONTINUE || (f.deleted == NULL && f.dels == f.adds),
			    "end of message: %zu recipients deleted, %zu added", f.dels, f.adds);
			free(f.deleted);
			f.deleted = NULL;
			f.dels = f.adds = 0;
			st = ST_CONN;
			break;
		case 7:
			if (st != ST_MAIL && st != ST_RCPT && st != ST_CONN)
				break;
			check_answer(&f, handle_abort(&m), "abort");
			st = ST_CONN;
			break;
		case 8:
			if (st == ST_NONE)
				break;
			check_answer(&f, handle_close(&m), "close");
			FUZZ_ASSERT(f.priv == NULL, "session kept after close");
			st = ST_NONE;
			break;
		case 9:
			f.macro[(unsigned char)s[0] % NMACROS] = s[0] ? s + 1 : s;
			break;
		case 10:
			f.macro[(unsigned char)s[0] % NMACROS] = NULL;
			break;
		case 11:
			f.refuse_edits = !f.refuse_edits;
			break;
		}
	}
	if (st != ST_NONE)
		handle_close(&m);
	FUZZ_ASSERT(f.priv == NULL, "session kept after close");
	for (i = 0; i < NMACROS; i++)
		f.macro[i] = NULL;
	free(in);
	return 0;
}
