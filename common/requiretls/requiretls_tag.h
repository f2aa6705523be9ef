/*
 * requiretls_tag - the "local+requiretls@domain" address convention: a
 * recipient whose local part ends in "+TAG" asks for REQUIRETLS handling.
 *
 * The tag must be the last '+' part ("a+b+requiretls" counts,
 * "a+requiretls+b" does not), is compared case-insensitively, lives only in
 * the local part, and is never looked for inside a quoted local part (a
 * quoted string is opaque: rewriting it could change the mailbox).
 */
#ifndef TP_REQUIRETLS_TAG_H
#define TP_REQUIRETLS_TAG_H

#include <stddef.h>

#include "util/addr.h"

/*
 * requiretls_tag_strip - if a's local part carries tag, write the untagged
 * address "<local@domain>" into out and return 1; return 0 when it does not
 * (null address, no domain, quoted, no tag, empty base).  -1 if out is too
 * small.  tag is non-empty.
 */
int requiretls_tag_strip(const struct addr *a, const char *tag, char *out, size_t outsz);

#endif
