// Tour: the timer leak fixed. Ports seed 001, program 1, section 5,
// timerResourceLeakFixed: keep the timers, and stop each when done.
//
//   timers[i] = time.NewTimer(10 * time.Second)  timers.emplace_back(10s);
//   timer.Stop()                                 t.stop();
//
// A bug in the seed: its cleanup is `if !timer.Stop() { <-timer.C }`. Under Go 1.23's
// timers (and gocxx's), a false Stop means the value was already received or discarded,
// so that receive blocks forever; before 1.23 it did too whenever the value had been
// received. It never runs here (every timer is stopped long before it fires), so the
// port just stops: after stop() there is nothing to drain.
#include <chrono>
#include <cstdio>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(timer_leak_fixed, "001", "keep the timers' handles and stop() each one") {
  std::printf("\n=== Timer Resource Leak Fixed ===\n");
  std::vector<gocxx::timer> timers;
  for (int i = 0; i < 5; ++i) {
    timers.emplace_back(tour::d(10s));
    std::printf("Created timer %d\n", i + 1);
  }
  for (std::size_t i = 0; i < timers.size(); ++i) {
    timers[i].stop();
    std::printf("Cleaned up timer %zu\n", i + 1);
  }
}
