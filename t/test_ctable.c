/*
 * test_ctable - table tests for ctable: longest prefix wins, families apart.
 */
#include <string.h>
#include <sys/socket.h>

#include "tap.h"
#include "util/ctable.h"

static const struct {
	const char *cidr;
	uint32_t value;
} prefixes[] = {
	{"10.0.0.0/8", 8},
	{"10.1.0.0/16", 16},
	{"10.1.2.0/24", 24},
	{"10.1.2.3/32", 32},
	{"192.0.2.0/24", 124},
	{"2001:db8::/32", 632},
	{"2001:db8:1::/48", 648},
	{"2001:db8:1::1/128", 6128},
};

/* query rows against the table above, with and without the defaults */
static const struct {
	const char *label, *ip;
	int found;
	uint32_t value;
	const char *matched;
	int found_def;              /* with 0.0.0.0/0 (1) and ::/0 (2) added */
	uint32_t value_def;
} qrows[] = {
	{"/32 wins", "10.1.2.3", 1, 32, "10.1.2.3/32", 1, 32},
	{"/24 wins", "10.1.2.4", 1, 24, "10.1.2.0/24", 1, 24},
	{"/16 wins", "10.1.3.4", 1, 16, "10.1.0.0/16", 1, 16},
	{"/8 wins", "10.2.3.4", 1, 8, "10.0.0.0/8", 1, 8},
	{"other /24", "192.0.2.77", 1, 124, "192.0.2.0/24", 1, 124},
	{"v4 miss", "11.0.0.1", 0, 0, NULL, 1, 1},
	{"mapped v6 client is v4", "::ffff:10.1.2.3", 1, 32, "10.1.2.3/32", 1, 32},
	{"v6 /128 wins", "2001:db8:1::1", 1, 6128, "2001:db8:1::1/128", 1, 6128},
	{"v6 /48 wins", "2001:db8:1::2", 1, 648, "2001:db8:1::/48", 1, 648},
	{"v6 /32 wins", "2001:db8:2::1", 1, 632, "2001:db8::/32", 1, 632},
	{"v6 miss", "2001:db9::1", 0, 0, NULL, 1, 2},
	{"v4 bytes in v6 do not match v4", "a01:203::", 0, 0, NULL, 1, 2},
	{"v6 prefix bytes as v4 do not match", "32.1.13.184", 0, 0, NULL, 1, 1},
};

/* fill - insert the prefixes (and the defaults if def) into t */
static int fill(struct ctable *t, int def)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		struct cidr c;
		uint32_t *v;
		int created = -1;

		if (cidr_parse(prefixes[i].cidr, &c, NULL) < 0 || (v = ctable_slot(t, &c, &created)) == NULL || !created)
			bad++;
		else
			*v = prefixes[i].value;
	}
	if (def) {
		struct cidr c;

		cidr_parse("0.0.0.0/0", &c, NULL);
		*ctable_slot(t, &c, NULL) = 1;
		cidr_parse("::/0", &c, NULL);
		*ctable_slot(t, &c, NULL) = 2;
	}
	return bad;
}

/* run - the query rows against one table */
static void run(const struct ctable *t, int def)
{
	size_t i;

	for (i = 0; i < sizeof(qrows) / sizeof(qrows[0]); i++) {
		struct ipaddr ip;
		struct cidr m;
		uint32_t v = 999;
		char buf[64];
		int found, want = def ? qrows[i].found_def : qrows[i].found;

		ok(ipaddr_parse(qrows[i].ip, &ip) == 0, "%s: fixture parses", qrows[i].label);
		found = ctable_lookup(t, &ip, &v, &m);
		is_int(found, want, "%s%s: found", qrows[i].label, def ? " (defaults)" : "");
		is_int(v, want ? (def ? qrows[i].value_def : qrows[i].value) : 999,
		    "%s%s: value", qrows[i].label, def ? " (defaults)" : "");
		if (!def)
			is_str(found ? cidr_format(&m, buf, sizeof(buf)) : NULL, qrows[i].matched,
			    "%s: matched prefix", qrows[i].label);
	}
}

/* duplicates_and_growth - re-insert finds the old slot; many /32s grow a hash */
static void duplicates_and_growth(void)
{
	struct ctable *t = ctable_create();
	struct cidr c;
	struct ipaddr ip;
	uint32_t i, v, wrong = 0;
	int created;

	memset(&c, 0, sizeof(c));
	c.ip.family = AF_INET;
	c.prefix = 32;
	for (i = 0; i < 5000; i++) {
		c.ip.a[0] = 198;
		c.ip.a[1] = 51;
		c.ip.a[2] = (unsigned char)(i >> 8);
		c.ip.a[3] = (unsigned char)i;
		*ctable_slot(t, &c, NULL) = i + 1;
	}
	is_int(ctable_count(t), 5000, "5000 /32s counted");
	for (i = 0; i < 5000; i++) {
		memset(&ip, 0, sizeof(ip));
		ip.family = AF_INET;
		ip.a[0] = 198;
		ip.a[1] = 51;
		ip.a[2] = (unsigned char)(i >> 8);
		ip.a[3] = (unsigned char)i;
		if (!ctable_lookup(t, &ip, &v, NULL) || v != i + 1)
			wrong++;
	}
	is_int(wrong, 0, "every /32 found with its value");
	cidr_parse("198.51.0.7/32", &c, NULL);
	is_int(*ctable_slot(t, &c, &created), 8, "duplicate returns old value");
	is_int(created, 0, "duplicate not created");
	is_int(ctable_count(t), 5000, "duplicate not counted");
	c.ip.a[3] = 0xff;           /* host bits in a hand-built cidr are masked off */
	c.prefix = 24;
	ok(ctable_slot(t, &c, &created) != NULL && created, "new /24 created");
	ipaddr_parse("198.51.200.1", &ip);
	ok(ctable_lookup(t, &ip, &v, NULL) == 0, "/24 of 198.51.0.x does not cover 198.51.200.1");
	c.prefix = 33;
	ok(ctable_slot(t, &c, NULL) == NULL, "prefix 33 on ipv4 refused");
	c.ip.family = 0;
	c.prefix = 8;
	ok(ctable_slot(t, &c, NULL) == NULL, "unknown family refused");
	ctable_free(t);
}

int main(void)
{
	struct ctable *t = ctable_create();
	struct ctable *d = ctable_create();
	struct ipaddr ip;

	is_int(fill(t, 0), 0, "all prefixes inserted");
	is_int(ctable_count(t), 8, "count");
	run(t, 0);
	is_int(fill(d, 1), 0, "all prefixes inserted (defaults)");
	is_int(ctable_count(d), 10, "count (defaults)");
	run(d, 1);
	memset(&ip, 0, sizeof(ip));
	ok(ctable_lookup(d, &ip, NULL, NULL) == 0, "family 0 never matches");
	ctable_free(t);
	ctable_free(d);
	duplicates_and_growth();
	ctable_free(NULL);
	return tap_done();
}
