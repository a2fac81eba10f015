// Tour: a worker pool. Ports seed 000, program 1, part 2, workerPool: three workers range
// over a jobs channel (closed when the nine jobs are sent) and send each job's double on
// a results channel; main collects nine results.
//
//   func(id int, jobs <-chan int,                [](int id, gocxx::recv_chan<int> jobs,
//        results chan<- int) {                      gocxx::send_chan<int> results) {
//     for job := range jobs { ... }                 for (int job : jobs) { ... }
//   }                                            }
//
// Which worker takes which job, and the order of the lines, depend on the scheduler, in Go
// as here; each job is processed once and nine results come back.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

// A worker takes jobs until the channel is closed and drained.
void worker(int id, gocxx::recv_chan<int> jobs, gocxx::send_chan<int> results) {
  for (int job : jobs) {  // exits when jobs is closed
    std::printf("Worker %d: Processing job %d\n", id, job);
    gocxx::sleep(tour::d(100ms));
    results.send(job * 2);  // send the result
  }
}

}  // namespace

TOUR_EXAMPLE(worker_pool, "000", "three workers range over a jobs channel and send results") {
  std::printf("\n=== PATTERN 3: WORKER POOL ===\n");

  gocxx::chan<int> jobs(100);
  gocxx::chan<int> results(100);

  // Launch 3 worker goroutines.
  for (int w = 1; w <= 3; ++w) gocxx::go([=] { worker(w, jobs, results); });

  // Send 9 jobs.
  for (int j = 1; j <= 9; ++j) jobs.send(j);
  jobs.close();  // no more jobs: the workers exit when they have taken the last

  // Collect the results.
  for (int r = 1; r <= 9; ++r) std::printf("Result: %d\n", *results.recv());

  std::printf("✅ BENEFIT: Efficient task distribution and load balancing\n");
}
