// Tour: the complete producer/consumer. Ports seed 003 (a flow guide), Level 5,
// "Complete Patterns", pattern 1: a 5s context, a producer of 20 jobs (100ms apart) that
// closes jobs when done, three workers that square each job and send it on results,
// a goroutine that closes results once the workers' WaitGroup is done, and main ranging
// over results.
//
//   func worker(ctx context.Context, id int, jobs <-chan int, results chan<- int, wg *sync.WaitGroup)
//   void worker(const gocxx::context& ctx, int id, gocxx::recv_chan<int> jobs, gocxx::send_chan<int> results,
//               gocxx::wait_group& wg)
//
// The 20 jobs take 2s, inside the 5s: every job is produced, processed by one worker and
// its square printed once; each worker finishes when jobs is closed. The lines of the
// producer, the workers and main interleave in the scheduler's order.
#include <chrono>
#include <cstdio>
#include <optional>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

void producer(const gocxx::context& ctx, gocxx::send_chan<int> jobs) {
  tour::defer c([&] { jobs.close(); });
  for (int i = 1; i <= 20; ++i) {
    bool cancelled = false;
    gocxx::select(gocxx::case_recv(ctx.done(),
                                   [&] {
                                     std::printf("Producer cancelled\n");
                                     cancelled = true;
                                   }),
                  gocxx::case_send(jobs, i, [&] {
                    std::printf("Produced job %d\n", i);
                    gocxx::sleep(tour::d(100ms));
                  }));
    if (cancelled) return;
  }
}

void worker(const gocxx::context& ctx, int id, gocxx::recv_chan<int> jobs, gocxx::send_chan<int> results,
            gocxx::wait_group& wg) {
  tour::defer d([&] { wg.done(); });
  for (bool quit = false; !quit;) {
    gocxx::select(gocxx::case_recv(ctx.done(),
                                   [&] {
                                     std::printf("Worker %d cancelled\n", id);
                                     quit = true;
                                   }),
                  gocxx::case_recv(jobs, [&](std::optional<int> job) {
                    if (!job) {
                      std::printf("Worker %d finished\n", id);
                      quit = true;
                      return;
                    }
                    int result = *job * *job;  // process job
                    if (gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_send(results, result)) == 0) {
                      quit = true;
                      return;
                    }
                    std::printf("Worker %d processed job %d\n", id, *job);
                  }));
  }
}

}  // namespace

TOUR_EXAMPLE(producer_consumer, "003", "a producer of 20 jobs, three workers, results closed by the WaitGroup") {
  std::printf("\n=== Level 5, pattern 1: producer-consumer with full flow ===\n");
  auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), tour::d(5s));  // Step 1
  tour::defer c([cancel = cancel] { cancel(); });
  gocxx::chan<int> jobs(10);  // Step 2
  gocxx::chan<int> results(10);
  gocxx::wait_group wg;  // Step 3
  for (int w = 1; w <= 3; ++w) {  // Step 4: start workers
    wg.add(1);
    gocxx::go([ctx = ctx, w, jobs, results, &wg] { worker(ctx, w, jobs, results, wg); });
  }
  gocxx::go([ctx = ctx, jobs] { producer(ctx, jobs); });  // Step 5
  gocxx::go([&wg, results] {  // Step 6: close results when workers done
    wg.wait();
    results.close();
  });
  for (int result : results) std::printf("Result: %d\n", result);  // Step 7
  std::printf("All work completed\n");
}
