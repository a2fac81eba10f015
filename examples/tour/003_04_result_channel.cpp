// Tour: a value returned over a channel. Ports seed 003 (a flow guide), Level 2, pattern
// 2: a goroutine sums 1..100 and sends the sum; main receives it: "Sum: 5050".
//
//   result := make(chan int)               gocxx::chan<int> result(0);
//   result <- sum                          result.send(sum);
//   fmt.Printf("Sum: %d\n", <-result)      std::printf("Sum: %d\n", *result.recv());
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

TOUR_EXAMPLE(result_channel, "003", "a computation's result sent back on a typed channel: Sum: 5050") {
  std::printf("\n=== Level 2, pattern 2: returning values via channel ===\n");
  gocxx::chan<int> result(0);  // Step 1: create typed channel
  gocxx::go([result] {         // Step 2: launch computation
    int sum = 0;
    for (int i = 1; i <= 100; ++i) sum += i;
    result.send(sum);  // Step 3: send result
  });
  std::printf("Sum: %d\n", *result.recv());  // Step 4: receive result
}
