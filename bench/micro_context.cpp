// Microbenchmarks of the context package's per-call costs, each with a Go twin of the
// same shape in bench/go_micro/context_micro.go (run both: bench/micro_context.sh).
//   with_cancel+cancel on a live parent: the child links into the parent's list and
//     unlinks on cancel (the shape of a per-request context on a server's root).
//   with_cancel, dropped uncancelled: gocxx removes it when its handles go.
//   with_timeout+cancel: the same plus arming and stopping a deadline timer.
//   value lookup 8 layers deep; err() of a live context; done() of a live context.
// Run: build/release/bench/micro_context (procs 1, on a plain thread and a goroutine).
#include <benchmark/benchmark.h>

#include <chrono>

#include "gocxx/gocxx.hpp"

namespace {

using namespace std::chrono_literals;

const gocxx::context_key<int> key0{"k0"};
const gocxx::context_key<int> key1{"k1"};

// Runs `body` inside a goroutine at procs 1 (as Go's benchmarks run in a goroutine).
template <class F>
void in_goroutine(benchmark::State& state, F body) {
  gocxx::set_max_procs(1);
  gocxx::run([&] { body(state); });
}

void BM_WithCancelAndCancel(benchmark::State& state) {
  in_goroutine(state, [](benchmark::State& st) {
    auto [parent, cancel_parent] = gocxx::with_cancel(gocxx::background());
    for (auto _ : st) {
      auto [ctx, cancel] = gocxx::with_cancel(parent);
      cancel();
      benchmark::DoNotOptimize(ctx);
    }
    cancel_parent();
  });
}
BENCHMARK(BM_WithCancelAndCancel);

void BM_WithCancelDropped(benchmark::State& state) {
  in_goroutine(state, [](benchmark::State& st) {
    auto [parent, cancel_parent] = gocxx::with_cancel(gocxx::background());
    for (auto _ : st) benchmark::DoNotOptimize(gocxx::with_cancel(parent));
    cancel_parent();
  });
}
BENCHMARK(BM_WithCancelDropped);

void BM_WithTimeoutAndCancel(benchmark::State& state) {
  in_goroutine(state, [](benchmark::State& st) {
    auto [parent, cancel_parent] = gocxx::with_cancel(gocxx::background());
    for (auto _ : st) {
      auto [ctx, cancel] = gocxx::with_timeout(parent, 1h);
      cancel();
      benchmark::DoNotOptimize(ctx);
    }
    cancel_parent();
  });
}
BENCHMARK(BM_WithTimeoutAndCancel);

void BM_ValueEightLayersDown(benchmark::State& state) {
  in_goroutine(state, [](benchmark::State& st) {
    gocxx::context ctx = gocxx::with_value(gocxx::background(), key0, 1);
    for (int i = 0; i < 7; ++i) ctx = gocxx::with_value(ctx, key1, i);
    for (auto _ : st) benchmark::DoNotOptimize(ctx.value(key0));
  });
}
BENCHMARK(BM_ValueEightLayersDown);

void BM_ErrOfALiveContext(benchmark::State& state) {
  in_goroutine(state, [](benchmark::State& st) {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    for (auto _ : st) benchmark::DoNotOptimize(ctx.err());
    cancel();
  });
}
BENCHMARK(BM_ErrOfALiveContext);

void BM_DoneOfALiveContext(benchmark::State& state) {
  in_goroutine(state, [](benchmark::State& st) {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    for (auto _ : st) benchmark::DoNotOptimize(ctx.done());
    cancel();
  });
}
BENCHMARK(BM_DoneOfALiveContext);

}  // namespace

BENCHMARK_MAIN();
