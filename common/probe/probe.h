/*
 * probe - the live STARTTLS probe: can this MX host receive mail that
 * requires TLS (RFC 8689)?
 *
 * Connects to the given addresses of one MX host (in order, until one
 * answers "feasible"), reads the banner, sends EHLO, requires STARTTLS,
 * does the TLS handshake with SNI = the MX name, verifies the certificate
 * (DANE with the caller's DNSSEC-secure TLSA records of usage 2 or 3, else
 * PKIX for the MX name against ca_file), sends EHLO again and requires
 * REQUIRETLS in that reply; then QUIT.
 *
 * Inputs are already resolved: this layer never does a DNS lookup.  One
 * absolute deadline bounds the whole probe (every connect, read, write and
 * handshake step waits with poll(2) on non-blocking sockets).  Thread-safe:
 * no shared state; each probe builds its own SSL_CTX.  SIGPIPE is never
 * raised (all socket writes use MSG_NOSIGNAL, TLS included).
 */
#ifndef TP_PROBE_H
#define TP_PROBE_H

#include <stddef.h>
#include <stdint.h>

#define PROBE_ADDRS_MAX 32
#define PROBE_TLSA_MAX 32
#define PROBE_TLSA_DATA_MAX 4096    /* longer association data: the record is unusable */

/* One TLSA record (RFC 6698), as the DNS layer returns it. */
struct probe_tlsa {
	uint8_t usage;                  /* only 2 (DANE-TA) and 3 (DANE-EE) are used (RFC 7672 3.1.3) */
	uint8_t selector;
	uint8_t mtype;
	const unsigned char *data;      /* borrowed; len bytes */
	size_t len;
};

struct probe_req {
	const char *mx;                 /* MX host name (no trailing dot): SNI and the name verified */
	const char *const *addrs;       /* naddrs textual IPv4/IPv6 addresses, tried in order */
	size_t naddrs;                  /* 1..PROBE_ADDRS_MAX */
	unsigned port;                  /* 0: 25 */
	const char *ca_file;            /* PEM bundle for PKIX; NULL: OpenSSL's default store */
	const struct probe_tlsa *tlsa;  /* DNSSEC-secure TLSA RRset of _PORT._tcp.MX, or NULL */
	size_t ntlsa;                   /* 0: PKIX only */
	long long deadline_ms;          /* absolute, on the probe_now_ms() clock */
	const char *helo;               /* our EHLO name */
};

enum probe_status {
	PROBE_FEASIBLE = 0,             /* STARTTLS, a verified certificate, REQUIRETLS */
	PROBE_INFEASIBLE,               /* a permanent answer: no STARTTLS, bad certificate, no REQUIRETLS, 5xx... */
	PROBE_TEMPFAIL                  /* could not finish: timeout, refused, reset, 4xx, bad request */
};

enum probe_verify { PROBE_VERIFY_NONE = 0, PROBE_VERIFY_PKIX, PROBE_VERIFY_DANE };

struct probe_result {
	enum probe_status status;
	char reason[256];               /* short, printable ASCII: "no STARTTLS", "timeout reading banner", ... */
	/* evidence, of the attempt the status and reason come from */
	char addr[64];                  /* address used ("" if none was tried) */
	unsigned tried;                 /* addresses tried */
	enum probe_verify verified;     /* how the certificate was verified (NONE: it was not) */
	int dane_unusable;              /* TLSA records given, none usable (usage 0/1, bad data): PKIX was used */
	char tls_version[16];           /* "TLSv1.3"; "" before the handshake */
	char cipher[64];                /* "TLS_AES_256_GCM_SHA384" */
	char subject[256];              /* peer certificate subject, RFC 2253, printable; "" if none */
	char issuer[256];               /* peer certificate issuer */
	long long elapsed_ms;
};

/* Milliseconds on CLOCK_MONOTONIC: the clock of probe_req.deadline_ms. */
long long probe_now_ms(void);

/*
 * probe_run - probe req->mx at req->addrs.  Always fills *res.  Returns 0
 * when the probe ran (the answer is in res->status), -1 when req is invalid
 * (no MX name or addresses, an address that does not parse, an EHLO name
 * with spaces or control characters, too many records...) or its CA file
 * cannot be loaded; res->status is then PROBE_TEMPFAIL and reason says why.
 * TLS 1.2 is the least version accepted.
 *
 * Several addresses: each attempt gets at most an equal share of the time
 * left (so one black hole or mute server does not eat the whole deadline;
 * the last address gets all that is left); the first feasible address
 * wins; otherwise the result is the first permanent failure if any address
 * gave one, else the last temporary failure.
 */
int probe_run(const struct probe_req *req, struct probe_result *res);

/* "feasible", "infeasible", "tempfail" / "none", "pkix", "dane". */
const char *probe_status_name(enum probe_status s);
const char *probe_verify_name(enum probe_verify v);

#endif
