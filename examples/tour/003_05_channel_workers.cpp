// Tour: several goroutines over channels. Ports seed 003 (a flow guide), Level 2,
// pattern 3: three workers range over a numbers channel and send squares on a results
// channel; a goroutine sends 1..5 and closes numbers; main collects five results.
//
//   go func(id int) {                      gocxx::go([id = i, numbers, results] {
//       for num := range numbers { ... }     for (int num : numbers) { ... }
//   }(i)                                   });
//
// Which worker takes which number, and the lines' order, are the scheduler's; every
// number is processed once and its square comes back once.
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

TOUR_EXAMPLE(channel_workers, "003", "three workers range over a numbers channel, main collects five squares") {
  std::printf("\n=== Level 2, pattern 3: multiple goroutines with channels ===\n");
  gocxx::chan<int> numbers(0);  // Step 1: create channels
  gocxx::chan<int> results(0);
  for (int i = 0; i < 3; ++i) {  // Step 2: launch workers
    gocxx::go([id = i, numbers, results] {
      for (int num : numbers) {
        std::printf("Worker %d processing %d\n", id, num);
        results.send(num * num);
      }
    });
  }
  gocxx::go([numbers] {  // Step 3: send work
    for (int i = 1; i <= 5; ++i) numbers.send(i);
    numbers.close();
  });
  for (int i = 0; i < 5; ++i) std::printf("Result: %d\n", *results.recv());  // Step 4: collect results
}
