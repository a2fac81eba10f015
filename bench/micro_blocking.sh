#!/usr/bin/env bash
# gocxx::blocking's microbenchmarks side by side: bench/micro_blocking.cpp (Google
# Benchmark) and its Go twin bench/go_micro/blocking_micro.go, best of 3 runs each, as
# one table: name, ours (ns), Go (ns), ours/Go. BM_HandoffLatency compares latencies.
#   bench/micro_blocking.sh
# Needs the release build with Google Benchmark (libbenchmark-dev) and Go 1.19.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
GO="$(command -v go || echo /usr/lib/go-1.19/bin/go)"
tmp="$(mktemp -d /tmp/gocxx-micro-blocking.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
cmake --build "$root/build/release" --target micro_blocking >/dev/null
(cd "$here/go_micro" && GOCACHE="$tmp/gocache" GO111MODULE=off "$GO" build -o "$tmp/go_micro" blocking_micro.go)
for rep in 1 2 3; do
  # CSV: name,iterations,real_time,cpu_time,...; HandoffLatency's real_time is the latency
  # (manual time), its name loses the /iterations:200/manual_time suffix.
  "$root/build/release/bench/micro_blocking" --benchmark_format=csv 2>/dev/null |
    awk -F, 'NR > 1 { gsub(/"/, "", $1); sub(/\/.*/, "", $1); v = $4; if ($1 ~ /HandoffLatency/) v = $3; print $1, v }' >>"$tmp/ours"
  "$tmp/go_micro" >>"$tmp/go"
done
best() { sort -k1,1 -k2,2g "$1" | awk '!seen[$1]++'; }
join <(best "$tmp/ours") <(best "$tmp/go") |
  awk 'BEGIN { printf "%-26s %10s %10s %8s\n", "benchmark", "ours ns", "Go ns", "ours/Go" }
       { printf "%-26s %10.1f %10.1f %8.2f\n", $1, $2, $3, $2 / $3 }'
