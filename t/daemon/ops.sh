#!/bin/sh
# t/daemon/ops.sh - operations (issue 13): GET /metrics, systemd notify, the
# control socket (--cache).
#
# The daemon runs with metrics, a socketmap listener and NOTIFY_SOCKET set to
# a stand-in listener (t/daemon/notifyd.py).  Checked: READY=1 after start,
# RELOADING=1 then READY=1 around a SIGHUP, STOPPING=1 on SIGTERM; curl
# scrapes /metrics while miltergen runs a known load, and the final counters
# equal what the load sent (sessions, messages, recipients, verdicts); the
# counters never go down between scrapes; malformed HTTP (t/daemon/badhttp.py)
# hammers the port during the load and the load still gets every reply
# right; the SIGUSR1 line has the same numbers; a socketmap lookup seeds the
# cache, --cache dump shows it, --cache purge DOMAIN drops it, --cache purge
# drops all; a policy in the MTA-STS store is listed, purged and the store
# read offline with sqlite3; the control socket is 0600, owned by the
# daemon's user, and another user cannot use it; the unit file is Type=notify
# and passes systemd-analyze verify.
. "${TP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/t/daemon/lib.sh"

ip link set lo up
PORT=9134
M="127.0.0.1:$PORT/metrics"
echo '. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D' >"$T/anchor"
chmod 644 "$T/anchor"
SOCK=$T/ops.sock
PS=$T/p.sock
cat >"$T/ops.conf" <<EOC
socket = "unix:$SOCK";
policy_socket = "unix:$PS";
metrics = "inet:$PORT@127.0.0.1";
user = "nobody";
group = "nogroup";
pidfile = "$T/ops.pid";
dns = { resolver = "127.0.0.1"; trust_anchor_file = "$T/anchor"; timeout = 1; };
mta_sts = { store = "$T/sts/sts.db"; };
profiles = { tls = { encrypted = true; }; };
rules = (
  { name = "alpha-out"; sender = "alpha.example"; require = "tls"; },
  { name = "beta-in"; recipient = "beta.example"; require = "tls"; }
);
EOC
chmod 644 "$T/ops.conf"
mkdir "$T/sts" && chown nobody:nogroup "$T/sts"

# metric NAME_WITH_LABELS FILE: its value ("" if absent)
metric() { grep -F "$1 " "$2" | grep -v '^#' | awk '{ print $NF }' | head -n 1; }

# ---- systemd notify: start ----
python3 "$TP_SRCDIR/t/daemon/notifyd.py" "$T/notify.sock" "$T/notify.out" 2>"$T/notifyd.err" &
track $!
wait_log "$T/notify.out" LISTENING 5 || { notok "the notify stand-in listens"; diagfile "$T/notifyd.err"; finish; }
NOTIFY_SOCKET=$T/notify.sock
export NOTIFY_SOCKET
if ! start ops "$T/ops.conf"; then
	notok "daemon starts with metrics, a socketmap and NOTIFY_SOCKET" "log:"
	diagfile "$T/ops.log"
	finish
fi
unset NOTIFY_SOCKET
ok "daemon starts with metrics, a socketmap and NOTIFY_SOCKET"
wait_log "$T/notify.out" "READY=1" 5 && ok "READY=1 after start" || { notok "READY=1 after start"; diagfile "$T/notify.out"; }
grep -q "^STATUS=serving" "$T/notify.out" && ok "a STATUS= line says it serves" || notok "a STATUS= line says it serves"

# ---- metrics before any mail ----
if curl -sf -o "$T/m0.txt" "http://$M"; then
	ok "curl GET /metrics answers 200"
else
	notok "curl GET /metrics answers 200"
	diagfile "$T/ops.log"
fi
ct=$(curl -s -o /dev/null -w '%{content_type}' "http://$M")
case $ct in
"text/plain; version=0.0.4"*) ok "Prometheus content type ($ct)" ;;
*) notok "Prometheus content type" "got: $ct" ;;
esac
ver=$("$BIN" -V | awk '{ print $2 }')
[ "$(metric "tlspolicy_build_info{version=\"$ver\"}" "$T/m0.txt")" = 1 ] && ok "build_info names version $ver" ||
	notok "build_info names version $ver"
[ "$(metric tlspolicy_messages_total "$T/m0.txt")" = 0 ] && ok "no messages counted before the load" ||
	notok "no messages counted before the load"
# every sample line is NAME[{labels}] VALUE; every family has HELP and TYPE
bad=$(grep -v '^#' "$T/m0.txt" | grep -Ecv '^tlspolicy_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$')
[ "$bad" = 0 ] && ok "every sample line is well formed" || notok "every sample line is well formed" "$bad bad lines"
types=$(grep -c '^# TYPE ' "$T/m0.txt")
helps=$(grep -c '^# HELP ' "$T/m0.txt")
[ "$types" -ge 15 ] && [ "$types" = "$helps" ] && ok "$types metric families, each with HELP and TYPE" ||
	notok "each family has HELP and TYPE" "types=$types helps=$helps"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")
[ "$code" = 404 ] && ok "another path answers 404" || notok "another path answers 404" "got $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$M")
[ "$code" = 405 ] && ok "another method answers 405" || notok "another method answers 405" "got $code"

# ---- a known load, scraped and attacked while it runs ----
S=1000 MS=5 R=2
echo beta.example >"$T/rcpthit"
"$GEN" -c 8 -s $S -m $MS -r $R -t 60 --tls plain --from "u@other.example" --from-hit "u@alpha.example" \
    --from-hit-pct 30 --rcpt-hit-file "$T/rcpthit" --rcpt-hit-pct 40 --rcpt-miss "u%u@gamma.example" \
    --expect mail/plain/hit=reject --expect mail/plain/miss=continue \
    --expect rcpt/plain/hit=reject --expect rcpt/plain/miss=continue "unix:$SOCK" >"$T/load.out" 2>&1 &
LOADPID=$!
python3 "$TP_SRCDIR/t/daemon/badhttp.py" 127.0.0.1 $PORT 3 >"$T/bad.out" 2>&1 &
BADPID=$!
track $BADPID
i=0 prev=0 down=0 scrapes=0
while kill -0 $LOADPID 2>/dev/null && [ $i -lt 600 ]; do
	if curl -sf -m 5 -o "$T/mid.txt" "http://$M"; then
		cur=$(metric tlspolicy_messages_total "$T/mid.txt")
		[ "${cur:-0}" -ge "$prev" ] || down=1
		prev=${cur:-0}
		scrapes=$((scrapes + 1))
	fi
	i=$((i + 1))
done
wait $LOADPID
lrc=$?
wait $BADPID
grep -q done "$T/bad.out" && ok "malformed HTTP was sent during the load" ||
	{ notok "malformed HTTP was sent during the load"; diagfile "$T/bad.out"; }
RES=$(grep '^RESULT' "$T/load.out")
[ $lrc = 0 ] && echo "$RES" | grep -q ' ok=1 ' && echo "$RES" | grep -q ' mismatches=0 errors=0' &&
	ok "the load got every reply right while /metrics was scraped and attacked" ||
	{ notok "the load got every reply right while /metrics was scraped and attacked"; diagfile "$T/load.out"; }
[ $scrapes -ge 2 ] && [ $down = 0 ] && ok "$scrapes scrapes during the load, messages_total never went down" ||
	notok "scrapes during the load never went down" "scrapes=$scrapes down=$down"
[ "$prev" -gt 0 ] && ok "a scrape during the load saw messages counted ($prev)" ||
	notok "a scrape during the load saw messages counted"

# the load's own counts (miltergen RESULT fields)
field() { echo "$RES" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
msgs=$(field msgs_all)
mrej=$(field mail_reject)
rrej=$(field rcpt_reject)
rcon=$(field rcpt_continue)
curl -sf -o "$T/m1.txt" "http://$M" || notok "scrape after the load"
check() {       # check METRIC EXPECTED WHAT
	got=$(metric "$1" "$T/m1.txt")
	[ -n "$2" ] && [ "$got" = "$2" ] && ok "$3: $1 = $2" || notok "$3: $1" "expected '$2', got '$got'"
}
check tlspolicy_sessions_total $S "sessions the load opened"
check tlspolicy_messages_total "$msgs" "messages the load sent"
check tlspolicy_recipients_total "$((${rrej:-0} + ${rcon:-0}))" "recipients the load sent (rcpt replies)"
check "tlspolicy_verdicts_total{stage=\"mail\",verdict=\"reject\"}" "$mrej" "MAIL rejects the load saw"
check "tlspolicy_verdicts_total{stage=\"rcpt\",verdict=\"reject\"}" "$rrej" "RCPT rejects the load saw"
check "tlspolicy_rule_verdicts_total{rule=\"alpha-out\",verdict=\"reject\"}" "$mrej" "MAIL rejects by rule name"
check "tlspolicy_rule_verdicts_total{rule=\"beta-in\",verdict=\"reject\"}" "$rrej" "RCPT rejects by rule name"
[ "$((${mrej:-0} + ${rrej:-0}))" -gt 0 ] && [ "${rcon:-0}" -gt 0 ] && ok "the load had hits and misses" ||
	notok "the load had hits and misses" "$RES"

# ---- SIGUSR1: the same numbers on the log line ----
kill -USR1 "$DPID"
wait_log "$T/ops.log" "messages_total=$msgs" 5 && grep "info: stats " "$T/ops.log" | tail -n 1 |
    grep -q "verdicts_total{stage=\"mail\",verdict=\"reject\"}=$mrej" &&
	ok "the SIGUSR1 line reports the same numbers" ||
	{ notok "the SIGUSR1 line reports the same numbers"; grep "stats" "$T/ops.log" | tail -n 2 | sed 's/^/#   /' >>"$BODY"; }

# ---- the control socket and --cache ----
CS=$T/tlspolicy-milter.control
st=$(stat -c '%a %U' "$CS" 2>&1)
[ "$st" = "600 nobody" ] && ok "the control socket (default beside the pidfile) is 0600, owned by the daemon's user" ||
	notok "the control socket is 0600, owned by the daemon's user" "got: $st"
# smap KEY...: one socketmap request per key ("tls DOMAIN"), the replies on stdout
smap() {
	python3 - "$PS" "$@" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
for d in sys.argv[2:]:
    q = ("tls " + d).encode()
    s.sendall(str(len(q)).encode() + b":" + q + b",")
    buf = b""
    while not buf.endswith(b","):
        c = s.recv(4096)
        if not c:
            break
        buf += c
    print(buf.decode(errors="replace"))
EOP
}
smap seeded.example other-seed.example >"$T/smap.out" 2>&1
[ "$(wc -l <"$T/smap.out")" = 2 ] && ok "two socketmap lookups answered" || { notok "two socketmap lookups answered"; diagfile "$T/smap.out"; }
"$BIN" -c "$T/ops.conf" --cache dump >"$T/dump1.out" 2>&1
rc=$?
[ $rc = 0 ] && grep -q '^cache ob:seeded.example ' "$T/dump1.out" && grep -q '^cache ob:other-seed.example ' "$T/dump1.out" &&
    tail -n 1 "$T/dump1.out" | grep -q '^ok 2 cache entries' &&
	ok "--cache dump lists the seeded entries" || { notok "--cache dump lists the seeded entries" "exit $rc"; diagfile "$T/dump1.out"; }
curl -sf -o "$T/m2.txt" "http://$M"
[ "$(metric tlspolicy_cache_entries "$T/m2.txt")" = 2 ] && ok "cache_entries = 2 in /metrics" ||
	notok "cache_entries = 2 in /metrics" "got $(metric tlspolicy_cache_entries "$T/m2.txt")"
n_ans=$(grep -F 'tlspolicy_socketmap_answers_total{map="tls",' "$T/m2.txt" | awk '{ s += $NF } END { print s }')
[ "$n_ans" = 2 ] && ok "socketmap_answers_total{map=\"tls\"} adds up to the 2 lookups" ||
	notok "socketmap answers add up to the 2 lookups" "got $n_ans"
[ "$(metric 'tlspolicy_lookup_duration_seconds_count{kind="socketmap"}' "$T/m2.txt")" = 2 ] &&
	ok "the socketmap latency histogram counted 2 lookups" || notok "the socketmap latency histogram counted 2 lookups"
"$BIN" -c "$T/ops.conf" --cache purge SEEDED.example. >"$T/purge1.out" 2>&1 &&
    grep -q '^ok purged 1 cache entries' "$T/purge1.out" &&
	ok "--cache purge DOMAIN drops that domain's entry (case and trailing dot ignored)" ||
	{ notok "--cache purge DOMAIN drops that domain's entry"; diagfile "$T/purge1.out"; }
"$BIN" -c "$T/ops.conf" --cache dump >"$T/dump2.out" 2>&1
! grep -q 'seeded.example ' "$T/dump2.out" && grep -q '^cache ob:other-seed.example ' "$T/dump2.out" &&
	ok "dump after purge DOMAIN: gone, the other stays" || { notok "dump after purge DOMAIN"; diagfile "$T/dump2.out"; }
# the MTA-STS store: a policy stored (as the daemon would), listed, purged, read offline
NL="'||char(10)||'"
setpriv --reuid=nobody --regid=nogroup --clear-groups sqlite3 "$T/sts/sts.db" \
    "INSERT INTO mtasts_policy VALUES('stored.example', 'id20261203', 'enforce', 86400, 'mx.stored.example',
     strftime('%s', 'now'), 'version: STSv1${NL}mode: enforce${NL}mx: mx.stored.example${NL}max_age: 86400${NL}')" \
    >"$T/sqlite.out" 2>&1 || { notok "a policy is stored in the MTA-STS store"; diagfile "$T/sqlite.out"; }
"$BIN" -c "$T/ops.conf" --cache dump >"$T/dump3.out" 2>&1
grep -q '^mta-sts stored.example id=id20261203 fetched_at=[0-9]* expired=no$' "$T/dump3.out" &&
    tail -n 1 "$T/dump3.out" | grep -q ', 1 stored MTA-STS policies$' &&
	ok "--cache dump lists the stored MTA-STS policy" || { notok "--cache dump lists the stored MTA-STS policy"; diagfile "$T/dump3.out"; }
"$BIN" -c "$T/ops.conf" --cache purge stored.example >"$T/purge4.out" 2>&1 &&
    grep -q '^ok purged 0 cache entries, 1 stored MTA-STS policies for stored.example$' "$T/purge4.out" &&
	ok "--cache purge DOMAIN deletes the stored MTA-STS policy" || { notok "--cache purge DOMAIN deletes the stored MTA-STS policy"; diagfile "$T/purge4.out"; }
left=$(sqlite3 -readonly "$T/sts/sts.db" "SELECT count(*) FROM mtasts_policy" 2>&1)
[ "$left" = 0 ] && ok "the store read offline (sqlite3 -readonly) is empty after the purge" ||
	notok "the store read offline is empty after the purge" "got: $left"
"$BIN" -c "$T/ops.conf" --cache purge >"$T/purge2.out" 2>&1 && grep -q '^ok purged 1 cache entries' "$T/purge2.out" &&
    "$BIN" -c "$T/ops.conf" --cache dump 2>&1 | tail -n 1 | grep -q '^ok 0 cache entries' &&
	ok "--cache purge drops all" || { notok "--cache purge drops all"; diagfile "$T/purge2.out"; }
"$BIN" -c "$T/ops.conf" --cache purge 'bad domain!' >"$T/purge3.out" 2>&1
[ $? = 1 ] && grep -q '^error bad domain' "$T/purge3.out" && ok "a bad domain is refused with an error (exit 1)" ||
	{ notok "a bad domain is refused with an error"; diagfile "$T/purge3.out"; }
"$BIN" -c "$T/ops.conf" --cache flush >/dev/null 2>&1
[ $? = 2 ] && ok "an unknown --cache command is a usage error (exit 2)" || notok "an unknown --cache command is a usage error"
if id daemon >/dev/null 2>&1; then
	setpriv --reuid=daemon --regid=daemon --clear-groups "$BIN" -c "$T/ops.conf" --cache dump >"$T/other.out" 2>&1
	[ $? = 1 ] && grep -q 'cannot connect to the control socket' "$T/other.out" &&
		ok "another user cannot use the control socket" || { notok "another user cannot use the control socket"; diagfile "$T/other.out"; }
else
	notok "another user cannot use the control socket" "no user 'daemon' to try with"
fi
# a control client that says nothing is cut after its deadline; the daemon still serves
python3 -c "
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect('$CS'); s.settimeout(15)
t = time.time(); d = s.recv(100); print(round(time.time() - t), d.decode())" >"$T/slow.out" 2>&1
grep -q 'error request not finished in time' "$T/slow.out" && ok "a silent control client is cut at its deadline" ||
	{ notok "a silent control client is cut at its deadline"; diagfile "$T/slow.out"; }

# ---- reload: RELOADING=1 then READY=1, counters and timestamp ----
: >"$T/notify.mark"
before=$(grep -c '^READY=1' "$T/notify.out")
sleep 1.1       # the load timestamp must move
kill -HUP "$DPID"
wait_log "$T/ops.log" "reloaded $T/ops.conf" 10
i=0
while [ "$(grep -c '^READY=1' "$T/notify.out")" -le "$before" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
awk -v b="$before" '/^READY=1/ { r++ } /^RELOADING=1/ && r == b { rl = 1 } /^READY=1/ && r == b + 1 && rl { ok = 1 } END { exit !ok }' \
    "$T/notify.out" && ok "SIGHUP: RELOADING=1, then READY=1 when the reload is done" ||
	{ notok "SIGHUP: RELOADING=1, then READY=1"; diagfile "$T/notify.out"; }
grep -q '^MONOTONIC_USEC=[0-9]' "$T/notify.out" && ok "RELOADING=1 comes with MONOTONIC_USEC" || notok "RELOADING=1 comes with MONOTONIC_USEC"
curl -sf -o "$T/m3.txt" "http://$M"
[ "$(metric 'tlspolicy_reloads_total{result="ok"}' "$T/m3.txt")" = 1 ] && ok "reloads_total{result=\"ok\"} = 1" ||
	notok "reloads_total{result=\"ok\"} = 1"
t0=$(metric tlspolicy_policy_loaded_timestamp_seconds "$T/m1.txt")
t1=$(metric tlspolicy_policy_loaded_timestamp_seconds "$T/m3.txt")
[ -n "$t0" ] && [ -n "$t1" ] && [ "$t1" -gt "$t0" ] && ok "policy_loaded_timestamp_seconds moved on reload ($t0 -> $t1)" ||
	notok "policy_loaded_timestamp_seconds moved on reload" "$t0 -> $t1"
[ "$(metric tlspolicy_messages_total "$T/m3.txt")" = "$msgs" ] && ok "a reload keeps the counters" ||
	notok "a reload keeps the counters"

# ---- the unit file: Type=notify, reload by SIGHUP, verified by systemd ----
U=$TP_SRCDIR/etc/tlspolicy-milter.service
grep -q '^Type=notify$' "$U" && grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$U" &&
	ok "the unit is Type=notify with ExecReload=/bin/kill -HUP \$MAINPID" || notok "the unit is Type=notify with ExecReload"
if command -v systemd-analyze >/dev/null 2>&1; then
	# the installed paths point at the build; man pages are not installed here
	sed -e "s|/usr/sbin/tlspolicy-milter|$BIN|g" -e '/^Documentation=/d' "$U" >"$T/tlspolicy-milter.service"
	systemd-analyze verify "$T/tlspolicy-milter.service" >"$T/verify.out" 2>&1 && [ ! -s "$T/verify.out" ] &&
		ok "systemd-analyze verify passes the unit" || { notok "systemd-analyze verify passes the unit"; diagfile "$T/verify.out"; }
else
	notok "systemd-analyze verify passes the unit" "systemd-analyze is not installed"
fi

# ---- stop: STOPPING=1, sockets removed ----
kill -TERM "$DPID"
wait_gone "$DPID" 20 && wait "$DPID"
src=$?
grep -q '^STOPPING=1' "$T/notify.out" && ok "SIGTERM: STOPPING=1" || { notok "SIGTERM: STOPPING=1"; diagfile "$T/notify.out"; }
[ $src = 0 ] && ok "the daemon exits 0" || notok "the daemon exits 0" "exit $src"
[ ! -e "$CS" ] && ok "the control socket is removed at stop" || notok "the control socket is removed at stop"
curl -s -m 2 -o /dev/null "http://$M" && notok "the metrics port is closed at stop" || ok "the metrics port is closed at stop"
finish
