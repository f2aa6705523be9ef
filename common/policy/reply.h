/*
 * reply - SMTP reply templates: parse and validate at config load, expand per
 * decision, sanitise for the SMTP client and for smfi_setreply().
 *
 * Template: "550 5.7.10 Mail for %{domain} is accepted only over TLS (%{reason})".
 * Variables: %{domain} %{reason} %{tls_version} %{cipher_bits} %{client}
 * %{sender} %{recipient} %{rule}; "%%" is a literal '%'.  Anything else after
 * '%' is an error at parse time.
 */
#ifndef TP_REPLY_H
#define TP_REPLY_H

#include <stddef.h>

#define REPLY_TEXT_MAX 400      /* keeps "550 5.7.10 " + text well inside the 512-byte SMTP line */

struct reply_tpl;

/*
 * reply_tpl_parse - parse "CODE X.Y.Z text".  CODE is 4xx or 5xx; X.Y.Z is an
 * RFC 3463 enhanced code whose class equals CODE's first digit (subject and
 * detail 0..999); text is non-empty printable ASCII with only known variables.
 * Returns a template (the caller's; free with reply_tpl_free; s is not kept)
 * or NULL with a reason in err ("out of memory" when an allocation failed).
 * A template is immutable: any number of threads may expand it at once.
 */
struct reply_tpl *reply_tpl_parse(const char *s, char *err, size_t errsz);
void reply_tpl_free(struct reply_tpl *t);
/* '4' or '5'. */
char reply_tpl_class(const struct reply_tpl *t);

struct reply_vars {             /* any may be NULL (expands to "") */
	const char *domain, *reason, *tls_version, *cipher_bits;
	const char *client, *sender, *recipient, *rule;
};

struct reply {
	char rcode[4];              /* "550" */
	char xcode[16];             /* "5.7.10" */
	char text[REPLY_TEXT_MAX + 1];  /* printable ASCII only, no CR/LF; '%' NOT doubled */
};

/*
 * reply_tpl_expand - expand t with v into *out (the caller's; it holds
 * copies, nothing points into v).  Substituted values pass printable_copy
 * (bytes outside printable ASCII become '?'); the text is truncated to
 * REPLY_TEXT_MAX bytes.  Never fails.
 */
void reply_tpl_expand(const struct reply_tpl *t, const struct reply_vars *v, struct reply *out);

/*
 * reply_escape_percent - copy text into buf with every '%' doubled, as
 * smfi_setreply() requires.  buf needs 2 * REPLY_TEXT_MAX + 1 bytes.
 * Returns buf.
 */
char *reply_escape_percent(const char *text, char *buf, size_t bufsz);

#endif
