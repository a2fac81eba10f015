#!/usr/bin/env bash
# Soak (issue 25, part 6; not in CI): the stress suite's random channel mix at procs 2
# (tests/stress_test.cpp, Stress.Mix/procs2) for a long run, with the process's RSS
# sampled every 10 s. It passes when the mix passes its own checks (every value exactly
# once, per-sender FIFO, no leaked goroutine, no hang) and every RSS sample after the
# warm-up stays within the bound: the warm-up's last sample plus 25% or 32 MiB,
# whichever is larger. A leak of even a few bytes per round shows as steady growth past
# it over ten minutes.
#
#   scripts/soak.sh                  600 s, warm-up 60 s
#   SOAK_SECONDS=120 scripts/soak.sh shorter
#   SOAK_WARMUP=30 SOAK_PRESET=asan  other warm-up, another build (release by default)
#
# Prints one line per sample ("t_s rss_kib") and a verdict; exits 1 on a failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${SOAK_SECONDS:-600}"
warmup="${SOAK_WARMUP:-60}"
preset="${SOAK_PRESET:-release}"
interval=10

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target stress_test >/dev/null
bin="build/$preset/tests/stress_test"

log="$(mktemp /tmp/gocxx-soak.XXXXXX)"
trap 'rm -f "$log"' EXIT
GOCXX_STRESS_SECONDS="$seconds" "$bin" --gtest_filter='Stress.Mix/procs2' >"$log" 2>&1 &
pid=$!

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

echo "# soak: Stress.Mix/procs2 for ${seconds} s ($preset), RSS every ${interval} s, warm-up ${warmup} s"
echo "t_s rss_kib"
start=$(date +%s)
warm_rss=""
max_after=0
samples_after=0
while kill -0 "$pid" 2>/dev/null; do
  sleep "$interval"
  r="$(rss_kib "$pid")"
  [ -n "$r" ] || break
  t=$(( $(date +%s) - start ))
  echo "$t $r"
  if [ "$t" -le "$warmup" ]; then
    warm_rss="$r"
  else
    [ -n "$warm_rss" ] || warm_rss="$r"
    samples_after=$((samples_after + 1))
    [ "$r" -gt "$max_after" ] && max_after="$r"
  fi
done
rc=0
wait "$pid" || rc=$?
grep -E '^\[ stress|^\[  (PASSED|FAILED) ' "$log" || true
if [ "$rc" -ne 0 ]; then
  echo "soak: FAIL: the stress mix failed (status $rc)"
  tail -n 40 "$log"
  exit 1
fi
if [ -z "$warm_rss" ] || [ "$samples_after" -eq 0 ]; then
  echo "soak: FAIL: too short to judge (no sample after the ${warmup} s warm-up)"
  exit 1
fi
slack=$(( warm_rss / 4 ))
[ "$slack" -lt 32768 ] && slack=32768
bound=$(( warm_rss + slack ))
echo "soak: RSS after warm-up ${warm_rss} KiB; highest later sample ${max_after} KiB of ${samples_after}; bound ${bound} KiB"
if [ "$max_after" -gt "$bound" ]; then
  echo "soak: FAIL: RSS grew past the bound"
  exit 1
fi
echo "soak: passed"
