// Tour: fan-out to three workers, fan-in of their results. Ports seed 000, program 1,
// part 5, fanOutFanIn: a source sends 1..10; three workers share its channel and each
// sends squares on its own; merge forwards all three into one channel, closed when every
// input is done; main sums 385.
//
//   func merge(channels ...<-chan int) <-chan int gocxx::recv_chan<int> merge(const std::vector<gocxx::recv_chan<int>>& channels)
//   wg.Add(len(channels))                        wg->add(static_cast<int>(channels.size()));
//   go func() { wg.Wait(); close(out) }()        gocxx::go([wg, out] { wg->wait(); out.close(); });
//
// Which worker squares which number varies from run to run, in Go as here; the sum does
// not.
#include <cstdio>
#include <memory>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

// Source: 1..10, then close.
gocxx::recv_chan<int> source() {
  gocxx::chan<int> out(0);
  gocxx::go([out] {
    tour::defer close([&] { out.close(); });
    for (int i = 1; i <= 10; ++i) out.send(i);
  });
  return out;
}

// Worker: squares what it takes from in, until in is closed.
gocxx::recv_chan<int> worker(int id, gocxx::recv_chan<int> in) {
  gocxx::chan<int> out(0);
  gocxx::go([id, in, out] {
    tour::defer close([&] { out.close(); });
    for (int n : in) {
      int result = n * n;
      std::printf("Worker %d: %d -> %d\n", id, n, result);
      out.send(result);
    }
  });
  return out;
}

// Fan-in: every input's values on one channel, closed once all inputs are.
gocxx::recv_chan<int> merge(const std::vector<gocxx::recv_chan<int>>& channels) {
  gocxx::chan<int> out(0);
  // The wait group is shared by the forwarders and the closer, and outlives this
  // function (Go's closure keeps it alive; a shared_ptr does here).
  auto wg = std::make_shared<gocxx::wait_group>();
  wg->add(static_cast<int>(channels.size()));
  for (const auto& ch : channels) {
    gocxx::go([wg, c = ch, out] {
      tour::defer done([&] { wg->done(); });
      for (int n : c) out.send(n);
    });
  }
  gocxx::go([wg, out] {
    wg->wait();
    out.close();
  });
  return out;
}

}  // namespace

TOUR_EXAMPLE(fan_out_fan_in, "000", "one source, three squaring workers, their results merged into one channel") {
  std::printf("\n=== USE CASE 2: FAN-OUT/FAN-IN ===\n");

  // Fan-out: distribute the work to 3 workers.
  auto input = source();
  std::vector<gocxx::recv_chan<int>> workers;
  for (int i = 0; i < 3; ++i) workers.push_back(worker(i + 1, input));

  // Fan-in: merge their results, and collect them.
  int sum = 0;
  for (int result : merge(workers)) sum += result;

  std::printf("Total sum: %d\n", sum);
  std::printf("✅ Real-world: Parallel data processing, distributed computing\n");
}
