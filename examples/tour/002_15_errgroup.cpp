// Tour: errgroup. Ports seed 002 (a Go patterns sheet), "errgroup", ProcessAll: a goroutine
// per item in an errgroup.WithContext; g.Wait() returns the first error, and the group's
// context is cancelled at that first error, so the other items stop early.
//
//   g, ctx := errgroup.WithContext(ctx)    auto [g, gctx] = gocxx::errgroup::with_context(ctx);
//   item := item                           (the capture [item])
//   g.Go(func() error {                    g.go([gctx = gctx, item]() -> std::error_code {
//       return process(ctx, item) })         return process(gctx, item); });
//   return g.Wait()                        return g.wait();
//
// Go's errors are std::error_code here. The sheet leaves process out: here item N takes
// N x 20ms, gives up when ctx is done, and item 4 of the second run fails after 30ms.
// First run: five items, no error. Second run: eight items; item 4's error is the one
// Wait returns; the slower items see "context canceled".
#include <chrono>
#include <cstdio>
#include <string>
#include <system_error>
#include <vector>

#include "gocxx/errgroup.hpp"
#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

// "process item N: failed", as Go's fmt.Errorf("process item %d: failed", item) would say.
struct item_category : std::error_category {
  const char* name() const noexcept override { return "item"; }
  std::string message(int item) const override { return "process item " + std::to_string(item) + ": failed"; }
};
std::error_code item_failed(int item) {
  static const item_category c;
  return {item, c};
}

int failing_item = 0;  // set before each run, read-only during it

std::error_code process(const gocxx::context& ctx, int item) {
  auto takes = item == failing_item ? tour::d(30ms) : tour::d(std::chrono::milliseconds(20 * item));
  if (gocxx::select(gocxx::case_recv(gocxx::after(takes)), gocxx::case_recv(ctx.done())) == 1) {
    std::printf("item %d: %s\n", item, ctx.err().message().c_str());
    return ctx.err();
  }
  if (item == failing_item) {
    std::printf("item %d: failed\n", item);
    return item_failed(item);
  }
  std::printf("item %d: ok\n", item);
  return {};
}

std::error_code process_all(const gocxx::context& ctx, const std::vector<int>& items) {
  auto [g, gctx] = gocxx::errgroup::with_context(ctx);
  for (int item : items) {
    g.go([gctx = gctx, item]() -> std::error_code { return process(gctx, item); });
  }
  return g.wait();  // returns first error, cancels ctx
}

}  // namespace

TOUR_EXAMPLE(errgroup_all, "002", "ProcessAll: errgroup.WithContext, the first error cancels the rest") {
  std::printf("\n=== errgroup ===\n");
  failing_item = 0;
  std::error_code err = process_all(gocxx::background(), {1, 2, 3, 4, 5});
  std::printf("ProcessAll(1..5): %s\n", err ? err.message().c_str() : "<nil>");
  failing_item = 4;
  err = process_all(gocxx::background(), {1, 2, 3, 4, 5, 6, 7, 8});
  std::printf("ProcessAll(1..8), item 4 failing: %s\n", err ? err.message().c_str() : "<nil>");
}
