/*
 * fuzz_config - the configuration file (config/config_load): libconfig
 * syntax, then every key, type and value check, profiles, rules, list files,
 * reply templates, REQUIRETLS content rules.
 *
 * Input: the whole file.  It is written to a temporary directory made once
 * per process, which also holds two domain list files the input can name
 * ("domains.list", valid; "bad.list", with errors), and loaded from there.
 * Use the dictionary t/fuzz/config.dict (keys, values, syntax) so the
 * fuzzer gets past libconfig's syntax errors, which are not instrumented
 * (libconfig is a shared system library).
 *
 * Inputs naming "dev", "proc", "sys" or ".." are skipped: list files and
 * @include would otherwise let the fuzzer read /dev/zero or a FIFO forever,
 * which tests the machine, not the parser.
 *
 * Properties: a snapshot is returned exactly when no error was reported;
 * it has one reference and can be summarised; kept messages are at most
 * DIAG_MAX, each "...error: ..." or "...warning: ..." and printable (they go
 * to the log and to the terminal of "tlspolicy-milter -t"); every reply
 * template of the snapshot expands to printable text; nothing leaks
 * (LeakSanitizer after every input).
 */
#define _GNU_SOURCE
#include <unistd.h>

#include "fuzz.h"
#include "config/config.h"
#include "policy/reply.h"

static char dir[64], conf[96];

static void cleanup(void)
{
	char p[128];

	snprintf(p, sizeof p, "%s/domains.list", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/bad.list", dir);
	unlink(p);
	unlink(conf);
	rmdir(dir);
}

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fwrite(data, 1, size, fp) != size || fclose(fp) != 0) {
		perror(path);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char good[] = "# partners\nbank.example\n.lawfirm.example\nSecure.Example.\n";
	static const char bad[] = "ok.example\nbad..example\n-x.example\n";
	const char *tmp = getenv("TMPDIR");
	char p[128];

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s/tp-fuzz-config.XXXXXX", tmp != NULL && strlen(tmp) < 30 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	snprintf(conf, sizeof conf, "%s/fuzz.conf", dir);
	snprintf(p, sizeof p, "%s/domains.list", dir);
	write_file(p, good, sizeof good - 1);
	snprintf(p, sizeof p, "%s/bad.list", dir);
	write_file(p, bad, sizeof bad - 1);
	atexit(cleanup);
	return 0;
}

static int mentions(const uint8_t *data, size_t size, const char *word)
{
	return memmem(data, size, word, strlen(word)) != NULL;
}

static void check_snapshot(struct ruleset *p)
{
	struct reply_vars v = { .domain = "a.example", .reason = "no TLS\r\n%s", .tls_version = "TLSv1.2",
		.cipher_bits = "256", .client = "192.0.2.1", .sender = "a@b", .recipient = "c@d", .rule = "r" };
	struct reply r;
	FILE *null;
	size_t i;

	FUZZ_ASSERT(p->refs == 1, "snapshot with %d references", p->refs);
	for (i = 0; i < p->nrules; i++) {
		FUZZ_ASSERT(p->rules[i].label != NULL && fuzz_printable(p->rules[i].label),
		    "rule %zu label not printable", i);
		if (p->rules[i].reply != NULL) {
			reply_tpl_expand(p->rules[i].reply, &v, &r);
			FUZZ_ASSERT(fuzz_printable(r.text), "rule %zu reply not printable", i);
			FUZZ_ASSERT(r.rcode[0] == '4' || r.rcode[0] == '5', "rule %zu reply code %s", i, r.rcode);
		}
	}
	if ((null = fopen("/dev/null", "w")) != NULL) {
		ruleset_summary(p, null);
		fclose(null);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset *p;
	struct diag d;
	size_t i;

	FUZZ_PLANT(data, size);
	if (mentions(data, size, "dev") || mentions(data, size, "proc") || mentions(data, size, "sys")
	    || mentions(data, size, ".."))
		return 0;
	write_file(conf, data, size);
	diag_init(&d);
	p = config_load(conf, &d);
	FUZZ_ASSERT((p != NULL) == (d.nerrors == 0), "snapshot %s with %zu errors", p ? "returned" : "refused",
	    d.nerrors);
	FUZZ_ASSERT(d.nkept <= DIAG_MAX && d.nkept == (d.nerrors + d.nwarnings < DIAG_MAX
	    ? d.nerrors + d.nwarnings : DIAG_MAX), "kept %zu of %zu messages", d.nkept, d.nerrors + d.nwarnings);
	for (i = 0; i < d.nkept; i++) {
		FUZZ_ASSERT(strstr(d.msgs[i], "error: ") != NULL || strstr(d.msgs[i], "warning: ") != NULL,
		    "message without a kind: %s", d.msgs[i]);
		FUZZ_ASSERT(fuzz_printable(d.msgs[i]), "message not printable: '%s'", d.msgs[i]);
	}
	if (p != NULL) {
		check_snapshot(p);
		ruleset_unref(p);
	}
	diag_free(&d);
	return 0;
}
