#!/usr/bin/env bash
# ctest `consumer_deb`: makes the Debian package from <gocxx build dir> with CPack (the
# tree already built: nothing is compiled but the consumer), checks what it holds,
# unpacks it into a scratch root with `dpkg-deb -x` (nothing is installed on the
# system), and builds this directory's consumer against that root twice, with
# find_package(gocxx) and with `pkg-config --cflags --libs gocxx`; runs both.
#   check_deb.sh <gocxx build dir> <cpack> <c++ compiler>
# Exits 77 (ctest: skipped) when cpack, dpkg-deb or pkg-config is missing.
set -euo pipefail
build="$1" cpack="$2" cxx="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for tool in "$cpack" dpkg-deb pkg-config; do
  if ! command -v "$tool" >/dev/null; then
    echo "check_deb: SKIPPED: $tool not found (Debian: apt-get install cmake dpkg pkgconf)"
    exit 77
  fi
done
tmp="$(mktemp -d /tmp/gocxx-deb.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
unset DESTDIR  # CPack stages into $tmp/pkg; a DESTDIR from outside would divert it

# The package, staged and written under $tmp (the build tree gets no _CPack_Packages).
if ! "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1; then
  cat "$tmp/cpack.log"
  exit 1
fi
debs=("$tmp"/pkg/*.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then
  echo "check_deb: expected one .deb, got: ${debs[*]}"
  exit 1
fi
deb="${debs[0]}"
dpkg-deb -f "$deb" Package Version Architecture Depends

# What it holds: headers, the library, the CMake package config, gocxx.pc.
dpkg-deb -c "$deb" | awk '{print $NF}' >"$tmp/contents"
for want in \
    '^\./usr/include/gocxx/gocxx\.hpp$' \
    '^\./usr/include/gocxx/patterns/worker_pool\.hpp$' \
    '^\./usr/include/gocxx/detail/hchan\.hpp$' \
    '^\./usr/lib/([^/]+/)?libgocxx\.(a|so)$' \
    '^\./usr/lib/([^/]+/)?cmake/gocxx/gocxxConfig\.cmake$' \
    '^\./usr/lib/([^/]+/)?cmake/gocxx/gocxxConfigVersion\.cmake$' \
    '^\./usr/lib/([^/]+/)?cmake/gocxx/gocxxTargets\.cmake$' \
    '^\./usr/lib/([^/]+/)?cmake/gocxx/gocxxDeps\.cmake$' \
    '^\./usr/lib/([^/]+/)?pkgconfig/gocxx\.pc$'; do
  grep -Eq "$want" "$tmp/contents" || { echo "check_deb: the package lacks $want:"; cat "$tmp/contents"; exit 1; }
done
dpkg-deb -f "$deb" Depends | grep -Eq '(^|, )libdw-dev([ ,]|$)' || { echo "check_deb: Depends lacks libdw-dev"; exit 1; }
dpkg-deb -x "$deb" "$tmp/root"
root="$tmp/root/usr"

# 1. find_package(gocxx), from the unpacked root and nowhere else.
cmake -S "$here" -B "$tmp/cmake" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$root" >/dev/null
found="$(sed -n 's/^gocxx_DIR:PATH=//p' "$tmp/cmake/CMakeCache.txt")"
case "$found" in
  "$root"/*) ;;
  *) echo "check_deb: find_package found gocxx in '$found', not in $root"; exit 1 ;;
esac
cmake --build "$tmp/cmake" >/dev/null
out="$("$tmp/cmake/consumer")"
[ "$out" = "consumer ok" ] || { echo "check_deb: find_package consumer printed: $out"; exit 1; }
echo "find_package consumer: $out"

# 2. pkg-config: gocxx.pc finds its prefix from its own place, so PKG_CONFIG_PATH into
#    the root is all it takes (no sysroot, no sed).
pcdir="$(dirname "$(find "$root" -name gocxx.pc)")"
export PKG_CONFIG_PATH="$pcdir"
cflags="$(pkg-config --cflags gocxx)" libs="$(pkg-config --libs gocxx)"
echo "pkg-config --cflags --libs gocxx: $cflags $libs"
inc="$(pkg-config --variable=includedir gocxx)"
[ "$(cd "$inc" && pwd -P)" = "$(cd "$root/include" && pwd -P)" ] || { echo "check_deb: includedir $inc is not $root/include"; exit 1; }
# shellcheck disable=SC2086  # the flags are words
"$cxx" $cflags "$here/main.cpp" -o "$tmp/consumer_pc" $libs
out="$("$tmp/consumer_pc")"
[ "$out" = "consumer ok" ] || { echo "check_deb: pkg-config consumer printed: $out"; exit 1; }
echo "pkg-config consumer: $out"
echo "check_deb ok"
