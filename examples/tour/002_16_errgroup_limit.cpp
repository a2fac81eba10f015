// Tour: errgroup with bounded concurrency. Ports seed 002 (a Go patterns sheet),
// "errgroup", ProcessAllBounded: the same as ProcessAll with g.SetLimit(10), so g.Go
// waits for room when ten of the group's goroutines are running.
//
//   g.SetLimit(10)  // max 10 concurrent   g.set_limit(10);
//
// Thirty items, each taking 20ms; the port counts how many ran at once (never more than
// 10), and then the same thirty with no limit (all thirty at once).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <system_error>
#include <vector>

#include "gocxx/errgroup.hpp"
#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

std::atomic<int> running{0}, peak{0};

std::error_code process(const gocxx::context& ctx, int /*item*/) {
  int now = running.fetch_add(1) + 1;
  int p = peak.load();
  while (now > p && !peak.compare_exchange_weak(p, now)) {
  }
  gocxx::select(gocxx::case_recv(gocxx::after(tour::d(20ms))), gocxx::case_recv(ctx.done()));
  running.fetch_sub(1);
  return ctx.err();
}

std::error_code process_all_bounded(const gocxx::context& ctx, const std::vector<int>& items, int limit) {
  auto [g, gctx] = gocxx::errgroup::with_context(ctx);
  g.set_limit(limit);  // max `limit` concurrent (-1: no limit)
  for (int item : items) {
    g.go([gctx = gctx, item]() -> std::error_code { return process(gctx, item); });
  }
  return g.wait();
}

}  // namespace

TOUR_EXAMPLE(errgroup_limit, "002", "ProcessAllBounded: errgroup with SetLimit(10), thirty items") {
  std::printf("\n=== errgroup with SetLimit ===\n");
  std::vector<int> items;
  for (int i = 1; i <= 30; ++i) items.push_back(i);
  for (int limit : {10, -1}) {
    running = 0;
    peak = 0;
    std::error_code err = process_all_bounded(gocxx::background(), items, limit);
    std::printf("SetLimit(%d), 30 items: Wait() = %s, at most %d running at once\n", limit,
                err ? err.message().c_str() : "<nil>", peak.load());
  }
}
