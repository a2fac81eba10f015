#!/usr/bin/env bash
# The context microbenchmarks side by side: bench/micro_context.cpp (Google Benchmark)
# and its Go twin bench/go_micro/context_micro.go (bench/micro_side_by_side.sh).
#   bench/micro_context.sh
exec "$(dirname "${BASH_SOURCE[0]}")/micro_side_by_side.sh" micro_context context_micro.go
