// Tour: a token-bucket rate limiter refilled by a timer. Ports seed 001, program 1,
// section 9, RateLimiter and rateLimiterExample: three tokens, refilled every 2 s by a
// goroutine that resets the timer after each refill; five requests 500 ms apart.
//
//   go func() {                                  wg.go([this] {
//     for range rl.timer.C {                       for (;;) select(case_recv(timer_.c(), refill),
//       ...refill...; rl.timer.Reset(d)                        case_recv(quit_, return));
//     }                                            });
//   }()
//
// Bugs in the seed, fixed here:
// - Stop() only stops the timer, and a timer's channel is never closed, so the refill
//   goroutine's `for range rl.timer.C` blocks forever: a goroutine leak per limiter. The
//   port's stop() closes a quit channel and joins the goroutine, then stops the timer
//   (after the join, so no refill can re-arm it).
// - Request 5 is made at 2.0 s, the very moment of the first refill, so whether it is
//   allowed depends on which runs first (in Go as here). Requests 1-3 are always allowed
//   (the bucket starts full), request 4 is limited unless a refill came first, and the
//   request after the 2 s wait is allowed.
#include <chrono>
#include <cstdio>
#include <mutex>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

class rate_limiter {
 public:
  rate_limiter(int max_tokens, std::chrono::nanoseconds refill_interval)
      : tokens_(max_tokens), max_tokens_(max_tokens), timer_(refill_interval) {
    // Refill tokens periodically.
    wg_.go([this, refill_interval] {
      for (bool quit = false; !quit;) {
        gocxx::select(gocxx::case_recv(timer_.c(),
                                       [&] {
                                         {
                                           std::lock_guard lock(mu_);
                                           tokens_ = max_tokens_;
                                           std::printf("Tokens refilled: %d\n", tokens_);
                                         }
                                         timer_.reset(refill_interval);
                                       }),
                      gocxx::case_recv(quit_, [&] { quit = true; }));
      }
    });
  }
  rate_limiter(const rate_limiter&) = delete;
  rate_limiter& operator=(const rate_limiter&) = delete;

  bool allow() {
    std::lock_guard lock(mu_);
    if (tokens_ > 0) {
      --tokens_;
      return true;
    }
    return false;
  }

  void stop() {
    quit_.close();
    wg_.wait();
    timer_.stop();
  }

 private:
  gocxx::mutex mu_;
  int tokens_;  // guarded by mu_
  const int max_tokens_;
  gocxx::timer timer_;
  gocxx::chan<int> quit_{0};  // closed by stop()
  gocxx::wait_group wg_;
};

}  // namespace

TOUR_EXAMPLE(rate_limiter, "001", "a token bucket refilled by a timer that its goroutine resets") {
  std::printf("\n=== Rate Limiter Example ===\n");
  rate_limiter limiter(3, tour::d(2s));
  tour::defer stop_limiter([&] { limiter.stop(); });

  // Simulate API requests.
  for (int i = 1; i <= 5; ++i) {
    if (limiter.allow()) {
      std::printf("Request %d: Allowed\n", i);
    } else {
      std::printf("Request %d: Rate limited\n", i);
    }
    gocxx::sleep(tour::d(500ms));
  }

  gocxx::sleep(tour::d(2s));  // wait for refill
  if (limiter.allow()) std::printf("Request after refill: Allowed\n");
}
