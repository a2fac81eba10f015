// Tour: a done channel. Ports seed 003 (a flow guide), Level 2, "Channels for
// Communication", pattern 1: the goroutine works, then signals completion with
// `done <- true`; main waits on `<-done`. The lines are in Go's order, every time.
//
//   done := make(chan bool)                gocxx::chan<bool> done(0);
//   done <- true                           done.send(true);
//   <-done                                 done.recv();
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(done_channel, "003", "signal completion on a done channel: <-done waits for the work") {
  std::printf("\n=== Level 2, pattern 1: simple channel communication ===\n");
  gocxx::chan<bool> done(0);  // Step 1: create channel
  gocxx::go([done] {          // Step 2: launch goroutine
    std::printf("Working...\n");
    gocxx::sleep(tour::d(100ms));
    std::printf("Done working\n");
    done.send(true);  // Step 3: signal completion
  });
  done.recv();  // Step 4: wait for signal
  std::printf("All work completed\n");
}
