// Tour: a timeout with a timer. Ports seed 001, program 1, section 6, timeoutExample: a
// 3 s operation raced in a select against a 2 s timer.
//
//   select {                                     gocxx::select(
//   case result := <-slowOperation(): ...          gocxx::case_recv(slow_operation(), [](auto r) { ... }),
//   case <-timer.C: ...                            gocxx::case_recv(timer.c(), [] { ... }));
//   }
//
// A bug in the seed: slowOperation's goroutine sends on an unbuffered channel that no one
// reads once the timer wins, so it blocks forever (a goroutine leak per timeout). The
// seed's comment says what it means ("in real-world: cancel the operation, cleanup
// resources"): the port gives the operation a context it abandons on cancellation, a
// buffered channel so its send never blocks, and joins it before returning.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(timeout, "001", "select a slow result against a timer; cancel the operation on timeout") {
  std::printf("\n=== Timeout Implementation ===\n");
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  gocxx::wait_group wg;

  // Simulates a slow operation (3 s), which gives up when ctx is cancelled.
  auto slow_operation = [&, ctx = ctx]() -> gocxx::recv_chan<std::string> {
    gocxx::chan<std::string> ch(1);
    wg.go([ch, ctx] {
      gocxx::select(gocxx::case_recv(gocxx::after(tour::d(3s)), [&] { ch.send("Operation completed"); }),
                    gocxx::case_recv(ctx.done()));
    });
    return ch;
  };

  gocxx::timer timer(tour::d(2s));
  tour::defer stop_timer([&] { timer.stop(); });
  gocxx::select(gocxx::case_recv(slow_operation(), [](std::optional<std::string> result) { std::printf("%s\n", result->c_str()); }),
                gocxx::case_recv(timer.c(), [] { std::printf("Operation timed out after 2 seconds\n"); }));
  cancel();  // the operation stops if it is still running
  wg.wait();
}
