// Tour: a timer against a ticker. Ports seed 001, program 1, section 8, timerVsTicker: a
// timer fires once; a ticker fires every period until stopped.
//
//   ticker := time.NewTicker(500 * time.Millisecond)   gocxx::ticker ticker(500ms);
//   defer ticker.Stop()                                tour::defer stop([&] { ticker.stop(); });
//   for range ticker.C { ...; break }                  for (auto t : ticker.c()) { ...; break; }
//
// A mistake in the seed: it prints that a ticker "can be stopped but not reset". Go has
// had Ticker.Reset since 1.15, and gocxx::ticker has reset(d); the port prints that.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(timer_vs_ticker, "001", "a timer fires once; a ticker fires every period until stopped") {
  std::printf("\n=== Timer vs Ticker ===\n");

  gocxx::timer timer(tour::d(1s));  // one event
  timer.c().recv();
  std::printf("Timer fired once\n");

  gocxx::ticker ticker(tour::d(500ms));  // repeated events
  tour::defer stop_ticker([&] { ticker.stop(); });
  int count = 0;
  for (auto tick : ticker.c()) {
    (void)tick;
    ++count;
    std::printf("Ticker tick %d\n", count);
    if (count >= 3) break;
  }

  std::printf("\nKey Differences:\n");
  std::printf("- Timer: Single event, can be stopped/reset\n");
  std::printf("- Ticker: Repeating events, can be stopped/reset (reset changes the period)\n");
}
