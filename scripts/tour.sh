#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the tour (examples/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
for exe in build/release/examples/example_*; do
  echo "=== ${exe##*/example_} ==="
  "$exe"
done
