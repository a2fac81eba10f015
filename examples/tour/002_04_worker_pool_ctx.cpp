// Tour: a worker pool with a context. Ports seed 002 (a Go patterns sheet), pattern
// "worker-pool": WorkerPool(ctx, jobs, numWorkers) starts the workers, each selecting on
// ctx.Done() and the jobs channel, and returns a results channel that a goroutine closes
// once every worker has returned (wg.Wait(); close(results)).
//
//   case job, ok := <-jobs:           gocxx::case_recv(jobs, [&](std::optional<job> j) { ... })
//   go func() { wg.Wait();            gocxx::go([=] { wg->wait(); results.close(); });
//               close(results) }()
//
// A bug in the sheet: `results <- process(job)` is a plain send on an unbuffered
// channel, so once the consumer stops reading (it was cancelled) every worker blocks on
// it forever and results is never closed. The port sends in a select with ctx.Done() as
// well. The usage runs twice: 20 jobs to the end, and a consumer that cancels after 3
// results (the pool then closes results and leaves no goroutine behind).
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>

#include "gocxx/gocxx.hpp"
#include "gocxx/testing.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

struct job {
  int id;
};
struct result {
  int job_id;
  int value;
};

result process(job j) {
  gocxx::sleep(tour::d(10ms));  // the work
  return {j.id, j.id * j.id};
}

gocxx::recv_chan<result> worker_pool(const gocxx::context& ctx, gocxx::recv_chan<job> jobs, int num_workers) {
  gocxx::chan<result> results(0);
  auto wg = std::make_shared<gocxx::wait_group>();
  for (int i = 0; i < num_workers; ++i) {
    wg->add(1);
    gocxx::go([=] {
      tour::defer done([&] { wg->done(); });
      for (bool quit = false; !quit;) {
        gocxx::select(gocxx::case_recv(ctx.done(), [&] { quit = true; }),
                      gocxx::case_recv(jobs, [&](std::optional<job> j) {
                        if (!j) {
                          quit = true;  // jobs closed and drained
                          return;
                        }
                        // The sheet's plain `results <- process(job)`, made cancellable.
                        gocxx::select(gocxx::case_send(results, process(*j)),
                                      gocxx::case_recv(ctx.done(), [&] { quit = true; }));
                      }));
      }
    });
  }
  gocxx::go([=] {
    wg->wait();
    results.close();
  });
  return results;
}

gocxx::chan<job> fill(int n) {
  gocxx::chan<job> jobs(100);
  for (int j = 1; j <= n; ++j) jobs.send(job{j});
  jobs.close();
  return jobs;
}

}  // namespace

TOUR_EXAMPLE(worker_pool_ctx, "002", "WorkerPool(ctx, jobs, 5): results closed when the workers end, or on cancel") {
  std::printf("\n=== Worker Pool ===\n");
  {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    auto results = worker_pool(ctx, fill(20), 5);
    int n = 0;
    for (result r : results) {  // for r := range results
      std::printf("Result: job %d -> %d\n", r.job_id, r.value);
      ++n;
    }
    std::printf("%d results from 5 workers; results closed\n", n);
    cancel();
  }
  {
    gocxx::testing::leak_check leaks;
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    auto results = worker_pool(ctx, fill(20), 5);
    for (int i = 0; i < 3; ++i) results.recv();
    cancel();  // the consumer gives up
    int late = 0;
    for (result r : results) late += r.value > 0 ? 1 : 0;  // what was already on its way
    std::string left = leaks.check(tour::d(1s));
    std::printf("Cancelled after 3 results: %d more arrived, then results closed; %s\n", late,
                left.empty() ? "no goroutine left behind" : left.c_str());
  }
}
