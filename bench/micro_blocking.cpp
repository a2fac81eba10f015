// Microbenchmarks of gocxx::blocking, each with a Go twin of the same shape in
// bench/go_micro/blocking_micro.go (run both: bench/micro_blocking.sh). Procs 1, in a
// goroutine, as Go's benchmarks run.
//   BM_RawGetpid: the bare system call, no runtime involved (the floor both sides share).
//   BM_BlockingGetpid: the same call inside gocxx::blocking (Go: syscall.Syscall, which
//     brackets it with entersyscall/exitsyscall): the cost of offering the P and taking
//     it back when the call is short.
//   BM_HandoffLatency: a goroutine starts another (queued on the same, only, P) and
//     enters a 2 ms blocking sleep; ns from the call's start until the other goroutine
//     runs: how soon sysmon hands the P on (Go: a nanosleep through syscall.Syscall).
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>

#include "gocxx/gocxx.hpp"

namespace {

template <class F>
void in_goroutine(benchmark::State& state, F body) {
  gocxx::set_max_procs(1);
  gocxx::run([&] { body(state); });
}

void BM_RawGetpid(benchmark::State& state) {
  in_goroutine(state, [](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(::syscall(SYS_getpid));
  });
}
BENCHMARK(BM_RawGetpid);

void BM_BlockingGetpid(benchmark::State& state) {
  in_goroutine(state, [](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(gocxx::blocking([] { return ::syscall(SYS_getpid); }));
  });
}
BENCHMARK(BM_BlockingGetpid);

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void BM_HandoffLatency(benchmark::State& state) {
  in_goroutine(state, [](benchmark::State& st) {
    for (auto _ : st) {
      std::atomic<std::int64_t> started{0}, ran{0};
      gocxx::wait_group wg;
      wg.add(2);
      gocxx::go([&] {
        // The other goroutine, queued on this P right behind the call.
        gocxx::go([&] {
          ran.store(now_ns());
          wg.done();
        });
        gocxx::blocking([&] {
          started.store(now_ns());
          timespec ts{0, 2'000'000};
          ::nanosleep(&ts, nullptr);
        });
        wg.done();
      });
      wg.wait();
      std::int64_t d = ran.load() - started.load();
      st.SetIterationTime(static_cast<double>(d > 0 ? d : 0) / 1e9);  // <= 0: it ran first
    }
  });
}
BENCHMARK(BM_HandoffLatency)->UseManualTime()->Iterations(200);

}  // namespace

BENCHMARK_MAIN();
