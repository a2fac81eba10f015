// Tour: a basic timer. Ports seed 001, program 1 (the "comprehensive Go timers guide"),
// section 1, basicTimerExample: a timer fires once, and receiving from its channel waits
// for it.
//
//   timer := time.NewTimer(2 * time.Second)     gocxx::timer timer(2s);
//   <-timer.C                                   timer.c().recv();
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(basic_timer, "001", "a timer fires once; receiving from its channel waits for it") {
  std::printf("\n=== Basic Timer Example ===\n");
  gocxx::timer timer(tour::d(2s));  // registered with this P's timer heap
  std::printf("Timer started at: %s\n", tour::clock_hms().c_str());
  timer.c().recv();  // parks this goroutine, not its thread, until the timer fires
  std::printf("Timer fired at: %s\n", tour::clock_hms().c_str());
}
