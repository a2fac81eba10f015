// Tour: a semaphore made of a channel. Ports seed 002 (a Go patterns sheet), pattern
// "semaphore": type Semaphore chan struct{}, Acquire sends a token into the buffer,
// Release takes one out, so at most cap(sem) goroutines hold one at a time.
//
//   type Semaphore chan struct{}          using semaphore = gocxx::chan<std::monostate>;
//   func (s Semaphore) Acquire() {        void acquire(const semaphore& s) { s.send({}); }
//       s <- struct{}{} }
//   func (s Semaphore) Release() { <-s }  void release(const semaphore& s) { s.recv(); }
//
// A bug in the sheet: nothing waits for the goroutines, so the loop ends with up to ten
// items still being processed (and main may return before them). The port waits with a
// WaitGroup. It processes 30 items and reports the most that ran at once (at most 10).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <variant>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

using semaphore = gocxx::chan<std::monostate>;
semaphore new_semaphore(int n) { return semaphore(static_cast<std::size_t>(n)); }
void acquire(const semaphore& s) { s.send({}); }
void release(const semaphore& s) { s.recv(); }

std::atomic<int> running{0}, peak{0}, processed{0};

void process(int /*item*/) {
  int now = running.fetch_add(1) + 1;
  int p = peak.load();
  while (now > p && !peak.compare_exchange_weak(p, now)) {
  }
  gocxx::sleep(tour::d(20ms));
  running.fetch_sub(1);
  processed.fetch_add(1);
}

}  // namespace

TOUR_EXAMPLE(semaphore, "002", "a chan struct{} of capacity 10 as a semaphore: 30 items, at most 10 at once") {
  std::printf("\n=== Semaphore (Bounded Concurrency) ===\n");
  running = 0;
  peak = 0;
  processed = 0;
  semaphore sem = new_semaphore(10);  // max 10 concurrent
  gocxx::wait_group wg;
  for (int item = 1; item <= 30; ++item) {
    acquire(sem);
    wg.add(1);
    gocxx::go([sem, item, &wg] {
      tour::defer r([&] {
        release(sem);
        wg.done();
      });
      process(item);
    });
  }
  wg.wait();  // the sheet does not wait
  std::printf("Processed %d items, at most %d at once (semaphore of 10)\n", processed.load(), peak.load());
}
