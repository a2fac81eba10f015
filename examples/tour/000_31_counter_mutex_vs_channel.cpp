// Tour: a counter behind a mutex versus a counter owned by a goroutine. Ports seed 000,
// program 2 (the diagrams), diagram 17: 1000 goroutines increment a Counter, once with
// its own sync.Mutex and once by sending 1 to the goroutine that owns the value.
//
//   func (c *Counter) Increment() {              void increment() {
//     c.mu.Lock(); c.value++; c.mu.Unlock()        std::lock_guard lock(mu_); ++value_;
//   }                                            }
//   func (c *Counter) run() {                    void run() { for (int delta : ch_) value_ += delta; }
//     for delta := range c.ch { c.value += delta }
//   }
//
// A bug in the seed, fixed here: the channel Counter has no way to read its value. The
// owner adds until its channel is closed, so reading c.value before that races with it,
// and nothing tells when run() is done. The port's value() closes the channel and waits
// for run() to end before it reads (the end happens-before the wait returns). The
// diagram's performance table is about Go's runtime on some machine; timings are for
// bench/, not the tour.
#include <cstdio>
#include <mutex>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

class mutex_counter {
 public:
  void increment() {
    std::lock_guard lock(mu_);
    ++value_;
  }
  int value() {
    std::lock_guard lock(mu_);
    return value_;
  }

 private:
  gocxx::mutex mu_;
  int value_ = 0;  // guarded by mu_
};

class channel_counter {
 public:
  channel_counter() { owner_.go([this] { run(); }); }
  void increment() const { ch_.send(1); }
  // Call once every increment is done: ends run() and returns the total.
  int value() {
    ch_.close();
    owner_.wait();
    return value_;
  }

 private:
  void run() {
    for (int delta : ch_) value_ += delta;  // only run() touches value_ until it returns
  }

  gocxx::chan<int> ch_{100};  // buffered: senders rarely wait
  int value_ = 0;
  gocxx::wait_group owner_;
};

}  // namespace

TOUR_EXAMPLE(counter_mutex_vs_channel, "000", "diagram 17: 1000 goroutines count through a mutex, then through an owner goroutine") {
  std::printf("\n=== DIAGRAM 17: PERFORMANCE COMPARISON - CHANNELS VS MUTEX ===\n");
  {
    mutex_counter c;
    gocxx::wait_group wg;
    for (int i = 0; i < 1000; ++i) wg.go([&c] { c.increment(); });
    wg.wait();
    std::printf("Mutex counter: %d\n", c.value());
  }
  {
    channel_counter c;
    gocxx::wait_group wg;
    for (int i = 0; i < 1000; ++i) wg.go([&c] { c.increment(); });
    wg.wait();
    std::printf("Channel counter: %d\n", c.value());
  }
}
