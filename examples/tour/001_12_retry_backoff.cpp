// Tour: retry with exponential backoff. Ports seed 001, program 1, section 10,
// retryWithBackoff and retryExample: an operation that fails twice, retried after 1 s,
// then 2 s, waiting on a timer each time.
//
//   backoff := time.Duration(1<<uint(attempt-1)) * time.Second    auto backoff = (1s << ...)
//   timer := time.NewTimer(backoff); <-timer.C; timer.Stop()      gocxx::timer timer(backoff); timer.c().recv();
//
// Go's errors become std::error_code (as gocxx::errgroup's); the seed's "temporary error"
// is std::errc::resource_unavailable_try_again. The seed's timer.Stop() after the receive
// is a no-op (the timer has fired); gocxx::sleep(backoff) would say the same. The printed
// backoff is the one actually waited (scaled under --fast).
#include <chrono>
#include <cstdio>
#include <functional>
#include <system_error>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

std::error_code retry_with_backoff(const std::function<std::error_code()>& operation, int max_retries) {
  std::printf("\n=== Retry with Exponential Backoff ===\n");
  for (int attempt = 1; attempt <= max_retries; ++attempt) {
    std::error_code err = operation();
    if (!err) {
      std::printf("Operation succeeded on attempt %d\n", attempt);
      return {};
    }
    if (attempt == max_retries) {
      std::printf("operation failed after %d attempts: %s\n", max_retries, err.message().c_str());
      return err;
    }
    // Exponential backoff: 1s, 2s, 4s, 8s...
    auto backoff = tour::d(std::chrono::seconds(1LL << (attempt - 1)));
    std::printf("Attempt %d failed, retrying in %s...\n", attempt, tour::go_duration(backoff).c_str());
    gocxx::timer timer(backoff);
    timer.c().recv();
  }
  return {};
}

}  // namespace

TOUR_EXAMPLE(retry_backoff, "001", "retry a failing operation after 1 s, 2 s, 4 s... on a timer") {
  // Simulates an unreliable operation: fails twice, then succeeds.
  int attempts = 0;
  auto unreliable_operation = [&]() -> std::error_code {
    ++attempts;
    if (attempts < 3) return std::make_error_code(std::errc::resource_unavailable_try_again);
    return {};
  };
  retry_with_backoff(unreliable_operation, 5);
}
