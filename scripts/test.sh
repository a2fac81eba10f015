#!/usr/bin/env bash
# README command 2: install what is missing, build, and run the whole test suite:
# release, then AddressSanitizer+UBSan and ThreadSanitizer builds (presets asan, tsan).
#   scripts/test.sh                 all three
#   scripts/test.sh release         only the listed presets
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release asan tsan)
jobs="$(nproc)"
for preset in "${presets[@]}"; do
  echo "=== $preset ==="
  start=$(date +%s)
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs"
  if [ "$preset" = release ]; then
    # The benchmark harness must keep passing its own checks (quick sizes).
    build/release/bench/gocxx-bench --quick --procs 2 >/dev/null
  fi
  echo "=== $preset passed in $(( $(date +%s) - start )) s ==="
done
