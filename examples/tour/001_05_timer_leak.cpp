// Tour: the timer "leak". Ports seed 001, program 1, section 5, timerResourceLeakExample
// (and the half-second pause main takes after it): timers created and dropped unstopped.
//
//   _ = time.NewTimer(10 * time.Second)          (void)gocxx::timer(10s);
//
// The seed's lesson dates from Go before 1.23, where an unstopped timer stayed in the
// runtime's heap until it fired. Since Go 1.23 an unreferenced timer is collectable at
// once, and in gocxx dropping a timer's last handle stops and frees it (time.hpp), so
// nothing accumulates here; the lines are the seed's. Stopping timers you are done with
// is still the habit to keep: a timer you hold a handle to stays armed.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(timer_leak, "001", "timers created and dropped unstopped (freed with their last handle)") {
  std::printf("\n=== Timer Resource Leak (AVOID THIS) ===\n");
  for (int i = 0; i < 5; ++i) {
    (void)gocxx::timer(tour::d(10s));  // the temporary is the only handle: stopped and freed here
    std::printf("Created timer %d (LEAKED)\n", i + 1);
  }
  std::printf("WARNING: 5 timers leaked in runtime heap\n");
  gocxx::sleep(tour::d(500ms));  // the seed's main pauses here before the fix
}
