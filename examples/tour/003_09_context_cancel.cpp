// Tour: cancelling a goroutine with a context. Ports seed 003 (a flow guide), Level 4,
// "Context for Cancellation", pattern 1: a goroutine prints "Working..." every 500ms
// until ctx.Done(); main cancels after 2s.
//
//   select {                               gocxx::select(
//   case <-ctx.Done(): ... return            gocxx::case_recv(ctx.done(), [&] { ...; quit = true; }),
//   default: fmt.Println("Working...")       gocxx::case_default([&] { ... }));
//   }
//
// A flaw in the seed: after cancel() main sleeps 100ms as a guess that the goroutine
// has seen it; while the goroutine is in its 500ms sleep it sees the cancel only when
// the sleep ends, and the guess fails. The port waits for the goroutine's "cancelled"
// instead (a channel), so the lines are, every time: "Working..." four or five times
// (the sleeps against the 2s), then "Goroutine cancelled", then "Main finished".
#include <chrono>
#include <cstdio>
#include <variant>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(context_cancel, "003", "a goroutine works until ctx.Done(); main cancels after 2 s") {
  std::printf("\n=== Level 4, pattern 1: basic context cancellation ===\n");
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());  // Step 1
  gocxx::chan<std::monostate> exited(0);
  gocxx::go([ctx = ctx, exited] {  // Step 2: launch goroutine with context
    for (bool quit = false; !quit;) {
      gocxx::select(gocxx::case_recv(ctx.done(),
                                     [&] {
                                       std::printf("Goroutine cancelled\n");
                                       quit = true;
                                     }),
                    gocxx::case_default([&] {
                      std::printf("Working...\n");
                      gocxx::sleep(tour::d(500ms));
                    }));
    }
    exited.close();
  });
  gocxx::sleep(tour::d(2s));  // Step 3: cancel after some time
  cancel();
  exited.recv();  // the seed sleeps 100ms here, a guess
  std::printf("Main finished\n");
}
