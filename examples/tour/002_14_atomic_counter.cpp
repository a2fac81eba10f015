// Tour: an atomic counter. Ports seed 002 (a Go patterns sheet), "synchronization",
// sync/atomic: atomic.Int64 with Add, Store and Load.
//
//   var counter atomic.Int64               std::atomic<std::int64_t> counter{0};
//   counter.Add(1)                         counter.fetch_add(1);
//   counter.Store(0)                       counter.store(0);
//   v := counter.Load()                    std::int64_t v = counter.load();
//
// Go's atomics are sequentially consistent, as std::atomic's defaults are. 100
// goroutines each Add(1) a hundred times: 10000; then Store(0) and Load: 0.
#include <atomic>
#include <cstdint>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

TOUR_EXAMPLE(atomic_counter, "002", "atomic.Int64: Add from 100 goroutines, Store, Load") {
  std::printf("\n=== sync/atomic ===\n");
  std::atomic<std::int64_t> counter{0};
  gocxx::wait_group wg;
  for (int g = 0; g < 100; ++g) {
    wg.add(1);
    gocxx::go([&] {
      for (int i = 0; i < 100; ++i) counter.fetch_add(1);  // counter.Add(1)
      wg.done();
    });
  }
  wg.wait();
  std::printf("counter.Load() after 100 goroutines x 100 Add(1): %lld\n", static_cast<long long>(counter.load()));
  counter.store(0);
  std::int64_t v = counter.load();
  std::printf("counter.Load() after counter.Store(0): %lld\n", static_cast<long long>(v));
}
