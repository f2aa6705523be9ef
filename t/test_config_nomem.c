/*
 * test_config_nomem - defect 6: an allocation that fails while a config is
 * loaded is a load error, never a rule, requirement or reply silently left
 * out.  The test is linked with -Wl,--wrap for malloc, calloc, realloc,
 * strdup, strndup and getline (and __getdelim, which glibc's inline getline
 * calls when optimising; Makefile.am), so every allocation the loader and
 * the modules it calls make passes the counter below (a getline call counts
 * as one: it may grow its buffer, and fails with ENOMEM without setting the
 * stream's error flag).  It first counts the
 * allocations of a good load, then loads the same file once per allocation,
 * failing exactly that one: each load must return NULL with an "out of
 * memory" error.  (libconfig's, PCRE2's and libc's own internal allocations
 * are not wrapped: their failures reach us as their own errors.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "config/config.h"
#include "util/log.h"
#include "tap.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
ssize_t __real_getline(char **line, size_t *cap, FILE *fp);
ssize_t __wrap_getline(char **line, size_t *cap, FILE *fp);
ssize_t __real___getdelim(char **line, size_t *cap, int delim, FILE *fp);
ssize_t __wrap___getdelim(char **line, size_t *cap, int delim, FILE *fp);

static long nalloc;             /* allocations since arm() */
static long fail_at = -1;       /* the one to fail, -1 = none */
static int armed, injected;

/* fail_now - count one allocation; 1 if it is the one to fail */
static int fail_now(void)
{
	if (!armed)
		return 0;
	if (nalloc++ == fail_at) {
		injected++;
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n) { return fail_now() ? NULL : __real_strndup(s, n); }
ssize_t __wrap_getline(char **line, size_t *cap, FILE *fp) { return fail_now() ? -1 : __real_getline(line, cap, fp); }
ssize_t __wrap___getdelim(char **line, size_t *cap, int delim, FILE *fp)
{
	return fail_now() ? -1 : __real___getdelim(line, cap, delim, fp);
}

static char dir[] = "/tmp/tp-test-nomem-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(fp = fopen(path, "w")) || fputs(text, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
	return path;
}

static int diag_has(const struct diag *d, const char *want)
{
	for (size_t i = 0; i < d->nkept; i++)
		if (strstr(d->msgs[i], want))
			return 1;
	return 0;
}

/* load - config_load with allocation number `at` failing (-1: none) */
static struct ruleset *load(const char *path, long at, struct diag *d)
{
	struct ruleset *p;

	nalloc = 0;
	injected = 0;
	fail_at = at;
	armed = 1;
	p = config_load(path, d);
	armed = 0;
	return p;
}

/* Every block and every kind of owned allocation, no warnings. */
static const char good[] =
	"socket = \"unix:/run/tp/milter.sock\";\nsocket_mode = \"0660\";\npidfile = \"/run/tp.pid\";\n"
	"log = { facility = \"mail\"; level = \"info\"; };\nmode = \"enforce\";\n"
	"profiles = {\n"
	"  tls = { encrypted = true; min_version = \"TLSv1.2\"; min_bits = 128; };\n"
	"  partner = { client_cert = \"verified\"; subject = \"mx.partner.example\"; issuer = \"Partner CA\";\n"
	"    fingerprint = [ \"AB:CD\", \"ef01\", \"0123\" ]; };\n"
	"};\n"
	"requiretls = { address_tag = \"requiretls\"; header = \"X-RequireTLS\";\n"
	"  content = ( { header = \"Subject\"; match = \"\\\\[secure\\\\]\"; strip = true; } ); };\n"
	"rules = (\n"
	"  { name = \"bank\"; sender = [ \"bank.example\", \"b.example\" ]; require = \"tls\";\n"
	"    reply = \"550 5.7.10 %{domain} needs TLS: %{reason}\"; },\n"
	"  { recipient_list = \"list.txt\"; require = \"tls\"; action = \"tempfail\"; },\n"
	"  { recipient = [ \"d1.example\", \"shared.example\" ]; requiretls = true; },\n"
	"  { client = [ \"192.0.2.0/24\", \"2001:db8::/32\", \"mx.partner.example\" ]; require = \"partner\"; },\n"
	"  { authenticated = true; require = \"tls\"; }\n"
	");\n";

int main(void)
{
	struct diag d;
	struct ruleset *p;
	char list[4096] = "";
	long total, i, failed_open = 0, no_message = 0;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	log_stderr_only();
	log_set_level(LOG_LVL_ERR);
	/* enough keys that the domain table grows, and one shared with another rule */
	for (i = 0; i < 40; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "d%ld.example\n", i);
	strcat(list, "shared.example\n");
	write_file("list.txt", list);
	const char *path = write_file("nomem.conf", good);

	diag_init(&d);
	p = load(path, -1, &d);
	total = nalloc;
	if (!ok(p != NULL && d.nerrors == 0 && d.nwarnings == 0, "the good file loads without warnings"))
		diag_print(&d, stdout);
	ok(total > 50, "a load makes %ld counted allocations", total);
	ruleset_unref(p);
	diag_free(&d);

	for (i = 0; i < total; i++) {
		diag_init(&d);
		p = load(path, i, &d);
		if (injected != 1)
			printf("# allocation %ld: not reached (injected %d)\n", i, injected);
		if (p != NULL) {
			failed_open++;
			printf("# allocation %ld of %ld failed, yet the load succeeded\n", i, total);
		} else if (!diag_has(&d, "out of memory")) {
			no_message++;
			printf("# allocation %ld of %ld failed: no 'out of memory' error\n", i, total);
			diag_print(&d, stdout);
		}
		ruleset_unref(p);
		diag_free(&d);
	}
	is_int(failed_open, 0, "no load succeeds when one of its %ld allocations fails", total);
	is_int(no_message, 0, "each such load says 'out of memory'");

	/* once more without failures: nothing was left in a bad state */
	diag_init(&d);
	p = load(path, -1, &d);
	ok(p != NULL && nalloc == total, "a clean load afterwards still works (%ld allocations)", nalloc);
	ruleset_unref(p);
	diag_free(&d);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
