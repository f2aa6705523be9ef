#!/bin/sh
# deps.sh - install the Debian 12 packages needed to build tlspolicy-milter
# and to run its tests (real Postfix, Sendmail, swaks, miltertest).  Run as
# root.  Installing starts no services: a temporary policy-rc.d refuses them.
set -eu
[ "$(id -u)" = 0 ] || { echo "deps.sh: run as root (it calls apt-get)" >&2; exit 1; }

BUILD="build-essential autoconf automake libtool pkg-config
  libmilter-dev libconfig-dev libpcre2-dev
  libunbound-dev libevent-dev nettle-dev libssl-dev libcurl4-openssl-dev libsqlite3-dev
  libmicrohttpd-dev libsystemd-dev"
TEST="postfix swaks libnet-ssleay-perl libio-socket-ssl-perl miltertest
  openssl iproute2 util-linux procps m4 libwrap0 liblockfile1 ca-certificates
  unbound ldnsutils bind9-dnsutils nginx-light curl python3 python3-aiosmtpd dns-root-data
  clang libclang-rt-14-dev valgrind
  sqlite3
  postfix-mta-sts-resolver
  systemd"

missing=""
for p in $BUILD $TEST; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps.sh: installing:$missing"
	made_policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
	fi
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
	[ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
fi

# Sendmail itself is fetched by t/integration/lib.sh (it conflicts with the
# postfix package, so the tests run an extracted copy).
echo "deps.sh: all build and test dependencies present"
