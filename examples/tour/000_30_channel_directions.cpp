// Tour: channel directions are types. Ports seed 000, program 2 (the diagrams), diagram
// 15: sender takes a `chan<- int` (send only), receiver a `<-chan int` (receive only);
// a `chan int` converts to either implicitly, and both views are the same channel.
//
//   func sender(ch chan<- int)                   void sender(gocxx::send_chan<int> ch)
//   func receiver(ch <-chan int)                 void receiver(gocxx::recv_chan<int> ch)
//   x := <-ch   // in sender: compile error      ch.recv()   // in sender: does not compile
//
// The seed shows the wrong direction as code that does not compile. The port asks the
// compiler the same question, with a requires-expression, and prints its answers
// (static_asserts hold them too).
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

template <class C>
concept can_send = requires(const C& c) { c.send(42); };
template <class C>
concept can_recv = requires(const C& c) { c.recv(); };

static_assert(can_send<gocxx::chan<int>> && can_recv<gocxx::chan<int>>);
static_assert(can_send<gocxx::send_chan<int>> && !can_recv<gocxx::send_chan<int>>);
static_assert(!can_send<gocxx::recv_chan<int>> && can_recv<gocxx::recv_chan<int>>);

void sender(gocxx::send_chan<int> ch, const gocxx::chan<int>& original) {
  ch.send(42);  // OK
  // int x = *ch.recv();  // compile error: send_chan has no recv
  std::printf("sender: same channel as ch: %s\n", ch == original ? "true" : "false");
}

void receiver(gocxx::recv_chan<int> ch, const gocxx::chan<int>& original) {
  int x = *ch.recv();  // OK
  // ch.send(42);  // compile error: recv_chan has no send
  std::printf("receiver: x = %d; same channel as ch: %s\n", x, ch == original ? "true" : "false");
}

const char* yes_no(bool b) { return b ? "yes" : "no (compile-time error)"; }

}  // namespace

TOUR_EXAMPLE(channel_directions, "000", "diagram 15: chan<- and <-chan as types; the wrong direction does not compile") {
  std::printf("\n=== DIAGRAM 15: CHANNEL DIRECTION TYPES (Type Safety) ===\n");
  std::printf("chan int:   send %s, receive %s\n", yes_no(can_send<gocxx::chan<int>>), yes_no(can_recv<gocxx::chan<int>>));
  std::printf("chan<- int: send %s, receive %s\n", yes_no(can_send<gocxx::send_chan<int>>),
              yes_no(can_recv<gocxx::send_chan<int>>));
  std::printf("<-chan int: send %s, receive %s\n", yes_no(can_send<gocxx::recv_chan<int>>),
              yes_no(can_recv<gocxx::recv_chan<int>>));

  gocxx::chan<int> ch(1);  // chan int (bidirectional)
  sender(ch, ch);          // converts to chan<- int
  receiver(ch, ch);        // converts to <-chan int
}
