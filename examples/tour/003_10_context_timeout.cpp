// Tour: a context with a timeout. Ports seed 003 (a flow guide), Level 4, pattern 2: a
// 3s operation raced against a 2s timeout; the timeout wins: "Operation timed out:
// context deadline exceeded".
//
//   ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
//                                          auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), 2s);
//   case <-ctx.Done():                     gocxx::case_recv(ctx.done(), [&] { ... ctx.err().message() ... })
//
// A bug in the seed: `result` is unbuffered, so when the timeout wins, the operation's
// goroutine blocks on its send forever (a goroutine leak). The port's channel holds the
// one result, so the goroutine ends when its operation does.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(context_timeout, "003", "a 3 s operation against a 2 s context.WithTimeout: timed out") {
  std::printf("\n=== Level 4, pattern 2: context with timeout ===\n");
  auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), tour::d(2s));  // Step 1
  tour::defer c([cancel = cancel] { cancel(); });
  gocxx::chan<std::string> result(1);  // Step 2 (the seed's is unbuffered: a leak)
  gocxx::go([result] {
    gocxx::sleep(tour::d(3s));  // simulate long operation
    result.send("Operation completed");
  });
  gocxx::select(gocxx::case_recv(result, [](std::optional<std::string> res) { std::printf("%s\n", res->c_str()); }),
                gocxx::case_recv(ctx.done(), [ctx = ctx] {
                  std::printf("Operation timed out: %s\n", ctx.err().message().c_str());
                }));
}
