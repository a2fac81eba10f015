// gocxx-race-demo: the unsynchronized counter, for ThreadSanitizer (Go's `go run -race`).
// Ports the racy counter every Go guide opens with (seed 000's race_condition, seed 004's
// race-detector section): a plain int incremented from several goroutines with no lock,
// no atomic and no channel. Built with -fsanitize=thread (the tsan preset), it makes
// ThreadSanitizer print "WARNING: ThreadSanitizer: data race", naming this file and the
// lines marked RACE below, and exit with status 66; in other builds it prints a total
// that is often short of 400000 (lost updates), when the goroutines overlap. docs/race.md says how to build your
// own program this way; tests/race_test.cpp checks the report.
//
//   var counter int                            int counter = 0;
//   for i := 0; i < 4; i++ {                   for (int i = 0; i < 4; ++i) {
//       wg.Add(1)                                wg.add(1);
//       go func() {                              gocxx::go([&] {
//           defer wg.Done()                        for (...) increment();
//           for j := 0; j < n; j++ { counter++ }   wg.done();
//       }()                                      });
//   }                                          }
//
// The increments are in a function the optimiser may not inline, so each one is a real
// load and store (not folded into one add per goroutine), and the goroutines start
// together (a closed channel), so they run at once on the runtime's threads.
#include <cstdio>
#include <variant>

#include "gocxx/gocxx.hpp"

namespace {

int counter = 0;  // shared, unsynchronized

[[gnu::noinline]] void increment() {
  counter++;  // RACE: read and write with no synchronization
}

}  // namespace

int main() {
  return gocxx::run([] {
    constexpr int goroutines = 4, per_goroutine = 100000;
    gocxx::chan<std::monostate> start(0);
    gocxx::wait_group wg;
    for (int i = 0; i < goroutines; ++i) {
      wg.add(1);
      gocxx::go([&] {
        start.recv();  // all at once
        for (int j = 0; j < per_goroutine; ++j) increment();  // RACE: the caller
        wg.done();
      });
    }
    start.close();
    wg.wait();
    std::printf("counter = %d (want %d: every lost update is the race)\n", counter, goroutines * per_goroutine);
  });
}
