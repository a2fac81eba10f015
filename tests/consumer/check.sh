#!/usr/bin/env bash
# ctest `consumer_*`: installs gocxx from <build dir> into a temporary prefix and builds
# this consumer with find_package, or builds it with add_subdirectory; then runs it.
#   check.sh install <gocxx build dir>    |   check.sh subdirectory <gocxx source dir>
set -euo pipefail
mode="$1" arg="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d /tmp/gocxx-consumer.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
if [ "$mode" = install ]; then
  cmake --install "$arg" --prefix "$tmp/prefix" >/dev/null
  cmake -S "$here" -B "$tmp/build" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
else
  cmake -S "$here" -B "$tmp/build" -G Ninja -DGOCXX_SOURCE_DIR="$arg" >/dev/null
fi
cmake --build "$tmp/build" >/dev/null
"$tmp/build/consumer"
