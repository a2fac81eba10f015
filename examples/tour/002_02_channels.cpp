// Tour: channels. Ports seed 002 (a Go patterns sheet), "fundamentals", Channels: an
// unbuffered channel (synchronous), a buffered one (asynchronous up to its capacity),
// send, receive and close.
//
//   ch := make(chan int)        gocxx::chan<int> ch(0);
//   ch := make(chan int, 10)    gocxx::chan<int> ch(10);
//   ch <- value                 ch.send(value);
//   v := <-ch                   int v = *ch.recv();
//   close(ch)                   ch.close();
//
// The sheet lists the operations; the port runs each once and prints what it did.
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

TOUR_EXAMPLE(channels, "002", "unbuffered and buffered channels: send, receive, close, range") {
  std::printf("\n=== Channels ===\n");

  gocxx::chan<int> ch(0);                // unbuffered (synchronous)
  gocxx::go([ch] { ch.send(42); });      // the send waits for the receive below
  int v = *ch.recv();
  std::printf("unbuffered: received %d (the send waited for this receive)\n", v);

  gocxx::chan<int> buf(10);  // buffered (async up to capacity)
  for (int i = 0; i < 10; ++i) buf.send(i);  // no receiver needed until the buffer is full
  std::printf("buffered: 10 sends without a receiver: len %zu, cap %zu\n", buf.size(), buf.capacity());

  buf.close();  // close (sender only!)
  std::string got;
  for (int x : buf) {  // drains, then ends
    if (!got.empty()) got += ' ';
    got += std::to_string(x);
  }
  std::printf("range after close: %s\n", got.c_str());
  std::optional<int> last = buf.recv();  // v, ok := <-buf
  std::printf("after the drain: v = %d, ok = %s\n", last.value_or(0), last ? "true" : "false");
}
