/*
 * printable - the one place that decides which bytes may leave this program
 * in a log line, an SMTP reply or a header we write back.
 *
 * Everything that came from outside (macros, addresses, header values, DNS
 * and HTTPS answers) passes through here before it is shown to anyone, so
 * there is one rule set, not one per caller.
 */
#ifndef TP_PRINTABLE_H
#define TP_PRINTABLE_H

#include <stddef.h>

/* 1 when c is printable ASCII (0x20..0x7e). */
int printable_char(int c);

/*
 * printable_copy - copy src into out (outsz > 0), replacing every byte that
 * is not printable ASCII, and every byte in extra (may be NULL), with repl.
 * Truncates to outsz - 1 bytes; out is always NUL-terminated.  Returns out.
 */
char *printable_copy(char *out, size_t outsz, const char *src, const char *extra, char repl);

/* printable_inplace - the same, in place; returns s. */
char *printable_inplace(char *s, const char *extra, char repl);

#endif
