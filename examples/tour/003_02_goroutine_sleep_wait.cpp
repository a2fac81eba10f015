// Tour: waiting for a goroutine with a sleep. Ports seed 003 (a flow guide), Level 1,
// "Basic Fix: Wait (but not ideal)": main sleeps 200ms, longer than the goroutine's
// 100ms, and then ends; the goroutine has finished, this time.
//
//   time.Sleep(200 * time.Millisecond)     gocxx::sleep(200ms);   // Crude wait
//
// The sleep is a guess: on a loaded machine the goroutine can still be late (the next
// levels replace the guess by channels and WaitGroups). "Hello" comes first; the rest
// is in Go's order unless the guess fails.
#include <chrono>
#include <cstdio>
#include <variant>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(goroutine_sleep_wait, "003", "the crude fix: main sleeps longer than its goroutine works") {
  std::printf("\n=== Level 1: the crude fix, a sleep ===\n");
  gocxx::chan<std::monostate> finished(1);  // only so the tour never leaves it running
  gocxx::go([finished] {
    std::printf("Hello from goroutine\n");
    gocxx::sleep(tour::d(100ms));
    std::printf("Goroutine done\n");
    finished.send({});
  });
  gocxx::sleep(tour::d(200ms));  // Crude wait
  std::printf("Main function ends\n");
  finished.recv();  // not in the seed: the tour's next example must not see this goroutine print
}
