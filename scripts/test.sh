#!/usr/bin/env bash
# README command 2: install what is missing, build, and run the whole test suite:
# release, then AddressSanitizer+UBSan and ThreadSanitizer builds (presets asan, tsan),
# then the stage fuzz: the channel model-checking fuzzer for 60 s on its committed
# corpus (scripts/fuzz.sh, docs/fuzzing.md; any finding fails).
#   scripts/test.sh                 all four
#   scripts/test.sh release         only the listed presets (or the stage fuzz)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release asan tsan fuzz)
jobs="$(nproc)"
for preset in "${presets[@]}"; do
  echo "=== $preset ==="
  start=$(date +%s)
  if [ "$preset" = fuzz ]; then
    # Not a ctest preset: builds only the fuzz target and runs it.
    GOCXX_FUZZ_JOBS="$jobs" scripts/fuzz.sh 60
    echo "=== $preset passed in $(( $(date +%s) - start )) s ==="
    continue
  fi
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs"
  if [ "$preset" = release ]; then
    # The benchmark harness must keep passing its own checks (quick sizes).
    build/release/bench/gocxx-bench --quick --procs 2 >/dev/null
  fi
  echo "=== $preset passed in $(( $(date +%s) - start )) s ==="
done
