#!/usr/bin/env bash
# The context microbenchmarks side by side: bench/micro_context.cpp (Google Benchmark)
# and its Go twin bench/go_micro/context_micro.go, best of 3 runs each, as one table:
# name, ours (ns), Go (ns), ours/Go.
#   bench/micro_context.sh
# Needs the release build with Google Benchmark (libbenchmark-dev) and Go 1.19.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
GO="$(command -v go || echo /usr/lib/go-1.19/bin/go)"
tmp="$(mktemp -d /tmp/gocxx-micro-context.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
cmake --build "$root/build/release" --target micro_context >/dev/null
(cd "$here/go_micro" && GOCACHE="$tmp/gocache" GO111MODULE=off "$GO" build -o "$tmp/go_micro" context_micro.go)
for rep in 1 2 3; do
  "$root/build/release/bench/micro_context" --benchmark_format=csv 2>/dev/null |
    awk -F, 'NR > 1 { gsub(/"/, "", $1); print $1, $4 }' >>"$tmp/ours"
  "$tmp/go_micro" >>"$tmp/go"
done
best() { sort -k1,1 -k2,2g "$1" | awk '!seen[$1]++'; }
join <(best "$tmp/ours") <(best "$tmp/go") |
  awk 'BEGIN { printf "%-26s %10s %10s %8s\n", "benchmark", "ours ns", "Go ns", "ours/Go" }
       { printf "%-26s %10.1f %10.1f %8.2f\n", $1, $2, $3, $2 / $3 }'
