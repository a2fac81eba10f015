// Tour: a channel nobody closes, and the goroutine it leaks. Ports seed 000, program 1,
// part 3, errorNotClosing (a sender that forgets close(ch), so a range over ch would hang;
// the seed reads exactly five values instead), with the leak its comment warns of made
// real: diagram 19's leak(), a goroutine ranging over a channel that is never closed,
// called three times.
//
//   go func() {                                  gocxx::go([ch] {
//     for val := range ch { process(val) }         for (int val : ch) process(val);
//   }()                                          });
//   runtime.NumGoroutine()                       gocxx::num_goroutine()
//   goleak.VerifyNone(t)                         gocxx::testing::leak_check leaks; ... leaks.check()
//
// The count of goroutines grows by one per leak() (diagram 19's "memory over time"), and
// gocxx's leak checker (gocxx/testing.hpp, the idea of uber-go/goleak) names each leaked
// goroutine with its state, "chan receive", and where it was created. Closing the channels,
// the seed's FIX, ends them, and the checker then finds nothing.
//
// The port joins the first sender (which Go's program leaves to end by itself after its
// fifth send), so that the goroutine counts below count only the leaks.
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "gocxx/testing.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

// Diagram 19's leak(): the goroutine waits for a close that never comes. Returns the
// channel, so that the fix can close it.
gocxx::chan<int> leak() {
  gocxx::chan<int> ch(0);
  gocxx::go([ch] {
    for (int val : ch) std::printf("process(%d)\n", val);  // stuck: nobody sends, nobody closes
  });
  return ch;  // forgot close(ch)!
}

}  // namespace

TOUR_EXAMPLE(not_closing, "000", "a range over a channel nobody closes: the leaked goroutine, counted and reported") {
  std::printf("\n=== ERROR 2: NOT CLOSING CHANNEL ===\n");

  gocxx::chan<int> ch(0);
  gocxx::wait_group sender;
  sender.go([ch] {
    for (int i = 0; i < 5; ++i) ch.send(i);
    // MISTAKE: forgot ch.close()
  });

  // `for (int val : ch)` would hang forever after the fifth value: it waits for a close
  // that never comes. Workaround: read exactly 5 times.
  for (int i = 0; i < 5; ++i) std::printf("%d\n", *ch.recv());
  sender.wait();

  std::printf("⚠️  WARNING: Forgot close(ch) - range loop would hang forever\n");
  std::printf("✅ FIX: Always close channels when done sending\n");

  // The leak, for real: each leak() leaves one goroutine blocked for good.
  gocxx::testing::leak_check leaks;  // goroutines started from here on are checked
  std::vector<gocxx::chan<int>> leaked;
  std::printf("T=0: %d goroutine(s)\n", gocxx::num_goroutine());
  for (int t = 1; t <= 3; ++t) {
    leaked.push_back(leak());
    std::printf("T=%d: %d goroutine(s)\n", t, gocxx::num_goroutine());
  }
  // The report: a header, then each goroutine's dump (its state, its frames, where it was
  // created). The frames are the lambda's mangled-looking name here; the rest says it all.
  std::istringstream report(leaks.check(tour::d(100ms)));
  for (std::string line; std::getline(report, line);) {
    if (line.starts_with("found ")) {
      std::printf("Leak check: %s\n", line.c_str());
    } else if (line.starts_with("goroutine ") || line.starts_with("created by ")) {
      std::printf("    %s\n", line.c_str());
    }
  }

  // The fix: close the channels; each range ends, and so does its goroutine.
  for (const auto& c : leaked) c.close();
  std::string after = leaks.check();
  std::printf("After close(ch): %s\n", after.empty() ? "no leaked goroutines" : after.c_str());
}
