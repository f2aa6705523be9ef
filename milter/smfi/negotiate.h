/*
 * negotiate - which milter protocol steps tlspolicy-milter asks the MTA to
 * skip, and which macros it asks for.  Shared with the null milter used as
 * the benchmark ceiling (t/bench/), so both cost the MTA the same round trips.
 *
 * Every step the MTA sends costs a round trip per message, so a policy that
 * looks at no header and no body turns those steps off.  HELO is never turned
 * off (SMFIP_NOHELO would lose the TLS macros the MTA sends there).  Connect
 * and HELO always continue, so the MTA need not wait for their replies.
 */
#ifndef TP_NEGOTIATE_H
#define TP_NEGOTIATE_H

#include <libmilter/mfapi.h>

/* Steps skipped when the policy has no content rules and needs no end-of-message work. */
#define TP_PROTO_SKIP_BASE (SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOUNKNOWN | \
	SMFIP_NODATA | SMFIP_NR_CONN | SMFIP_NR_HELO)

/* Actions needed when REQUIRETLS handling is on (untag recipients, edit header fields). */
#define TP_ACTIONS_REQUIRETLS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_DELRCPT)
/* Header fields are sent only when REQUIRETLS handling is on (content rules,
 * and every "TLS-Required: No" must be seen to be deleted); they need no reply. */
#define TP_PROTO_HEADERS_NR SMFIP_NR_HDR

/* Macros requested at MAIL (smfi_setsymlist): the TLS facts, AUTH and queue id.
 * The facts are read once per message at MAIL; RCPT needs only the queue id
 * (Postfix assigns it there), so the MTA need not resend the rest per recipient. */
#define TP_MACROS_TLS "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer} {verify} {cert_md5} {cert_fp}"
#define TP_MACROS_MAIL TP_MACROS_TLS " {auth_type} i"
#define TP_MACROS_RCPT "i {rcpt_mailer} {rcpt_host}"

/* libmilter starts a thread per connection; glibc's default 8 MiB stacks
 * do not fit its stack cache, so each connection would map and unmap one.
 * The callbacks need a few KiB (big structures live in the session). */
#ifdef __SANITIZE_THREAD__      /* ThreadSanitizer's ~800 KiB static TLS comes out of each stack */
#define TP_THREAD_STACK (2048 * 1024)
#else
#define TP_THREAD_STACK (256 * 1024)
#endif
/* At connect: the MTA's version ("Postfix 3.7.x" or "8.17.1") tells which macro dialect is spoken. */
#define TP_MACROS_CONNECT "v j _"
#define TP_MACROS_EOM "i"

#endif
