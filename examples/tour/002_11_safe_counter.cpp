// Tour: a counter behind a mutex. Ports seed 002 (a Go patterns sheet),
// "synchronization", sync.Mutex: SafeCounter, whose Inc locks, increments and (deferred)
// unlocks.
//
//   c.mu.Lock()                            std::lock_guard lock(mu_);   // unlocks at the }
//   defer c.mu.Unlock()
//   c.count++                              ++count_;
//
// 1000 goroutines call Inc once each; the count is 1000, every time.
#include <cstdio>
#include <mutex>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

class safe_counter {
 public:
  void inc() {
    std::lock_guard lock(mu_);
    ++count_;
  }
  int value() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  gocxx::mutex mu_;
  int count_ = 0;
};

}  // namespace

TOUR_EXAMPLE(safe_counter, "002", "SafeCounter: Inc under a sync.Mutex from 1000 goroutines") {
  std::printf("\n=== sync.Mutex ===\n");
  safe_counter c;
  gocxx::wait_group wg;
  for (int i = 0; i < 1000; ++i) {
    wg.add(1);
    gocxx::go([&] {
      c.inc();
      wg.done();
    });
  }
  wg.wait();
  std::printf("SafeCounter after 1000 goroutines called Inc(): %d\n", c.value());
}
