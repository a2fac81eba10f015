// Tour: a pool of reusable timers. Ports seed 001, program 1, section 13, TimerPool and
// timerPoolExample: gocxx::pool<gocxx::timer> (Go's sync.Pool of *time.Timer); get()
// resets a pooled timer, put() stops it and returns it.
//
//   pool: sync.Pool{New: func() any { return time.NewTimer(0) }}    gocxx::pool<gocxx::timer> pool_([] { return gocxx::timer(0ns); });
//   timer := tp.pool.Get().(*time.Timer); timer.Reset(d)            auto t = pool_.get(); t.reset(d);
//
// A bug in the seed, before Go 1.23: New's NewTimer(0) fires at once and leaves its value
// in C, and Reset does not drain it, so the first Get's `<-timer.C` returned at once with
// that stale value. Under Go 1.23's timers, which gocxx follows, reset() discards it, and
// put()'s drain after a false stop() has nothing left to drain: the port only stops.
#include <chrono>
#include <cstdio>
#include <utility>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

class timer_pool {
 public:
  gocxx::timer get(std::chrono::nanoseconds d) {
    gocxx::timer t = pool_.get();
    t.reset(d);  // no stale value survives a reset
    return t;
  }
  void put(gocxx::timer t) {
    t.stop();
    pool_.put(std::move(t));
  }

 private:
  gocxx::pool<gocxx::timer> pool_{[] { return gocxx::timer(0ns); }};
};

}  // namespace

TOUR_EXAMPLE(timer_pool, "001", "gocxx::pool<gocxx::timer>: reuse timers, reset on get, stopped on put") {
  std::printf("\n=== Timer Pool for High Frequency ===\n");
  timer_pool pool;
  for (int i = 0; i < 5; ++i) {
    gocxx::timer timer = pool.get(tour::d(100ms));
    timer.c().recv();
    std::printf("Task %d completed\n", i + 1);
    pool.put(timer);
  }
  std::printf("Timer pool reduces allocation overhead\n");
}
