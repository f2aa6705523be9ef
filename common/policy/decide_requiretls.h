/*
 * decide_requiretls - which triggers flag a message for REQUIRETLS, decided
 * at the stage each becomes known.  The milter and -q both call these.
 */
#ifndef TP_DECIDE_REQUIRETLS_H
#define TP_DECIDE_REQUIRETLS_H

#include "policy/decide.h"
#include "requiretls/requiretls_plan.h"

/*
 * decide_requiretls_mail - at MAIL FROM: the REQUIRETLS parameter (params:
 * the ESMTP parameters, NULL-terminated, may be NULL) and sender rules with
 * requiretls = true (from d).  Returns 1 when the parameter arrived on a
 * plaintext session: *refuse is then the verdict (reject, 530 5.7.10) the
 * caller logs and answers with, like any other.
 * Else 0.  Does nothing to the plan when REQUIRETLS handling is off.
 */
int decide_requiretls_mail(const struct ruleset *p, const struct policy_msg *m, char *const *params,
    const struct policy_decision *d, struct requiretls_plan *plan, struct policy_verdict *refuse);

/* At RCPT TO: the address tag of rcpt (rcpt_raw as the MTA gave it) and
 * recipient rules with requiretls = true (from d).  -1 on error (plan->error). */
int decide_requiretls_rcpt(const struct ruleset *p, const char *rcpt_raw, const struct addr *rcpt,
    const struct policy_decision *d, struct requiretls_plan *plan);

/* A header field (only when content rules exist). */
int decide_requiretls_header(const struct ruleset *p, const char *name, const char *value,
    struct requiretls_plan *plan);

/*
 * decide_requiretls_infeasible - the verdict for a flagged recipient whose
 * domain(s) cannot receive mail that requires TLS (temp 0: requiretls.reply,
 * 550 5.7.30 by default) or whose check could not finish (temp 1: on_error;
 * tempfail uses requiretls.tempfail_reply, 451 4.4.3).  requiretls.mode (or
 * the global mode) turns it into would-reject/would-tempfail.  domains names
 * the domain(s) for %{domain}, reason for %{reason}; rcpt_raw may be NULL.
 */
void decide_requiretls_infeasible(const struct ruleset *p, const struct policy_msg *m, const char *domains,
    int temp, const char *reason, const char *rcpt_raw, struct policy_verdict *v);

#endif
