/*
 * explain_outbound - "-q next_hop=DOMAIN [map=tls|requiretls|sendmail]": the
 * answer the socketmap server would give, with its evidence, through the
 * same outbound_lookup (common/feasible/outbound.c).
 */
#include <stdio.h>
#include <string.h>

#include "feasible/outbound.h"
#include "smfi/explain.h"

int explain_outbound_run(const struct ruleset *p, int nwords, char **words)
{
	const char *next_hop = NULL, *map_name = "tls";
	enum outbound_map map;

	for (int i = 0; i < nwords; i++) {
		if (strncmp(words[i], "next_hop=", 9) == 0)
			next_hop = words[i] + 9;
		else if (strncmp(words[i], "map=", 4) == 0)
			map_name = words[i] + 4;
		else {
			fprintf(stderr, "tlspolicy-milter: -q next_hop=: unknown argument '%s' (map= only)\n", words[i]);
			return EXPLAIN_USAGE;
		}
	}
	if (!next_hop || outbound_map_parse(map_name, &map) < 0) {
		fprintf(stderr, "tlspolicy-milter: -q next_hop=DOMAIN [map=tls|requiretls|sendmail]\n");
		return EXPLAIN_USAGE;
	}
	struct outbound_answer a;
	char line[2048];
	outbound_lookup(p, p->feasible, map, next_hop, &a);
	outbound_format(map, next_hop, &a, line, sizeof(line));
	printf("%s\n", line);
	printf("evidence: %s\n", a.evidence[0] ? a.evidence : (p->feasible ? "none" : "none (no DNS: "
	    "requiretls.verify is off and no policy_socket is set)"));
	printf("answer: %s%s%s\n", outbound_kind_name(a.kind), a.kind == OUTBOUND_NOTFOUND ? "" : " ", a.value);
	switch (a.kind) {
	case OUTBOUND_OK: return EXPLAIN_ACCEPT;
	case OUTBOUND_NOTFOUND: return EXPLAIN_NOTFOUND;
	case OUTBOUND_TEMP: return EXPLAIN_TEMPFAIL;
	default: return EXPLAIN_REJECT;
	}
}
