// Tour: an unbuffered send waits for its receiver. Ports seed 000, program 2 (the
// diagrams), diagram 4: G1 sends 42 on an unbuffered channel and blocks (it waits in
// sendq); G2 arrives, takes 42 straight from G1 (no buffer) and G1 resumes.
//
//   ch := make(chan int)                         gocxx::chan<int> ch(0);
//   ch <- 42      // G1                          ch.send(42);
//   val := <-ch   // G2                          int val = *ch.recv();
//
// gocxx hands the value over as Go's runtime does: the receiver finds G1's waiting entry
// (its sudog) in sendq and moves the value out of G1's own frame. The port's main
// goroutine is G2; it checks that G1's send has not completed before it receives (it
// cannot have: nobody received), and waits for G1 to resume afterwards.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(unbuffered_rendezvous, "000", "diagram 4: an unbuffered send blocks until the receiver takes the value") {
  std::printf("\n=== DIAGRAM 4: UNBUFFERED CHANNEL SYNCHRONIZATION ===\n");
  gocxx::chan<int> ch(0);       // unbuffered (capacity 0)
  gocxx::chan<int> g1_done(0);  // closed when G1's send has completed

  std::printf("STEP 1: G1 sends: ch <- 42\n");
  gocxx::go([ch, g1_done] {
    ch.send(42);  // blocks: no receiver yet
    g1_done.close();
  });
  gocxx::sleep(tour::d(50ms));
  bool blocked = g1_done.try_recv().status == gocxx::chan_status::would_block;
  std::printf("G1 blocked (waiting in sendq): %s\n", blocked ? "true" : "false");

  std::printf("STEP 2: G2 receives: val := <-ch\n");
  int val = *ch.recv();  // rendezvous: 42 copied from G1 to G2
  std::printf("G2: val = %d\n", val);

  g1_done.recv();
  std::printf("STEP 3: G1 resumed: ch <- 42 completed\n");
}
