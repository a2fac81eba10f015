// Tour: a timer with its cleanup deferred. Ports seed 001, program 1, section 3,
// correctTimerUsage: stop the timer when done, and drain its channel if stop() says it
// had already fired.
//
//   defer func() {                               tour::defer cleanup([&] {
//     if !timer.Stop() {                           if (!timer.stop())
//       select { case <-timer.C: default: }          gocxx::select(gocxx::case_recv(timer.c()), gocxx::case_default());
//     } ...                                        ...
//   }()                                          });
//
// gocxx timers follow Go 1.23: once stop() returns, no value from before it can be
// received, so the drain is never needed (here it finds nothing: the value was received).
// It is kept, non-blocking as the seed wrote it, because code written for Go before 1.23
// carries it; a blocking drain after a false stop() would hang (see timer_leak_fixed).
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(timer_cleanup, "001", "stop a timer when done (deferred), draining only without blocking") {
  std::printf("\n=== Correct Timer Usage ===\n");
  gocxx::timer timer(tour::d(2s));
  tour::defer cleanup([&] {
    if (!timer.stop()) {  // it fired and was received: false
      gocxx::select(gocxx::case_recv(timer.c()), gocxx::case_default());
    }
    std::printf("Timer cleaned up properly\n");
  });
  timer.c().recv();
  std::printf("Timer executed successfully\n");
}
