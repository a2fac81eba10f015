// Tour: a WaitGroup that closes a results channel. Ports seed 003 (a flow guide), Level
// 3, pattern 2: five goroutines send their squares on a buffered channel; a goroutine
// waits for all of them and closes it, so main can range over the results.
//
//   go func() { wg.Wait(); close(results) }()   gocxx::go([&wg, results] { wg.wait(); results.close(); });
//   for result := range results { ... }          for (int result : results) { ... }
//
// The squares come in the scheduler's order; each of 1 4 9 16 25 once.
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

TOUR_EXAMPLE(wait_group_channels, "003", "wg.Wait() then close(results) in a goroutine; main ranges over results") {
  std::printf("\n=== Level 3, pattern 2: WaitGroup with channels ===\n");
  gocxx::wait_group wg;
  gocxx::chan<int> results(10);
  for (int i = 1; i <= 5; ++i) {  // Step 1: launch workers
    wg.add(1);
    gocxx::go([num = i, results, &wg] {
      tour::defer d([&] { wg.done(); });
      int result = num * num;  // do work
      results.send(result);
    });
  }
  gocxx::go([&wg, results] {  // Step 2: close channel when all done
    wg.wait();
    results.close();
  });
  for (int result : results) std::printf("Result: %d\n", result);  // Step 3: read results
}
