#!/usr/bin/env bash
# A Google Benchmark microbenchmark of ours and its Go twin side by side, best of 3 runs
# each, as one table: name, ours (ns), Go (ns), ours/Go.
#   bench/micro_side_by_side.sh TARGET GO_FILE   (bench/micro_context.sh, micro_blocking.sh)
# Ours: the CPU time per iteration, or the real time for a benchmark that reports manual
# time (its name ends in /manual_time; the suffixes after the first / are dropped). The
# Go twin prints "<name> <ns>" lines. Needs the release build with Google Benchmark
# (libbenchmark-dev) and Go 1.19.
set -euo pipefail
target="$1"
go_file="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
GO="$(command -v go || echo /usr/lib/go-1.19/bin/go)"
tmp="$(mktemp -d /tmp/gocxx-micro.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
cmake --build "$root/build/release" --target "$target" >/dev/null
(cd "$here/go_micro" && GOCACHE="$tmp/gocache" GO111MODULE=off "$GO" build -o "$tmp/go_micro" "$go_file")
for rep in 1 2 3; do
  # CSV: name,iterations,real_time,cpu_time,...
  "$root/build/release/bench/$target" --benchmark_format=csv 2>/dev/null |
    awk -F, 'NR > 1 { gsub(/"/, "", $1); v = $1 ~ /manual_time$/ ? $3 : $4; sub(/\/.*/, "", $1); print $1, v }' >>"$tmp/ours"
  "$tmp/go_micro" >>"$tmp/go"
done
best() { sort -k1,1 -k2,2g "$1" | awk '!seen[$1]++'; }
join <(best "$tmp/ours") <(best "$tmp/go") |
  awk 'BEGIN { printf "%-26s %10s %10s %8s\n", "benchmark", "ours ns", "Go ns", "ours/Go" }
       { printf "%-26s %10.1f %10.1f %8.2f\n", $1, $2, $3, $2 / $3 }'
