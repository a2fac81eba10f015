// Tour: after() in a loop, and the reused timer instead. Ports seed 001, program 1,
// section 7, timeAfterProblem: rather than a new time.After per iteration, one timer,
// reset after each fire.
//
//   for {                                        for (;;) {
//     select { case <-time.After(d): ... }         gocxx::select(gocxx::case_recv(gocxx::after(d), ...));   // a timer per turn
//   }                                            }
//   timer := time.NewTimer(d)                    gocxx::timer timer(d);
//   case <-timer.C: ...; timer.Reset(d)          gocxx::case_recv(timer.c(), [&] { ...; timer.reset(d); })
//
// In gocxx the "bad" loop does not leak (each after() is freed with its channel when the
// select returns), but it still allocates and arms a timer per turn; the reused timer
// does neither.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(after_in_loop, "001", "in a loop, reset() one timer rather than a new after() per turn") {
  std::printf("\n=== time.After() Problem ===\n");
  gocxx::timer timer(tour::d(1s));
  tour::defer stop_timer([&] { timer.stop(); });
  for (int i = 0; i < 3; ++i) {
    gocxx::select(gocxx::case_recv(timer.c(), [&] {
      std::printf("Iteration %d completed\n", i + 1);
      timer.reset(tour::d(1s));  // reuse the same timer
    }));
  }
}
