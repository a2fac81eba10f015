// Tour: what close does to a channel's waiters and its later receives. Ports seed 000,
// program 2 (the diagrams), diagram 11: close wakes every waiting receiver (each gets the
// zero value and ok == false), panics every waiting sender ("send on closed channel"),
// and later receives drain the buffer before they report the close; a range ends there.
//
//   close(ch)                                    ch.close();
//   val, ok := <-ch                              std::optional<int> v = ch.recv();   // ok: v.has_value()
//   for val := range ch { ... }                  for (int val : ch) { ... }
//
// A bug in the seed's picture, fixed here: it shows receivers waiting (recvq [G1, G2])
// on a channel whose buffer holds [10, 20]; that cannot be (a receiver would have taken a
// buffered value; Go's hchan, and gocxx's, never have both). The port shows the two
// cases apart: receivers waiting on an empty channel, and a buffer of [10, 20] drained
// after the close.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

void print_recv(const char* what, const std::optional<int>& v) {
  std::printf("%s: val = %d, ok = %s\n", what, v.value_or(0), v ? "true" : "false");
}

}  // namespace

TOUR_EXAMPLE(close_behavior, "000", "diagram 11: close wakes every receiver, panics blocked senders, then drains") {
  std::printf("\n=== DIAGRAM 11: CHANNEL CLOSING BEHAVIOR ===\n");

  // BEFORE close: G1 and G2 wait in <-ch; G3 waits in ch2 <- 1.
  gocxx::chan<int> ch(0);
  gocxx::chan<int> ch2(0);
  std::optional<int> got[2];
  std::string panicked;
  gocxx::wait_group wg;
  for (int i = 0; i < 2; ++i) wg.go([&got, ch, i] { got[i] = ch.recv(); });
  wg.go([&panicked, ch2] {
    try {
      ch2.send(1);
    } catch (const gocxx::panic_error& e) {  // Go: the sender's panic (recovered here)
      panicked = e.what();
    }
  });
  gocxx::sleep(tour::d(50ms));  // let them reach their waits (the outcome is the same if not)

  // DURING close: wake every receiver; panic every sender.
  ch.close();
  ch2.close();
  wg.wait();
  print_recv("G1 woke up", got[0]);
  print_recv("G2 woke up", got[1]);
  std::printf("G3 (blocked sender) panicked: %s\n", panicked.c_str());

  // AFTER close: the buffer drains first.
  gocxx::chan<int> buffered(2);
  buffered.send(10);
  buffered.send(20);
  buffered.close();
  print_recv("Buffer has data", buffered.recv());
  for (int val : buffered) std::printf("range: %d\n", val);  // until closed AND drained
  std::printf("range: loop exited\n");
  print_recv("Buffer empty", buffered.recv());
}
