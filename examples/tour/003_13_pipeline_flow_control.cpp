// Tour: a pipeline under one context, with an overall timeout. Ports seed 003 (a flow
// guide), Level 5, pattern 2: generateNumbers (1..10, 200ms apart) -> squareNumbers ->
// printNumbers, which closes a done channel when its input ends; main selects on that
// and a 5s time.After.
//
//   func printNumbers(ctx, in) <-chan struct{}   gocxx::recv_chan<std::monostate> print_numbers(ctx, in)
//   case <-printed:                              gocxx::case_recv(printed, [] { ... })
//   case <-time.After(5 * time.Second):          gocxx::case_recv(gocxx::after(5s), [&] { ...; cancel(); })
//
// The ten numbers take 2s, inside the 5s: "Result: 1" .. "Result: 100" in order, then
// "Pipeline completed". (A slower machine would print "Pipeline timeout" and cancel the
// three stages, which all return.)
#include <chrono>
#include <cstdio>
#include <variant>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

gocxx::recv_chan<int> generate_numbers(const gocxx::context& ctx) {  // Stage 1
  gocxx::chan<int> out(0);
  gocxx::go([ctx, out] {
    tour::defer c([&] { out.close(); });
    for (int i = 1; i <= 10; ++i) {
      if (gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_send(out, i)) == 0) return;
      gocxx::sleep(tour::d(200ms));
    }
  });
  return out;
}

gocxx::recv_chan<int> square_numbers(const gocxx::context& ctx, gocxx::recv_chan<int> in) {  // Stage 2
  gocxx::chan<int> out(0);
  gocxx::go([ctx, in, out] {
    tour::defer c([&] { out.close(); });
    for (int num : in) {
      if (gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_send(out, num * num)) == 0) return;
    }
  });
  return out;
}

gocxx::recv_chan<std::monostate> print_numbers(const gocxx::context& ctx, gocxx::recv_chan<int> in) {  // Stage 3
  gocxx::chan<std::monostate> done(0);
  gocxx::go([ctx, in, done] {
    tour::defer c([&] { done.close(); });
    for (int num : in) {
      bool cancelled = false;
      gocxx::select(gocxx::case_recv(ctx.done(), [&] { cancelled = true; }),
                    gocxx::case_default([&] { std::printf("Result: %d\n", num); }));
      if (cancelled) return;
    }
  });
  return done;
}

}  // namespace

TOUR_EXAMPLE(pipeline_flow_control, "003", "generate -> square -> print under one context, against a 5 s timeout") {
  std::printf("\n=== Level 5, pattern 2: pipeline with full flow control ===\n");
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());  // Step 1
  tour::defer c([cancel = cancel] { cancel(); });
  auto numbers = generate_numbers(ctx);  // Step 2: pipeline stages
  auto squared = square_numbers(ctx, numbers);
  auto printed = print_numbers(ctx, squared);
  gocxx::select(gocxx::case_recv(printed, [] { std::printf("Pipeline completed\n"); }),  // Step 3
                gocxx::case_recv(gocxx::after(tour::d(5s)), [&, cancel = cancel] {
                  std::printf("Pipeline timeout\n");
                  cancel();
                }));
}
