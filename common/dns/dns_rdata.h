/*
 * dns_rdata - pure decoders of the rdata of one resource record.
 *
 * Input is the rdata as libunbound hands it over (wire format, no name
 * compression: RFC 3597 forbids it in new types and unbound expands it in
 * old ones).  Every length is checked; malformed rdata returns -1 with *err
 * set to a static English reason, never reads out of bounds.  No allocation,
 * no state: safe from any thread, and fuzzable as (bytes, len).
 */
#ifndef TP_DNS_RDATA_H
#define TP_DNS_RDATA_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

#define DNS_TXT_MAX 65535           /* rdata can be no longer */

/*
 * dns_rdata_name - decode the uncompressed wire name at p (at most len
 * bytes) into out as lower-case text without trailing dot; the root name is
 * ".".  Labels must be host-name labels (letters, digits, '-', '_'; 1..63
 * bytes) and the text at most DNS_NAME_MAX bytes; outsz >= DNS_NAME_MAX + 1.
 * *used gets the wire length.  A compression pointer is an error.
 */
int dns_rdata_name(const unsigned char *p, size_t len, size_t *used,
		   char *out, size_t outsz, const char **err);

/* MX: 16-bit preference and exchange name (as dns_rdata_name; "." is the
 * RFC 7505 null MX).  Trailing bytes are an error. */
int dns_rdata_mx(const unsigned char *rd, size_t len, uint16_t *pref,
		 char *name, size_t namesz, const char **err);

/* TXT: the character-strings concatenated into out (outsz >= len is always
 * enough), NUL-terminated; *outlen the bytes without the NUL (the text may
 * itself contain NUL bytes: callers that want a C string compare).  At least
 * one string; a string running past the end is an error. */
int dns_rdata_txt(const unsigned char *rd, size_t len, char *out, size_t outsz,
		  size_t *outlen, const char **err);

/* TLSA (RFC 6698): usage, selector, matching type, and the association data
 * (*data points into rd, *datalen >= 1). */
struct dns_tlsa_rr {
	uint8_t usage, selector, mtype;
	const unsigned char *data;
	size_t datalen;
};
int dns_rdata_tlsa(const unsigned char *rd, size_t len, struct dns_tlsa_rr *t,
		   const char **err);

/* A (4 bytes) / AAAA (16 bytes) to text; outsz >= 46 (INET6_ADDRSTRLEN). */
int dns_rdata_a(const unsigned char *rd, size_t len, char *out, size_t outsz,
		const char **err);
int dns_rdata_aaaa(const unsigned char *rd, size_t len, char *out, size_t outsz,
		   const char **err);

#endif
