// Tour: goroutines nobody waits for. Ports seed 000, program 1, part 1,
// withoutCoordination: five workers sleep 90, 80, ..., 50 ms and print; main "waits" with
// a 200 ms sleep, which only happens to be long enough.
//
//   go func(id int) { ... }(i)                   gocxx::go([id] { ... });
//   time.Sleep(200 * time.Millisecond)           gocxx::sleep(tour::d(200ms));   // a guess, not a wait
//
// The sleep is the point of the example, so it stays. But the tour goes on after this
// example (where Go's program would go on to the next function too, with the stragglers
// still running), so the port joins the workers after the warning: a worker later than
// the guess still prints its line here rather than in the next example's output.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(without_coordination, "000", "five workers and a hopeful time.Sleep instead of a wait") {
  std::printf("\n=== WITHOUT COORDINATION - UNPREDICTABLE ORDER ===\n");

  gocxx::wait_group stragglers;  // the tour's, not the seed's: see above
  // Launch multiple goroutines without any coordination.
  for (int i = 1; i <= 5; ++i) {
    stragglers.go([id = i] {
      gocxx::sleep(tour::d(std::chrono::milliseconds(100 - id * 10)));
      std::printf("Worker %d finished\n", id);
      // PROBLEM: main goes on without knowing whether the workers are done.
    });
  }

  // Main continues immediately without waiting.
  gocxx::sleep(tour::d(200ms));  // hacky wait: NOT recommended
  std::printf("⚠️  WARNING: Using time.Sleep for coordination is unreliable and hacky\n");
  stragglers.wait();
}
