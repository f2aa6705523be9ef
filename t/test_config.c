/*
 * test_config - config_load: every error class names file:line and the
 * reason; good files load with the expected rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/cfg.h"
#include "util/log.h"
#include "tap.h"

static char dir[] = "/tmp/tp-test-config-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* 1 if some message of d contains want. */
static int diag_has(const struct diag *d, const char *want)
{
	for (size_t i = 0; i < d->nkept; i++)
		if (strstr(d->msgs[i], want))
			return 1;
	return 0;
}

static void diag_dump(const struct diag *d)
{
	for (size_t i = 0; i < d->nkept; i++)
		printf("#   %s\n", d->msgs[i]);
}

#define P "profiles = { tls = { encrypted = true; }; };\n"

static const struct {
	const char *label, *text;
	const char *want;       /* substring of an error, after "test.conf:" */
} bad[] = {
	{ "syntax error", "mode = \"enforce\"\nrules = ( { ;\n", "test.conf:2: error: syntax error" },
	{ "unknown top-level key with hint", "mode = \"enforce\";\nmdoe = \"x\";\n",
	  "test.conf:2: error: unknown key 'mdoe' in the top level (did you mean 'mode'?)" },
	{ "unknown profile key", "profiles = {\n tls = { encrypted = true; min_vers = \"TLSv1.2\"; };\n};\n",
	  "test.conf:2: error: unknown key 'min_vers' in a profile (did you mean 'min_version'?)" },
	{ "unknown rule key", P "rules = (\n { sender = \"a.example\"; require = \"tls\"; reqiure = \"tls\"; }\n);\n",
	  "test.conf:3: error: unknown key 'reqiure' in a rule (did you mean 'require'?)" },
	{ "wrong type bool", "profiles = {\n tls = { encrypted = \"yes\"; };\n};\n",
	  "test.conf:2: error: 'encrypted' must be true or false, not a string" },
	{ "wrong type string", "mode = 1;\n", "test.conf:1: error: 'mode' must be a string" },
	{ "wrong type int", "profiles = {\n tls = { min_bits = \"128\"; };\n};\n",
	  "test.conf:2: error: 'min_bits' must be an integer, not a string" },
	{ "bad enum", "\non_error = \"maybe\";\n", "test.conf:2: error: on_error 'maybe': expected one of tempfail, accept, reject" },
	{ "bad mode", "mode = \"enforcing\";\n", "test.conf:1: error: mode 'enforcing': expected one of enforce, testing" },
	{ "not a version", "profiles = {\n s = { min_version = \"TLS 1.3\"; };\n};\n", "test.conf:2: error: min_version 'TLS 1.3': expected SSLv3 or TLSvX.Y" },
	{ "unknown profile", P "rules = (\n { sender = \"a.example\"; require = \"strong\"; }\n);\n",
	  "test.conf:3: error: unknown profile 'strong' (defined: tls)" },
	{ "bad CIDR host bits", P "rules = (\n { client = \"192.0.2.1/24\"; require = \"tls\"; }\n);\n",
	  "test.conf:3: error: bad client address '192.0.2.1/24'" },
	{ "bad CIDR prefix", P "rules = (\n { client = [\"10.0.0.0/8\",\n \"2001:db8::/129\"]; require = \"tls\"; }\n);\n",
	  "test.conf:4: error: bad client address '2001:db8::/129'" },
	{ "bad domain", P "rules = (\n { recipient = \"a..example\"; require = \"tls\"; }\n);\n",
	  "test.conf:3: error: bad domain 'a..example': " },
	{ "bad domain char", P "rules = (\n { sender = \"bank example\"; require = \"tls\"; }\n);\n",
	  "test.conf:3: error: bad domain 'bank example'" },
	{ "bad reply code", P "rules = (\n { sender = \"a.example\"; require = \"tls\"; reply = \"250 2.0.0 fine\"; }\n);\n",
	  "test.conf:3: error: bad reply '250 2.0.0 fine'" },
	{ "bad enhanced code", P "rules = (\n { sender = \"a.example\"; require = \"tls\"; reply = \"550 4.7.1 no\"; }\n);\n",
	  "enhanced code class 4 does not match reply code 550" },
	{ "unknown template variable", P "rules = (\n { sender = \"a.example\"; require = \"tls\"; reply = \"550 5.7.1 %{nope}\"; }\n);\n",
	  "test.conf:3: error: bad reply '550 5.7.1 %{nope}': unknown variable" },
	{ "stray percent", P "rules = (\n { sender = \"a.example\"; require = \"tls\"; reply = \"550 5.7.1 100% sure\"; }\n);\n",
	  "stray '%'" },
	{ "reply class vs action", P "rules = (\n { sender = \"a.example\"; require = \"tls\"; action = \"tempfail\";\n"
	  "   reply = \"550 5.7.1 no\"; }\n);\n", "test.conf:4: error: reply '550...' does not fit action tempfail" },
	{ "two kinds in one rule", P "rules = (\n { sender = \"a.example\"; recipient = \"b.example\"; require = \"tls\"; }\n);\n",
	  "test.conf:3: error: a rule has one kind of key" },
	{ "no key", P "rules = (\n { require = \"tls\"; }\n);\n", "test.conf:3: error: a rule needs one of sender" },
	{ "no requirement", P "rules = (\n { sender = \"a.example\"; }\n);\n", "test.conf:3: error: a rule needs 'require" },
	{ "requiretls on client", P "rules = (\n { client = \"10.0.0.0/8\"; requiretls = true; }\n);\n",
	  "test.conf:3: error: requiretls applies to sender and recipient rules only" },
	{ "rules not a list", P "rules = { a = 1; };\n", "test.conf:2: error: 'rules' must be a list" },
	{ "bad socket", "socket = \"tcp:25\";\n", "test.conf:1: error: socket 'tcp:25'" },
	{ "bad port", "socket = \"inet:0@127.0.0.1\";\n", "test.conf:1: error: socket 'inet:0@127.0.0.1'" },
	{ "relative unix socket", "socket = \"unix:milter.sock\";\n", "must be absolute" },
	{ "bad socket_mode", "socket_mode = \"rw\";\n", "test.conf:1: error: socket_mode 'rw'" },
	{ "bad policy_socket", "policy_socket = \"tcp:8896\";\n", "test.conf:1: error: policy_socket 'tcp:8896'" },
	{ "policy_socket port 0", "policy_socket = \"inet:0@127.0.0.1\";\n", "error: policy_socket 'inet:0@127.0.0.1'" },
	{ "relative policy_socket", "policy_socket = \"unix:p.sock\";\n", "policy_socket 'unix:p.sock': the unix socket path must be absolute" },
	{ "policy_socket = socket", "socket = \"inet:8891@127.0.0.1\";\npolicy_socket = \"inet:8891@127.0.0.1\";\n",
	  "test.conf:2: error: policy_socket 'inet:8891@127.0.0.1': the same as socket" },
	/* operations (issue 13) */
	{ "metrics on a unix socket", "metrics = \"unix:/tmp/m.sock\";\n",
	  "test.conf:1: error: metrics 'unix:/tmp/m.sock': expected inet:PORT@HOST or inet6:PORT@HOST" },
	{ "metrics port 0", "metrics = \"inet:0@127.0.0.1\";\n", "error: metrics 'inet:0@127.0.0.1'" },
	{ "metrics = socket", "socket = \"inet:8891@127.0.0.1\";\nmetrics = \"inet:8891@127.0.0.1\";\n",
	  "test.conf:2: error: metrics 'inet:8891@127.0.0.1': the same as another socket" },
	{ "relative control_socket", "control_socket = \"c.sock\";\n",
	  "test.conf:1: error: control_socket 'c.sock': expected an absolute path" },
	{ "bad policy_socket_mode", "policy_socket_mode = \"999\";\n", "test.conf:1: error: policy_socket_mode '999'" },
	{ "policy_socket_timeout 0", "policy_socket_timeout = 0;\n", "test.conf:1: error: policy_socket_timeout 0" },
	{ "unknown user", "user = \"no-such-user-tp\";\n", "test.conf:1: error: user 'no-such-user-tp' does not exist" },
	{ "bad log facility", "log = {\n facility = \"mial\"; };\n", "test.conf:2: error: log facility 'mial'" },
	{ "bad fingerprint", "profiles = {\n f = { fingerprint = \"zz:11\"; };\n};\n", "test.conf:2: error: fingerprint 'zz:11'" },
	{ "bad client_cert", "profiles = {\n f = { client_cert = \"maybe\"; };\n};\n", "test.conf:2: error: client_cert" },
	{ "testing_header: not a field name", "mode = \"testing\";\ntesting_header = \"X-Test: yes\";\n",
	  "test.conf:2: error: testing_header 'X-Test: yes': not a header field name" },
	{ "testing_header: empty", "\ntesting_header = \"\";\n", "test.conf:2: error: testing_header '': not a header" },
	{ "exclude_ciphers: not a family", "profiles = {\n f = { exclude_ciphers = [ \"RC4\",\n \"CBC\" ]; };\n};\n",
	  "test.conf:3: error: exclude_ciphers 'CBC': not a cipher family" },
	{ "exclude_ciphers: not a name", "profiles = {\n f = { exclude_ciphers = \"RC4:!MD5\"; };\n};\n",
	  "test.conf:2: error: exclude_ciphers 'RC4:!MD5': expected a family" },
	{ "exclude_ciphers: empty list", "profiles = {\n f = { exclude_ciphers = [ ]; };\n};\n",
	  "test.conf:2: error: exclude_ciphers is an empty list" },
	{ "exclude_ciphers: not a string", "profiles = {\n f = { exclude_ciphers = ( \"RC4\",\n 3 ); };\n};\n",
	  "test.conf:3: error: exclude_ciphers must be a string or a list of strings" },
	{ "exclude_ciphers: a group", "profiles = {\n f = { exclude_ciphers = { a = \"RC4\"; }; };\n};\n",
	  "test.conf:2: error: exclude_ciphers must be a string or a list of strings" },
	{ "missing list file", P "rules = (\n { recipient_list = \"nosuch.txt\"; require = \"tls\"; }\n);\n",
	  "nosuch.txt: error: cannot open domain list" },
	{ "bad list line", P "rules = (\n { recipient_list = \"bad.txt\"; require = \"tls\"; }\n);\n",
	  "bad.txt:3: error: bad domain 'x..example'" },
	{ "duplicate auth rule", P "rules = (\n { authenticated = true; require = \"tls\"; },\n"
	  " { authenticated = true; require = \"tls\"; }\n);\n", "test.conf:4: error: only one rule may have authenticated" },
};

/*
 * Defect 7: every key with a value of the wrong type is an error on its own
 * line (name = 42 used to pass -t).  The bad key is always on line 2.
 */
#define PS "profiles = { tls = { encrypted = true; }; }; "
static const struct {
	const char *key, *text;
} wrong_type[] = {
	{ "socket", "\nsocket = 1;\n" },
	{ "socket_mode", "\nsocket_mode = 0660;\n" },
	{ "policy_socket", "\npolicy_socket = 8896;\n" },
	{ "policy_socket_mode", "\npolicy_socket_mode = 0660;\n" },
	{ "policy_socket_timeout", "\npolicy_socket_timeout = \"60\";\n" },
	{ "user", "\nuser = 1;\n" },
	{ "group", "\ngroup = true;\n" },
	{ "pidfile", "\npidfile = [ \"/run/x.pid\" ];\n" },
	{ "log", "\nlog = \"mail\";\n" },
	{ "facility", "log = {\n facility = 1; };\n" },
	{ "level", "log = {\n level = [ \"info\" ]; };\n" },
	{ "mode", "\nmode = 1;\n" },
	{ "action", "\naction = true;\n" },
	{ "on_error", "\non_error = 1;\n" },
	{ "mta", "\nmta = 1;\n" },
	{ "testing_header", "\ntesting_header = true;\n" },
	{ "exclude_ciphers", "profiles = {\n t = { exclude_ciphers = 1; }; };\n" },
	{ "profiles", "\nprofiles = \"tls\";\n" },
	{ "rules", "\nrules = \"x\";\n" },
	{ "requiretls", "\nrequiretls = true;\n" },
	{ "encrypted", "profiles = {\n t = { encrypted = 1; }; };\n" },
	{ "min_version", "profiles = {\n t = { min_version = 12; }; };\n" },
	{ "min_bits", "profiles = {\n t = { min_bits = 128.5; }; };\n" },
	{ "client_cert", "profiles = {\n t = { client_cert = 1; }; };\n" },
	{ "subject", "profiles = {\n t = { subject = 1; }; };\n" },
	{ "issuer", "profiles = {\n t = { issuer = true; }; };\n" },
	{ "fingerprint", "profiles = {\n t = { fingerprint = 1; }; };\n" },
	{ "fingerprint", "profiles = {\n t = { fingerprint = [ 1, 2 ]; }; };\n" },
	{ "fingerprint", "profiles = {\n t = { fingerprint = [ ]; }; };\n" },
	{ "fingerprint", "profiles = {\n t = { fingerprint = { a = \"abcd\"; }; }; };\n" },
	{ "profile", "profiles = {\n t = \"tls\"; };\n" },
	{ "name", PS "rules = ( { sender = \"a.example\"; require = \"tls\";\n name = 42; } );\n" },
	{ "name", PS "rules = ( { sender = \"a.example\"; require = \"tls\";\n name = [ \"x\" ]; } );\n" },
	{ "sender", PS "rules = ( { require = \"tls\";\n sender = 1; } );\n" },
	{ "sender_list", PS "rules = ( { require = \"tls\";\n sender_list = true; } );\n" },
	{ "recipient", PS "rules = ( { require = \"tls\";\n recipient = [ 1 ]; } );\n" },
	{ "recipient_list", PS "rules = ( { require = \"tls\";\n recipient_list = 1; } );\n" },
	{ "client", PS "rules = ( { require = \"tls\";\n client = 10; } );\n" },
	{ "authenticated", PS "rules = ( { require = \"tls\";\n authenticated = \"yes\"; } );\n" },
	{ "require", PS "rules = ( { sender = \"a.example\";\n require = 1; } );\n" },
	{ "requiretls", PS "requiretls = { };\nrules = ( { sender = \"a.example\"; requiretls = \"yes\"; } );\n" },
	{ "mode", PS "rules = ( { sender = \"a.example\"; require = \"tls\";\n mode = 1; } );\n" },
	{ "action", PS "rules = ( { sender = \"a.example\"; require = \"tls\";\n action = false; } );\n" },
	{ "reply", PS "rules = ( { sender = \"a.example\"; require = \"tls\";\n reply = 550; } );\n" },
	{ "rule", PS "rules = (\n \"a.example\" );\n" },
	{ "address_tag", "requiretls = {\n address_tag = 1; };\n" },
	{ "header", "requiretls = {\n header = true; };\n" },
	{ "trace_header", "requiretls = {\n trace_header = 1; };\n" },
	{ "verify", "requiretls = {\n verify = false; };\n" },
	{ "content", "requiretls = {\n content = \"Subject\"; };\n" },
	{ "header", "requiretls = { content = (\n { header = 1; match = \"x\"; } ); };\n" },
	{ "match", "requiretls = { content = (\n { header = \"Subject\"; match = 1; } ); };\n" },
	{ "strip", "requiretls = { content = (\n { header = \"Subject\"; match = \"x\"; strip = \"yes\"; } ); };\n" },
	{ "caseless", "requiretls = { content = (\n { header = \"Subject\"; match = \"x\"; caseless = 1; } ); };\n" },
};

static void test_wrong_types(void)
{
	char want[64];

	for (size_t i = 0; i < sizeof(wrong_type) / sizeof(wrong_type[0]); i++) {
		struct diag d;
		int found = 0;

		diag_init(&d);
		struct ruleset *p = config_load(write_file("test.conf", wrong_type[i].text), &d);
		ok(p == NULL && d.nerrors > 0, "wrong type for %s (row %zu): rejected", wrong_type[i].key, i);
		snprintf(want, sizeof(want), "test.conf:2: error: ");
		for (size_t m = 0; m < d.nkept; m++)
			if (strstr(d.msgs[m], want) && strstr(d.msgs[m], wrong_type[i].key))
				found = 1;
		if (!ok(found, "wrong type for %s (row %zu): error on line 2 names it", wrong_type[i].key, i))
			diag_dump(&d);
		ruleset_unref(p);
		diag_free(&d);
	}
}

/*
 * Defect 9: cfg_check_keys on a setting whose members have no names (a list)
 * must not call strlen(NULL); unnamed members are not keys.
 */
static void test_check_keys_unnamed(void)
{
	static const char *const allowed[] = { "a", NULL };
	config_t lc;
	struct diag d;
	struct cfg c = { .path = "inline", .d = &d };

	diag_init(&d);
	config_init(&lc);
	ok(config_read_string(&lc, "x = ( 1, \"two\", { a = 1; } );\ny = { a = 1; b = 2; };\n") == CONFIG_TRUE,
	    "inline config parses");
	cfg_check_keys(&c, config_lookup(&lc, "x"), allowed, "a list");
	is_int(d.nerrors, 0, "unnamed list members are not unknown keys");
	cfg_check_keys(&c, config_lookup(&lc, "y"), allowed, "a group");
	is_int(d.nerrors, 1, "named members are still checked");
	config_destroy(&lc);
	diag_free(&d);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	log_stderr_only();
	log_set_level(LOG_LVL_ERR);
	write_file("bad.txt", "ok.example\n# comment\nx..example\n");
	test_check_keys_unnamed();
	test_wrong_types();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct diag d;
		diag_init(&d);
		struct ruleset *p = config_load(write_file("test.conf", bad[i].text), &d);
		ok(p == NULL && d.nerrors > 0, "%s: rejected", bad[i].label);
		if (!ok(diag_has(&d, bad[i].want), "%s: message has \"%s\"", bad[i].label, bad[i].want))
			diag_dump(&d);
		ruleset_unref(p);
		diag_free(&d);
	}

	/* every error of a file is shown, not only the first */
	{
		struct diag d;
		diag_init(&d);
		config_load(write_file("test.conf", "modee = 1;\non_error = \"x\";\n" P
		    "rules = ( { sender = \"a..b\"; require = \"nope\"; } );\n"), &d);
		is_int(d.nerrors, 4, "four errors in one file are all reported");
		diag_free(&d);
	}

	/* a good file */
	write_file("list.txt", "# forced TLS partners\n  one.example  \n.two.example # all subdomains\n\nTHREE.example.\n");
	struct diag d;
	diag_init(&d);
	struct ruleset *p = config_load(write_file("good.conf",
	    "socket = \"unix:/run/x/milter.sock\";\nsocket_mode = \"0660\"; policy_socket = \"inet:8896@127.0.0.1\"; "
	    "policy_socket_mode = \"0600\"; policy_socket_timeout = 30;\nmode = \"testing\"; testing_header = \"X-TLSPolicy-Testing\";\naction = \"tempfail\";\n"
	    "on_error = \"accept\";\nmta = \"sendmail\";\nrequiretls = { };\nlog = { facility = \"local3\"; level = \"debug\"; };\n"
	    "profiles = {\n tls = { encrypted = true; };\n"
	    " partner = { client_cert = \"verified\"; issuer = \"Partner CA\"; fingerprint = [\"AB:CD\", \"ef01\"];\n"
	    "   exclude_ciphers = [ \"RC4\", \"DES-CBC\" ]; };\n};\n"
	    "rules = (\n { sender = \"Bank.Example.\"; require = \"tls\"; mode = \"enforce\"; action = \"reject\"; },\n"
	    " { recipient_list = \"list.txt\"; require = \"tls\"; name = \"forced TLS list\"; },\n"
	    " { client = [\"192.0.2.0/24\", \"2001:db8::/32\", \"mx.partner.example\"]; require = \"partner\"; },\n"
	    " { recipient = \".lawfirm.example\"; requiretls = true; },\n"
	    " { authenticated = true; require = \"tls\"; reply = \"450 4.7.0 AUTH needs TLS\"; }\n);\n"), &d);
	if (!ok(p != NULL, "good file loads"))
		diag_dump(&d);
	is_int(d.nerrors, 0, "no errors");
	if (p) {
		is_str(p->socket, "unix:/run/x/milter.sock", "socket");
		is_int(p->socket_mode, 0660, "socket_mode is octal");
		is_str(p->policy_socket, "inet:8896@127.0.0.1", "policy_socket");
		is_int(p->policy_socket_mode, 0600, "policy_socket_mode is octal");
		is_int(p->policy_socket_timeout, 30, "policy_socket_timeout");
		is_int(p->mode, POLICY_TESTING, "mode");
		ok(p->testing_header && strcmp(p->testing_header, "X-TLSPolicy-Testing") == 0, "testing_header");
		is_int(p->on_error, ON_ERROR_ACCEPT, "on_error");
		is_int(p->mta, TLS_MTA_SENDMAIL, "mta");
		is_int(p->log_level, LOG_LVL_DEBUG, "log level");
		is_int(p->nprofiles, 2, "profiles");
		is_int(p->nrules, 5, "rules");
		is_int(p->rules[0].mode, POLICY_ENFORCE, "rule mode overrides the default");
		is_int(p->rules[0].action, POLICY_REJECT, "rule action overrides the default");
		is_int(p->rules[1].mode, POLICY_TESTING, "rule inherits mode");
		is_int(p->rules[1].action, POLICY_TEMPFAIL, "rule inherits action");
		ok(strncmp(p->rules[1].label, "forced TLS list (", 17) == 0, "rule name becomes the label: %s", p->rules[1].label);
		ok(strstr(p->rules[0].label, "good.conf:15") != NULL, "label has file:line: %s", p->rules[0].label);
		is_int(p->nkeys[RULE_RECIPIENT], 4, "3 list keys + 1 inline recipient key");
		is_int(p->nkeys[RULE_SENDER], 1, "sender keys");
		is_int(p->nkeys[RULE_CLIENT], 2, "client prefixes");
		is_int(p->nkeys[RULE_CLIENT_NAME], 1, "client names");
		is_int(p->auth_rule, 4, "authenticated rule");
		ok(p->rules[3].requiretls && p->rules[3].require == NULL, "requiretls-only rule");
		const struct profile *pr = ruleset_profile(p, "partner");
		ok(pr && pr->encrypted && pr->client_cert, "partner requires a verified cert (and so TLS)");
		ok(pr && pr->nfingerprints == 2 && strcmp(pr->fingerprints[0], "abcd") == 0, "fingerprints normalised");
		ok(pr && pr->nexclude_ciphers == 2 && strcmp(pr->exclude_ciphers[1], "DES-CBC") == 0,
		    "exclude_ciphers kept as written");
		uint32_t v;
		const char *matched;
		ok(dtable_lookup(p->recipients, "three.example", &v, &matched) && v == 1, "list key normalised (case, dot)");
		ok(dtable_lookup(p->recipients, "a.two.example", &v, &matched) && strcmp(matched, ".two.example") == 0,
		    "list parent key");
		ok(!dtable_lookup(p->recipients, "two.example", &v, NULL), "parent key does not match the domain itself");
		ok(dtable_lookup(p->senders, "bank.example", &v, NULL) && v == 0, "inline key normalised");
	}
	ruleset_unref(p);
	diag_free(&d);

	/* the same domain under two rules: both apply */
	diag_init(&d);
	p = config_load(write_file("dup.conf", P "profiles2 = 1;\n"), &d);
	ok(p == NULL, "unknown key fails the load");
	diag_free(&d);
	diag_init(&d);
	p = config_load(write_file("dup.conf", P "requiretls = { };\nrules = (\n { recipient = \"x.example\"; require = \"tls\"; },\n"
	    " { recipient = [\"x.example\", \"y.example\"]; requiretls = true; }\n);\n"), &d);
	ok(p != NULL, "duplicate keys across rules load");
	if (p) {
		uint32_t v, n = 0;
		dtable_lookup(p->recipients, "x.example", &v, NULL);
		const uint32_t *r = ruleset_value_rules(p, &v, &n);
		ok(n == 2 && r[0] == 0 && r[1] == 1, "x.example binds both rules (n=%u)", n);
	}
	ruleset_unref(p);
	diag_free(&d);

	/* a warning is not an error */
	diag_init(&d);
	p = config_load(write_file("warn.conf", "profiles = { none = { }; };\n"), &d);
	ok(p != NULL && d.nwarnings >= 2, "empty profile and no rules are warnings (%zu)", d.nwarnings);
	ok(diag_has(&d, "warn.conf:1: warning: profile 'none' requires nothing"), "empty profile warning has file:line");
	ruleset_unref(p);
	diag_free(&d);

	diag_init(&d);
	p = config_load("/nonexistent/tp.conf", &d);
	ok(p == NULL && diag_has(&d, "/nonexistent/tp.conf: error: cannot read the file"), "missing file");
	diag_free(&d);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
