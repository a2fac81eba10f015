// Tour: a WaitGroup. Ports seed 003 (a flow guide), Level 3, "WaitGroup for
// Synchronization", pattern 1: Add(1) before each of five goroutines, defer wg.Done() in
// each, wg.Wait(); worker N sleeps N x 100ms, so they finish in id order (0 first).
//
//   wg.Add(1) // Increment counter         wg.add(1);
//   defer wg.Done() // Decrement counter   tour::defer d([&] { wg.done(); });
//   wg.Wait()                              wg.wait();
//
// The five "starting" lines come in the scheduler's order; "finished" follows the
// sleeps (100ms apart), and "All workers completed" comes last.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(wait_group_basic, "003", "five workers, wg.Add(1) each, defer wg.Done(), wg.Wait()") {
  std::printf("\n=== Level 3, pattern 1: basic WaitGroup usage ===\n");
  gocxx::wait_group wg;
  for (int i = 0; i < 5; ++i) {
    wg.add(1);  // Step 1: add before launching
    gocxx::go([id = i, &wg] {  // Step 2: launch goroutine
      tour::defer d([&] { wg.done(); });  // Step 3: ensure Done is called
      std::printf("Worker %d starting\n", id);
      gocxx::sleep(tour::d(std::chrono::milliseconds(id * 100)));
      std::printf("Worker %d finished\n", id);
    });
  }
  wg.wait();  // Step 4: wait for all goroutines
  std::printf("All workers completed\n");
}
