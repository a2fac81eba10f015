// Tour: select with a default, and the same select without one. Ports seed 000, program 2
// (the diagrams), diagram 13: worker() selects over an int channel, a string channel, a
// 1 s timeout and a default; nothing is ready, so the default runs at once. Then the
// diagram's step 4 ("assume ch2 receives Hello"): without the default, the select waits,
// registered on all three channels, until another goroutine sends "Hello" on ch2.
//
//   select {                                     gocxx::select(
//   case v := <-ch1: ...                           gocxx::case_recv(ch1, [](std::optional<int> v) { ... }),
//   case s := <-ch2: ...                           gocxx::case_recv(ch2, [](std::optional<std::string> s) { ... }),
//   case <-timeout: ...                            gocxx::case_recv(timeout, [] { ... }),
//   default: ...                                   gocxx::case_default([] { ... }));
//   }
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

// The seed's worker(), over the channels it is given; without the default when
// with_default is false (step 4).
void worker(gocxx::chan<int> ch1, gocxx::chan<std::string> ch2, bool with_default) {
  auto timeout = gocxx::after(tour::d(1s));
  auto got_int = [](std::optional<int> v) { std::printf("Got int: %d\n", *v); };
  auto got_string = [](std::optional<std::string> s) { std::printf("Got string: %s\n", s->c_str()); };
  auto timed_out = [] { std::printf("Timeout!\n"); };
  if (with_default) {
    gocxx::select(gocxx::case_recv(ch1, got_int), gocxx::case_recv(ch2, got_string), gocxx::case_recv(timeout, timed_out),
                  gocxx::case_default([] { std::printf("No data available\n"); }));
  } else {
    gocxx::select(gocxx::case_recv(ch1, got_int), gocxx::case_recv(ch2, got_string), gocxx::case_recv(timeout, timed_out));
  }
}

}  // namespace

TOUR_EXAMPLE(select_default, "000", "diagram 13: select with a default runs it when nothing is ready") {
  std::printf("\n=== DIAGRAM 13: ADVANCED PATTERN - SELECT WITH MULTIPLE CHANNELS ===\n");
  worker(gocxx::chan<int>(0), gocxx::chan<std::string>(0), true);

  // Step 4: another goroutine sends "Hello" on ch2 while worker waits. (ch2 has a buffer
  // of one here, so that the sender would not block forever if the timeout won.)
  gocxx::chan<std::string> ch2(1);
  gocxx::go([ch2] { ch2.send("Hello"); });
  worker(gocxx::chan<int>(0), ch2, false);
}
