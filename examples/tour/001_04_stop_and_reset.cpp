// Tour: stopping and resetting timers. Ports seed 001, program 1, section 4,
// timerStopAndReset: another goroutine stops a 5 s timer after 1 s; a 1 s timer is reset
// to 3 s before it fires.
//
//   go func() { ...; if timer1.Stop() { ... } }()   gocxx::go([timer1] { ...; if (timer1.stop()) ... });
//   timer2.Reset(3 * time.Second)                   timer2.reset(3s);
//
// Timer handles are cheap reference-counted copies: the goroutine's copy of timer1 is the
// same timer (Go shares the *time.Timer). The seed orders the goroutine's line before
// main's by sleeping 2 s against the goroutine's 1 s; the port also joins the goroutine
// (a wait_group) so that order holds however late the goroutine runs.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(stop_and_reset, "001", "stop() a timer from another goroutine; reset() one before it fires") {
  std::printf("\n=== Timer Stop and Reset ===\n");

  // Stopping a timer before it fires.
  gocxx::timer timer1(tour::d(5s));
  gocxx::wait_group wg;
  wg.go([timer1] {
    gocxx::sleep(tour::d(1s));
    if (timer1.stop()) {
      std::printf("Timer stopped successfully\n");
    } else {
      std::printf("Timer already fired\n");
    }
  });
  gocxx::sleep(tour::d(2s));
  wg.wait();

  // Resetting a timer: reset() returns whether it was still active (true here).
  gocxx::timer timer2(tour::d(1s));
  timer2.reset(tour::d(3s));
  std::printf("Timer reset to 3 seconds\n");
  timer2.c().recv();
  std::printf("Timer fired after reset\n");
}
