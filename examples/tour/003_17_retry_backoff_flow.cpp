// Tour: retry with exponential backoff. Ports seed 003 (a flow guide), "Common Flow
// Patterns", 3, "Retry with Backoff Flow": Try -> Fail -> Wait -> Retry -> Success or
// final failure. Up to 5 attempts; between them a select on ctx.Done() and
// time.After(backoff), the backoff doubling from 100ms up to at most 5s.
//
//   case <-ctx.Done(): return ctx.Err()    gocxx::case_recv(ctx.done(), ...)
//   case <-time.After(backoff):            gocxx::case_recv(gocxx::after(backoff), ...)
//       backoff *= 2                           backoff = std::min(backoff * 2, max_backoff);
//   fmt.Errorf("operation failed after %d attempts: %w", attempt+1, err)
//
// Go's errors are std::error_code; the wrapped one is its text and cause. Three runs: an
// operation that fails twice and then succeeds; one that always fails (the final
// failure, after waits of 100, 200, 400 and 800ms); and one whose context's 250ms
// deadline passes during a backoff. gocxx::retry (gocxx/patterns.hpp) is this loop with
// jitter added.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <system_error>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

std::string retry_with_backoff(const gocxx::context& ctx, const std::function<std::error_code()>& operation) {
  auto backoff = tour::d(100ms);
  auto max_backoff = tour::d(5s);
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::error_code err = operation();  // Step 1: try operation
    if (!err) return "<nil>";           // success
    std::printf("  attempt %d: %s\n", attempt + 1, err.message().c_str());
    if (attempt == 4) {  // Step 2: check if we should retry
      return "operation failed after " + std::to_string(attempt + 1) + " attempts: " + err.message();
    }
    bool cancelled = false;  // Step 3: wait with backoff
    gocxx::select(gocxx::case_recv(ctx.done(), [&] { cancelled = true; }),
                  gocxx::case_recv(gocxx::after(backoff), [&] {
                    backoff = std::min(backoff * 2, max_backoff);  // Step 4: increase backoff
                  }));
    if (cancelled) return ctx.err().message();
  }
  return "unexpected error";
}

// An operation that fails `failures` times (or always, for -1), then succeeds.
std::function<std::error_code()> flaky(int failures) {
  return [failures, calls = 0]() mutable -> std::error_code {
    ++calls;
    if (failures < 0 || calls <= failures) return std::make_error_code(std::errc::resource_unavailable_try_again);
    return {};
  };
}

}  // namespace

TOUR_EXAMPLE(retry_backoff_flow, "003", "up to 5 attempts, backoff 100 ms doubling, cut short by the context") {
  std::printf("\n=== Retry with backoff flow ===\n");
  std::printf("fails twice, then succeeds:\n");
  std::printf("  => %s\n", retry_with_backoff(gocxx::background(), flaky(2)).c_str());
  std::printf("always fails:\n");
  std::printf("  => %s\n", retry_with_backoff(gocxx::background(), flaky(-1)).c_str());
  std::printf("always fails, context deadline 250ms:\n");
  auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), tour::d(250ms));
  std::printf("  => %s\n", retry_with_backoff(ctx, flaky(-1)).c_str());
  cancel();
}
