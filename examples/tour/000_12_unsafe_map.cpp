// Tour: a map written by 100 goroutines at once. Ports seed 000, program 1, part 4,
// incorrectConcurrentAccess: each goroutine stores one key in a shared map with no
// synchronisation, and main guesses with a 100 ms sleep that they are done.
//
//   sharedData := make(map[string]int)           go_map shared_data;   // a map that checks, as Go's does
//   go func(id int) {                            gocxx::go([=] {
//     sharedData[fmt.Sprintf("key_%d", id)] = id   shared_data->set("key_" + std::to_string(id), id);
//   }(i)                                         });
//
// In Go the concurrent writes are a data race, and Go's map catches most of them itself:
// every write marks the map as being written (its hashWriting flag), and a write or read
// that finds the mark set stops the program with "fatal error: concurrent map writes".
// In C++ the race would be undefined behaviour (a std::unordered_map written from two
// threads at once corrupts itself, silently), so the port keeps the check and drops the
// race: go_map below marks its writes as Go's map does, with an atomic flag, and a write
// that finds the mark set is counted, not done, where Go's would have ended the program.
// A write in Go's map can take a while (hashing, growing the table); gocxx does not
// preempt, so the gocxx::yield() inside the marked section stands for that time (and for
// the preemption that lets another goroutine in), so the collisions show on every run.
//
// Bugs in the seed, fixed here: the goroutines are never waited for, and main's len() can
// run while they still write (the sleep is a guess); the port's goroutines hold the map by
// a shared handle, and the port joins them after printing, so that none outlives it.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

// A map that detects concurrent use the way Go's runtime map does (mapassign's
// hashWriting check), without the data race: the flag is atomic, and a writer that finds
// it set leaves the map alone.
class go_map {
 public:
  void set(const std::string& key, int value) {
    if (writing_.exchange(true, std::memory_order_acquire)) {  // Go: throw("concurrent map writes")
      collisions_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    m_[key] = value;
    gocxx::yield();  // the rest of a write's work, during which another goroutine runs
    writing_.store(false, std::memory_order_release);
  }
  std::size_t size() const {
    if (writing_.exchange(true, std::memory_order_acquire)) {  // Go: "concurrent map read and map write"
      collisions_.fetch_add(1, std::memory_order_relaxed);
      return 0;
    }
    std::size_t n = m_.size();
    writing_.store(false, std::memory_order_release);
    return n;
  }
  int collisions() const { return collisions_.load(std::memory_order_relaxed); }

 private:
  std::unordered_map<std::string, int> m_;  // written only by the writer that set writing_
  mutable std::atomic<bool> writing_{false};
  mutable std::atomic<int> collisions_{0};
};

}  // namespace

TOUR_EXAMPLE(unsafe_map, "000", "100 goroutines write one map unsynchronised: Go's \"concurrent map writes\" check") {
  std::printf("\n=== INCORRECT: NO SYNCHRONIZATION ===\n");

  auto shared_data = std::make_shared<go_map>();
  gocxx::wait_group writers;  // the port's: see above

  for (int i = 0; i < 100; ++i) {
    writers.go([shared_data, id = i] {
      // RACE CONDITION: concurrent map writes
      shared_data->set("key_" + std::to_string(id), id);
    });
  }

  gocxx::sleep(tour::d(100ms));
  std::printf("Map size: %zu\n", shared_data->size());
  std::printf("⚠️  DANGER: May crash with 'concurrent map writes'\n");

  writers.wait();
  if (int n = shared_data->collisions(); n > 0) {
    std::printf("Concurrent map writes detected: %d (each one would be \"fatal error: concurrent map writes\" in Go)\n", n);
  }
}
