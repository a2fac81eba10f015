// Tour: gocxx::after, Go's time.After. Ports seed 001, program 1, section 7,
// timeAfterExample: a one-shot timeout with no timer to hold.
//
//   select {                                     gocxx::select(
//   case <-time.After(1 * time.Second): ...        gocxx::case_recv(gocxx::after(1s), [] { ... }));
//   }
//
// As the seed says, after() gives no handle to stop or reset. Unlike what it implies for
// Go before 1.23, an unfired after() is not kept alive: in gocxx it is stopped and freed
// with its channel's last handle (Go 1.23 collects it the same way).
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(time_after, "001", "gocxx::after: a one-shot timeout channel, nothing to stop") {
  std::printf("\n=== time.After() Example ===\n");
  gocxx::select(gocxx::case_recv(gocxx::after(tour::d(1s)), [] { std::printf("1 second elapsed (using time.After)\n"); }));
}
