#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the tour: the example_*
# programs (examples/*.cpp), then gocxx-tour (examples/tour/: the ports of the Go guides in
# ../shared/seeds/, at the Go programs' own speed, about 67 s). Arguments go to gocxx-tour:
# `scripts/tour.sh --fast` scales its waits by 1/10, `--only NAME` runs one, `--list`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
for exe in build/release/examples/example_*; do
  echo "=== ${exe##*/example_} ==="
  "$exe"
done
echo "=== gocxx-tour $* ==="
build/release/examples/gocxx-tour "$@"
