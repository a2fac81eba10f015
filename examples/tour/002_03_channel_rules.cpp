// Tour: the channel rules. Ports seed 002 (a Go patterns sheet), "fundamentals", Channel
// rules: a send to a nil channel blocks forever, so does a receive; a send to a closed
// channel panics; a receive from a closed channel returns the zero value at once; only
// the sender closes.
//
//   var ch chan int             gocxx::chan<int> ch;          (nil)
//   ch <- 1   // blocks forever  ch.send(1);
//   defer func() { recover() }  try { ... } catch (const gocxx::panic_error& e) { ... }
//   v, ok := <-closed           std::optional<int> v = closed.recv();
//
// "Forever" is shown as a select on the nil channel against a timer (a nil channel's case
// is never chosen), so the tour goes on; the panic is Go's, with Go's message, caught.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(channel_rules, "002", "nil channels block, a send on a closed one panics, a closed one reads zero") {
  std::printf("\n=== Channel rules ===\n");
  auto wait = tour::d(100ms);

  gocxx::chan<int> nil_ch;  // var ch chan int: nil
  int i = gocxx::select(gocxx::case_send(nil_ch, 1), gocxx::case_recv(gocxx::after(wait)));
  std::printf("send to nil channel: %s after %s\n", i == 1 ? "still blocked" : "sent?!", tour::go_duration(wait).c_str());
  i = gocxx::select(gocxx::case_recv(nil_ch), gocxx::case_recv(gocxx::after(wait)));
  std::printf("receive from nil channel: %s after %s\n", i == 1 ? "still blocked" : "received?!", tour::go_duration(wait).c_str());

  gocxx::chan<int> closed(1);
  closed.close();
  try {
    closed.send(1);
    std::printf("send to closed channel: no panic?!\n");
  } catch (const gocxx::panic_error& e) {
    std::printf("send to closed channel: panic: %s\n", e.what());
  }
  std::optional<int> v = closed.recv();  // returns at once
  std::printf("receive from closed channel: %d, ok = %s (at once)\n", v.value_or(0), v ? "true" : "false");

  // Only the sender closes: it alone knows that no more values come.
  gocxx::chan<int> ch(0);
  gocxx::go([ch] {
    for (int k = 1; k <= 3; ++k) ch.send(k);
    ch.close();  // the sender closes
  });
  int n = 0;
  for (int x : ch) n += x > 0 ? 1 : 0;  // the receiver ranges until the close
  std::printf("only the sender closes: the receiver got %d values, then saw the close\n", n);
}
