#!/usr/bin/env bash
# Runs gocxx-bench and the Go reference workloads (shared/anchors/go) side by side, one
# workload at a time and alternately, so both see the same machine state, and prints one
# table: workload, procs, ours, Go, ours/Go (and Boost.Fiber when it builds).
#
#   bench/compare.sh                       every workload at procs 1 and 2
#   bench/compare.sh --quick --only spawn  sizes / 10, one workload
#   bench/compare.sh --procs "1 2 4"       other proc counts (e.g. on a bigger machine)
#
# GOCXX_BENCH_BIN / GO_ANCHORS_BIN name prebuilt binaries (then nothing is built: for a
# machine without the toolchain); GOCXX_NO_FIBER=1 skips the Boost.Fiber column.
# GOCXX_BASE_BIN names a gocxx-bench built from an earlier commit: its figures become a
# "before" column, run alternately with the others (how a change shows it slows nothing).
#
# Lower is better for every unit; a ratio below 1.00 means gocxx is faster.
# Needs Go: installed with `apt-get install -y golang-1.19-go` when missing (as root).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
anchors="${GOCXX_ANCHORS:-$root/../shared/anchors}"

procs_list="1 2"
only=""
quick=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick="--quick" ;;
    --only) only="$2"; shift ;;
    --procs) procs_list="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

tmp="$(mktemp -d /tmp/gocxx-compare.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

# --- ours ---
if [ -n "${GOCXX_BENCH_BIN:-}" ]; then
  ours="$GOCXX_BENCH_BIN"
else
  cmake --preset release >/dev/null
  cmake --build --preset release --target gocxx-bench >/dev/null
  ours="$root/build/release/bench/gocxx-bench"
fi

# --- Go ---
GO=""
if [ -n "${GO_ANCHORS_BIN:-}" ]; then GO=prebuilt
elif command -v go >/dev/null 2>&1; then GO="$(command -v go)"
elif [ -x /usr/lib/go-1.19/bin/go ]; then GO=/usr/lib/go-1.19/bin/go
else
  echo "compare.sh: installing Go (golang-1.19-go)" >&2
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-1.19-go) >&2
  fi
  [ -x /usr/lib/go-1.19/bin/go ] && GO=/usr/lib/go-1.19/bin/go
fi
gobin="${GO_ANCHORS_BIN:-}"
if [ -z "$gobin" ] && [ -n "$GO" ] && [ -d "$anchors/go" ]; then
  export GOCACHE="${GOCACHE:-$tmp/gocache}" GOPATH="${GOPATH:-$tmp/gopath}"
  if (cd "$anchors/go" && GOFLAGS= GO111MODULE=on "$GO" build -o "$tmp/go-anchors" .) >&2; then
    gobin="$tmp/go-anchors"
  fi
fi
[ -n "$gobin" ] || echo "compare.sh: Go anchors unavailable; the Go column will be empty" >&2

# --- Boost.Fiber (optional) ---
fiberbin=""
if [ -z "${GOCXX_NO_FIBER:-}" ] && [ -f /usr/include/boost/fiber/all.hpp ] && [ -d "$anchors/boost-fiber" ]; then
  if cmake -S "$anchors/boost-fiber" -B "$tmp/fiber" -DCMAKE_BUILD_TYPE=Release >/dev/null 2>&1 &&
     cmake --build "$tmp/fiber" >/dev/null 2>&1; then
    fiberbin="$tmp/fiber/boost_fiber_bench"
  fi
fi

workloads="spawn pingpong spsc mpmc unbuffered_mpmc select4 ring pipeline workerpool mutex chan_counter timer_churn timer_fire context_tree parked_memory skynet select_both sleep_latency"
[ -n "$only" ] && workloads="$only"

value() {  # value <binary> <workload> <procs>: the RESULT value, or "-" on failure
  local out
  out="$("$@" 2>>"$tmp/stderr.log" | awk '/^RESULT/ {print $4}' | tail -n 1)" || true
  echo "${out:--}"
}

base="${GOCXX_BASE_BIN:-}"
printf "%-16s %5s %12s %12s %8s" workload procs gocxx go "gocxx/go"
[ -n "$fiberbin" ] && printf " %12s" boost.fiber
[ -n "$base" ] && printf " %12s" before
printf "\n"
for p in $procs_list; do
  for w in $workloads; do
    o="$(value "$ours" --procs "$p" --only "$w" $quick)"
    g="-"
    [ -n "$gobin" ] && g="$(value "$gobin" --procs "$p" --only "$w" $quick)"
    ratio="-"
    if [[ "$o" =~ ^[0-9.]+$ && "$g" =~ ^[0-9.]+$ ]]; then
      ratio="$(awk -v a="$o" -v b="$g" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
    fi
    printf "%-16s %5s %12s %12s %8s" "$w" "$p" "$o" "$g" "$ratio"
    if [ -n "$fiberbin" ]; then printf " %12s" "$(value "$fiberbin" --procs "$p" --only "$w" $quick)"; fi
    if [ -n "$base" ]; then printf " %12s" "$(value "$base" --procs "$p" --only "$w" $quick)"; fi
    printf "\n"
  done
done
if grep -q '^FAIL' "$tmp/stderr.log" 2>/dev/null; then
  echo "compare.sh: some workloads failed their checks:" >&2
  grep '^FAIL' "$tmp/stderr.log" >&2
  exit 1
fi
