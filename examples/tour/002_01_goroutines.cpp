// Tour: goroutines. Ports seed 002 (a Go patterns sheet), "fundamentals", Goroutines:
// `go doWork()` (fire and forget), `go func() { ... }()` (an inline function), and "you
// can run thousands without issue".
//
//   go doWork()               gocxx::go([=] { do_work(done); });
//   go func() { ... }()       gocxx::go([=] { ... });
//
// The sheet's goroutines are fire and forget: nothing waits for them, so in a real main
// they may never run. The port says what the sheet means (they run concurrently with
// main) by having each report back on a channel; and it starts 10,000 goroutines at once,
// each with its own (lazily committed) stack, and waits for all of them.
#include <atomic>
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

void do_work(gocxx::send_chan<std::string> report) { report.send("doWork: ran in its own goroutine"); }

}  // namespace

TOUR_EXAMPLE(goroutines, "002", "go doWork(), go func() { ... }(), and ten thousand goroutines at once") {
  std::printf("\n=== Goroutines ===\n");
  gocxx::chan<std::string> report(0);

  gocxx::go([report] { do_work(report); });  // go doWork()
  std::printf("%s\n", report.recv()->c_str());

  gocxx::go([report] { report.send("inline function: ran in its own goroutine"); });  // go func() { ... }()
  std::printf("%s\n", report.recv()->c_str());

  // "Goroutines are lightweight: you can run thousands without issue."
  constexpr int n = 10000;
  std::atomic<int> ran{0};
  gocxx::wait_group wg;
  wg.add(n);
  for (int i = 0; i < n; ++i) {
    gocxx::go([&] {
      ran.fetch_add(1, std::memory_order_relaxed);
      wg.done();
    });
  }
  wg.wait();
  std::printf("%d goroutines started, %d ran\n", n, ran.load());
}
