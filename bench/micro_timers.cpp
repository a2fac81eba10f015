// Microbenchmarks of the timers' costs that the workloads do not isolate: what a pending
// timer adds to every schedule (the due check reads the clock once a P has a timer), and
// the create+stop pair at a few heap sizes. Run: build/release/bench/micro_timers.
#include <benchmark/benchmark.h>

#include <chrono>
#include <optional>
#include <vector>

#include "gocxx/gocxx.hpp"

namespace {

using namespace std::chrono_literals;

// A ping-pong over two unbuffered channels at procs 1: two schedules per round trip.
// With a timer pending an hour away, each schedule also reads the clock.
void pingpong(benchmark::State& state, bool pending_timer) {
  gocxx::set_max_procs(1);
  gocxx::run([&] {
    gocxx::timer far;
    if (pending_timer) far = gocxx::timer(1h);
    gocxx::chan<int> ping(0), pong(0);
    gocxx::go([ping, pong] {
      for (auto v : ping) pong.send(v);
    });
    for (auto _ : state) {
      ping.send(1);
      benchmark::DoNotOptimize(pong.recv());
    }
    ping.close();
  });
  state.counters["schedules/iter"] = 2;
}
void BM_PingPong(benchmark::State& state) { pingpong(state, false); }
void BM_PingPongWithPendingTimer(benchmark::State& state) { pingpong(state, true); }
BENCHMARK(BM_PingPong);
BENCHMARK(BM_PingPongWithPendingTimer);

// timer create + stop with `state.range(0)` other timers pending on the heap.
void BM_TimerCreateStop(benchmark::State& state) {
  gocxx::set_max_procs(1);
  gocxx::run([&] {
    std::vector<gocxx::timer> others;
    for (int64_t i = 0; i < state.range(0); ++i) others.emplace_back(1h + std::chrono::milliseconds(i));
    for (auto _ : state) {
      gocxx::timer t(30min);
      benchmark::DoNotOptimize(t.stop());
    }
  });
}
BENCHMARK(BM_TimerCreateStop)->Arg(0)->Arg(1000)->Arg(100000);

// A zero sleep: Go's time.Sleep(0), a yield.
void BM_SleepZero(benchmark::State& state) {
  gocxx::set_max_procs(1);
  gocxx::run([&] {
    for (auto _ : state) gocxx::sleep(0ns);
  });
}
BENCHMARK(BM_SleepZero);

}  // namespace

BENCHMARK_MAIN();
