// Tour: a worker that honours its context. Ports seed 002 (a Go patterns sheet),
// "context usage": Worker(ctx, jobs) selects on ctx.Done() (returning ctx.Err()) and the
// jobs channel (returning nil once it is closed), and process(ctx, job) checks ctx.Err()
// between the items of a long job.
//
//   case <-ctx.Done(): return ctx.Err()     gocxx::case_recv(ctx.done(), [&] { err = ctx.err(); quit = true; })
//   if ctx.Err() != nil { return ctx.Err() } if (ctx.err()) return ctx.err();
//
// Three runs: the jobs channel closed after three jobs (Worker returns nil), a context
// cancelled in the middle of a long job (context canceled, from process's check), and a
// context whose deadline passes while the worker waits for jobs (deadline exceeded).
#include <chrono>
#include <cstdio>
#include <optional>
#include <system_error>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

struct job {
  std::vector<int> items;
};

int jobs_done = 0;  // by the one worker of each run

std::error_code process(const gocxx::context& ctx, const job& j) {
  for (std::size_t i = 0; i < j.items.size(); ++i) {
    if (ctx.err()) return ctx.err();  // check periodically in long operations
    gocxx::sleep(tour::d(5ms));       // do work
  }
  ++jobs_done;
  return {};
}

std::error_code worker(const gocxx::context& ctx, gocxx::recv_chan<job> jobs) {
  std::error_code err;
  for (bool quit = false; !quit;) {
    gocxx::select(gocxx::case_recv(ctx.done(),
                                   [&] {
                                     err = ctx.err();  // respect cancellation
                                     quit = true;
                                   }),
                  gocxx::case_recv(jobs, [&](std::optional<job> j) {
                    if (!j) {
                      quit = true;  // channel closed: nil
                      return;
                    }
                    if (std::error_code e = process(ctx, *j)) {
                      err = e;
                      quit = true;
                    }
                  }));
  }
  return err;
}

void show(const char* what, std::error_code err) {
  std::printf("%s: Worker returned %s after %d job(s)\n", what, err ? err.message().c_str() : "<nil>", jobs_done);
}

}  // namespace

TOUR_EXAMPLE(context_worker, "002", "Worker(ctx, jobs) and process(ctx, job): nil, canceled, deadline exceeded") {
  std::printf("\n=== Context for Cancellation ===\n");
  {
    jobs_done = 0;
    gocxx::chan<job> jobs(3);
    for (int i = 0; i < 3; ++i) jobs.send(job{{1, 2, 3}});
    jobs.close();
    show("jobs closed after 3 jobs", worker(gocxx::background(), jobs));
  }
  {
    jobs_done = 0;
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    gocxx::chan<job> jobs(1);
    jobs.send(job{std::vector<int>(1000, 1)});  // 5 s of work (0.5 s at --fast)
    // Cancel while the long job runs: process sees it at its next check.
    gocxx::after_func(tour::d(50ms), [cancel = cancel] { cancel(); });
    show("cancelled during a long job", worker(ctx, jobs));
    cancel();
  }
  {
    jobs_done = 0;
    auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), tour::d(50ms));
    gocxx::chan<job> jobs(0);  // nobody sends, nobody closes
    show("deadline passed while waiting", worker(ctx, jobs));
    cancel();
  }
}
