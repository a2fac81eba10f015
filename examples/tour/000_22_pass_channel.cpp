// Tour: passing a channel passes a handle to the same channel. Ports seed 000, program 2
// (the diagrams), diagram 6: main sends 42 on a channel of capacity 1 and passes the
// channel to readChannel, which receives it.
//
//   func readChannel(c chan int) { val := <-c }  void read_channel(gocxx::chan<int> c) { int val = *c.recv(); ... }
//
// A gocxx::chan<T> is what Go's channel value is: a pointer-sized handle to one shared
// channel (a reference count, here, where Go has its collector), so the copy that
// read_channel gets is the same channel as main's.
//
// A bug in the seed, fixed here: `val := <-c` with val unused does not compile in Go
// ("declared and not used"); the port prints it.
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

void read_channel(gocxx::chan<int> c, const gocxx::chan<int>& mains) {
  int val = *c.recv();
  std::printf("readChannel: val = %d\n", val);
  std::printf("c == ch (the same channel): %s\n", c == mains ? "true" : "false");
}

}  // namespace

TOUR_EXAMPLE(pass_channel, "000", "diagram 6: a channel passed to a function is the same channel") {
  std::printf("\n=== DIAGRAM 6: CHANNEL PASS-BY-REFERENCE SEMANTICS ===\n");
  gocxx::chan<int> ch(1);  // create the channel
  ch.send(42);
  read_channel(ch, ch);  // pass the channel to a function (a copy of the handle)
  std::printf("main: len(ch) = %zu after readChannel received\n", ch.size());
}
