// Tour: workers that stop when their context is cancelled. Ports seed 000, program 2 (the
// diagrams), diagram 20: each worker selects between a job and ctx.Done(); cancel()
// closes Done for every worker at once, and each returns.
//
//   func worker(ctx context.Context,             void worker(int id, gocxx::context ctx, gocxx::recv_chan<int> jobs)
//               jobs <-chan int) {
//     for {                                        for (bool done = false; !done;) {
//       select {                                     gocxx::select(
//       case job := <-jobs: process(job)               gocxx::case_recv(jobs, [&](std::optional<int> job) { process(*job); }),
//       case <-ctx.Done(): return                      gocxx::case_recv(ctx.done(), [&] { done = true; }));
//       }
//     }
//
// The diagram's timeline has three workers, jobs sent while they run, and cancel() at
// T=5; the port sends six jobs (on an unbuffered channel: each send ends when a worker
// has taken the job), then cancels, and waits for the three to return. Which worker takes
// which job, and the order of the lines, vary from run to run.
#include <cstdio>
#include <optional>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

void process(int id, int job) { std::printf("Worker %d: processing job %d\n", id, job); }

void worker(int id, gocxx::context ctx, gocxx::recv_chan<int> jobs) {
  for (bool done = false; !done;) {
    gocxx::select(gocxx::case_recv(jobs, [&](std::optional<int> job) { process(id, *job); }),
                  gocxx::case_recv(ctx.done(), [&] { done = true; }));  // cleanup and exit
  }
  std::printf("Worker %d: ctx.Done() closed, returning (%s)\n", id, ctx.err().message().c_str());
}

}  // namespace

TOUR_EXAMPLE(context_cancellation, "000", "diagram 20: cancel() closes ctx.Done() and every worker returns") {
  std::printf("\n=== DIAGRAM 20: ADVANCED PATTERN - CONTEXT CANCELLATION ===\n");
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  gocxx::chan<int> jobs(0);

  gocxx::wait_group wg;
  for (int id = 1; id <= 3; ++id) wg.go([id, ctx = ctx, jobs] { worker(id, ctx, jobs); });

  for (int job = 1; job <= 6; ++job) jobs.send(job);
  cancel();  // broadcasts to every watcher
  wg.wait();
  std::printf("All workers exit gracefully\n");
}
