#!/bin/sh
# layers.sh - the include rule of the source tree, as a test (TAP).
#
# common/ is layered, lowest first; a file may include its own layer and any
# lower one, never a higher one, and nothing under common/ may include
# libmilter.  The front ends in milter/ sit above all of common/, and
# milter/daemon/ (daemon-wide code) never includes a front end's files, but
# for main.c and child.c, which start the front ends.
# A new layer is added to LAYERS in its place.  cache, dns, mtasts and probe
# are the network layers (they know nothing of rules); feasible joins them
# with the ruleset for REQUIRETLS feasibility and the outbound maps.
LAYERS="util cache dns mtasts probe requiretls policy config feasible"
top=${TP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
. "$top/t/tap.sh"
BODY=$(mktemp); n=0; failed=0
trap 'rm -f "$BODY"' EXIT
check() {	# check STATUS DESCRIPTION
	if [ "$1" -eq 0 ]; then ok "$2"; else notok "$2"; fi
}

rank() {	# rank LAYER -> position in LAYERS (1-based), 0 if unknown
	i=1
	for l in $LAYERS; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done
	echo 0
}

# Every directory under common/ must be a known layer.
for d in common/*/; do
	l=$(basename "$d")
	[ "$(rank "$l")" -gt 0 ]
	check $? "common/$l is a declared layer"
done

bad=""
for f in common/*/*.[ch]; do
	own=$(rank "$(basename "$(dirname "$f")")")
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		case $inc in
		*/*) l=${inc%%/*}; r=$(rank "$l")
		     if [ "$r" -eq 0 ] || [ "$r" -gt "$own" ]; then bad="$bad $f:$inc"; fi ;;
		*) bad="$bad $f:$inc(unqualified)" ;;
		esac
	done
done
[ -z "$bad" ]
check $? "no include under common/ crosses upward${bad:+:$bad}"

m=$(grep -lE '#[[:space:]]*include[[:space:]]*[<"](libmilter/)?mfapi\.h' common/*/*.[ch] 2>/dev/null | tr '\n' ' ')
[ -z "$m" ]
check $? "nothing under common/ includes libmilter${m:+: $m}"

d=$(grep -lE '#[[:space:]]*include[[:space:]]*"(smfi|socketmap)/' milter/daemon/*.[ch] 2>/dev/null |
	grep -v -e 'milter/daemon/main.c' -e 'milter/daemon/child.c' | tr '\n' ' ')
[ -z "$d" ]
check $? "milter/daemon/ (but main.c and child.c, which start them) includes no front end${d:+: $d}"
echo "1..$n"; cat "$BODY"
[ "$failed" -eq 0 ]
