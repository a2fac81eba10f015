// Tour: a rate limiter made of a buffered channel of tokens. Ports seed 000, program 1,
// part 5, rateLimiter: three tokens to start; a ticker goroutine adds one every 333 ms
// (skipping when the bucket is full); each of ten requests takes a token first.
//
//   limiter := make(chan struct{}, 3)            gocxx::chan<token> limiter(3);
//   select {                                     gocxx::select(
//   case limiter <- struct{}{}:                    gocxx::case_send(limiter, token{}),
//   default: // buffer full, skip                  gocxx::case_default());
//   }
//   <-limiter // wait for a token                limiter.recv();
//
// The first three requests go at once (50 ms apart); the other seven at the ticker's pace.
//
// A bug in the seed, fixed here: the refill goroutine's `for range ticker.C` never ends (a
// ticker's channel is never closed), so its deferred ticker.Stop() never runs and the
// goroutine and its ticker outlive the function, refilling a limiter nobody uses. The
// port's refill goroutine also selects on a done channel, which the function closes (and
// then joins the goroutine) when the requests are over.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

struct token {};  // Go's struct{}{}

// Go's time.Now().Format("15:04:05.000"): local wall-clock time, with milliseconds.
std::string clock_hms_millis() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s.%03d", tour::clock_hms().c_str(), static_cast<int>(ms));
  return buf;
}

}  // namespace

TOUR_EXAMPLE(token_channel_limiter, "000", "a buffered channel of tokens refilled by a ticker limits ten requests") {
  std::printf("\n=== USE CASE 1: RATE LIMITER ===\n");

  // Allow 3 requests per second.
  gocxx::chan<token> limiter(3);

  // Fill the initial tokens.
  for (int i = 0; i < 3; ++i) limiter.send(token{});

  // Refill a token every 333 ms (3 per second).
  gocxx::chan<token> done(0);  // the port's: closed when the requests are over
  gocxx::wait_group refill;
  refill.go([limiter, done] {
    gocxx::ticker ticker(tour::d(333ms));
    tour::defer stop([&] { ticker.stop(); });
    for (bool over = false; !over;) {
      gocxx::select(gocxx::case_recv(ticker.c(),
                                     [&] {
                                       gocxx::select(gocxx::case_send(limiter, token{}),
                                                     gocxx::case_default());  // bucket full: skip
                                     }),
                    gocxx::case_recv(done, [&] { over = true; }));
    }
  });

  // Simulate 10 requests.
  for (int i = 1; i <= 10; ++i) {
    limiter.recv();  // wait for a token
    std::printf("Request %d: Processing at %s\n", i, clock_hms_millis().c_str());
    gocxx::sleep(tour::d(50ms));
  }
  done.close();
  refill.wait();

  std::printf("✅ Real-world: API rate limiting, resource throttling\n");
}
