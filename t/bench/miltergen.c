/*
 * NAME
 *	miltergen - milter protocol load generator (the MTA side)
 * SYNOPSIS
 *	miltergen [options] unix:/path | inet:PORT@HOST
 * DESCRIPTION
 *	Speaks the MTA side of the Sendmail 8 milter protocol (version 6) to a
 *	milter, like Postfix's milter8 client or Sendmail would: option
 *	negotiation, then per session connect, helo, and per message mail,
 *	rcpt..., data, header..., eoh, body, eom, and quit at the end.  Steps the
 *	milter turned off (SMFIP_NO*) are not sent, steps it declared
 *	reply-less (SMFIP_NR_*) are not waited for, and the macros sent before
 *	each command are the ones the milter asked for (smfi_setsymlist), or the
 *	MTA's defaults.
 *
 *	-c N concurrent sessions (one event loop, non-blocking sockets), each
 *	running -m M messages of -r R recipients, then the next session, until
 *	-s S sessions in total are done or -t T seconds have passed.  Every
 *	final reply is counted per stage and checked against the expected one;
 *	a run with a mismatch, a protocol error or unfinished sessions exits 1.
 *	It prints messages/s, p50/p99 latency per message (MAIL sent to last
 *	reply of the message) and a one-line RESULT summary for scripts.
 *
 *	See usage() for the options.  Built by t/bench (not installed).
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

/* Protocol steps, in session order.  Also the stage index for counting. */
enum step { P_NEG, P_CONN, P_HELO, P_MAIL, P_RCPT, P_DATA, P_HDR, P_EOH, P_BODY, P_EOM, P_QUIT, P_NSTEP };
static const char *const step_name[P_NSTEP] = {
	"negotiate", "connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body", "eom", "quit"
};

/* Final reply kinds. */
enum kind { K_CONTINUE, K_ACCEPT, K_REJECT, K_TEMPFAIL, K_DISCARD, K_SKIP, K_OTHER, K_NKIND };
static const char *const kind_name[K_NKIND] = {
	"continue", "accept", "reject", "tempfail", "discard", "skip", "other"
};

/* TLS state of a session: the macro set it sends. */
enum tls { T_PLAIN, T_TLS, T_CERT, T_NTLS };
static const char *const tls_name[T_NTLS] = { "plain", "tls", "tlscert" };

/* Macro stages of the negotiation (SMFIM_*) and the command each precedes. */
#define NMSTAGE 7
static const char mstage_cmd[NMSTAGE] = {
	SMFIC_CONNECT, SMFIC_HELO, SMFIC_MAIL, SMFIC_RCPT, SMFIC_DATA, SMFIC_BODYEOB, SMFIC_EOH
};

/* Default macro lists of the MTAs when the milter asks for none. */
static const char *const pf_macros[NMSTAGE] = {
	"j {daemon_name} {daemon_addr} v _",
	"{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}",
	"i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}",
	"i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
	"i", "i", "i"
};
static const char *const sm_macros[NMSTAGE] = {
	"j _ {daemon_name} {if_name} {if_addr}",
	"{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}",
	"i {auth_type} {auth_authen} {auth_ssf} {auth_author} {mail_mailer} {mail_host} {mail_addr}",
	"{rcpt_mailer} {rcpt_host} {rcpt_addr}",
	"", "{msg_id}", ""
};

#define OFFER_ACTIONS SMFI_CURR_ACTS
#define OFFER_PROTO 0x001FFFFFu	/* every step flag up to SMFIP_HDR_LEADSPC */

struct buf {
	char *p;
	size_t len, off, cap;
};

struct sess {
	int fd, dead;
	long id;		/* global session number */
	struct sess *next_dead;
	enum step st;		/* step whose reply is awaited */
	enum tls tls;
	uint32_t pflags;
	int msg, rcpt, naccepted, hdr, from_hit, rcpt_hit;
	char from[256], rcpt_addr[256], qid[24];
	double t_mail;
	uint64_t rng;
	struct buf w, r;
	char *sym[NMSTAGE];	/* macro lists the milter asked for, or NULL */
};

/* Options. */
static struct {
	const char *sock;
	int conc, msgs, rcpts, mta_sendmail, verbose;
	long total;
	double secs, warmup;
	int tls_weight[T_NTLS];
	const char *from, *from_hit, *rcpt_miss, *rcpt_hit_local;
	int from_hit_pct, rcpt_hit_pct, rcpt_hit_seq;
	char **hit_dom;
	size_t nhit_dom;
	unsigned expect[P_NSTEP][T_NTLS + 1][3];	/* bitmask of kinds; [..][T_NTLS] and [..][2] = any */
} o;

/* Results. */
static struct {
	long started, finished, msgs, msgs_all;
	long count[P_NSTEP][K_NKIND];
	long mods, progress, mismatches, errors;
	uint32_t *lat;		/* microseconds, messages after warm-up */
	size_t nlat, caplat;
	uint32_t neg_vers, neg_actions, neg_proto;
	char *neg_sym[NMSTAGE];
	int have_neg;
} res;

static int epfd, stopping;
static double t_start, t_warm, t_stop, t_hard;
static long active;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "miltergen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		die("out of memory");
	return p;
}

static uint64_t rnd(struct sess *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return s->rng;
}

/* buf_put - append bytes to a buffer */
static void buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 256;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* pkt_begin - start a packet; pkt_end fills in its length */
static size_t pkt_begin(struct buf *b, char cmd)
{
	size_t at = b->len;
	char hdr[5] = { 0, 0, 0, 0, cmd };

	buf_put(b, hdr, 5);
	return at;
}

static void pkt_end(struct buf *b, size_t at)
{
	uint32_t n = htonl((uint32_t)(b->len - at - 4));

	memcpy(b->p + at, &n, 4);
}

static void pkt_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s) + 1);
}

static void pkt_simple(struct sess *s, char cmd, const char *arg)
{
	size_t at = pkt_begin(&s->w, cmd);

	if (arg)
		pkt_str(&s->w, arg);
	pkt_end(&s->w, at);
}

/* macro_value - the value an MTA would have for a macro, or NULL if undefined */
static const char *macro_value(struct sess *s, const char *name, char *tmp, size_t tmpsz)
{
	char n[64];
	size_t l = strlen(name);
	int sm = o.mta_sendmail;

	if (l >= 2 && name[0] == '{' && name[l - 1] == '}' && l - 2 < sizeof n) {
		memcpy(n, name + 1, l - 2);
		n[l - 2] = 0;
	} else {
		snprintf(n, sizeof n, "%s", name);
	}
	if (!strcmp(n, "v"))
		return sm ? "8.17.1" : "Postfix 3.7.11";
	if (!strcmp(n, "j"))
		return "mx.example.test";
	if (!strcmp(n, "_"))
		return "client.example [192.0.2.1]";
	if (!strcmp(n, "daemon_name"))
		return sm ? "MTA" : "smtpd";
	if (!strcmp(n, "daemon_addr") || !strcmp(n, "if_addr"))
		return "127.0.0.1";
	if (!strcmp(n, "if_name"))
		return "localhost";
	if (!strcmp(n, "i"))
		return s->qid[0] ? s->qid : NULL;
	if (!strcmp(n, "msg_id"))
		return s->qid[0] ? "<bench@client.example>" : NULL;
	if (!strcmp(n, "mail_addr")) {
		snprintf(tmp, tmpsz, "%s", s->from);
		return tmp;
	}
	if (!strcmp(n, "rcpt_addr")) {
		snprintf(tmp, tmpsz, "%s", s->rcpt_addr);
		return tmp;
	}
	if (!strcmp(n, "mail_mailer") || !strcmp(n, "rcpt_mailer"))
		return "smtp";
	if (!strcmp(n, "mail_host") || !strcmp(n, "rcpt_host"))
		return "example.org";
	if (s->tls == T_PLAIN)
		return NULL;
	if (!strcmp(n, "tls_version"))
		return "TLSv1.3";
	if (!strcmp(n, "cipher"))
		return "TLS_AES_256_GCM_SHA384";
	if (!strcmp(n, "cipher_bits"))
		return "256";
	if (!strcmp(n, "cert_subject")) {
		if (sm)
			return s->tls == T_CERT ? "/CN=client.example" : "";
		return s->tls == T_CERT ? "client.example" : NULL;
	}
	if (!strcmp(n, "cert_issuer")) {
		if (sm)
			return s->tls == T_CERT ? "/CN=Test+20CA" : "";
		return s->tls == T_CERT ? "Test CA" : NULL;
	}
	if (sm && !strcmp(n, "verify"))
		return s->tls == T_CERT ? "OK" : "NO";
	if (sm && (!strcmp(n, "cert_md5") || !strcmp(n, "cert_fp")) && s->tls == T_CERT)
		return "6A:1F:0C:3E:9B:22:D4:71:88:05:AB:CD:EF:01:23:45";
	return NULL;
}

/* send_macros - queue SMFIC_MACRO for a stage, if any macro has a value */
static void send_macros(struct sess *s, int mstage)
{
	const char *list = s->sym[mstage] ? s->sym[mstage] :
		(o.mta_sendmail ? sm_macros : pf_macros)[mstage];
	char name[64], tmp[300];
	const char *p = list, *v;
	size_t at, l;
	int any = 0;

	at = pkt_begin(&s->w, SMFIC_MACRO);
	buf_put(&s->w, &mstage_cmd[mstage], 1);
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		for (l = 0; p[l] && p[l] != ' ' && p[l] != ','; l++)
			;
		if (l == 0)
			break;
		if (l < sizeof name) {
			memcpy(name, p, l);
			name[l] = 0;
			/* Postfix knows the queue id at MAIL only with
			 * smtpd_delay_open_until_valid_rcpt=no: assume the default */
			if (mstage == 2 && !o.mta_sendmail && !strcmp(name, "i"))
				v = NULL;
			else
				v = macro_value(s, name, tmp, sizeof tmp);
			if (v != NULL) {
				pkt_str(&s->w, name);
				pkt_str(&s->w, v);
				any = 1;
			}
		}
		p += l;
	}
	if (any)
		pkt_end(&s->w, at);
	else
		s->w.len = at;
}

/* flush - write what is queued; wait for EPOLLOUT if the socket is full */
static int flush(struct sess *s)
{
	struct epoll_event ev = { .data.ptr = s };

	while (s->w.off < s->w.len) {
		ssize_t n = write(s->fd, s->w.p + s->w.off, s->w.len - s->w.off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			ev.events = EPOLLIN | EPOLLOUT;
			epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev);
			return 0;
		}
		if (n <= 0)
			return -1;
		s->w.off += n;
	}
	s->w.off = s->w.len = 0;
	return 0;
}

static void start_session(void);
static void sess_error(struct sess *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static struct sess *graveyard;

/* sess_close - close a session; it is freed after the current event */
static void sess_close(struct sess *s)
{
	if (s->dead)
		return;
	s->dead = 1;
	close(s->fd);
	s->fd = -1;
	s->next_dead = graveyard;
	graveyard = s;
	active--;
	start_session();
}

static void bury(void)
{
	struct sess *s;
	int i;

	while ((s = graveyard) != NULL) {
		graveyard = s->next_dead;
		for (i = 0; i < NMSTAGE; i++)
			free(s->sym[i]);
		free(s->w.p);
		free(s->r.p);
		free(s);
	}
}

static void sess_error(struct sess *s, const char *fmt, ...)
{
	va_list ap;

	if (res.errors++ < 5) {
		fprintf(stderr, "miltergen: session %ld at %s: ", s->id, step_name[s->st]);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	sess_close(s);
}

static void end_message(struct sess *s)
{
	double t = now();

	res.msgs_all++;
	if (t >= t_warm && t <= t_stop) {
		if (res.nlat == res.caplat) {
			res.caplat = res.caplat ? res.caplat * 2 : 65536;
			res.lat = xrealloc(res.lat, res.caplat * sizeof *res.lat);
		}
		res.lat[res.nlat++] = (uint32_t)((t - s->t_mail) * 1e6);
		res.msgs++;
	}
	s->msg++;
	s->qid[0] = 0;
}

/* expect_ok - check a final reply against the expectation for its class */
static void expect_check(struct sess *s, enum step st, enum kind k, const char *text)
{
	int hit = st == P_RCPT ? s->rcpt_hit : s->from_hit;
	unsigned m;

	res.count[st][k]++;
	if (!(m = o.expect[st][s->tls][hit]) && !(m = o.expect[st][s->tls][2]) &&
	    !(m = o.expect[st][T_NTLS][hit]) && !(m = o.expect[st][T_NTLS][2]))
		m = st == P_EOM ? (1u << K_CONTINUE | 1u << K_ACCEPT) : 1u << K_CONTINUE;
	if (m & (1u << k))
		return;
	if (res.mismatches++ < 5)
		fprintf(stderr, "miltergen: mismatch: %s %s/%s from=<%s> rcpt=<%s>: got %s%s%s\n",
			step_name[st], tls_name[s->tls], hit ? "hit" : "miss", s->from,
			st == P_RCPT ? s->rcpt_addr : "", kind_name[k], text ? " " : "", text ? text : "");
}

static const char *const headers[][2] = {
	{ "From", " <sender@example.org>" },
	{ "To", " <user@example.net>" },
	{ "Subject", " benchmark message" },
	{ "Message-ID", " <bench@client.example>" },
	{ "Date", " Sun, 22 Nov 2026 12:00:00 +0000" },
};
#define NHDR ((int)(sizeof headers / sizeof headers[0]))
static const char body[] =
	"This is a benchmark message of a few lines, the size of a short mail.\r\n"
	"It carries no content the policy looks at; a milter that asked not to\r\n"
	"see the body never receives it.\r\n";

/* fill - copy a pattern, replacing each %u by a number */
static void fill(char *dst, size_t sz, const char *pat, unsigned long num)
{
	size_t n = 0;

	for (; *pat && n + 1 < sz; pat++) {
		if (pat[0] == '%' && pat[1] == 'u') {
			n += snprintf(dst + n, sz - n, "%lu", num);
			if (n >= sz)
				n = sz - 1;
			pat++;
		} else {
			dst[n++] = *pat;
		}
	}
	dst[n] = 0;
}

/* pick_message - choose sender and queue id of the next message */
static void pick_message(struct sess *s)
{
	static unsigned long seq;

	seq++;
	s->from_hit = o.from_hit && (int)(rnd(s) % 100) < o.from_hit_pct;
	fill(s->from, sizeof s->from, s->from_hit ? o.from_hit : o.from, seq);
	snprintf(s->qid, sizeof s->qid, "4B%08lX", seq & 0xffffffffUL);
}

static void pick_rcpt(struct sess *s)
{
	static unsigned long seq, hseq;
	const char *d;

	seq++;
	s->rcpt_hit = o.nhit_dom && (int)(rnd(s) % 100) < o.rcpt_hit_pct;
	if (s->rcpt_hit) {
		/* --rcpt-hit-seq: the file's domains in order, each once before any
		 * repeats (a cold cache sees every domain) */
		d = o.hit_dom[o.rcpt_hit_seq ? hseq++ % o.nhit_dom : rnd(s) % o.nhit_dom];
		snprintf(s->rcpt_addr, sizeof s->rcpt_addr, "%s@%s%s", o.rcpt_hit_local,
			 *d == '.' ? "host" : "", d);
	} else {
		fill(s->rcpt_addr, sizeof s->rcpt_addr, o.rcpt_miss, seq);
	}
}

/*
 * run - queue the packets of steps from st on, until a step needs a reply
 * (then flush and wait) or the session ends.
 */
static void run(struct sess *s, enum step st)
{
	uint32_t pf = s->pflags;
	char addr[300];
	size_t at;

	for (;;) {
		switch (st) {
		case P_NEG: {
			uint32_t v[3] = { htonl(SMFI_PROT_VERSION), htonl(OFFER_ACTIONS), htonl(OFFER_PROTO) };

			at = pkt_begin(&s->w, SMFIC_OPTNEG);
			buf_put(&s->w, v, sizeof v);
			pkt_end(&s->w, at);
			goto wait;
		}
		case P_CONN:
			st = P_HELO;
			if (pf & SMFIP_NOCONNECT)
				break;
			send_macros(s, 0);
			at = pkt_begin(&s->w, SMFIC_CONNECT);
			pkt_str(&s->w, "client.example");
			buf_put(&s->w, "4\xc0\x39", 3);	/* family inet, port 49209 */
			pkt_str(&s->w, "192.0.2.1");
			pkt_end(&s->w, at);
			if (!(pf & SMFIP_NR_CONN)) {
				st = P_CONN;
				goto wait;
			}
			break;
		case P_HELO:
			st = P_MAIL;
			if (pf & SMFIP_NOHELO)
				break;
			send_macros(s, 1);
			pkt_simple(s, SMFIC_HELO, "client.example");
			if (!(pf & SMFIP_NR_HELO)) {
				st = P_HELO;
				goto wait;
			}
			break;
		case P_MAIL:
			if (s->msg >= o.msgs || stopping) {
				st = P_QUIT;
				break;
			}
			pick_message(s);
			s->t_mail = now();
			s->rcpt = s->naccepted = 0;
			st = P_RCPT;
			if (pf & SMFIP_NOMAIL)
				break;
			send_macros(s, 2);
			snprintf(addr, sizeof addr, "<%s>", s->from);
			pkt_simple(s, SMFIC_MAIL, addr);
			if (!(pf & SMFIP_NR_MAIL)) {
				st = P_MAIL;
				goto wait;
			}
			break;
		case P_RCPT:
			if (s->rcpt >= o.rcpts) {
				st = P_DATA;
				break;
			}
			pick_rcpt(s);
			s->rcpt++;
			if (pf & (SMFIP_NORCPT | SMFIP_NR_RCPT)) {
				s->naccepted++;
				if (pf & SMFIP_NORCPT)
					break;
			}
			send_macros(s, 3);
			snprintf(addr, sizeof addr, "<%s>", s->rcpt_addr);
			pkt_simple(s, SMFIC_RCPT, addr);
			if (!(pf & SMFIP_NR_RCPT))
				goto wait;
			break;
		case P_DATA:
			if (s->naccepted == 0) {
				/* every recipient rejected: the MTA ends the transaction */
				pkt_simple(s, SMFIC_ABORT, NULL);
				end_message(s);
				st = P_MAIL;
				break;
			}
			s->hdr = 0;
			st = P_HDR;
			if (pf & SMFIP_NODATA)
				break;
			send_macros(s, 4);
			pkt_simple(s, SMFIC_DATA, NULL);
			if (!(pf & SMFIP_NR_DATA)) {
				st = P_DATA;
				goto wait;
			}
			break;
		case P_HDR:
			if (s->hdr >= NHDR || (pf & SMFIP_NOHDRS)) {
				st = P_EOH;
				break;
			}
			at = pkt_begin(&s->w, SMFIC_HEADER);
			pkt_str(&s->w, headers[s->hdr][0]);
			pkt_str(&s->w, headers[s->hdr][1] + ((pf & SMFIP_HDR_LEADSPC) ? 0 : 1));
			pkt_end(&s->w, at);
			s->hdr++;
			if (!(pf & SMFIP_NR_HDR))
				goto wait;
			break;
		case P_EOH:
			st = P_BODY;
			if (pf & SMFIP_NOEOH)
				break;
			send_macros(s, 6);
			pkt_simple(s, SMFIC_EOH, NULL);
			if (!(pf & SMFIP_NR_EOH)) {
				st = P_EOH;
				goto wait;
			}
			break;
		case P_BODY:
			st = P_EOM;
			if (pf & SMFIP_NOBODY)
				break;
			at = pkt_begin(&s->w, SMFIC_BODY);
			buf_put(&s->w, body, sizeof body - 1);
			pkt_end(&s->w, at);
			if (!(pf & SMFIP_NR_BODY)) {
				st = P_BODY;
				goto wait;
			}
			break;
		case P_EOM:
			send_macros(s, 5);
			pkt_simple(s, SMFIC_BODYEOB, NULL);
			goto wait;
		case P_QUIT:
		default:
			pkt_simple(s, SMFIC_QUIT, NULL);
			flush(s);
			res.finished++;
			sess_close(s);
			return;
		}
	}
wait:
	s->st = st;
	if (flush(s) < 0)
		sess_error(s, "write: %s", strerror(errno));
}

/* negotiated - parse the milter's SMFIC_OPTNEG answer */
static int negotiated(struct sess *s, const char *p, size_t n)
{
	uint32_t v[3];
	size_t off = 12;
	int i;

	if (n < 12)
		return -1;
	memcpy(v, p, 12);
	s->pflags = ntohl(v[2]);
	while (off + 4 < n) {
		uint32_t idx;
		size_t l;

		memcpy(&idx, p + off, 4);
		idx = ntohl(idx);
		off += 4;
		l = strnlen(p + off, n - off);
		if (off + l >= n || idx >= NMSTAGE)
			return -1;
		free(s->sym[idx]);
		s->sym[idx] = strdup(p + off);
		off += l + 1;
	}
	if (!res.have_neg) {
		res.have_neg = 1;
		res.neg_vers = ntohl(v[0]);
		res.neg_actions = ntohl(v[1]);
		res.neg_proto = s->pflags;
		for (i = 0; i < NMSTAGE; i++)
			res.neg_sym[i] = s->sym[i] ? strdup(s->sym[i]) : NULL;
	}
	return 0;
}

/* reply - handle one packet from the milter */
static void reply(struct sess *s, char cmd, const char *p, size_t n)
{
	enum kind k;
	char text[200];
	enum step st = s->st;

	if (st == P_NEG) {
		if (cmd != SMFIC_OPTNEG || negotiated(s, p, n) < 0) {
			sess_error(s, "bad negotiation reply '%c'", cmd);
			return;
		}
		run(s, P_CONN);
		return;
	}
	text[0] = 0;
	switch (cmd) {
	case SMFIR_CONTINUE: k = K_CONTINUE; break;
	case SMFIR_ACCEPT: k = K_ACCEPT; break;
	case SMFIR_REJECT: k = K_REJECT; break;
	case SMFIR_TEMPFAIL: k = K_TEMPFAIL; break;
	case SMFIR_DISCARD: k = K_DISCARD; break;
	case SMFIR_SKIP: k = K_SKIP; break;
	case SMFIR_REPLYCODE:
		snprintf(text, sizeof text, "%.*s", (int)strnlen(p, n), p);
		k = text[0] == '5' ? K_REJECT : text[0] == '4' ? K_TEMPFAIL : K_OTHER;
		break;
	case SMFIR_PROGRESS:
		res.progress++;
		return;
	case SMFIR_ADDRCPT: case SMFIR_DELRCPT: case SMFIR_ADDRCPT_PAR: case SMFIR_REPLBODY:
	case SMFIR_CHGFROM: case SMFIR_ADDHEADER: case SMFIR_INSHEADER: case SMFIR_CHGHEADER:
	case SMFIR_QUARANTINE:
		if (st != P_EOM) {
			sess_error(s, "modification '%c' before end of message", cmd);
			return;
		}
		res.mods++;
		return;
	default:
		sess_error(s, "unexpected reply '%c'", cmd);
		return;
	}
	if (o.verbose > 1)
		fprintf(stderr, "session %ld %s -> %s %s\n", s->id, step_name[st], kind_name[k], text);
	expect_check(s, st, k, text[0] ? text : NULL);
	switch (st) {
	case P_CONN:
	case P_HELO:
		run(s, k == K_CONTINUE ? st + 1 : P_QUIT);
		return;
	case P_MAIL:
		if (k == K_CONTINUE) {
			run(s, P_RCPT);
		} else {
			end_message(s);
			run(s, P_MAIL);
		}
		return;
	case P_RCPT:
		if (k == K_CONTINUE || k == K_ACCEPT)
			s->naccepted++;
		if (k == K_DISCARD) {
			end_message(s);
			run(s, P_MAIL);
			return;
		}
		run(s, P_RCPT);
		return;
	case P_EOM:
		end_message(s);
		run(s, P_MAIL);
		return;
	default:		/* data, header, eoh, body */
		if (k == K_CONTINUE) {
			run(s, st == P_HDR ? P_HDR : st + 1);
		} else if (k == K_SKIP && st == P_BODY) {
			run(s, P_EOM);
		} else {
			end_message(s);
			run(s, P_MAIL);
		}
		return;
	}
}

/* readable - read and dispatch every complete packet */
static void readable(struct sess *s)
{
	struct buf *b = &s->r;
	ssize_t n;

	for (;;) {
		if (b->cap - b->len < 4096) {
			b->cap = b->cap * 2 + 8192;
			b->p = xrealloc(b->p, b->cap);
		}
		n = read(s->fd, b->p + b->len, b->cap - b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			sess_error(s, "%s", n == 0 ? "milter closed the connection" : strerror(errno));
			return;
		}
		b->len += n;
		while (b->len - b->off >= 5) {
			uint32_t l;
			char cmd;

			memcpy(&l, b->p + b->off, 4);
			l = ntohl(l);
			if (l < 1 || l > 1 << 20) {
				sess_error(s, "bad packet length %u", l);
				return;
			}
			if (b->len - b->off < 4 + l)
				break;
			cmd = b->p[b->off + 4];
			b->off += 4 + l;
			reply(s, cmd, b->p + b->off - l + 1, l - 1);
			if (s->dead)
				return;
		}
		if (b->off == b->len)
			b->off = b->len = 0;
	}
}

static struct sockaddr_storage sa;
static socklen_t salen;
static int sa_inet;

/* parse_socket - unix:/path, local:/path, inet:PORT@HOST, inet:PORT */
static void parse_socket(const char *spec)
{
	const char *p;

	memset(&sa, 0, sizeof sa);
	if ((p = strchr(spec, ':')) == NULL)
		p = spec - 1;
	if (p < spec || !strncmp(spec, "unix:", 5) || !strncmp(spec, "local:", 6)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&sa;

		if (strlen(p + 1) >= sizeof un->sun_path)
			die("socket path too long: %s", p + 1);
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, p + 1);
		salen = sizeof *un;
	} else if (!strncmp(spec, "inet:", 5)) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;
		const char *host = strchr(p + 1, '@');

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)atoi(p + 1));
		if (inet_pton(AF_INET, host ? host + 1 : "127.0.0.1", &in->sin_addr) != 1)
			die("bad address in %s (use a numeric IPv4 address)", spec);
		salen = sizeof *in;
		sa_inet = 1;
	} else {
		die("unsupported socket %s (unix:/path or inet:PORT@ADDR)", spec);
	}
}

static enum tls pick_tls(long id)
{
	int sum = 0, i, x;

	for (i = 0; i < T_NTLS; i++)
		sum += o.tls_weight[i];
	x = (int)((unsigned long)id * 61 % (unsigned long)sum);
	for (i = 0; i < T_NTLS - 1; i++) {
		if (x < o.tls_weight[i])
			break;
		x -= o.tls_weight[i];
	}
	while (o.tls_weight[i] == 0)
		i--;
	return (enum tls)i;
}

/* start_session - open the next milter session, if the budget allows */
static void start_session(void)
{
	struct epoll_event ev;
	struct sess *s;
	int fd, one = 1;

	if (stopping || (o.total && res.started >= o.total) || res.errors > 50)
		return;
	if ((fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket: %s", strerror(errno));
	while (connect(fd, (struct sockaddr *)&sa, salen) < 0) {
		if (errno == EINTR)
			continue;
		if (res.errors++ < 5)
			fprintf(stderr, "miltergen: connect %s: %s\n", o.sock, strerror(errno));
		close(fd);
		return;
	}
	if (sa_inet)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if ((s = calloc(1, sizeof *s)) == NULL)
		die("out of memory");
	s->fd = fd;
	s->id = res.started++;
	s->tls = pick_tls(s->id);
	s->rng = (uint64_t)(s->id + 1) * 0x9E3779B97F4A7C15ULL;
	ev.events = EPOLLIN;
	ev.data.ptr = s;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	active++;
	run(s, P_NEG);
}

static int kind_of(const char *name)
{
	int k;

	for (k = 0; k < K_NKIND; k++)
		if (!strcmp(name, kind_name[k]))
			return k;
	if (!strcmp(name, "replycode"))
		return K_OTHER;
	die("unknown reply kind '%s' (continue accept reject tempfail discard skip)", name);
}

/* add_expect - STAGE[/plain|tls|tlscert][/hit|miss]=KIND[,KIND...] */
static void add_expect(const char *spec)
{
	char buf[200], *eq, *tok, *save = NULL;
	int st = -1, tls = T_NTLS, hit = 2, i;
	unsigned m = 0;

	snprintf(buf, sizeof buf, "%s", spec);
	if ((eq = strchr(buf, '=')) == NULL)
		die("bad --expect '%s' (STAGE[/CLASS]=KIND)", spec);
	*eq++ = 0;
	for (tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		for (i = 0; i < P_NSTEP; i++)
			if (!strcmp(tok, step_name[i]))
				st = i;
		for (i = 0; i < T_NTLS; i++)
			if (!strcmp(tok, tls_name[i]))
				tls = i;
		if (!strcmp(tok, "hit"))
			hit = 1;
		else if (!strcmp(tok, "miss"))
			hit = 0;
	}
	if (st < 0)
		die("bad --expect '%s': no stage", spec);
	for (tok = strtok_r(eq, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		m |= 1u << kind_of(tok);
	o.expect[st][tls][hit] = m;
}

static void parse_tls(const char *spec)
{
	char buf[200], *tok, *save = NULL, *c;
	int i, any = 0;

	memset(o.tls_weight, 0, sizeof o.tls_weight);
	snprintf(buf, sizeof buf, "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int w = 1;

		if ((c = strchr(tok, ':')) != NULL) {
			*c++ = 0;
			w = atoi(c);
		}
		for (i = 0; i < T_NTLS; i++)
			if (!strcmp(tok, tls_name[i]))
				break;
		if (i == T_NTLS || w < 0)
			die("bad --tls '%s' (plain|tls|tlscert[:WEIGHT],...)", spec);
		o.tls_weight[i] = w;
		any += w;
	}
	if (!any)
		die("bad --tls '%s'", spec);
}

/* load_domains - one domain a line, '#' comments, as the daemon's list files */
static void load_domains(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *p, *e;
	size_t cap = 0, n = 0;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		if ((p = strchr(line, '#')) != NULL)
			*p = 0;
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (e = p + strlen(p); e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if (e == p)
			continue;
		*e = 0;
		if (o.nhit_dom == n) {
			n = n ? n * 2 : 1024;
			o.hit_dom = xrealloc(o.hit_dom, n * sizeof *o.hit_dom);
		}
		if ((o.hit_dom[o.nhit_dom++] = strdup(p)) == NULL)
			die("out of memory");
	}
	free(line);
	fclose(f);
	if (!o.nhit_dom)
		die("%s: no domains", path);
}

static void usage(void)
{
	fprintf(stderr,
"usage: miltergen [options] unix:/path | inet:PORT@ADDR\n"
"  -c, --concurrency N     concurrent milter sessions (1)\n"
"  -m, --messages M        messages per session (10)\n"
"  -r, --rcpts R           recipients per message (1)\n"
"  -s, --sessions S        sessions in total, 0 = until the time limit (0)\n"
"  -t, --time SECS         time limit (10); unfinished sessions (with -s) fail the run\n"
"  -w, --warmup SECS       leave the first SECS out of the statistics (0)\n"
"      --mta postfix|sendmail   macro flavour (postfix)\n"
"      --tls SPEC          plain|tls|tlscert, or a mix: plain:50,tls:40,tlscert:10\n"
"      --from ADDR         sender (%%u = message number) (sender@example.org)\n"
"      --from-hit ADDR     sender of a policy hit, used for --from-hit-pct %% of messages\n"
"      --from-hit-pct P\n"
"      --rcpt-hit-file F   domains (one a line) for policy-hit recipients user@DOMAIN\n"
"      --rcpt-hit-pct P    percentage of recipients taken from the file (50)\n"
"      --rcpt-hit-local L  local part of those recipients, e.g. user+requiretls (user)\n"
"      --rcpt-hit-seq      take the file's domains in order (each once first), not at random\n"
"      --rcpt-miss PAT     other recipients (user%%u@miss%%u.example.net)\n"
"      --expect STAGE[/plain|tls|tlscert][/hit|miss]=KIND[,KIND]\n"
"                          expected final reply (continue accept reject tempfail\n"
"                          discard skip); the most specific match wins; default\n"
"                          continue, at eom continue or accept\n"
"      --expect-mail K, --expect-rcpt K, --expect-eom K   shorthands\n"
"      --probe SECS        only wait until the socket accepts a connection\n"
"      --syscall-cost      only print the ns one getppid() system call takes\n"
"  -v                      more output (-vv: every reply)\n");
	exit(2);
}

/* syscall_cost - what one trivial system call costs on this machine */
static int syscall_cost(void)
{
	double t0 = now();
	int i, n = 200000;

	for (i = 0; i < n; i++)
		(void)getppid();
	printf("%.0f\n", (now() - t0) * 1e9 / n);
	return 0;
}

/* probe_socket - wait until the milter accepts a connection; print the wait */
static int probe_socket(double secs)
{
	double t0 = now();
	struct timespec ms2 = { 0, 2000000 };
	int fd;

	for (;;) {
		if ((fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sa, salen) == 0) {
			close(fd);
			printf("%.3f\n", now() - t0);
			return 0;
		}
		close(fd);
		if (now() - t0 >= secs) {
			fprintf(stderr, "miltergen: %s: nobody listens after %.1f s\n", o.sock, secs);
			return 1;
		}
		nanosleep(&ms2, NULL);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "concurrency", 1, 0, 'c' }, { "messages", 1, 0, 'm' }, { "rcpts", 1, 0, 'r' },
		{ "sessions", 1, 0, 's' }, { "time", 1, 0, 't' }, { "warmup", 1, 0, 'w' },
		{ "mta", 1, 0, 'M' }, { "tls", 1, 0, 'T' }, { "from", 1, 0, 'f' },
		{ "from-hit", 1, 0, 'F' }, { "from-hit-pct", 1, 0, 'P' }, { "rcpt-hit-file", 1, 0, 'R' },
		{ "rcpt-hit-pct", 1, 0, 'p' }, { "rcpt-miss", 1, 0, 'x' },
		{ "rcpt-hit-local", 1, 0, 'L' }, { "rcpt-hit-seq", 0, 0, 'Q' }, { "expect", 1, 0, 'e' },
		{ "expect-mail", 1, 0, '1' }, { "expect-rcpt", 1, 0, '2' }, { "expect-eom", 1, 0, '3' },
		{ "probe", 1, 0, 'W' }, { "syscall-cost", 0, 0, 'S' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
	};
	struct epoll_event evs[256];
	struct rusage ru;
	double t_end, span, cpu;
	char spec[64];
	int c, i, k, ok;
	long checks = 0;
	double probe = -1;

	o.conc = 1;
	o.msgs = 10;
	o.rcpts = 1;
	o.secs = 10;
	o.tls_weight[T_PLAIN] = 1;
	o.from = "sender@example.org";
	o.rcpt_miss = "user%u@miss%u.example.net";
	o.rcpt_hit_pct = 50;
	o.rcpt_hit_local = "user";
	while ((c = getopt_long(argc, argv, "c:m:r:s:t:w:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o.conc = atoi(optarg); break;
		case 'm': o.msgs = atoi(optarg); break;
		case 'r': o.rcpts = atoi(optarg); break;
		case 's': o.total = atol(optarg); break;
		case 't': o.secs = atof(optarg); break;
		case 'w': o.warmup = atof(optarg); break;
		case 'M':
			if (!strcmp(optarg, "sendmail"))
				o.mta_sendmail = 1;
			else if (strcmp(optarg, "postfix"))
				die("--mta postfix|sendmail");
			break;
		case 'T': parse_tls(optarg); break;
		case 'f': o.from = optarg; break;
		case 'F': o.from_hit = optarg; break;
		case 'P': o.from_hit_pct = atoi(optarg); break;
		case 'R': load_domains(optarg); break;
		case 'p': o.rcpt_hit_pct = atoi(optarg); break;
		case 'x': o.rcpt_miss = optarg; break;
		case 'L': o.rcpt_hit_local = optarg; break;
		case 'Q': o.rcpt_hit_seq = 1; break;
		case 'e': add_expect(optarg); break;
		case '1': case '2': case '3':
			snprintf(spec, sizeof spec, "%s=%s", c == '1' ? "mail" : c == '2' ? "rcpt" : "eom", optarg);
			add_expect(spec);
			break;
		case 'v': o.verbose++; break;
		case 'W': probe = atof(optarg); break;
		case 'S': return syscall_cost();
		default: usage();
		}
	}
	if (optind != argc - 1 || o.conc < 1 || o.msgs < 1 || o.rcpts < 1 || o.secs <= 0)
		usage();
	if (o.from_hit && !o.from_hit_pct)
		o.from_hit_pct = 100;
	o.sock = argv[optind];
	parse_socket(o.sock);
	if (probe >= 0)
		return probe_socket(probe);
	signal(SIGPIPE, SIG_IGN);
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1: %s", strerror(errno));

	t_start = now();
	t_warm = t_start + o.warmup;
	t_stop = t_warm + o.secs;
	t_hard = t_stop + 10;
	t_end = 0;
	for (i = 0; i < o.conc; i++)
		start_session();
	while (active > 0) {
		double t = now();
		int n;

		if (!stopping && t >= t_stop)
			stopping = 1;
		if (t >= t_hard) {
			fprintf(stderr, "miltergen: %ld sessions still open 10 s after the time limit\n", active);
			res.errors++;
			break;
		}
		n = epoll_wait(epfd, evs, 256, 100);
		for (i = 0; i < n; i++) {
			struct sess *s = evs[i].data.ptr;

			if (s->dead)
				continue;
			if (evs[i].events & EPOLLOUT) {
				struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };

				if (flush(s) < 0) {
					sess_error(s, "write: %s", strerror(errno));
					continue;
				}
				if (s->w.len == 0)
					epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev);
			}
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				readable(s);
		}
		bury();
	}
	t_end = now();
	if (t_end > t_stop)
		t_end = t_stop;
	span = t_end - t_warm;
	getrusage(RUSAGE_SELF, &ru);
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (res.nlat)
		qsort(res.lat, res.nlat, sizeof *res.lat, cmp_u32);

	printf("miltergen: %s  sessions=%d msgs/session=%d rcpts=%d mta=%s tls=", o.sock, o.conc, o.msgs,
	       o.rcpts, o.mta_sendmail ? "sendmail" : "postfix");
	for (i = 0, k = 0; i < T_NTLS; i++)
		if (o.tls_weight[i])
			printf("%s%s:%d", k++ ? "," : "", tls_name[i], o.tls_weight[i]);
	printf("\n");
	if (res.have_neg) {
		printf("  negotiated: version %u actions 0x%x protocol 0x%x", res.neg_vers, res.neg_actions, res.neg_proto);
		for (i = 0; i < NMSTAGE; i++)
			if (res.neg_sym[i])
				printf(" macros[%d]=\"%s\"", i, res.neg_sym[i]);
		printf("\n");
	}
	printf("  sessions %ld finished of %ld started; messages %ld (%ld counted) in %.2f s = %.0f msg/s\n",
	       res.finished, res.started, res.msgs_all, res.msgs, span, span > 0 ? res.msgs / span : 0);
	if (res.nlat)
		printf("  latency per message: p50 %.3f ms  p99 %.3f ms  max %.3f ms\n",
		       res.lat[res.nlat / 2] / 1e3, res.lat[(size_t)(res.nlat * 0.99)] / 1e3,
		       res.lat[res.nlat - 1] / 1e3);
	printf("  replies:");
	for (i = 0; i < P_NSTEP; i++)
		for (k = 0; k < K_NKIND; k++)
			if (res.count[i][k]) {
				printf(" %s:%s=%ld", step_name[i], kind_name[k], res.count[i][k]);
				checks += res.count[i][k];
			}
	if (res.mods)
		printf(" modifications=%ld", res.mods);
	printf("\n  generator cpu %.2f s (%.0f%% of one core)\n", cpu, (now() - t_start) > 0 ? 100 * cpu / (now() - t_start) : 0);
	ok = res.mismatches == 0 && res.errors == 0 && res.msgs_all > 0 &&
		(o.total == 0 || res.finished == o.total);
	if (o.total && res.finished != o.total)
		printf("  INCOMPLETE: %ld of %ld sessions finished within the time limit\n", res.finished, o.total);
	printf("  %s: %ld replies checked, %ld mismatches, %ld errors\n", ok ? "PASS" : "FAIL", checks,
	       res.mismatches, res.errors);
	printf("RESULT ok=%d msgs_all=%ld msgs=%ld secs=%.3f rate=%.1f p50_us=%u p99_us=%u mismatches=%ld errors=%ld gen_cpu=%.3f proto=0x%x max_us=%u",
	       ok, res.msgs_all, res.msgs, span, span > 0 ? res.msgs / span : 0, res.nlat ? res.lat[res.nlat / 2] : 0,
	       res.nlat ? res.lat[(size_t)(res.nlat * 0.99)] : 0, res.mismatches, res.errors, cpu, res.neg_proto,
	       res.nlat ? res.lat[res.nlat - 1] : 0);
	for (i = 0; i < P_NSTEP; i++)
		for (k = 0; k < K_NKIND; k++)
			if (res.count[i][k])
				printf(" %s_%s=%ld", step_name[i], kind_name[k], res.count[i][k]);
	printf("\n");
	return ok ? 0 : 1;
}
