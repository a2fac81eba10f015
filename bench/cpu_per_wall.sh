#!/usr/bin/env bash
# CPU over wall time of a goroutine pair, ours and Go's, alternately (issue 25.2e: an
# idle M sleeps instead of spinning beside a pair that hands off on one core).
#   bench/cpu_per_wall.sh [runs]      pingpong and light (one round trip per 100 us sleep)
#                                     at procs 1 and 2, `runs` times each (default 3)
# CPU_PER_WALL_BIN names a prebuilt cpu-per-wall (e.g. an earlier commit's: a "before").
# Prints: mode procs who ns/roundtrip cpu/wall. Needs Go 1.19 and GNU time (Debian: time).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
runs="${1:-3}"
GO="$(command -v go || echo /usr/lib/go-1.19/bin/go)"
tmp="$(mktemp -d /tmp/gocxx-cpu-per-wall.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
ours="${CPU_PER_WALL_BIN:-$root/build/release/bench/cpu-per-wall}"
[ -n "${CPU_PER_WALL_BIN:-}" ] || cmake --build "$root/build/release" --target cpu-per-wall >/dev/null
(cd "$here/go_micro" && GOCACHE="$tmp/gocache" GO111MODULE=off "$GO" build -o "$tmp/go" cpu_per_wall.go)
measure() {  # who binary mode procs n
  local out
  out="$(/usr/bin/time -f 'TIME %e %U %S' "$2" "$3" "$4" "$5" 2>&1)"
  awk -v who="$1" '/^RESULT/ { ns = $4 } /^TIME/ { cpu = ($3 + $4) / ($2 > 0 ? $2 : 1) }
       END { printf "%-9s %5s %-6s %12.1f %8.2f\n", m, p, who, ns, cpu }' m="$3" p="$4" <<<"$out"
}
printf "%-9s %5s %-6s %12s %8s\n" mode procs who ns/trip cpu/wall
for mode in pingpong light; do
  n=20000000
  [ "$mode" = light ] && n=4000
  for procs in 1 2; do
    for ((r = 0; r < runs; ++r)); do
      measure gocxx "$ours" "$mode" "$procs" "$n"
      measure go "$tmp/go" "$mode" "$procs" "$n"
    done
  done
done
