// race_test: gocxx-race-demo (examples/race/race_counter.cpp, the unsynchronized counter)
// under ThreadSanitizer, as a user runs it: TSan must report the data race, name
// race_counter.cpp and the lines where the racing accesses are (the lines the source
// marks "RACE"), and exit with its status 66. Only the tsan build (GOCXX_SANITIZE=thread,
// the tsan preset) can check this; other builds skip, saying so.
//
// GOCXX_RACE_DEMO is the demo's path and GOCXX_RACE_DEMO_SOURCE its source's
// (tests/CMakeLists.txt; only with GOCXX_BUILD_EXAMPLES).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

struct run_result {
  int status = -1;
  std::string output;  // stdout and stderr
};

[[maybe_unused]] run_result run(const std::string& command) {
  run_result r;
  std::FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// The numbers of the lines of `path` that contain `mark`.
[[maybe_unused]] std::vector<int> marked_lines(const char* path, const std::string& mark) {
  std::vector<int> lines;
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.find(mark) != std::string::npos) lines.push_back(n);
  }
  return lines;
}

TEST(Race, ThreadSanitizerReportsTheUnsynchronizedCounter) {
  if (!test_support::kTsan) {
    GTEST_SKIP() << "not a ThreadSanitizer build: the race report needs -fsanitize=thread "
                    "(cmake --preset tsan && cmake --build build/tsan)";
  }
#if !defined(GOCXX_RACE_DEMO) || !defined(GOCXX_RACE_DEMO_SOURCE)
  GTEST_SKIP() << "gocxx-race-demo not built (GOCXX_BUILD_EXAMPLES off)";
#else
  std::vector<int> race = marked_lines(GOCXX_RACE_DEMO_SOURCE, "// RACE");
  ASSERT_EQ(race.size(), 2u) << "race_counter.cpp should mark the increment and its caller";
  // halt_on_error: the first report, then exit (status 66, TSan's exitcode). history_size=7:
  // the deepest history TSan keeps, so the previous access's stack is restored too (at the
  // default, 2, it is often "[failed to restore the stack]").
  run_result r = run(std::string("TSAN_OPTIONS=halt_on_error=1:exitcode=66:history_size=7 ") + GOCXX_RACE_DEMO);
  EXPECT_EQ(r.status, 66) << r.output;
  EXPECT_NE(r.output.find("WARNING: ThreadSanitizer: data race"), std::string::npos) << r.output;
  // Both accesses of the report (the current one and the previous one) are the increment,
  // called from the goroutine's loop; the summary names the increment's line.
  const std::string increment = "race_counter.cpp:" + std::to_string(race[0]);
  const std::string caller = "race_counter.cpp:" + std::to_string(race[1]);
  auto occurrences = [&](const std::string& s) {
    std::size_t n = 0;
    for (std::size_t at = r.output.find(s); at != std::string::npos; at = r.output.find(s, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(occurrences(increment), 3u) << "want the increment's line in both accesses' stacks and the summary:\n"
                                        << r.output;
  EXPECT_EQ(occurrences(caller), 2u) << "want the caller's line in both accesses' stacks:\n" << r.output;
  EXPECT_NE(r.output.find("  Previous "), std::string::npos) << r.output;  // "Previous write" (or read) "of size 4"
  EXPECT_NE(r.output.find("SUMMARY: ThreadSanitizer: data race"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Location is global"), std::string::npos) << r.output;  // the shared int
#endif
}

}  // namespace
