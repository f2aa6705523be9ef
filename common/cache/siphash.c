/*
 * siphash - SipHash-1-3 (one compression round per 8-byte word, three
 * finalisation rounds), written from the SipHash paper's description.
 */
#include <string.h>

#include "cache/siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

/* le64 - eight bytes at p as a little-endian word, whatever the host order */
static uint64_t le64(const unsigned char *p)
{
	uint64_t w = 0;
	int i;

	for (i = 7; i >= 0; i--)
		w = (w << 8) | p[i];
	return w;
}

/* siphash13 - hash len bytes at p with key k */
uint64_t siphash13(const uint64_t k[2], const void *p, size_t len)
{
	const unsigned char *in = p;
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k[1] ^ 0x7465646279746573ULL;
	uint64_t m, b = (uint64_t)len << 56;
	unsigned char tail[8] = {0};
	size_t i, full = len & ~(size_t)7;

	for (i = 0; i < full; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	memcpy(tail, in + full, len - full);
	b |= le64(tail);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}
