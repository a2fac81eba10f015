// Tour: the anti-patterns. Ports seed 002 (a Go patterns sheet), "anti_patterns", each
// run for real next to its fix:
// - a goroutine leak: `for range ch { }` on a channel nobody closes; gocxx's leak checker
//   (gocxx/testing.hpp, the idea of uber-go/goleak) names the goroutine; close(ch) ends it;
// - sleeping to synchronise: `go work(); time.Sleep(...)` guesses, and here guesses
//   wrong (the work takes longer than the sleep); a done channel does not guess;
// - closing from the receiver: the sender's next send panics "send on closed channel"
//   (caught in the sender, as recover would);
// - ignoring the context: work(ctx) that never checks ctx.Done() does all its steps on a
//   context already cancelled; the fix checks ctx.Err() and does none.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <variant>

#include "gocxx/gocxx.hpp"
#include "gocxx/testing.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(anti_patterns, "002", "a leak, sleeping to sync, closing from the receiver, ignoring ctx: and the fixes") {
  std::printf("\n=== Anti-patterns ===\n");

  {  // Goroutine leak - no exit path
    gocxx::testing::leak_check leaks;
    gocxx::chan<int> ch(0);
    gocxx::go([ch] {
      for (int v : ch) (void)v;  // blocks forever if ch never closes
    });
    std::istringstream report(leaks.check(tour::d(50ms)));
    std::string first, blank, g;
    std::getline(report, first);
    std::getline(report, blank);
    std::getline(report, g);
    std::printf("leak: %s %s\n", first.c_str(), g.c_str());
    ch.close();  // the fix: the sender closes
    std::string after = leaks.check();
    std::printf("leak fixed by close(ch): %s\n", after.empty() ? "no goroutine left" : after.c_str());
  }

  {  // Sleep for sync
    std::atomic<bool> done{false};
    gocxx::chan<std::monostate> finished(0);
    gocxx::go([&done, finished] {  // go work(): it takes 2x the guess
      gocxx::sleep(tour::d(200ms));
      done = true;
      finished.close();
    });
    gocxx::sleep(tour::d(100ms));  // time.Sleep(...): a guess
    std::printf("sleep for sync: work done after the sleep? %s\n", done ? "true" : "false");
    finished.recv();  // the fix: wait for the work to say so
    std::printf("wait on a done channel: work done? %s\n", done ? "true" : "false");
  }

  {  // Closing from receiver
    gocxx::chan<int> ch(0);
    gocxx::chan<std::string> sender_said(1);
    gocxx::go([ch, sender_said] {
      try {
        for (int i = 1; i <= 3; ++i) ch.send(i);
        sender_said.send("sent all three");
      } catch (const gocxx::panic_error& e) {
        sender_said.send(std::string("panic: ") + e.what());
      }
    });
    int got = 0;
    for (int v : ch) {
      got = v;
      ch.close();  // the receiver closes: wrong
    }
    std::printf("closing from the receiver: it got %d; the sender: %s\n", got, sender_said.recv()->c_str());
  }

  {  // Ignoring context
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    cancel();  // the caller has already given up
    auto work = [](const gocxx::context&) {  // never checks ctx.Done()
      int steps = 0;
      for (int i = 0; i < 10; ++i, ++steps) gocxx::sleep(tour::d(1ms));
      return steps;
    };
    auto fixed = [](const gocxx::context& c) {
      int steps = 0;
      for (int i = 0; i < 10 && !c.err(); ++i, ++steps) gocxx::sleep(tour::d(1ms));
      return steps;
    };
    std::printf("ignoring ctx: %d of 10 steps on a cancelled context\n", work(ctx));
    std::printf("checking ctx.Err(): %d of 10 steps (%s)\n", fixed(ctx), ctx.err().message().c_str());
  }
}
