// gocxx/testing.hpp: checks for users' tests (the idea of uber-go/goleak).
//
//   TEST(Server, StopsItsGoroutines) {
//     gocxx::testing::leak_check leaks;          // remembers the goroutines alive now
//     start_server();
//     stop_server();
//     EXPECT_EQ(leaks.check(), "");              // waits up to 1 s for the rest to end
//   }
//
// Works from any test framework, on a plain thread or in a goroutine (the calling
// goroutine itself is never counted as a leak).
//
// Replayable schedules: with a schedule seed, the scheduler's free choices (which
// runnable goroutine runs next, select's order among ready cases, the order in which
// the goroutines a close wakes run) come from the seed. At procs 1, a program whose
// goroutines depend only on each other (no timers, no plain threads) runs the same
// interleaving for the same seed, every time; different seeds explore different ones.
//
//   for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
//     gocxx::testing::schedule_seed_scope s(seed);   // or env GOCXX_SCHED_SEED=<n>
//     ASSERT_TRUE(run_my_program()) << "replay with GOCXX_SCHED_SEED=" << seed;
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gocxx::testing {

class leak_check {
 public:
  // Remembers the goroutines that exist now: only goroutines started after this are
  // checked.
  leak_check();

  // Waits up to `bound` for every goroutine started since construction to end. Returns
  // "" when they all did; otherwise "found N unexpected goroutine(s):", a blank line, and
  // the dump of each (gocxx::runtime::dump's format). Never waits longer than `bound`,
  // and returns as soon as they are gone.
  std::string check(std::chrono::nanoseconds bound = std::chrono::seconds(1)) const;

 private:
  std::vector<std::uint64_t> before_;  // ids alive at construction, sorted
};

// Sets the schedule seed (GOCXX_SCHED_SEED sets it at start). It takes effect at the
// scheduler's next free choice, with its draws restarted from the seed: so set it before
// the program under test starts its goroutines, from the goroutine or thread that starts
// them, with nothing else runnable.
void set_schedule_seed(std::uint64_t seed);
// Back to the unseeded scheduler (which nothing slows down).
void clear_schedule_seed();
// The seed set now, if any.
std::optional<std::uint64_t> schedule_seed();

// Sets a seed for a scope and puts back what was there before (a seed or none).
class schedule_seed_scope {
 public:
  explicit schedule_seed_scope(std::uint64_t seed) : before_(schedule_seed()) { set_schedule_seed(seed); }
  ~schedule_seed_scope() {
    if (before_) {
      set_schedule_seed(*before_);
    } else {
      clear_schedule_seed();
    }
  }
  schedule_seed_scope(const schedule_seed_scope&) = delete;
  schedule_seed_scope& operator=(const schedule_seed_scope&) = delete;

 private:
  std::optional<std::uint64_t> before_;
};

}  // namespace gocxx::testing
