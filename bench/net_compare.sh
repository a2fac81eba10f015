#!/usr/bin/env bash
# The network workloads side by side (issue 23): gocxx-echo / gocxx-http-hello against the
# Go anchor's servers (../shared/anchors/go-net), loopback only, bounded in time.
#   HTTP: wrk, 100 connections, requests/s and p50/p99 latency.
#   Echo: gocxx-echo-client, 100 connections, 64 B and 4 KiB messages, messages/s, p50/p99.
# At procs 1 the server runs on CPU 0 and the load on CPU 1 (taskset); at higher procs they
# share the machine (on 2 cores the load takes CPU from the server: say so with the figures).
# Ours and Go's alternate per workload, so drift hits both alike.
#
#   bench/net_compare.sh                 # procs 1 and 2, 10 s per run
#   NET_SECONDS=3 NET_PROCS="1" bench/net_compare.sh
# Env: GOCXX_BUILD (default build/release), GO_NET_BIN (a built go-net-anchors; else it is
# built into /tmp with Debian's Go, golang-1.19-go).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GOCXX_BUILD:-$here/build/release}"
seconds="${NET_SECONDS:-10}"
procs_list="${NET_PROCS:-1 2}"
ours_echo="$build/examples/gocxx-echo"
ours_http="$build/examples/gocxx-http-hello"
client="$build/examples/gocxx-echo-client"
for b in "$ours_echo" "$ours_http" "$client"; do
  [ -x "$b" ] || { echo "net_compare: $b missing (cmake --build $build)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "net_compare: wrk missing (apt-get install wrk)" >&2; exit 1; }
go_bin="${GO_NET_BIN:-}"
if [ -z "$go_bin" ]; then
  GO="$(command -v go || echo /usr/lib/go-1.19/bin/go)"
  [ -x "$GO" ] || { echo "net_compare: Go missing (apt-get install golang-1.19-go)" >&2; exit 1; }
  tmp="$(mktemp -d /tmp/net-compare.XXXXXX)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$here/../shared/anchors/go-net" && GOCACHE="$tmp/cache" GOPATH="$tmp/gopath" GOFLAGS= GO111MODULE=on "$GO" build -o "$tmp/go-net-anchors" .)
  go_bin="$tmp/go-net-anchors"
fi
ncpu="$(nproc)"
port=19300

# start_server KIND(ours|go) MODE(echo|http) PROCS ADDR: runs it in the background, sets $srv.
start_server() {
  local pin=()
  [ "$3" = 1 ] && [ "$ncpu" -ge 2 ] && pin=(taskset -c 0)
  if [ "$1" = ours ]; then
    local bin="$ours_echo"
    [ "$2" = http ] && bin="$ours_http"
    "${pin[@]}" "$bin" --procs "$3" --addr "$4" 2>/dev/null &
  else
    "${pin[@]}" "$go_bin" --procs "$3" "$2" --addr "$4" 2>/dev/null &
  fi
  srv=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/${4%:*}/${4##*:}") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "net_compare: server $1 $2 did not come up on $4" >&2
  exit 1
}
stop_server() {
  kill -TERM "$srv"
  local rc=0
  wait "$srv" || rc=$?
  [ "$rc" = 0 ] || echo "net_compare: server exited $rc after SIGTERM" >&2
}
load_pin() {
  if [ "$1" = 1 ] && [ "$ncpu" -ge 2 ]; then echo "taskset -c 1"; fi
}

# Prints "rate p50_us p99_us".
run_echo() {  # KIND PROCS SIZE
  port=$((port + 1))
  local addr="127.0.0.1:$port"
  start_server "$1" echo "$2" "$addr"
  local line
  line="$($(load_pin "$2") "$client" --addr "$addr" --conns 100 --size "$3" --seconds "$seconds" --procs 1)"
  stop_server
  echo "$line" | sed -E 's/.*msgs_per_s=([0-9.]+) p50_us=([0-9.]+) p99_us=([0-9.]+).*/\1 \2 \3/'
}
us() {  # wrk's "41.20us" / "1.20ms" / "2.00s" -> microseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1e6; else print n }'
}
run_http() {  # KIND PROCS
  port=$((port + 1))
  local addr="127.0.0.1:$port"
  start_server "$1" http "$2" "$addr"
  local out
  out="$($(load_pin "$2") wrk -t 1 -c 100 -d "${seconds}s" --latency "http://$addr/")"
  stop_server
  local rate p50 p99
  rate="$(echo "$out" | awk '/Requests\/sec:/ { print $2 }')"
  p50="$(us "$(echo "$out" | awk '$1 == "50%" { print $2 }')")"
  p99="$(us "$(echo "$out" | awk '$1 == "99%" { print $2 }')")"
  echo "$rate $p50 $p99"
}

printf '| workload | procs | gocxx /s | Go /s | ratio (gocxx time / Go time) | gocxx p50 us | Go p50 us | gocxx p99 us | Go p99 us |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for p in $procs_list; do
  for w in http echo64 echo4k; do
    case "$w" in
      http) a="$(run_http ours "$p")"; b="$(run_http go "$p")" ;;
      echo64) a="$(run_echo ours "$p" 64)"; b="$(run_echo go "$p" 64)" ;;
      echo4k) a="$(run_echo ours "$p" 4096)"; b="$(run_echo go "$p" 4096)" ;;
    esac
    read -r ar a50 a99 <<<"$a"
    read -r br b50 b99 <<<"$b"
    ratio="$(awk -v a="$ar" -v b="$br" 'BEGIN { printf "%.2f", b / a }')"
    printf '| %s | %s | %.0f | %.0f | %s | %.0f | %.0f | %.0f | %.0f |\n' "$w" "$p" "$ar" "$br" "$ratio" "$a50" "$b50" "$a99" "$b99"
  done
done
echo "# ratio < 1: gocxx serves more per second than Go. $seconds s per run, 100 connections, loopback; $ncpu CPUs."
