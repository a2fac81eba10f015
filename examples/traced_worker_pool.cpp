// The tour: a pipeline into a worker pool, traced (Go's runtime/trace and `go tool trace`).
//
//   trace.Start(f); defer trace.Stop()     gocxx::trace::start("pool.json"); ... stop();
//   defer trace.StartRegion(ctx, "job").End()   gocxx::trace::region r("job");
//   trace.Log(ctx, "result", s)            gocxx::trace::log("result", s);
//
// A generator feeds jobs to three workers; each job is a region (some compute, then a
// short sleep, as if waiting on I/O); a collector sums the results. Run it as
//   example_traced_worker_pool pool.json
// and open pool.json in https://ui.perfetto.dev, or draw it:
//   gocxx-trace-svg pool.json > pool.svg;  gocxx-trace-svg --summary pool.json
// Without an argument it traces into a temporary file and prints the trace's size.
// (Any gocxx program can be traced whole with GOCXX_TRACE=trace.json in its environment.)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "gocxx/gocxx.hpp"
#include "gocxx/trace.hpp"

namespace {

long work(int job) {
  long x = job;
  for (int i = 0; i < 20000 + 5000 * (job % 4); ++i) x = (x * 1103515245 + 12345) % 2147483648;
  return x % 1000;
}

}  // namespace

int main(int argc, char** argv) {
  const bool keep = argc > 1;
  const std::string path = keep ? argv[1] : (std::filesystem::temp_directory_path() / "gocxx_traced_worker_pool.json").string();
  gocxx::set_max_procs(2);
  gocxx::trace::start(path);
  int rc = gocxx::run([] {
    gocxx::chan<int> jobs(0);
    gocxx::chan<long> results(2);
    gocxx::wait_group wg;
    gocxx::go([jobs] {
      for (int j = 0; j < 24; ++j) jobs.send(j);
      jobs.close();
    });
    for (int w = 0; w < 3; ++w) {
      wg.add(1);
      gocxx::go([jobs, results, &wg] {
        for (auto j = jobs.recv(); j; j = jobs.recv()) {
          gocxx::trace::region r("job");
          long v = work(*j);
          gocxx::sleep(std::chrono::microseconds(100));  // as if waiting on I/O
          results.send(v);
        }
        wg.done();
      });
    }
    gocxx::go([&wg, results] {
      wg.wait();
      results.close();
    });
    long sum = 0;
    int n = 0;
    for (long v : results) {
      sum += v;
      ++n;
    }
    gocxx::trace::log("result", std::to_string(sum));
    std::printf("%d results, sum %ld\n", n, sum);
  });
  gocxx::trace::stop();
  std::printf("trace: %s (%ju bytes)\n", keep ? path.c_str() : "a temporary file",
              static_cast<std::uintmax_t>(std::filesystem::file_size(path)));
  if (!keep) std::filesystem::remove(path);
  return rc;
}
