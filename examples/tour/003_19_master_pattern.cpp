// Tour: the master pattern. Ports seed 003 (a flow guide), "Summary: Complete Flow
// Pattern", masterConcurrencyPattern: a 30s context, channels for jobs, results and
// errors, five workers under a WaitGroup (each job through processJobWithTimeout), a
// collector goroutine for errors and one for results, a producer of 100 jobs; then wait,
// close, and report "Processed N results successfully" or "encountered N errors".
//
//   ctx, cancel := context.WithTimeout(ctx, 30*time.Second)   auto [tctx, cancel] = gocxx::with_timeout(ctx, 30s);
//   errors := make(chan error, 10)                            gocxx::chan<std::error_code> errors(10);
//
// Bugs in the seed, fixed in the port:
// - a data race: the collectors append to errorList and resultList while main reads
//   them; main closes the channels after wg.Wait() but never waits for the collectors,
//   so it can count before they have drained (too few errors, too few results). The port
//   waits for each collector's done channel before reading its list.
// - `errors` shadows the errors package; C++ has no such package, the name stays.
// The seed leaves processJobWithTimeout out: here each job gets its own 100ms timeout;
// the work is a computation done at once, except for the jobs a run makes slow (they wait
// on something that takes 10s, and time out).
// Two runs: every job fast (nil), and jobs 7, 32, 57 and 82 slow (4 errors).
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

struct job {
  int id;
};
struct result {
  int job_id;
};

std::set<int> slow_jobs;  // set before each run, read-only during it

// Each job under its own timeout; the work itself honours the context.
std::error_code process_job_with_timeout(const gocxx::context& ctx, const job& j, result& out) {
  auto [jctx, cancel] = gocxx::with_timeout(ctx, tour::d(100ms));
  tour::defer c([cancel = cancel] { cancel(); });
  if (slow_jobs.count(j.id)) {  // waits on something that takes 10s
    if (gocxx::select(gocxx::case_recv(jctx.done()), gocxx::case_recv(gocxx::after(tour::d(10s)))) == 0) return jctx.err();
  }
  out = result{j.id};  // the work itself: a computation, done at once
  return {};
}

std::string master_concurrency_pattern(const gocxx::context& parent) {
  // 1. Context for cancellation.
  auto [ctx, cancel] = gocxx::with_timeout(parent, tour::d(30s));
  tour::defer c([cancel = cancel] { cancel(); });

  // 2. Channels for communication.
  gocxx::chan<job> jobs(100);
  gocxx::chan<result> results(100);
  gocxx::chan<std::error_code> errors(10);

  // 3. WaitGroup for synchronization.
  gocxx::wait_group wg;

  // 4. Launch goroutines: the workers...
  for (int i = 0; i < 5; ++i) {
    wg.add(1);
    gocxx::go([ctx = ctx, jobs, results, errors, &wg] {
      tour::defer d([&] { wg.done(); });
      for (job j : jobs) {
        if (ctx.err()) return;  // select { case <-ctx.Done(): return; default: ... }
        result r{};
        if (std::error_code err = process_job_with_timeout(ctx, j, r)) {
          if (gocxx::select(gocxx::case_send(errors, err), gocxx::case_recv(ctx.done())) == 1) return;
        } else {
          if (gocxx::select(gocxx::case_send(results, r), gocxx::case_recv(ctx.done())) == 1) return;
        }
      }
    });
  }
  // ... the error collector ...
  std::vector<std::error_code> error_list;
  gocxx::chan<std::monostate> errors_collected(0);
  gocxx::go([&error_list, errors, errors_collected] {
    for (std::error_code err : errors) error_list.push_back(err);
    errors_collected.close();
  });
  // ... and the result collector.
  std::vector<result> result_list;
  gocxx::chan<std::monostate> results_collected(0);
  gocxx::go([&result_list, results, results_collected] {
    for (result r : results) result_list.push_back(r);
    results_collected.close();
  });

  // 5. Send work.
  gocxx::go([ctx = ctx, jobs] {
    tour::defer cl([&] { jobs.close(); });
    for (int i = 0; i < 100; ++i) {
      if (gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_send(jobs, job{i})) == 0) return;
    }
  });

  // 6. Wait for completion (and, unlike the seed, for the collectors).
  wg.wait();
  results.close();
  errors.close();
  errors_collected.recv();
  results_collected.recv();

  // 7. Check results.
  if (!error_list.empty()) return "encountered " + std::to_string(error_list.size()) + " errors";
  std::printf("Processed %zu results successfully\n", result_list.size());
  return "<nil>";
}

}  // namespace

TOUR_EXAMPLE(master_pattern, "003", "context, channels, WaitGroup, workers, collectors: 100 jobs, errors counted") {
  std::printf("\n=== The master pattern ===\n");
  slow_jobs = {};
  std::printf("every job fast: %s\n", master_concurrency_pattern(gocxx::background()).c_str());
  slow_jobs = {7, 32, 57, 82};
  std::printf("jobs 7, 32, 57, 82 too slow for their 100ms: %s\n", master_concurrency_pattern(gocxx::background()).c_str());
  slow_jobs = {};
}
