#!/bin/sh
# mkdeb.sh - build the tlspolicy-milter Debian package (make deb).
#   mkdeb.sh SRCDIR BUILDDIR OUTDIR
# Makes the distribution tree (make distdir in BUILDDIR), puts etc/debian
# there as debian/, runs dpkg-buildpackage -us -uc -b with
# DEB_BUILD_OPTIONS=nocheck (the tests run in make check), copies the .deb to
# OUTDIR (with the build log, tlspolicy-milter-deb-build.log) and runs lintian on it: any lintian error fails the build.
set -eu
src=$1 build=$2 out=$3
# The packaging tools are needed by make deb only, so t/deps.sh does not
# install them: this does (root), saying so.
need=""
for c in dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian fakeroot:fakeroot; do
	command -v "${c%%:*}" >/dev/null 2>&1 || need="$need ${c#*:}"
done
if [ -n "$need" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "mkdeb: missing packages:$need (apt-get install --no-install-recommends$need)" >&2
		exit 1
	fi
	echo "mkdeb: installing the packaging tools:$need (apt-get install --no-install-recommends)"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null || {
		echo "mkdeb: apt-get install$need failed" >&2
		exit 1
	}
fi

version=$(sed -n '1s/^tlspolicy-milter (\([^)]*\)).*/\1/p' "$src/etc/debian/changelog")
upstream=$(sed -n 's/^AC_INIT(\[tlspolicy-milter\], \[\([^]]*\)\].*/\1/p' "$src/configure.ac")
if [ "$version" != "$upstream" ]; then
	echo "mkdeb: etc/debian/changelog says $version, configure.ac says $upstream: add a changelog entry" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkdeb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pkgdir=$tmp/tlspolicy-milter-$version
make -C "$build" -s distdir distdir="$pkgdir" >/dev/null
rm -rf "$pkgdir/debian"
cp -R "$src/etc/debian" "$pkgdir/debian"
rm -f "$pkgdir/debian/mkdeb.sh"
# the generated build system is remade by dh_autoreconf from configure.ac
mkdir -p "$pkgdir/m4"
mkdir -p "$out"
(cd "$pkgdir" && DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}" \
	dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1 || {
	cp "$tmp/build.log" "$out/tlspolicy-milter-deb-build.log"
	tail -n 40 "$tmp/build.log" >&2
	echo "mkdeb: the whole log: $out/tlspolicy-milter-deb-build.log" >&2
	echo "mkdeb: dpkg-buildpackage failed" >&2
	exit 1
}
cp "$tmp/build.log" "$out/tlspolicy-milter-deb-build.log"
deb=$(ls "$tmp"/tlspolicy-milter_"$version"_*.deb)
cp "$deb" "$out/"
deb=$out/$(basename "$deb")
echo "mkdeb: built $deb"
# lintian: errors fail, warnings are shown
lintian --fail-on error --display-info "$deb" || { echo "mkdeb: lintian reports errors" >&2; exit 1; }
