#!/usr/bin/env bash
# gocxx::blocking's microbenchmarks side by side: bench/micro_blocking.cpp (Google
# Benchmark) and its Go twin bench/go_micro/blocking_micro.go (bench/micro_side_by_side.sh).
# BM_HandoffLatency compares latencies (ours: manual time).
#   bench/micro_blocking.sh
exec "$(dirname "${BASH_SOURCE[0]}")/micro_side_by_side.sh" micro_blocking blocking_micro.go
