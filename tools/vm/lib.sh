# SPDX-License-Identifier: GPL-2.0
# Shared by the scripts in tools/vm/: where the cache lives, which kernel
# source and headers to use, and small helpers.  Source it, don't run it.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PYHEAP_CACHE=${PYHEAP_CACHE:-$HOME/.cache/pyheap}
BUILD=${BUILD:-$TOP/build}
KUNITCONFIG=$TOP/kunit/.kunitconfig

SRC_TARBALL=${SRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# Newest installed Debian headers of a series ("6.12" or "6.1"), amd64 flavour.
debian_headers() {
	local d
	d=$(ls -d /usr/src/linux-headers-"$1".*-amd64 2>/dev/null |
	    grep -v -e cloud -e rt- | sort -V | tail -n 1)
	[ -n "$d" ] || die "no linux-headers-$1.*-amd64 under /usr/src; run 'make deps'"
	echo "$d"
}

# Make the cache directory and its parents.  Every script that writes into
# $PYHEAP_CACHE reaches it through here (cache_lock calls it), so none
# depends on an earlier run having made it.
ensure_cache() {
	mkdir -p "$PYHEAP_CACHE" ||
		die "cannot create the cache $PYHEAP_CACHE (set PYHEAP_CACHE)"
}

# Serialise users of the shared cache (two make runs must not build the
# same kernel at once).
cache_lock() {
	ensure_cache
	exec 9>"$PYHEAP_CACHE/.lock"
	flock 9
}

# Unpack linux-source-6.12 once per Debian package version.
ensure_source() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
		die "linux-source-6.12 is not installed; run 'make deps'"
	SRC=$PYHEAP_CACHE/linux-source-${ver//\~/_}
	if [ ! -f "$SRC/.pyheap-unpacked" ]; then
		echo "  UNPACK  $SRC_TARBALL -> $SRC" >&2
		rm -rf "$SRC" "$SRC.tmp"
		mkdir -p "$SRC.tmp"
		tar -C "$SRC.tmp" -xJf "$SRC_TARBALL"
		mv "$SRC.tmp/linux-source-6.12" "$SRC"
		rmdir "$SRC.tmp"
		touch "$SRC/.pyheap-unpacked"
	fi
	SRC_VERSION=$ver
}

# Copy the module's sources into a private build directory, so that builds
# for different kernels never share object files.
stage_module() {
	local dst=$1

	mkdir -p "$dst"
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='*.mod*' --exclude='modules.order' \
		--exclude='Module.symvers' \
		"$TOP/Kbuild" "$TOP/mod" "$TOP/include" "$TOP/kunit" \
		"$TOP/samples" "$dst/"
	mkdir -p "$dst/tools"
	rsync -a --delete --exclude='*.o' --exclude='.*.cmd' \
		"$TOP/tools/bench" "$dst/tools/"
}

# Test results: one "PASS name" or "FAIL name" line per test, summed by
# tools/vm/summary at the end of make test.
RESULTS=${RESULTS:-$BUILD/results.txt}

record() {
	mkdir -p "$(dirname "$RESULTS")"
	echo "$1 $2" >> "$RESULTS"
	[ "$1" = PASS ] || echo "FAIL: $2" >&2
}
