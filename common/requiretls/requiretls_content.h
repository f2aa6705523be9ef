/*
 * requiretls_content - content rules: a header field whose value matches a
 * PCRE2 pattern flags the message for REQUIRETLS, e.g. a Subject starting
 * with "[secure]"; with strip, the matched text is removed from the field.
 */
#ifndef TP_REQUIRETLS_CONTENT_H
#define TP_REQUIRETLS_CONTENT_H

#include <stddef.h>

struct requiretls_content;

/*
 * Explicit PCRE2 limits for one match, so a pattern that backtracks
 * catastrophically on some header value ends in an error (on_error applies)
 * within milliseconds, whatever PCRE2 was built with.  Match limit: calls of
 * the internal match function; depth limit: nested backtracking frames.
 */
#define REQUIRETLS_MATCH_LIMIT 1000000
#define REQUIRETLS_DEPTH_LIMIT 10000

/*
 * requiretls_content_create - compile pattern (PCRE2, UTF-8 off, caseless
 * if caseless) for header field name.  NULL with a reason in err (the PCRE2
 * message and offset) on a bad pattern.  Free with requiretls_content_free().
 */
struct requiretls_content *requiretls_content_create(const char *header, const char *pattern, int caseless,
    int strip, int line, char *err, size_t errsz);
void requiretls_content_free(struct requiretls_content *c);

const char *requiretls_content_header(const struct requiretls_content *c);
int requiretls_content_strip(const struct requiretls_content *c);
int requiretls_content_line(const struct requiretls_content *c);

/*
 * requiretls_content_match - does header field name: value match c?  (name
 * compared case-insensitively).  Returns 1 on a match and, when c strips,
 * writes value without the first matched text into stripped (truncated to
 * strippedsz); 0 no match; -1 the match could not be run (a limit above,
 * out of memory: the caller applies on_error).  Thread-safe (match data per call).
 */
int requiretls_content_match(const struct requiretls_content *c, const char *name, const char *value,
    char *stripped, size_t strippedsz);

#endif
