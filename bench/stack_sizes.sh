#!/usr/bin/env bash
# The measurement behind the default stack size (docs/internals.md, "Stack size"):
# spawn, skynet, parked_memory and ring at procs 1 and 2 for several stack sizes.
#   bench/stack_sizes.sh [--quick]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target gocxx-bench >/dev/null
bin=build/release/bench/gocxx-bench
printf "%-14s %5s" workload procs
sizes="16384 32768 65536 131072 262144"
for s in $sizes; do printf " %10s" "$((s / 1024))KiB"; done
printf "\n"
for w in spawn skynet parked_memory ring; do
  for p in 1 2; do
    printf "%-14s %5s" "$w" "$p"
    for s in $sizes; do
      v=$(GOCXX_STACK_SIZE=$s "$bin" --procs "$p" --only "$w" "$@" 2>/dev/null | awk '/^RESULT/ {print $4}')
      printf " %10s" "${v:--}"
    done
    printf "\n"
  done
done
