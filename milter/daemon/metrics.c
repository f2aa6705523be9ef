/*
 * metrics - Prometheus text and the SIGUSR1 line (see metrics.h).
 *
 * Names: tlspolicy_* (counters end in _total); every label value is one of
 * a fixed set in stats.c, so the series count is bounded.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cache/cache.h"
#include "util/log.h"
#include "daemon/metrics.h"
#include "daemon/netctx.h"
#include "daemon/stats.h"

/* ---- a growing text buffer ---- */

struct mbuf {
	char *s;
	size_t len, cap;
	int failed;
};

static void put(struct mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;

	for (int tries = 0; !b->failed && tries < 2; tries++) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if (b->s && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap : 4096);
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->failed = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

static void head(struct mbuf *b, const char *name, const char *type, const char *help)
{
	put(b, "# HELP tlspolicy_%s %s\n# TYPE tlspolicy_%s %s\n", name, help, name, type);
}

static void one(struct mbuf *b, const char *name, const char *type, const char *help, unsigned long long v)
{
	head(b, name, type, help);
	put(b, "tlspolicy_%s %llu\n", name, v);
}

/* a label value: backslash, double quote and newline escaped */
static void label_escape(const char *s, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *s && o + 3 < outsz; s++) {
		if (*s == '\\' || *s == '"') {
			out[o++] = '\\';
			out[o++] = *s;
		} else if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else
			out[o++] = *s;
	}
	out[o] = '\0';
}

static void histogram(struct mbuf *b, enum stats_hist h)
{
	const char *k = stats_hist_name(h);

	for (int i = 0; i < STATS_BUCKETS; i++) {
		if (i == STATS_BUCKETS - 1)
			put(b, "tlspolicy_lookup_duration_seconds_bucket{kind=\"%s\",le=\"+Inf\"} %llu\n", k,
			    (unsigned long long)stats_hist_bucket(h, i));
		else
			put(b, "tlspolicy_lookup_duration_seconds_bucket{kind=\"%s\",le=\"%g\"} %llu\n", k,
			    stats_bucket_le[i], (unsigned long long)stats_hist_bucket(h, i));
	}
	put(b, "tlspolicy_lookup_duration_seconds_sum{kind=\"%s\"} %.6f\n", k, stats_hist_sum_usec(h) / 1e6);
	put(b, "tlspolicy_lookup_duration_seconds_count{kind=\"%s\"} %llu\n", k,
	    (unsigned long long)stats_hist_count(h));
}

char *metrics_render(size_t *len)
{
	struct mbuf b = { 0 };
	struct cache_stats cs;
	struct cache *c = netctx_cache();

	head(&b, "build_info", "gauge", "Version of the running tlspolicy-milter (value 1).");
	put(&b, "tlspolicy_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	one(&b, "start_time_seconds", "gauge", "Unix time the milter process loaded its first policy.",
	    (unsigned long long)stats_started_get());
	one(&b, "policy_loaded_timestamp_seconds", "gauge", "Unix time the policy in force was loaded.",
	    (unsigned long long)stats_loaded_get());
	head(&b, "reloads_total", "counter", "Policy reloads (SIGHUP) by result.");
	put(&b, "tlspolicy_reloads_total{result=\"ok\"} %llu\n", (unsigned long long)stats_get(STAT_RELOADS));
	put(&b, "tlspolicy_reloads_total{result=\"failed\"} %llu\n",
	    (unsigned long long)stats_get(STAT_RELOAD_FAILURES));
	one(&b, "sessions_total", "counter", "MTA connections (SMTP sessions) seen.",
	    (unsigned long long)stats_get(STAT_CONNECTIONS));
	one(&b, "messages_total", "counter", "Messages seen (MAIL FROM).", (unsigned long long)stats_get(STAT_MESSAGES));
	one(&b, "recipients_total", "counter", "Recipients seen (RCPT TO).",
	    (unsigned long long)stats_get(STAT_RECIPIENTS));
	head(&b, "verdicts_total", "counter", "Rule verdicts by stage and verdict.");
	for (int st = 0; st < STATS_STAGES; st++)
		for (int v = 0; v < STATS_VERDICTS; v++)
			put(&b, "tlspolicy_verdicts_total{stage=\"%s\",verdict=\"%s\"} %llu\n", stats_stage_name(st),
			    stats_verdict_name(v), (unsigned long long)stats_verdict_get(st, v));
	one(&b, "errors_total", "counter", "Messages where on_error was applied (an edit or a check could not run).",
	    (unsigned long long)stats_get(STAT_ERRORS));
	head(&b, "requiretls_flagged_total", "counter", "Messages flagged REQUIRETLS, by trigger.");
	for (int t = 0; t < STATS_TRIGGERS; t++)
		put(&b, "tlspolicy_requiretls_flagged_total{trigger=\"%s\"} %llu\n", stats_trigger_name(t),
		    (unsigned long long)stats_flagged_get(t));
	head(&b, "requiretls_checks_total", "counter", "REQUIRETLS feasibility checks (per domain) by result.");
	put(&b, "tlspolicy_requiretls_checks_total{result=\"feasible\"} %llu\n",
	    (unsigned long long)stats_get(STAT_RT_FEASIBLE));
	put(&b, "tlspolicy_requiretls_checks_total{result=\"infeasible\"} %llu\n",
	    (unsigned long long)stats_get(STAT_RT_INFEASIBLE));
	put(&b, "tlspolicy_requiretls_checks_total{result=\"error\"} %llu\n",
	    (unsigned long long)stats_get(STAT_RT_CHECK_ERRORS));
	head(&b, "requiretls_checks_by_method_total", "counter",
	    "REQUIRETLS feasibility checks by the evidence found (method) and result.");
	static const char *const res[3] = { "feasible", "infeasible", "error" };
	for (int m = 0; m < STATS_METHODS; m++)
		for (int r = 0; r < 3; r++)
			put(&b, "tlspolicy_requiretls_checks_by_method_total{method=\"%s\",result=\"%s\"} %llu\n",
			    stats_method_name(m), res[r], (unsigned long long)stats_check_get(m, r));
	head(&b, "rule_verdicts_total", "counter",
	    "Verdicts by rule (the rule's name in the config, else its key) and verdict.");
	for (int i = 0; i <= STATS_RULES; i++) {
		const char *name = stats_rule_name(i);
		char esc[600];
		if (!name)
			continue;
		label_escape(name, esc, sizeof(esc));
		for (int v = 0; v < STATS_VERDICTS; v++)
			put(&b, "tlspolicy_rule_verdicts_total{rule=\"%s\",verdict=\"%s\"} %llu\n", esc,
			    stats_verdict_name(v), (unsigned long long)stats_rule_get(i, v));
	}
	head(&b, "socketmap_answers_total", "counter", "Socketmap answers by map and answer.");
	for (int m = 0; m < STATS_MAPS; m++)
		for (int a = 0; a < STATS_ANSWERS; a++)
			put(&b, "tlspolicy_socketmap_answers_total{map=\"%s\",answer=\"%s\"} %llu\n", stats_map_name(m),
			    stats_answer_name(a), (unsigned long long)stats_smap_get(m, a));
	head(&b, "lookup_duration_seconds", "histogram",
	    "Time a lookup took: feasible = a milter REQUIRETLS check call, socketmap = one socketmap answer.");
	for (int h = 0; h < STATS_HISTS; h++)
		histogram(&b, h);
	memset(&cs, 0, sizeof(cs));
	if (c)
		cache_stats(c, &cs);
	one(&b, "cache_hits_total", "counter", "Result cache lookups that found a live entry.",
	    (unsigned long long)cs.hits);
	one(&b, "cache_misses_total", "counter", "Result cache lookups that did not.", (unsigned long long)cs.misses);
	one(&b, "cache_evictions_total", "counter", "Live cache entries dropped for space.",
	    (unsigned long long)cs.evictions);
	one(&b, "cache_expirations_total", "counter", "Expired cache entries removed.",
	    (unsigned long long)cs.expirations);
	one(&b, "cache_entries", "gauge", "Entries in the result cache.", (unsigned long long)cs.entries);
	one(&b, "cache_bytes", "gauge", "Bytes accounted to the result cache.", (unsigned long long)cs.bytes);
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s;
}

void metrics_log(void)
{
	size_t len, o = 0;
	char *text = metrics_render(&len);
	char line[1900];
	int first = 1;

	if (!text) {
		log_err("stats: out of memory");
		return;
	}
	/* the old counters first, then every non-zero series of the exposition */
	for (int i = 0; i < STAT_MAX; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s=%llu", i ? " " : "", stats_name(i),
		    (unsigned long long)stats_get(i));
	for (char *l = text, *nl; *l; l = nl + 1) {
		if (!(nl = strchr(l, '\n')))
			break;
		*nl = '\0';
		char *sp = strrchr(l, ' ');
		if (l[0] == '#' || !sp || strcmp(sp + 1, "0") == 0 || strcmp(sp + 1, "0.000000") == 0 ||
		    strncmp(l, "tlspolicy_build_info", 20) == 0)
			continue;
		*sp = '=';
		size_t need = strlen(l + 10) + 1;
		if (o + need >= sizeof(line)) {
			/* a full line: go on in a continuation line ("stats+") */
			log_info("%s %s", first ? "stats" : "stats+", line);
			first = 0;
			o = 0;
		}
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s", o ? " " : "", l + 10);
	}
	log_info("%s %s", first ? "stats" : "stats+", line);
	free(text);
}

/* ---- the HTTP server ---- */

struct metrics {
	struct MHD_Daemon *d;
	int fd;
};

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *data, size_t *data_size, void **state)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	static const char not_found[] = "not found: try GET /metrics\n";
	static const char bad_method[] = "only GET and HEAD\n";
	static const char oom[] = "out of memory\n";
	unsigned status = MHD_HTTP_OK;

	(void)cls;
	(void)version;
	(void)data;
	if (!*state) {          /* the first call is for the header: wait for the (empty) body */
		*state = (void *)1;
		return MHD_YES;
	}
	if (*data_size) {       /* a body we do not want: drop it */
		*data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		r = MHD_create_response_from_buffer(sizeof(bad_method) - 1, (void *)bad_method, MHD_RESPMEM_PERSISTENT);
	} else if (strcmp(url, "/metrics") != 0) {
		status = MHD_HTTP_NOT_FOUND;
		r = MHD_create_response_from_buffer(sizeof(not_found) - 1, (void *)not_found, MHD_RESPMEM_PERSISTENT);
	} else {
		size_t len;
		char *text = metrics_render(&len);
		if (text)
			r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		else {
			status = MHD_HTTP_INTERNAL_SERVER_ERROR;
			r = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
		}
	}
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type",
	    status == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("metrics: %s", line);
}

struct metrics *metrics_start(int fd, char *err, size_t errsz)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m) {
		snprintf(err, errsz, "out of memory");
		close(fd);
		return NULL;
	}
	m->fd = fd;
	/* one polling thread; bounded connections, memory and time per connection */
	m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    serve, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)16,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)5,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_END);
	if (!m->d) {
		snprintf(err, errsz, "libmicrohttpd could not start: %s", strerror(errno));
		close(fd);
		free(m);
		return NULL;
	}
	return m;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);      /* closes the listening socket too */
	free(m);
}
