/*
 * fuzz.h - shared helpers for the libFuzzer harnesses in t/fuzz/.
 *
 * A harness is one file, t/fuzz/fuzz_NAME.c, defining
 *     int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
 * plus one "HARNESSES += fuzz_NAME" line in t/fuzz/fuzz.mk and a seed
 * corpus in t/fuzz/corpus/fuzz_NAME/.  It checks properties of the parser's
 * result with FUZZ_ASSERT (which aborts, so libFuzzer saves the input as a
 * crash), not only that the parser survives.
 *
 * Built only by "make fuzz" / "make fuzz-ci" with clang
 * -fsanitize=fuzzer,address,undefined against a libFuzzer-instrumented copy
 * of libtpcommon; never part of the normal (gcc) build.
 *
 * TP_FUZZ_PLANT: the runner's self-test builds one harness with this defined;
 * FUZZ_PLANT(data, size) then aborts on inputs starting with "PLT", a bug
 * the fuzzer finds in seconds (libFuzzer watches memcmp arguments), so the
 * test can show that the CI step fails on a crash.
 */
#ifndef TP_FUZZ_H
#define TP_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FUZZ_ASSERT - a violated property is a crash, with the reason on stderr. */
#define FUZZ_ASSERT(cond, ...) do {                                             \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: property violated: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			abort();                                                \
		}                                                               \
	} while (0)

#ifdef TP_FUZZ_PLANT
#define FUZZ_PLANT(data, size) do {                                             \
		if ((size) >= 3 && memcmp((data), "PLT", 3) == 0) {             \
			fprintf(stderr, "planted bug (TP_FUZZ_PLANT) reached\n"); \
			abort();                                                \
		}                                                               \
	} while (0)
#else
#define FUZZ_PLANT(data, size) do { } while (0)
#endif

/*
 * fuzz_strndup - the input as a C string: bytes up to the first NUL (an MTA
 * hands the milter C strings, so nothing after a NUL can reach the parser).
 * Never NULL (aborts on out of memory); free with free().
 */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * fuzz_next_field - split s at the next sep: returns the field (s itself,
 * NUL-terminated in place) and advances *rest past sep, or to NULL when this
 * was the last field.  Returns NULL when *rest is already NULL.
 */
static inline char *fuzz_next_field(char **rest, char sep)
{
	char *s = *rest, *e;

	if (s == NULL)
		return NULL;
	if ((e = strchr(s, sep)) != NULL) {
		*e = '\0';
		*rest = e + 1;
	} else {
		*rest = NULL;
	}
	return s;
}

/* fuzz_printable - 1 when every byte of s is printable ASCII (0x20..0x7e). */
static inline int fuzz_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* fuzz_terminated - 1 when buf[0..sz) holds a NUL (a string did not overrun its field). */
static inline int fuzz_terminated(const char *buf, size_t sz)
{
	return memchr(buf, '\0', sz) != NULL;
}

#endif
