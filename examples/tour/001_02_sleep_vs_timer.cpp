// Tour: sleeping instead of a timer. Ports seed 001, program 1, section 2,
// withoutTimerIncorrect: time.Sleep delays, but cannot be cancelled, reset or selected on.
//
//   start := time.Now()                          auto start = std::chrono::steady_clock::now();
//   time.Sleep(2 * time.Second)                  gocxx::sleep(2s);
//   fmt.Printf("%v\n", time.Since(start))        tour::since(start)
//
// The seed also says a sleep "uses more resources than a timer" and leaves the goroutine
// "not schedulable": neither holds, in Go or in gocxx. A sleeping goroutine is parked on
// a timer like any other wait and holds no thread; what a sleep lacks is a channel (so no
// select, no stop, no reset), which is the guide's real point.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(sleep_vs_timer, "001", "gocxx::sleep delays, but cannot be stopped, reset or selected on") {
  std::printf("\n=== Without Timer (Incorrect) ===\n");
  auto start = std::chrono::steady_clock::now();
  gocxx::sleep(tour::d(2s));
  std::printf("Delayed action after: %s\n", tour::since(start).c_str());
}
