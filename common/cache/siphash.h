/*
 * siphash - SipHash-1-3, a keyed 64-bit hash (Aumasson and Bernstein).
 *
 * The cache hashes keys that strangers choose (recipient domains): with a
 * secret random key per cache, nobody can pick names that all land in one
 * bucket.  Not for cryptographic authentication (1-3 rounds).
 */
#ifndef TP_SIPHASH_H
#define TP_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* Hash len bytes at p with the 128-bit key k[0], k[1]. */
uint64_t siphash13(const uint64_t k[2], const void *p, size_t len);

#endif
