// Tour: a send happens-before its receive completes. Ports seed 000, program 2 (the
// diagrams), diagram 10's channel version: G1 writes data = 42, then sends on ch; G2
// receives, then reads data, and sees 42.
//
//   data = 42; ch <- true     // G1              data = 42; ch.send(true);
//   <-ch; print(data)         // G2              ch.recv(); std::printf("%d\n", data);
//
// gocxx's channels carry Go's memory model as C++ happens-before edges (chan.hpp): the
// plain write of data before the send is visible after the receive, with no atomics.
//
// Not ported: the diagram's first half, the same program with a plain `ready` flag instead
// of the channel. In Go that is a data race whose outcome is unspecified; in C++ it is
// undefined behaviour, which a tour should not run.
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

TOUR_EXAMPLE(happens_before, "000", "diagram 10: a plain write before a send is visible after the receive") {
  std::printf("\n=== DIAGRAM 10: MEMORY VISIBILITY & HAPPENS-BEFORE RELATIONSHIP ===\n");
  int data = 0;  // a plain int: the channel orders the accesses
  gocxx::chan<bool> ch(0);

  gocxx::go([&data, ch] {  // goroutine 1
    data = 42;
    ch.send(true);
  });

  ch.recv();  // goroutine 2 (main)
  std::printf("%d\n", data);  // sees 42
}
