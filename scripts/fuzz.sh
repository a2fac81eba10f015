#!/usr/bin/env bash
# The channel model-checking fuzzer (issue 25 part 4; docs/fuzzing.md): builds the preset
# fuzz (clang 14, libFuzzer, ASan+UBSan) and runs tests/fuzz/chan_model_fuzz on the
# committed corpus for a while. CI runs it for 60 s (scripts/test.sh fuzz).
#
#   scripts/fuzz.sh                        600 s
#   scripts/fuzz.sh 3600                   an hour
#   scripts/fuzz.sh 3600 --update-corpus   then merge what it found into the committed corpus
#   scripts/fuzz.sh 120 -- -seed=1         extra libFuzzer flags after --
#
# The committed corpus (tests/fuzz/corpus/chan_model) is only read: new inputs go to
# build/fuzz/corpus/chan_model, kept between runs, unless --update-corpus merges the ones
# that add coverage into the committed one afterwards. A finding (crash-*, timeout-*,
# leak-*, oom-*) goes to build/fuzz/findings/; the script then prints how to replay it
# and exits 1. The whole libFuzzer log is build/fuzz/fuzz.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=600
update=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --update-corpus) update=1 ;;
    --) shift; extra=("$@"); break ;;
    *[!0-9]* | '') echo "usage: scripts/fuzz.sh [SECONDS] [--update-corpus] [-- LIBFUZZER_FLAGS...]" >&2; exit 2 ;;
    *) seconds="$1" ;;
  esac
  shift
done

build_start=$(date +%s)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${GOCXX_FUZZ_JOBS:-2}"
echo "fuzz: built in $(( $(date +%s) - build_start )) s"

bin=build/fuzz/tests/fuzz/chan_model_fuzz
corpus=tests/fuzz/corpus/chan_model
scratch=build/fuzz/corpus/chan_model
findings=build/fuzz/findings
log=build/fuzz/fuzz.log
mkdir -p "$scratch" "$findings"
marker="$(mktemp)"
trap 'rm -f "$marker"' EXIT

echo "fuzz: chan_model_fuzz for ${seconds} s on $corpus (new inputs: $scratch, findings: $findings/)"
# The first corpus directory receives the new inputs. Per-input limits: 10 s (a program
# takes well under a millisecond), inputs of at most 512 bytes (the decoder reads 64 steps).
set +e
"$bin" -max_total_time="$seconds" -max_len=512 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$findings/" ${extra[@]+"${extra[@]}"} "$scratch" "$corpus" >"$log" 2>&1
status=$?
set -e
# The log without the lines libFuzzer prints for every new or reduced input and its
# recommended dictionary.
filtered() { grep -Ev '^#[0-9]+[[:space:]]+(NEW|REDUCE)[[:space:]]|^"|^###### ' "$log" || true; }

new_findings=$(find "$findings" -type f -newer "$marker" | sort)
if [ "$status" -ne 0 ] || [ -n "$new_findings" ]; then
  # The report: the model's (program, steps, expected vs actual) or a sanitizer's.
  filtered | sed -n '/^==== chan_model_fuzz\|ERROR: \|^INFO: Seed/,$p' | head -n 150
  echo "fuzz: FINDING (libFuzzer exit status $status); the whole log is $log" >&2
  for f in $new_findings; do
    echo "  $f" >&2
  done
  cat >&2 <<EOF
To replay a finding (the decoded program, the steps and expected vs actual are printed
before the abort; select's choice is random, so give -runs=N to repeat a rare one):
  $bin FILE
  CHAN_MODEL_TRACE=1 $bin FILE     # every step's reports as they happen
  $bin -runs=100 FILE
To minimize it:
  $bin -minimize_crash=1 -max_total_time=60 -artifact_prefix=$findings/min- FILE
EOF
  exit 1
fi
filtered | tail -n 12

if [ "$update" = 1 ]; then
  before=$(find "$corpus" -type f | wc -l)
  "$bin" -merge=1 -max_len=512 "$corpus" "$scratch" >>"$log" 2>&1
  echo "fuzz: committed corpus $before -> $(find "$corpus" -type f | wc -l) inputs (review and commit $corpus)"
fi
echo "fuzz: no findings in ${seconds} s"
