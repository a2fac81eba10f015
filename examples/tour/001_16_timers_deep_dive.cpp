// Tour: "Go timers deep dive", the whole program. Ports seed 001, program 2 (its main and
// helpers): a basic timer; a timer handle passed by value (Go's pointer copy); a duration
// passed by value; a timer returned from a function (Go's escape analysis); plain locals;
// a timeout against a slow operation; and a token bucket refilled by a ticker.
//
//   func stopTimer(t *time.Timer) { t.Stop() }   void stop_timer(gocxx::timer t) { t.stop(); }   // a copy of the handle: the same timer
//   func createTimer() *time.Timer { ... }       gocxx::timer create_timer() { ... }
//   rl.ticker = time.NewTicker(rl.refillRate)    ticker_ = gocxx::ticker(refill_rate_);
//
// Go's heap/stack discussion maps to C++ directly: a gocxx::timer is a reference-counted
// handle to the runtime's timer, so a copy (argument, return value) shares it, and the
// timer lives while any handle or its channel's handle does.
//
// Bugs in the seed, fixed here:
// - The ticker goroutine writes rl.tokens while main reads and writes it, with no lock: a
//   data race (`go run -race` reports it). The port guards tokens with a gocxx::mutex, and
//   allow() returns the count it left, as main prints it.
// - Stop() stops the ticker, but a ticker's channel is never closed, so the goroutine's
//   `for range rl.ticker.C` blocks forever. The port's stop() also closes a quit channel
//   and joins the goroutine.
// - `fmt.Println("...\n")` prints the text, its "\n" and Println's own newline (go vet
//   flags it); the port prints the blank lines that produces.
// Which of requests 3-5 are allowed depends on the ticks at 1 s and 2 s, which coincide
// with requests 3 and 5 (in Go as here); requests 1-3 are always allowed.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

// The handle is copied; the timer is shared (Go: the pointer is copied).
void stop_timer(gocxx::timer t) {
  t.stop();
  std::printf("Timer stopped via pointer copy\n");
}

// A duration is a value: the caller's is unchanged.
void modify_duration(std::chrono::nanoseconds d) {
  d *= 2;
  std::printf("Inside function: %s\n", tour::go_duration(d).c_str());
}

// The timer outlives the function: the caller gets the handle.
gocxx::timer create_timer() { return gocxx::timer(tour::d(1s)); }

void stack_allocation() {
  int count = 0;
  bool flag = true;
  std::printf("%d %s\n", count, flag ? "true" : "false");
}

class rate_limiter {
 public:
  rate_limiter(int max_tokens, std::chrono::nanoseconds refill_rate)
      : tokens_(max_tokens), max_tokens_(max_tokens), refill_rate_(refill_rate) {}
  rate_limiter(const rate_limiter&) = delete;
  rate_limiter& operator=(const rate_limiter&) = delete;

  void start() {
    ticker_ = gocxx::ticker(refill_rate_);
    wg_.go([this] {
      for (bool quit = false; !quit;) {
        gocxx::select(gocxx::case_recv(ticker_.c(),
                                       [&] {
                                         std::lock_guard lock(mu_);
                                         if (tokens_ < max_tokens_) ++tokens_;
                                       }),
                      gocxx::case_recv(quit_, [&] { quit = true; }));
      }
    });
  }

  void stop() {
    if (ticker_) {
      ticker_.stop();
      quit_.close();
      wg_.wait();
    }
  }

  // Takes a token if there is one; *left is what remains.
  bool allow(int* left) {
    std::lock_guard lock(mu_);
    bool ok = tokens_ > 0;
    if (ok) --tokens_;
    *left = tokens_;
    return ok;
  }

 private:
  gocxx::mutex mu_;
  int tokens_;  // guarded by mu_
  const int max_tokens_;
  const std::chrono::nanoseconds refill_rate_;
  gocxx::ticker ticker_;
  gocxx::chan<int> quit_{0};  // closed by stop()
  gocxx::wait_group wg_;
};

void timeout_demo() {
  gocxx::chan<std::string> result_ch(1);  // buffered: the late sender does not block
  gocxx::go([result_ch] {
    gocxx::sleep(tour::d(3s));  // simulates slow work
    result_ch.send("Operation completed");
  });
  gocxx::timer timer(tour::d(2s));
  tour::defer stop([&] { timer.stop(); });
  gocxx::select(gocxx::case_recv(result_ch, [](std::optional<std::string> result) { std::printf("%s\n", result->c_str()); }),
                gocxx::case_recv(timer.c(), [] { std::printf("Operation timed out (security protection)\n"); }));
}

}  // namespace

TOUR_EXAMPLE(timers_deep_dive, "001", "the deep-dive program: handles by value, a timeout, a ticker-fed token bucket") {
  std::printf("=== Go Timers Deep Dive ===\n\n");

  std::printf("1. Basic Timer:\n");
  gocxx::timer timer1(tour::d(1s));
  std::printf("Timer created, waiting...\n");
  timer1.c().recv();
  std::printf("Timer fired!\n\n");

  std::printf("2. Call by Value (Pointer):\n");
  gocxx::timer timer2(tour::d(10s));
  stop_timer(timer2);
  std::printf("\n");

  std::printf("3. Call by Value (Duration):\n");
  std::chrono::nanoseconds duration = 5s;  // a value, not waited on: not scaled
  std::printf("Before function: %s\n", tour::go_duration(duration).c_str());
  modify_duration(duration);
  std::printf("After function: %s\n\n", tour::go_duration(duration).c_str());

  std::printf("4. Escape Analysis:\n");
  gocxx::timer timer3 = create_timer();
  tour::defer stop_timer3([&] { timer3.stop(); });
  timer3.c().recv();
  std::printf("Escaped timer fired!\n\n");

  std::printf("5. Stack Allocation:\n");
  stack_allocation();
  std::printf("\n");

  std::printf("6. Timeout Pattern:\n");
  timeout_demo();
  std::printf("\n");

  std::printf("7. Rate Limiter:\n");
  rate_limiter limiter(3, tour::d(1s));
  limiter.start();
  tour::defer stop_limiter([&] { limiter.stop(); });
  for (int i = 1; i <= 5; ++i) {
    int left = 0;
    if (limiter.allow(&left)) {
      std::printf("Request %d: ALLOWED (tokens: %d)\n", i, left);
    } else {
      std::printf("Request %d: DENIED (tokens: %d)\n", i, left);
    }
    gocxx::sleep(tour::d(500ms));
  }

  std::printf("\n=== All examples completed ===\n");
}
