// gocxx-bench: the reference workloads of shared/anchors/WORKLOADS.md, written the way
// the Go anchor (shared/anchors/go/main.go) writes them, printing the same lines:
//
//   RESULT <workload> <procs> <value> <unit>
//
// Flags: --procs N (default: number of CPUs), --only NAME, --quick (sizes / 10).
// Timed workloads report the best of 3 repetitions; timer_fire and parked_memory run
// once. Every workload checks its result and exits 1 ("FAIL <workload>: ...") on a wrong
// one. Workloads whose features have not landed yet print `n/a`.
// Diagnostics (each repetition, wall time, RSS readings) go to stderr as '#' lines.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"

namespace {

bool quick = false;
int procs = 0;

using clock_type = std::chrono::steady_clock;
using i64 = std::int64_t;

i64 scale(i64 n) { return quick ? n / 10 : n; }

[[noreturn]] void fail(const char* name, const std::string& what) {
  std::fprintf(stderr, "FAIL %s: %s\n", name, what.c_str());
  std::fflush(nullptr);
  std::_Exit(1);
}

double ns_per(clock_type::time_point start, i64 n) {
  return std::chrono::duration<double, std::nano>(clock_type::now() - start).count() / static_cast<double>(n);
}
double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

// spawn: start 1,000,000 goroutines; each calls wg.done(); main waits on the wait_group.
double spawn() {
  i64 n = scale(1000000);
  gocxx::wait_group wg;
  auto start = clock_type::now();
  wg.add(static_cast<int>(n));
  for (i64 i = 0; i < n; ++i) gocxx::go([&wg] { wg.done(); });
  wg.wait();
  return ns_per(start, n);
}

// pingpong: two goroutines bounce an int over two unbuffered channels.
double pingpong() {
  i64 n = scale(1000000);
  gocxx::chan<i64> ping(0), pong(0);
  gocxx::go([ping, pong] {
    for (i64 v : ping) pong.send(v + 1);
  });
  auto start = clock_type::now();
  i64 v = 0;
  for (i64 i = 0; i < n; ++i) {
    ping.send(v);
    i64 w = *pong.recv();
    if (w != v + 1) fail("pingpong", "reply " + std::to_string(w) + " to " + std::to_string(v));
    v = w;
  }
  double r = ns_per(start, n);
  ping.close();
  if (v != n) fail("pingpong", "value " + std::to_string(v));
  return r;
}

double spsc() {
  i64 n = scale(10000000);
  gocxx::chan<i64> ch(1024);
  auto start = clock_type::now();
  gocxx::go([ch, n] {
    for (i64 i = 0; i < n; ++i) ch.send(i);
    ch.close();
  });
  i64 count = 0, sum = 0;
  for (i64 v : ch) {
    ++count;
    sum += v;
  }
  double r = ns_per(start, n);
  if (count != n || sum != n * (n - 1) / 2) fail("spsc", "count " + std::to_string(count) + " sum " + std::to_string(sum));
  return r;
}

struct tally {
  i64 count = 0, sum = 0;
};

double mpmc_with(const char* name, std::size_t capacity, i64 n) {
  constexpr int producers = 4, consumers = 4;
  i64 per = n / producers, total = producers * per;
  gocxx::chan<i64> ch(capacity);
  gocxx::chan<tally> tallies(consumers);
  gocxx::wait_group pw;
  auto start = clock_type::now();
  pw.add(producers);
  for (int p = 0; p < producers; ++p) {
    gocxx::go([ch, &pw, lo = p * per, hi = (p + 1) * per] {
      for (i64 i = lo; i < hi; ++i) ch.send(i);
      pw.done();
    });
  }
  gocxx::go([ch, &pw] {
    pw.wait();
    ch.close();
  });
  for (int c = 0; c < consumers; ++c) {
    gocxx::go([ch, tallies] {
      tally t;
      for (i64 v : ch) {
        ++t.count;
        t.sum += v;
      }
      tallies.send(t);
    });
  }
  tally all;
  for (int c = 0; c < consumers; ++c) {
    tally t = *tallies.recv();
    all.count += t.count;
    all.sum += t.sum;
  }
  double r = ns_per(start, total);
  if (all.count != total || all.sum != total * (total - 1) / 2)
    fail(name, "count " + std::to_string(all.count) + " sum " + std::to_string(all.sum));
  return r;
}

double mpmc() { return mpmc_with("mpmc", 1024, scale(10000000)); }
double unbuffered_mpmc() { return mpmc_with("unbuffered_mpmc", 0, scale(2000000)); }

double select4() {
  i64 per = scale(1000000);
  gocxx::chan<i64> chs[4] = {gocxx::chan<i64>(128), gocxx::chan<i64>(128), gocxx::chan<i64>(128), gocxx::chan<i64>(128)};
  auto start = clock_type::now();
  for (auto& c : chs) {
    gocxx::go([ch = c, per] {
      for (i64 j = 0; j < per; ++j) ch.send(j);
      ch.close();
    });
  }
  gocxx::chan<i64> a = chs[0], b = chs[1], c = chs[2], d = chs[3];
  i64 count = 0, sum = 0;
  int open = 4;
  auto on = [&](gocxx::chan<i64>& which) {
    return [&](std::optional<i64> v) {
      if (!v) {
        which = gocxx::chan<i64>();
        --open;
        return;
      }
      ++count;
      sum += *v;
    };
  };
  while (open > 0) {
    gocxx::select(gocxx::case_recv(a, on(a)), gocxx::case_recv(b, on(b)), gocxx::case_recv(c, on(c)),
                  gocxx::case_recv(d, on(d)));
  }
  double r = ns_per(start, 4 * per);
  if (count != 4 * per || sum != 4 * (per * (per - 1) / 2))
    fail("select4", "count " + std::to_string(count) + " sum " + std::to_string(sum));
  return r;
}

double ring() {
  constexpr int size = 10000;
  i64 hops = scale(10000000);
  std::vector<gocxx::chan<i64>> chs;
  chs.reserve(size);
  for (int i = 0; i < size; ++i) chs.emplace_back(0);
  struct end {
    int id;
    i64 v;
  };
  gocxx::chan<end> done(0);
  for (int i = 0; i < size; ++i) {
    gocxx::go([id = i, in = chs[i], out = chs[(i + 1) % size], done, hops] {
      for (i64 v : in) {
        if (v == hops) {
          done.send(end{id, v});
          continue;
        }
        out.send(v + 1);
      }
    });
  }
  auto start = clock_type::now();
  chs[0].send(0);
  end e = *done.recv();
  double r = ns_per(start, hops);
  for (auto& ch : chs) ch.close();
  if (e.v != hops || e.id != hops % size) fail("ring", "goroutine " + std::to_string(e.id) + " saw hop " + std::to_string(e.v));
  return r;
}

double pipeline() {
  i64 n = scale(1000000);
  auto start = clock_type::now();
  gocxx::chan<i64> gen(0), sq(0);
  gocxx::go([gen, n] {
    for (i64 i = 0; i < n; ++i) gen.send(i);
    gen.close();
  });
  gocxx::go([gen, sq] {
    for (i64 v : gen) sq.send(v * v);
    sq.close();
  });
  i64 count = 0, sum = 0;
  for (i64 v : sq) {
    ++count;
    sum += v;
  }
  double r = ns_per(start, n);
  if (count != n || sum != (n - 1) * n * (2 * n - 1) / 6)
    fail("pipeline", "count " + std::to_string(count) + " sum " + std::to_string(sum));
  return r;
}

double workerpool() {
  i64 n = scale(1000000);
  constexpr int workers = 8;
  gocxx::chan<i64> jobs(100), results(100);
  gocxx::wait_group wg;
  auto start = clock_type::now();
  wg.add(workers);
  for (int w = 0; w < workers; ++w) {
    gocxx::go([jobs, results, &wg] {
      for (i64 j : jobs) results.send(2 * j + 1);
      wg.done();
    });
  }
  gocxx::go([jobs, n] {
    for (i64 i = 0; i < n; ++i) jobs.send(i);
    jobs.close();
  });
  gocxx::go([results, &wg] {
    wg.wait();
    results.close();
  });
  i64 count = 0, sum = 0;
  for (i64 v : results) {
    ++count;
    sum += v;
  }
  double r = ns_per(start, n);
  if (count != n || sum != n * n) fail("workerpool", "count " + std::to_string(count) + " sum " + std::to_string(sum));
  return r;
}

double mutex_workload() {
  constexpr int g = 8;
  i64 per = scale(1000000);
  gocxx::mutex mu;
  i64 counter = 0;
  gocxx::wait_group wg;
  auto start = clock_type::now();
  wg.add(g);
  for (int i = 0; i < g; ++i) {
    gocxx::go([&] {
      for (i64 j = 0; j < per; ++j) {
        mu.lock();
        ++counter;
        mu.unlock();
      }
      wg.done();
    });
  }
  wg.wait();
  double r = ns_per(start, g * per);
  if (counter != g * per) fail("mutex", "counter " + std::to_string(counter));
  return r;
}

double chan_counter() {
  constexpr int g = 1000;
  i64 per = scale(1000);
  gocxx::chan<int> inc(100);
  gocxx::chan<i64> result(0);
  auto start = clock_type::now();
  gocxx::go([inc, result] {
    i64 value = 0;
    for (int d : inc) value += d;
    result.send(value);
  });
  gocxx::wait_group wg;
  wg.add(g);
  for (int i = 0; i < g; ++i) {
    gocxx::go([inc, &wg, per] {
      for (i64 j = 0; j < per; ++j) inc.send(1);
      wg.done();
    });
  }
  wg.wait();
  inc.close();
  i64 v = *result.recv();
  double r = ns_per(start, g * per);
  if (v != g * per) fail("chan_counter", "value " + std::to_string(v));
  return r;
}

i64 rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  }
  fail("parked_memory", "cannot read VmRSS");
}

double parked_memory() {
  i64 n = scale(1000000);
  gocxx::free_os_memory();  // the anchor's runtime.GC() + debug.FreeOSMemory()
  i64 before = rss_bytes();
  std::vector<gocxx::chan<i64>> chs;
  chs.reserve(static_cast<std::size_t>(n));
  gocxx::wait_group started, finished;
  std::atomic<i64> wrong{0};
  started.add(static_cast<int>(n));
  finished.add(static_cast<int>(n));
  for (i64 i = 0; i < n; ++i) {
    chs.emplace_back(0);
    gocxx::go([ch = chs.back(), i, &started, &finished, &wrong] {
      started.done();
      if (*ch.recv() != i) wrong.fetch_add(1);
      finished.done();
    });
  }
  started.wait();
  // The anchor sleeps 100 ms here to let the last goroutines park; yielding until every
  // other goroutine is parked does the same without a timer.
  for (int i = 0; i < 1000; ++i) gocxx::yield();
  i64 after = rss_bytes();
  int live = gocxx::num_goroutine();
  std::fprintf(stderr, "# parked_memory procs=%d count=%lld goroutines=%d rss_before=%lld KiB rss_after=%lld KiB\n", procs,
               static_cast<long long>(n), live, static_cast<long long>(before / 1024), static_cast<long long>(after / 1024));
  for (i64 i = 0; i < n; ++i) chs[static_cast<std::size_t>(i)].send(i);
  finished.wait();
  if (live < n) fail("parked_memory", std::to_string(live) + " goroutines alive at the reading");
  if (wrong.load() != 0) fail("parked_memory", std::to_string(wrong.load()) + " goroutines got another's value");
  return static_cast<double>(after - before) / static_cast<double>(n);
}

void skynet_node(gocxx::chan<i64> out, i64 num, i64 size) {
  if (size == 1) {
    out.send(num);
    return;
  }
  gocxx::chan<i64> rc(10);
  i64 sub = size / 10;
  for (int i = 0; i < 10; ++i) gocxx::go([rc, num, i, sub] { skynet_node(rc, num + i * sub, sub); });
  i64 sum = 0;
  for (int i = 0; i < 10; ++i) sum += *rc.recv();
  out.send(sum);
}

double skynet() {
  i64 size = quick ? 100000 : 1000000;
  gocxx::chan<i64> out(1);
  auto start = clock_type::now();
  gocxx::go([out, size] { skynet_node(out, 0, size); });
  i64 sum = *out.recv();
  double r = ms_since(start);
  if (sum != size * (size - 1) / 2) fail("skynet", "sum " + std::to_string(sum));
  return r;
}

double select_both() {
  i64 n = scale(1000000), per = n / 4;
  gocxx::chan<i64> chs[4] = {gocxx::chan<i64>(0), gocxx::chan<i64>(0), gocxx::chan<i64>(0), gocxx::chan<i64>(0)};
  gocxx::chan<tally> tallies(4);
  auto start = clock_type::now();
  for (int p = 0; p < 4; ++p) {
    gocxx::go([ch = chs[p], lo = p * per, per] {
      for (i64 i = lo; i < lo + per; ++i) ch.send(i);
    });
  }
  for (int c = 0; c < 4; ++c) {
    gocxx::go([a = chs[0], b = chs[1], cc = chs[2], d = chs[3], tallies, per] {
      tally t;
      for (i64 i = 0; i < per; ++i) {
        i64 v = 0;
        auto take = [&v](std::optional<i64> x) { v = *x; };
        gocxx::select(gocxx::case_recv(a, take), gocxx::case_recv(b, take), gocxx::case_recv(cc, take),
                      gocxx::case_recv(d, take));
        ++t.count;
        t.sum += v;
      }
      tallies.send(t);
    });
  }
  tally total;
  for (int c = 0; c < 4; ++c) {
    tally t = *tallies.recv();
    total.count += t.count;
    total.sum += t.sum;
  }
  double r = ns_per(start, 4 * per);
  if (total.count != 4 * per || total.sum != 4 * per * (4 * per - 1) / 2)
    fail("select_both", "count " + std::to_string(total.count) + " sum " + std::to_string(total.sum));
  return r;
}

// timer_churn: create 1,000,000 timers with durations spread over 10 s..20 s, then stop
// every one before it fires. The handles are dropped after the clock stops, as Go's
// timers are collected after its measurement.
double timer_churn() {
  i64 n = scale(1000000);
  std::vector<gocxx::timer> timers;
  timers.reserve(static_cast<std::size_t>(n));
  auto start = clock_type::now();
  for (i64 i = 0; i < n; ++i) {
    timers.emplace_back(std::chrono::seconds(10) + std::chrono::milliseconds(10) * (i % 1000));
  }
  i64 stopped = 0;
  for (const auto& t : timers) stopped += t.stop() ? 1 : 0;
  double r = ns_per(start, n);
  if (stopped != n) fail("timer_churn", "stopped " + std::to_string(stopped) + " of " + std::to_string(n));
  return r;
}

// timer_fire: n goroutines each sleep 10 ms once; main waits for all. The time includes
// starting the goroutines; every goroutine must wake, and none before 10 ms.
double timer_fire() {
  i64 n = scale(100000);
  gocxx::wait_group wg;
  auto start = clock_type::now();
  wg.add(static_cast<int>(n));
  for (i64 i = 0; i < n; ++i) {
    gocxx::go([&wg] {
      gocxx::sleep(std::chrono::milliseconds(10));
      wg.done();
    });
  }
  wg.wait();
  double r = ms_since(start);
  if (r < 10) fail("timer_fire", "all woke after " + std::to_string(r) + " ms, want >= 10");
  return r;
}

// context_tree: root -> 1,000 children -> 100 leaves each (100,000 leaves, 101,001
// contexts), one goroutine waiting on each leaf's done(). Once every waiter has started
// (plus 10 ms so that they are parked), the root is cancelled; the figure is the time
// from cancel() to the last waiter's wake-up. Check: every waiter woke and every leaf
// reports context_errc::canceled.
double context_tree() {
  i64 children = scale(1000), leaves_per = 100;
  auto [root, cancel] = gocxx::with_cancel(gocxx::background());
  gocxx::wait_group started, woke;
  std::vector<gocxx::context> leaves;
  std::vector<gocxx::cancel_func> cancels;
  leaves.reserve(static_cast<std::size_t>(children * leaves_per));
  cancels.reserve(static_cast<std::size_t>(children * (leaves_per + 1)));
  for (i64 i = 0; i < children; ++i) {
    auto [child, c] = gocxx::with_cancel(root);
    cancels.push_back(c);
    for (i64 j = 0; j < leaves_per; ++j) {
      auto [leaf, lc] = gocxx::with_cancel(child);
      cancels.push_back(lc);
      leaves.push_back(leaf);
      started.add(1);
      woke.add(1);
      gocxx::go([leaf = leaf, &started, &woke] {
        started.done();
        leaf.done().recv();
        woke.done();
      });
    }
  }
  started.wait();
  gocxx::sleep(std::chrono::milliseconds(10));  // let the waiters park on done()
  auto start = clock_type::now();
  cancel();
  double walk = ms_since(start);
  woke.wait();
  double r = ms_since(start);
  std::fprintf(stderr, "# context_tree procs=%d cancel() returned after %.1f ms\n", procs, walk);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (leaves[i].err() != gocxx::context_errc::canceled) {
      fail("context_tree", "leaf " + std::to_string(i) + ": err() = " + leaves[i].err().message() +
                               " after the root was cancelled");
    }
  }
  for (const auto& c : cancels) c();
  return r;
}

// sleep_latency: one goroutine sleeps 1 ms, 1,000 times in a row, on an otherwise idle
// runtime; the median oversleep in µs (p99 on stderr).
double sleep_latency() {
  i64 n = scale(1000);
  std::vector<double> over(static_cast<std::size_t>(n));
  for (i64 i = 0; i < n; ++i) {
    auto t = clock_type::now();
    gocxx::sleep(std::chrono::milliseconds(1));
    auto d = clock_type::now() - t;
    if (d < std::chrono::milliseconds(1)) fail("sleep_latency", "a 1 ms sleep returned early");
    over[static_cast<std::size_t>(i)] = std::chrono::duration<double, std::micro>(d - std::chrono::milliseconds(1)).count();
  }
  std::sort(over.begin(), over.end());
  std::fprintf(stderr, "# sleep_latency procs=%d p99 %.1f us\n", procs, over[static_cast<std::size_t>(n * 99 / 100)]);
  return over[static_cast<std::size_t>(n / 2)];
}

struct workload {
  const char* name;
  const char* unit;
  double (*run)();  // null: the feature has not landed (prints n/a)
  bool once;
};

const workload workloads[] = {
    {"spawn", "ns/goroutine", spawn, false},
    {"pingpong", "ns/roundtrip", pingpong, false},
    {"spsc", "ns/item", spsc, false},
    {"mpmc", "ns/item", mpmc, false},
    {"unbuffered_mpmc", "ns/item", unbuffered_mpmc, false},
    {"select4", "ns/item", select4, false},
    {"ring", "ns/hop", ring, false},
    {"pipeline", "ns/item", pipeline, false},
    {"workerpool", "ns/job", workerpool, false},
    {"mutex", "ns/lock-unlock", mutex_workload, false},
    {"chan_counter", "ns/increment", chan_counter, false},
    {"timer_churn", "ns/create+stop", timer_churn, false},
    {"timer_fire", "ms", timer_fire, true},
    {"context_tree", "ms", context_tree, false},
    {"parked_memory", "bytes/goroutine", parked_memory, true},
    {"skynet", "ms", skynet, false},
    {"select_both", "ns/item", select_both, false},
    {"sleep_latency", "us", sleep_latency, true},
};

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: gocxx-bench [--procs N] [--only NAME] [--quick]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  // The workloads' drivers and workers run for long stretches without blocking on
  // purpose (a mutex loop, the driver timing a round): sysmon's hog reports would print
  // and load the symbolizer in the middle of a measurement. Off unless asked for.
  setenv("GOCXX_HOG_MS", "0", 0);
  procs = static_cast<int>(std::thread::hardware_concurrency());
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      auto eq = a.find('=');
      if (eq != std::string::npos) return a.substr(eq + 1);
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--quick" || a == "-quick") {
      quick = true;
    } else if (a.rfind("--procs", 0) == 0 || a.rfind("-procs", 0) == 0) {
      procs = std::atoi(value().c_str());
    } else if (a.rfind("--only", 0) == 0 || a.rfind("-only", 0) == 0) {
      only = value();
    } else {
      usage();
    }
  }
  if (procs < 1) usage();
  if (!only.empty()) {
    bool known = false;
    for (const auto& w : workloads) known = known || only == w.name;
    if (!known) {
      std::fprintf(stderr, "unknown workload \"%s\"\n", only.c_str());
      return 2;
    }
  }
  gocxx::set_max_procs(procs);
  std::fprintf(stderr, "# gocxx-bench: procs=%d, cpus=%u, quick=%d, stack=%zu\n", procs,
               std::thread::hardware_concurrency(), quick ? 1 : 0, gocxx::default_stack_size());
  return gocxx::run([&] {
    for (const auto& w : workloads) {
      if (!only.empty() && only != w.name) continue;
      if (!w.run) {
        std::printf("RESULT %s %d n/a %s\n", w.name, procs, w.unit);
        std::fflush(stdout);
        continue;
      }
      auto wall = clock_type::now();
      double v = 0;
      if (w.once) {
        v = w.run();
        std::fprintf(stderr, "# %s procs=%d once %.3f\n", w.name, procs, v);
      } else {
        for (int rep = 1; rep <= 3; ++rep) {
          double r = w.run();
          std::fprintf(stderr, "# %s procs=%d rep%d %.3f\n", w.name, procs, rep, r);
          if (rep == 1 || r < v) v = r;
        }
      }
      std::fprintf(stderr, "# %s procs=%d wall %.1f s\n", w.name, procs,
                   std::chrono::duration<double>(clock_type::now() - wall).count());
      std::printf("RESULT %s %d %.1f %s\n", w.name, procs, v, w.unit);
      std::fflush(stdout);
    }
    return 0;
  });
}
