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
#pragma once

#include <chrono>
#include <cstdint>
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

}  // namespace gocxx::testing
