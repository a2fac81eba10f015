// Tour: sleeping against a reused timer, timed. Ports seed 001, program 1, section 12,
// benchmarkComparison: 100 sleeps of 1 ms, then 100 fires of one timer reset each time.
//
//   time.Sleep(1 * time.Millisecond)             gocxx::sleep(1ms);
//   <-timer.C; timer.Reset(1 * time.Millisecond) timer.c().recv(); timer.reset(1ms);
//
// The figures are the machine's and vary run to run; the tour's tests check only the
// lines. (The project's real measurements are in bench/, against Go's.)
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(timer_vs_sleep, "001", "100 sleeps against 100 fires of one reused timer, timed") {
  std::printf("\n=== Performance Comparison ===\n");
  const int iterations = 100;

  // Method 1: gocxx::sleep.
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) gocxx::sleep(tour::d(1ms));
  std::string sleep_duration = tour::since(start);

  // Method 2: one timer, reset after each fire.
  start = std::chrono::steady_clock::now();
  gocxx::timer timer(tour::d(1ms));
  for (int i = 0; i < iterations; ++i) {
    timer.c().recv();
    timer.reset(tour::d(1ms));
  }
  timer.stop();
  std::string timer_duration = tour::since(start);

  std::printf("time.Sleep: %s\n", sleep_duration.c_str());
  std::printf("time.Timer: %s\n", timer_duration.c_str());
  std::printf("\nNote: Timer has overhead for channel communication\n");
  std::printf("But provides cancellation and reset capabilities\n");
}
