// Tour: a pipeline with a context. Ports seed 002 (a Go patterns sheet), pattern
// "pipeline": Generate(ctx, nums...) and Square(ctx, in), each a goroutine that closes
// its output when done (defer close(out)) and gives up when ctx is done; main ranges over
// the last stage and prints 1 4 9 16 25.
//
//   defer close(out)                        tour::defer c([&] { out.close(); });
//   select { case out <- n:                 gocxx::select(gocxx::case_send(out, n),
//            case <-ctx.Done(): return }                  gocxx::case_recv(ctx.done()))
//   defer cancel()                          tour::defer c([&] { cancel(); });
//
// The sheet's `defer cancel()` is what stops the stages when main leaves early; the port
// shows that too: a second pipeline read for two values, then cancelled, and both of its
// stages return.
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "gocxx/testing.hpp"
#include "tour.hpp"

namespace {

gocxx::recv_chan<int> generate(const gocxx::context& ctx, std::initializer_list<int> nums) {
  gocxx::chan<int> out(0);
  gocxx::go([ctx, out, v = std::vector<int>(nums)] {
    tour::defer c([&] { out.close(); });
    for (int n : v) {
      if (gocxx::select(gocxx::case_send(out, n), gocxx::case_recv(ctx.done())) == 1) return;
    }
  });
  return out;
}

gocxx::recv_chan<int> square(const gocxx::context& ctx, gocxx::recv_chan<int> in) {
  gocxx::chan<int> out(0);
  gocxx::go([=] {
    tour::defer c([&] { out.close(); });
    for (int n : in) {
      if (gocxx::select(gocxx::case_send(out, n * n), gocxx::case_recv(ctx.done())) == 1) return;
    }
  });
  return out;
}

}  // namespace

TOUR_EXAMPLE(pipeline_ctx, "002", "Generate -> Square with a context: 1 4 9 16 25, and an early cancel") {
  std::printf("\n=== Pipeline ===\n");
  {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    tour::defer c([&, cancel = cancel] { cancel(); });
    auto nums = generate(ctx, {1, 2, 3, 4, 5});
    auto squared = square(ctx, nums);
    for (int n : squared) std::printf("%d\n", n);
  }
  {
    gocxx::testing::leak_check leaks;
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    auto squared = square(ctx, generate(ctx, {1, 2, 3, 4, 5}));
    int a = *squared.recv(), b = *squared.recv();
    cancel();  // main leaves early: the stages see ctx.Done() and return
    std::string left = leaks.check();
    std::printf("Read %d and %d, then cancel(): %s\n", a, b, left.empty() ? "both stages returned" : left.c_str());
  }
}
