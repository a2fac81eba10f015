// Tour: a buffered channel's fields, as len and cap show them. Ports seed 000, program 2
// (the diagrams), diagram 3: `ch := make(chan int, 3)` holding 10 and 20, so qcount 2,
// dataqsiz 3, and the ring buffer's recvx at the oldest value.
//
//   len(ch), cap(ch)                             ch.size(), ch.capacity()
//
// gocxx's channel core is Go's hchan (src/chan.cpp: a ring buffer, sendq, recvq, a closed
// flag, a lock); len and cap read qcount and dataqsiz. The diagram is a picture, not a
// program; the port runs its one line of code and prints what the picture shows.
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

TOUR_EXAMPLE(hchan_fields, "000", "diagram 3: make(chan int, 3) holding 10 and 20: qcount 2, dataqsiz 3, FIFO") {
  std::printf("\n=== DIAGRAM 3: CHANNEL INTERNAL STRUCTURE (hchan) ===\n");
  gocxx::chan<int> ch(3);  // buffered channel
  ch.send(10);
  ch.send(20);
  std::printf("qcount: %zu (len)\n", ch.size());
  std::printf("dataqsiz: %zu (cap)\n", ch.capacity());
  std::printf("recvx first: %d\n", *ch.recv());  // FIFO: the oldest value
  std::printf("then: %d\n", *ch.recv());
  std::printf("qcount: %zu\n", ch.size());
}
