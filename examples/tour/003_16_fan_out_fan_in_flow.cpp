// Tour: fan-out and fan-in over a slice. Ports seed 003 (a flow guide), "Common Flow
// Patterns", 2, "Fan-Out/Fan-In Flow": Split -> Process in Parallel -> Merge. Worker i of
// 3 squares the input's elements i, i+3, i+6, ... onto its own channel; merge(ctx,
// channels...) joins them; the caller collects every result into a slice.
//
//   go func(workerID int, out chan<- int) { ... }(i, ch)
//                                          gocxx::go([=, worker_id = i, out = gocxx::send_chan<int>(ch)] { ... });
//   results := merge(ctx, channels...)     auto results = merge(ctx, channels);
//
// Within a worker the squares come in input order; across workers the merge interleaves
// them in the scheduler's order. The port prints the output as collected, then sorted
// with its sum (1..10: 385).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

gocxx::recv_chan<int> merge(const gocxx::context& ctx, const std::vector<gocxx::recv_chan<int>>& channels) {
  gocxx::chan<int> out(0);
  auto wg = std::make_shared<gocxx::wait_group>();
  for (const auto& ch : channels) {  // a goroutine for each input channel
    wg->add(1);
    gocxx::go([ctx, out, wg, c = ch] {
      tour::defer d([&] { wg->done(); });
      for (int val : c) {
        if (gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_send(out, val)) == 0) return;
      }
    });
  }
  gocxx::go([out, wg] {  // close out when all inputs are done
    wg->wait();
    out.close();
  });
  return out;
}

std::vector<int> fan_out_fan_in(const gocxx::context& ctx, const std::vector<int>& input) {
  constexpr int num_workers = 3;  // Step 1
  std::vector<gocxx::recv_chan<int>> channels;
  for (int i = 0; i < num_workers; ++i) {  // Step 2: distribute work (fan-out)
    gocxx::chan<int> ch(0);
    channels.push_back(ch);
    gocxx::go([ctx, input, worker_id = i, out = gocxx::send_chan<int>(ch)] {
      tour::defer c([&] { out.close(); });
      for (std::size_t j = static_cast<std::size_t>(worker_id); j < input.size(); j += num_workers) {
        if (gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_send(out, input[j] * input[j])) == 0) return;
      }
    });
  }
  auto results = merge(ctx, channels);  // Step 3: merge results (fan-in)
  std::vector<int> output;              // Step 4: collect all results
  for (int result : results) output.push_back(result);
  return output;
}

std::string join(const std::vector<int>& v) {
  std::string s;
  for (int x : v) {
    if (!s.empty()) s += ' ';
    s += std::to_string(x);
  }
  return s;
}

}  // namespace

TOUR_EXAMPLE(fan_out_fan_in_flow, "003", "split a slice over 3 workers, merge their channels, collect the squares") {
  std::printf("\n=== Fan-out/fan-in flow ===\n");
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  std::vector<int> output = fan_out_fan_in(ctx, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  cancel();
  std::printf("output (as merged): %s\n", join(output).c_str());
  long sum = 0;
  for (int x : output) sum += x;
  std::sort(output.begin(), output.end());
  std::printf("output (sorted): %s\n", join(output).c_str());
  std::printf("%zu results, sum %ld\n", output.size(), sum);
}
