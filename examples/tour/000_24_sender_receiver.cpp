// Tour: a send-only sender and a receive-only receiver on one unbuffered channel. Ports
// seed 000, program 2 (the diagrams), diagram 8: main makes the channel and starts
// sender(ch) and receiver(ch); 100 goes straight from the sender's stack to the
// receiver's.
//
//   func sender(ch chan<- int) { ch <- 100 }     void sender(gocxx::send_chan<int> ch) { ch.send(100); }
//   func receiver(ch <-chan int) { val := <-ch } void receiver(gocxx::recv_chan<int> ch) { int val = *ch.recv(); ... }
//   time.Sleep(time.Second)                      wg.wait();
//
// Bugs in the seed, fixed here: `val := <-ch` with val unused does not compile in Go
// ("declared and not used"), so the port prints it; and main waits with a 1 s sleep, the
// guess that the guide's own withoutCoordination warns against, so the port waits for
// both goroutines with a wait group.
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

void sender(gocxx::send_chan<int> ch) {  // send-only channel
  ch.send(100);
}

void receiver(gocxx::recv_chan<int> ch) {  // receive-only channel
  int val = *ch.recv();
  std::printf("receiver: val = %d\n", val);
}

}  // namespace

TOUR_EXAMPLE(sender_receiver, "000", "diagram 8: go sender(ch), go receiver(ch): directional views of one channel") {
  std::printf("\n=== DIAGRAM 8: COMPLETE GOROUTINE SYNCHRONIZATION WITH MEMORY ===\n");
  gocxx::chan<int> ch(0);

  gocxx::wait_group wg;
  wg.go([ch] { sender(ch); });
  wg.go([ch] { receiver(ch); });

  wg.wait();  // the seed: time.Sleep(time.Second)
  std::printf("main: sender and receiver done\n");
}
