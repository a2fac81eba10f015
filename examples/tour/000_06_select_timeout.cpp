// Tour: select over two channels and a timeout. Ports seed 000, program 1, part 2,
// selectPattern: two senders answer after 100 and 200 ms; each of two selects takes
// whichever is ready first, or times out after 500 ms.
//
//   select {                                     gocxx::select(
//   case msg1 := <-ch1: ...                        gocxx::case_recv(ch1, [](auto msg1) { ... }),
//   case msg2 := <-ch2: ...                        gocxx::case_recv(ch2, [](auto msg2) { ... }),
//   case <-time.After(500 * time.Millisecond):     gocxx::case_recv(gocxx::after(tour::d(500ms)), [] { ... }));
//   }
//
// A bug in the seed, fixed here: the channels are unbuffered, so a sender whose select
// timed out blocks forever on its send (a goroutine leak per timeout). The port gives each
// channel a buffer of one: a late send completes and its goroutine ends.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(select_timeout, "000", "select takes the first of two channels, with a time.After timeout") {
  std::printf("\n=== PATTERN 4: SELECT STATEMENT ===\n");

  gocxx::chan<std::string> ch1(1);
  gocxx::chan<std::string> ch2(1);

  // Goroutine sending to ch1.
  gocxx::go([ch1] {
    gocxx::sleep(tour::d(100ms));
    ch1.send("from channel 1");
  });

  // Goroutine sending to ch2.
  gocxx::go([ch2] {
    gocxx::sleep(tour::d(200ms));
    ch2.send("from channel 2");
  });

  // Select waits for the first available channel.
  for (int i = 0; i < 2; ++i) {
    gocxx::select(
        gocxx::case_recv(ch1, [](std::optional<std::string> msg1) { std::printf("Received %s\n", msg1->c_str()); }),
        gocxx::case_recv(ch2, [](std::optional<std::string> msg2) { std::printf("Received %s\n", msg2->c_str()); }),
        gocxx::case_recv(gocxx::after(tour::d(500ms)), [] { std::printf("Timeout!\n"); }));
  }

  std::printf("✅ BENEFIT: Non-blocking operations with timeouts and multiplexing\n");
}
