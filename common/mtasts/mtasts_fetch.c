/*
 * mtasts_fetch - HTTPS fetch of the MTA-STS policy (RFC 8461 3.3).
 *
 * One curl easy handle per call.  The addresses come from the caller
 * (CURLOPT_RESOLVE), so libcurl never asks the system resolver; proxies are
 * switched off so the environment cannot redirect us.  The body is read into
 * a buffer capped at MTASTS_POLICY_MAX: the write callback refuses the first
 * byte past the cap (and any byte of a non-200 answer), which aborts the
 * transfer at once instead of reading a large body to the end.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "util/domain.h"
#include "util/printable.h"
#include "mtasts/mtasts_fetch.h"

#define PATH "/.well-known/mta-sts.txt"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

long long mtasts_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *mtasts_fetch_status_name(enum mtasts_fetch_status s)
{
	switch (s) {
	case MTASTS_FETCH_OK: return "ok";
	case MTASTS_FETCH_PERM: return "no-policy";
	case MTASTS_FETCH_TEMP: return "temporary";
	}
	return "?";
}

void mtasts_fetch_result_clear(struct mtasts_fetch_result *res)
{
	free(res->body);
	mtasts_policy_free(res->policy);
	memset(res, 0, sizeof(*res));
}

struct sink {
	CURL *h;
	char *buf;
	size_t len;
	int oversize;         /* the body went past the cap */
	int not200;           /* a body came with another status: not read */
};

/* on_body - collect at most MTASTS_POLICY_MAX bytes of a 200 answer */
static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;
	long code = 0;
	char *nb;

	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		s->not200 = 1;
		return 0;                             /* abort: we will not use it */
	}
	if (n > (size_t)MTASTS_POLICY_MAX - s->len) {
		s->oversize = 1;
		return 0;
	}
	if (!(nb = realloc(s->buf, s->len + n + 1)))
		return 0;
	memcpy(nb + s->len, data, n);
	s->buf = nb;
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

static enum mtasts_fetch_status fail(struct mtasts_fetch_result *res, enum mtasts_fetch_status st,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* fail - set status and a printable reason; returns st */
static enum mtasts_fetch_status fail(struct mtasts_fetch_result *res, enum mtasts_fetch_status st,
    const char *fmt, ...)
{
	va_list ap;

	res->status = st;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	printable_inplace(res->reason, NULL, '?');
	return st;
}

/* media_is_text_plain - "text/plain" with optional parameters, any case */
static int media_is_text_plain(const char *ct)
{
	size_t n;

	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	if (n != 10 || strncasecmp(ct, "text/plain", 10) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* classify - a curl error as permanent or temporary, with a reason */
static enum mtasts_fetch_status classify(struct mtasts_fetch_result *res, CURLcode rc,
    const char *errbuf, const char *host)
{
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
#if LIBCURL_VERSION_NUM < 0x073e00
	case CURLE_SSL_CACERT:
#endif
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return fail(res, MTASTS_FETCH_PERM, "certificate of %s not valid: %s", host, why);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_TOO_MANY_REDIRECTS:
		return fail(res, MTASTS_FETCH_PERM, "fetch refused: %s", why);
	case CURLE_OPERATION_TIMEDOUT:
		return fail(res, MTASTS_FETCH_TEMP, "timed out fetching the policy from %s: %s", host, why);
	case CURLE_OUT_OF_MEMORY:
		return fail(res, MTASTS_FETCH_TEMP, "out of memory");
	default:
		return fail(res, MTASTS_FETCH_TEMP, "could not fetch the policy from %s: %s", host, why);
	}
}

/* build_resolve - "host:port:a1,a2,[v6]" after checking every address */
static int build_resolve(char *out, size_t outsz, const char *host, unsigned port,
    const char *const *addrs, size_t n, const char **bad)
{
	size_t i, used;
	int w;

	w = snprintf(out, outsz, "%s:%u:", host, port);
	if (w < 0 || (size_t)w >= outsz)
		return -1;
	used = (size_t)w;
	for (i = 0; i < n; i++) {
		unsigned char b[16];
		int v6;

		*bad = addrs[i];
		if (!addrs[i])
			return -1;
		if (inet_pton(AF_INET, addrs[i], b) == 1)
			v6 = 0;
		else if (inet_pton(AF_INET6, addrs[i], b) == 1)
			v6 = 1;
		else
			return -1;
		w = snprintf(out + used, outsz - used, v6 ? "%s[%s]" : "%s%s", i ? "," : "", addrs[i]);
		if (w < 0 || (size_t)w >= outsz - used)
			return -1;
		used += (size_t)w;
	}
	*bad = NULL;
	return 0;
}

enum mtasts_fetch_status mtasts_fetch(const char *domain, const char *const *addrs, size_t n,
    const struct mtasts_fetch_opts *opts, struct mtasts_fetch_result *res)
{
	char dom[DOMAIN_MAX + 1], host[DOMAIN_MAX + 16], url[DOMAIN_MAX + 64], resolve[4096];
	char errbuf[CURL_ERROR_SIZE];
	const char *err, *bad = NULL;
	struct curl_slist *rl = NULL;
	struct sink sink = {0};
	unsigned port = opts && opts->port ? opts->port : 443;
	long timeout = opts && opts->timeout_ms > 0 ? opts->timeout_ms : MTASTS_FETCH_TIMEOUT_MS;
	long code = 0;
	char *ct = NULL;
	CURLcode rc;
	CURL *h;

	memset(res, 0, sizeof(*res));
	if (!domain || domain_normalize(domain, strlen(domain), dom, sizeof(dom), &err) != 0)
		return fail(res, MTASTS_FETCH_PERM, "invalid domain: %s", domain ? err : "none");
	snprintf(host, sizeof(host), "mta-sts.%s", dom);
	if (strlen(host) > DOMAIN_MAX)
		return fail(res, MTASTS_FETCH_PERM, "%s: name too long", host);
	if (n == 0)
		return fail(res, MTASTS_FETCH_PERM, "%s has no address", host);
	if (build_resolve(resolve, sizeof(resolve), host, port, addrs, n, &bad) != 0)
		return fail(res, MTASTS_FETCH_PERM, "invalid address for the policy host: %s",
		    bad ? bad : "(too many)");
	if (opts && opts->deadline_ms > 0) {
		long long left = opts->deadline_ms - mtasts_now_ms();

		if (left <= 0)
			return fail(res, MTASTS_FETCH_TEMP, "deadline passed before fetching from %s", host);
		if (left < timeout)
			timeout = (long)left;
	}
	if (port == 443)
		snprintf(url, sizeof(url), "https://%s" PATH, host);
	else
		snprintf(url, sizeof(url), "https://%s:%u" PATH, host, port);

	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return fail(res, MTASTS_FETCH_TEMP, "libcurl initialisation failed");
	if (!(h = curl_easy_init()))
		return fail(res, MTASTS_FETCH_TEMP, "libcurl handle: out of memory");
	if (!(rl = curl_slist_append(NULL, resolve))) {
		curl_easy_cleanup(h);
		return fail(res, MTASTS_FETCH_TEMP, "out of memory");
	}
	errbuf[0] = '\0';
	sink.h = h;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_RESOLVE, rl);
	curl_easy_setopt(h, CURLOPT_PROXY, "");          /* ignore *_proxy in the environment */
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (opts && opts->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, opts->ca_file);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MTASTS_POLICY_MAX);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "tlspolicy-milter (MTA-STS)");
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);

	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	res->http_status = code;
	if (sink.oversize || rc == CURLE_FILESIZE_EXCEEDED) {
		fail(res, MTASTS_FETCH_PERM, "policy from %s larger than %ld bytes", host, MTASTS_POLICY_MAX);
	} else if (code != 0 && code != 200 && (rc == CURLE_OK || sink.not200)) {
		if (code >= 300 && code < 400)
			fail(res, MTASTS_FETCH_PERM, "%s answered a redirect (HTTP %ld), not followed", host, code);
		else if (code >= 500)
			fail(res, MTASTS_FETCH_TEMP, "%s answered HTTP %ld", host, code);
		else
			fail(res, MTASTS_FETCH_PERM, "%s answered HTTP %ld", host, code);
	} else if (rc != CURLE_OK) {
		classify(res, rc, errbuf, host);
	} else if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK || !media_is_text_plain(ct)) {
		char t[128];

		printable_copy(t, sizeof(t), ct ? ct : "none", NULL, '?');
		fail(res, MTASTS_FETCH_PERM, "policy media type is %s, not text/plain", t);
	} else if (!(res->policy = mtasts_policy_parse(sink.buf ? sink.buf : "", sink.len, &err))) {
		fail(res, strcmp(err, "out of memory") ? MTASTS_FETCH_PERM : MTASTS_FETCH_TEMP,
		    "invalid policy from %s: %s", host, err);
	} else {
		res->status = MTASTS_FETCH_OK;
		res->body = sink.buf ? sink.buf : strdup("");
		res->len = sink.len;
		sink.buf = NULL;
		if (!res->body) {
			mtasts_policy_free(res->policy);
			res->policy = NULL;
			fail(res, MTASTS_FETCH_TEMP, "out of memory");
		}
	}
	res->http_status = code;
	free(sink.buf);
	curl_slist_free_all(rl);
	curl_easy_cleanup(h);
	return res->status;
}
