// Tour: fan-out and fan-in with a context. Ports seed 002 (a Go patterns sheet), pattern
// "fan-out-fan-in": FanOut(ctx, input, workers) starts `workers` stages that all read the
// one input channel, FanIn(ctx, channels...) merges their outputs into one channel
// (a goroutine per input, a WaitGroup, close(out) when all are done).
//
//   go func(c <-chan int) { ... }(ch)      gocxx::go([=] { ... });   (c is the capture)
//   select { case out <- v:                gocxx::select(gocxx::case_send(out, v),
//            case <-ctx.Done(): return }                 gocxx::case_recv(ctx.done(), ...));
//
// The sheet leaves process(ctx, input) out; here it is a stage that squares what it
// reads. The merged values come in no promised order, so the port prints them sorted,
// with their sum; then the same with gocxx's own stage and merge (gocxx/patterns.hpp).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "gocxx/patterns.hpp"
#include "tour.hpp"

namespace {

// A stage: squares what it reads from input until input is closed or ctx is done.
gocxx::recv_chan<int> process(const gocxx::context& ctx, gocxx::recv_chan<int> input) {
  gocxx::chan<int> out(0);
  gocxx::go([=] {
    tour::defer close_out([&] { out.close(); });
    for (int n : input) {
      if (gocxx::select(gocxx::case_send(out, n * n), gocxx::case_recv(ctx.done())) == 1) return;
    }
  });
  return out;
}

// Fan-out: distribute to multiple workers.
std::vector<gocxx::recv_chan<int>> fan_out(const gocxx::context& ctx, gocxx::recv_chan<int> input, int workers) {
  std::vector<gocxx::recv_chan<int>> channels;
  for (int i = 0; i < workers; ++i) channels.push_back(process(ctx, input));
  return channels;
}

// Fan-in: merge multiple channels.
gocxx::recv_chan<int> fan_in(const gocxx::context& ctx, const std::vector<gocxx::recv_chan<int>>& channels) {
  gocxx::chan<int> out(0);
  auto wg = std::make_shared<gocxx::wait_group>();
  for (const auto& ch : channels) {
    wg->add(1);
    gocxx::go([=, c = ch] {
      tour::defer done([&] { wg->done(); });
      for (int v : c) {
        if (gocxx::select(gocxx::case_send(out, v), gocxx::case_recv(ctx.done())) == 1) return;
      }
    });
  }
  gocxx::go([=] {
    wg->wait();
    out.close();
  });
  return out;
}

gocxx::chan<int> numbers(int n) {
  gocxx::chan<int> input(0);
  gocxx::go([=] {
    for (int i = 1; i <= n; ++i) input.send(i);
    input.close();
  });
  return input;
}

void report(const char* what, gocxx::recv_chan<int> merged) {
  std::vector<int> got;
  for (int v : merged) got.push_back(v);
  std::sort(got.begin(), got.end());
  std::string s;
  long sum = 0;
  for (int v : got) {
    if (!s.empty()) s += ' ';
    s += std::to_string(v);
    sum += v;
  }
  std::printf("%s: %zu values: %s (sorted); sum %ld\n", what, got.size(), s.c_str(), sum);
}

}  // namespace

TOUR_EXAMPLE(fan_out_fan_in_ctx, "002", "FanOut to 3 stages reading one channel, FanIn merging them, with a context") {
  std::printf("\n=== Fan-Out / Fan-In ===\n");
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  report("FanOut(3) then FanIn", fan_in(ctx, fan_out(ctx, numbers(10), 3)));
  gocxx::recv_chan<int> in = numbers(10);
  auto square = [](int n) { return n * n; };
  report("3 gocxx::stage on one input, then gocxx::merge",
         gocxx::merge(ctx, gocxx::stage(ctx, in, square), gocxx::stage(ctx, in, square), gocxx::stage(ctx, in, square)));
  cancel();
}
