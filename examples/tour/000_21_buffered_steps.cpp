// Tour: a buffered channel step by step. Ports seed 000, program 2 (the diagrams), diagram
// 5: capacity 2; the sends of 100 and 200 complete at once and fill the buffer; the send
// of 300 blocks; a receive takes 100 and lets 300 in.
//
//   ch := make(chan int, 2)                      gocxx::chan<int> ch(2);
//   ch <- 100; ch <- 200                         ch.send(100); ch.send(200);
//   ch <- 300   // blocks: buffer full           ch.send(300);
//
// The diagram's one sender is the port's main goroutine for the first two sends, and a
// goroutine for the third (main must stay free to receive); main receives.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(buffered_steps, "000", "diagram 5: capacity 2; two sends complete, the third blocks until a receive") {
  std::printf("\n=== DIAGRAM 5: BUFFERED CHANNEL OPERATION ===\n");
  gocxx::chan<int> ch(2);  // buffered with capacity 2

  ch.send(100);
  std::printf("STEP 1: ch <- 100 completed at once: qcount %zu of %zu\n", ch.size(), ch.capacity());
  ch.send(200);
  std::printf("STEP 2: ch <- 200 completed at once: qcount %zu of %zu (full)\n", ch.size(), ch.capacity());

  gocxx::chan<int> sent(0);  // closed when the third send has completed
  gocxx::go([ch, sent] {
    ch.send(300);  // blocks: the buffer is full
    sent.close();
  });
  gocxx::sleep(tour::d(50ms));
  bool blocked = sent.try_recv().status == gocxx::chan_status::would_block;
  std::printf("STEP 3: ch <- 300 blocked (waiting in sendq): %s\n", blocked ? "true" : "false");

  int val = *ch.recv();
  sent.recv();
  std::printf("STEP 4: val := <-ch got %d; the sender resumed: qcount %zu\n", val, ch.size());
  std::printf("Then: %d\n", *ch.recv());
  std::printf("Then: %d\n", *ch.recv());
}
