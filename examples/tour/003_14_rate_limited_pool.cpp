// Tour: a worker pool under a rate limit. Ports seed 003 (a flow guide), Level 5,
// pattern 3: five workers share one ticker of 100ms (a job may start only on a tick), a
// 10s context, 50 jobs; each job takes 50ms (or gives up with ctx.Err()); main counts
// the successes and the errors.
//
//   limiter := time.NewTicker(100 * time.Millisecond)   gocxx::ticker limiter(100ms);
//   defer limiter.Stop()                                tour::defer s([&] { limiter.stop(); });
//   case <-rateLimiter:                                 gocxx::case_recv(rate_limiter, ...)
//   case <-time.After(50 * time.Millisecond):           gocxx::case_recv(gocxx::after(50ms), ...)
//
// Go's Result.Error is a std::error_code. The 50 ticks take 5s, inside the 10s: every job
// succeeds once, "Completed: 50 successful, 0 errors". The jobs start at most one per
// tick whichever worker takes them; their lines come in the order the ticks hand them out.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

struct job {
  int id;
  std::string data;
};

struct result {
  int job_id = 0;
  std::string data;
  std::error_code error;
};

result process_job(const gocxx::context& ctx, const job& j) {
  result r{j.id, {}, {}};
  gocxx::select(gocxx::case_recv(ctx.done(), [&] { r.error = ctx.err(); }),  // simulate work
                gocxx::case_recv(gocxx::after(tour::d(50ms)), [&] { r.data = "processed-" + j.data; }));
  return r;
}

void rate_limited_worker(const gocxx::context& ctx, int /*id*/, gocxx::recv_chan<job> jobs, gocxx::send_chan<result> results,
                         gocxx::recv_chan<gocxx::steady_time> rate_limiter, gocxx::wait_group& wg) {
  tour::defer d([&] { wg.done(); });
  for (job j : jobs) {
    if (gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_recv(rate_limiter)) == 0) {
      results.send(result{j.id, {}, ctx.err()});
      return;
    }
    // Rate limited - proceed with job
    result r = process_job(ctx, j);
    if (gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_send(results, std::move(r))) == 0) return;
  }
}

}  // namespace

TOUR_EXAMPLE(rate_limited_pool, "003", "five workers share a 100 ms ticker: 50 jobs, a 10 s context") {
  std::printf("\n=== Level 5, pattern 3: worker pool with rate limiting ===\n");
  auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), tour::d(10s));  // Step 1
  tour::defer c([cancel = cancel] { cancel(); });
  gocxx::chan<job> jobs(100);  // Step 2
  gocxx::chan<result> results(100);
  gocxx::ticker limiter(tour::d(100ms));  // Step 3: rate limiter
  tour::defer s([&] { limiter.stop(); });
  gocxx::wait_group wg;  // Step 4: start worker pool
  for (int w = 1; w <= 5; ++w) {
    wg.add(1);
    gocxx::go([ctx = ctx, w, jobs, results, tick = limiter.c(), &wg] { rate_limited_worker(ctx, w, jobs, results, tick, wg); });
  }
  gocxx::go([ctx = ctx, jobs] {  // Step 5: submit jobs
    tour::defer cl([&] { jobs.close(); });
    for (int i = 1; i <= 50; ++i) {
      if (gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_send(jobs, job{i, "job-" + std::to_string(i)})) == 0) return;
    }
  });
  gocxx::go([&wg, results] {  // Step 6: collect results
    wg.wait();
    results.close();
  });
  int success_count = 0, error_count = 0;  // Step 7: process results
  for (const result& r : results) {
    if (r.error) {
      ++error_count;
      std::printf("Job %d failed: %s\n", r.job_id, r.error.message().c_str());
    } else {
      ++success_count;
      std::printf("Job %d succeeded: %s\n", r.job_id, r.data.c_str());
    }
  }
  std::printf("Completed: %d successful, %d errors\n", success_count, error_count);
}
