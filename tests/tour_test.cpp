// tour_test: the tour's examples (examples/tour/, the gocxx-tour binary), run as a user
// runs them. Each test runs `gocxx-tour --fast --only NAME` and checks the lines the
// example prints against the Go program it ports (seed 001's two timer programs): the
// same lines in the same order where the Go program's order is deterministic, and where
// it is not (a race the Go program has too, or an outcome a late-running goroutine can
// change), the outcomes Go's semantics allow. No test depends on the machine's speed:
// the only timing checks are that sleeps and timers never end early (lower bounds that
// hold on any machine) and one generous upper bound on the whole --fast tour.
//
// GOCXX_TOUR is the path of the gocxx-tour binary (tests/CMakeLists.txt); without it
// (examples not built) the tests skip.
#include "test_support.hpp"
#include "tour_support.hpp"

namespace {

using namespace tour_support;

// Every example of seed 001, in the tour's order (the file names' order).
const std::vector<std::string> seed001 = {
    "basic_timer",      "sleep_vs_timer",  "timer_cleanup",   "stop_and_reset",        "timer_leak",
    "timer_leak_fixed", "timeout",         "time_after",      "after_in_loop",         "timer_vs_ticker",
    "rate_limiter",     "retry_backoff",   "multi_channel_timeout", "timer_vs_sleep",  "timer_pool",
    "timers_deep_dive", "http_handler_timeout"};

class TourTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef GOCXX_TOUR
    GTEST_SKIP() << "gocxx-tour not built (GOCXX_BUILD_EXAMPLES off)";
#endif
  }
};

TEST_F(TourTest, ListNamesEveryExampleInOrderWithItsSeedAndDescription) {
  tour_run r = run_tour("--list");
  ASSERT_EQ(r.status, 0);
  // Seed 001's lines, in its order (the other seeds' examples are checked by their files).
  std::vector<std::string> mine;
  for (const auto& l : r.lines) {
    if (l.find(" seed 001  ") != std::string::npos) mine.push_back(l);
  }
  ASSERT_EQ(mine.size(), seed001.size()) << joined(r.lines);
  for (std::size_t i = 0; i < seed001.size(); ++i) {
    EXPECT_TRUE(std::regex_match(mine[i], std::regex(seed001[i] + R"( +seed 001  \S.{10,})"))) << mine[i];
  }
}

TEST_F(TourTest, OnlyTakesRepeatedAndCommaSeparatedNamesAndRunsThemInThatOrder) {
  tour_run r = run_tour("--fast --only timer_leak_fixed --only=time_after,timer_leak");
  ASSERT_EQ(r.status, 0) << joined(r.lines);
  std::vector<std::string> headers;
  for (const auto& l : r.lines) {
    if (l.starts_with("[tour] ")) headers.push_back(l);
  }
  ASSERT_EQ(headers.size(), 4u) << joined(r.lines);
  EXPECT_EQ(headers[0], "[tour] timer_leak_fixed (seed 001)");
  EXPECT_EQ(headers[1], "[tour] time_after (seed 001)");
  EXPECT_EQ(headers[2], "[tour] timer_leak (seed 001)");
  EXPECT_TRUE(headers[3].starts_with("[tour] 3 examples in ")) << headers[3];
}

TEST_F(TourTest, RejectsAnUnknownExampleOrFlag) {
  EXPECT_EQ(run_tour("--only no_such_example 2>/dev/null").status, 2);
  EXPECT_EQ(run_tour("--slow 2>/dev/null").status, 2);
}

TEST_F(TourTest, BasicTimer) {
  expect_lines(run_example("basic_timer"),
               {"", "=== Basic Timer Example ===", R"(Timer started at: \d\d:\d\d:\d\d)", R"(Timer fired at: \d\d:\d\d:\d\d)"});
}

TEST_F(TourTest, SleepVersusTimer) {
  auto lines = run_example("sleep_vs_timer");
  expect_lines(lines, {"", R"(=== Without Timer \(Incorrect\) ===)", R"(Delayed action after: \S+)"});
  if (lines.size() == 3) EXPECT_GE(go_seconds(lines[2].substr(22)), 0.2);  // 2 s at --fast: never early
}

TEST_F(TourTest, TimerWithCleanup) {
  expect_lines(run_example("timer_cleanup"),
               {"", "=== Correct Timer Usage ===", "Timer executed successfully", "Timer cleaned up properly"});
}

TEST_F(TourTest, StopAndReset) {
  // The stop comes 1 s into a 5 s timer: "already fired" only if that goroutine ran 4 s late.
  expect_lines(run_example("stop_and_reset"), {"", "=== Timer Stop and Reset ===", "Timer stopped successfully|Timer already fired",
                                               "Timer reset to 3 seconds", "Timer fired after reset"});
}

TEST_F(TourTest, TimerLeak) {
  std::vector<std::string> want = {"", R"(=== Timer Resource Leak \(AVOID THIS\) ===)"};
  for (int i = 1; i <= 5; ++i) want.push_back("Created timer " + std::to_string(i) + R"( \(LEAKED\))");
  want.push_back("WARNING: 5 timers leaked in runtime heap");
  expect_lines(run_example("timer_leak"), want);
}

TEST_F(TourTest, TimerLeakFixed) {
  std::vector<std::string> want = {"", "=== Timer Resource Leak Fixed ==="};
  for (int i = 1; i <= 5; ++i) want.push_back("Created timer " + std::to_string(i));
  for (int i = 1; i <= 5; ++i) want.push_back("Cleaned up timer " + std::to_string(i));
  expect_lines(run_example("timer_leak_fixed"), want);
}

TEST_F(TourTest, Timeout) {
  // A 2 s timer against a 3 s operation; the operation wins only if the timer's wake-up
  // ran a whole second late. Either way exactly one line, and the runner's exit is clean.
  expect_lines(run_example("timeout"),
               {"", "=== Timeout Implementation ===", "Operation timed out after 2 seconds|Operation completed"});
}

TEST_F(TourTest, TimeAfter) {
  expect_lines(run_example("time_after"), {"", R"(=== time\.After\(\) Example ===)", R"(1 second elapsed \(using time\.After\))"});
}

TEST_F(TourTest, AfterInALoopReusesOneTimer) {
  expect_lines(run_example("after_in_loop"), {"", R"(=== time\.After\(\) Problem ===)", "Iteration 1 completed",
                                              "Iteration 2 completed", "Iteration 3 completed"});
}

TEST_F(TourTest, TimerVersusTicker) {
  expect_lines(run_example("timer_vs_ticker"),
               {"", "=== Timer vs Ticker ===", "Timer fired once", "Ticker tick 1", "Ticker tick 2", "Ticker tick 3", "",
                "Key Differences:", "- Timer: Single event, can be stopped/reset", R"(- Ticker: Repeating events, can be stopped/reset.*)"});
}

TEST_F(TourTest, TokenBucketRateLimiter) {
  auto lines = run_example("rate_limiter");
  ASSERT_GE(lines.size(), 7u) << joined(lines);
  EXPECT_EQ(lines[0], "");
  EXPECT_EQ(lines[1], "=== Rate Limiter Example ===");
  // The refills print from their own goroutine, between any two requests; without them
  // the requests are exactly the seed's, in order.
  std::vector<std::string> requests;
  std::size_t refills = 0;
  for (std::size_t i = 2; i < lines.size(); ++i) {
    if (lines[i] == "Tokens refilled: 3") {
      ++refills;
    } else {
      requests.push_back(lines[i]);
    }
  }
  ASSERT_TRUE(requests.size() == 5 || requests.size() == 6) << joined(lines);
  // The bucket starts full: the first three are allowed whenever the refills come.
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(requests[static_cast<std::size_t>(i - 1)], "Request " + std::to_string(i) + ": Allowed");
  // Request 4 (1.5 s) comes before the first refill (2 s) and request 5 with it: either outcome.
  for (int i = 4; i <= 5; ++i) {
    EXPECT_TRUE(std::regex_match(requests[static_cast<std::size_t>(i - 1)],
                                 std::regex("Request " + std::to_string(i) + ": (Allowed|Rate limited)")))
        << joined(lines);
  }
  if (requests.size() == 6) EXPECT_EQ(requests[5], "Request after refill: Allowed");
  // Never more allowed than the tokens there were.
  EXPECT_LE(count(requests, ".*Allowed"), 3 * (1 + refills)) << joined(lines);
}

TEST_F(TourTest, RetryWithExponentialBackoff) {
  expect_lines(run_example("retry_backoff"), {"", "=== Retry with Exponential Backoff ===", R"(Attempt 1 failed, retrying in 100ms\.\.\.)",
                                              R"(Attempt 2 failed, retrying in 200ms\.\.\.)", "Operation succeeded on attempt 3"});
}

TEST_F(TourTest, MultiChannelSelectWithATimer) {
  auto lines = run_example("multi_channel_timeout");
  ASSERT_GE(lines.size(), 3u) << joined(lines);
  EXPECT_EQ(lines[0], "");
  EXPECT_EQ(lines[1], "=== Multi-Channel with Timeout ===");
  std::vector<std::string> rest(lines.begin() + 2, lines.end());
  // Replies at 1 s and 3 s, the timer at 2 s: typically reply 1 then the timeout. Any
  // outcome ends either with the timeout or with both replies, each line at most once.
  EXPECT_LE(count(rest, "Data from channel 1"), 1u);
  EXPECT_LE(count(rest, "Data from channel 2"), 1u);
  EXPECT_EQ(count(rest, "Data from channel [12]|Timeout: Not all channels responded"), rest.size()) << joined(lines);
  if (count(rest, "Timeout: Not all channels responded") == 1) {
    EXPECT_EQ(rest.back(), "Timeout: Not all channels responded") << joined(lines);
  } else {
    EXPECT_EQ(rest.size(), 2u) << joined(lines);
  }
}

TEST_F(TourTest, TimerVersusSleepTimed) {
  auto lines = run_example("timer_vs_sleep");
  expect_lines(lines, {"", "=== Performance Comparison ===", R"(time\.Sleep: \S+)", R"(time\.Timer: \S+)", "",
                       "Note: Timer has overhead for channel communication", "But provides cancellation and reset capabilities"});
  if (lines.size() == 7) {  // 100 waits of 1 ms at --fast each: never early
    EXPECT_GE(go_seconds(lines[2].substr(12)), 100 * 100e-6);
    EXPECT_GE(go_seconds(lines[3].substr(12)), 100 * 100e-6);
  }
}

TEST_F(TourTest, TimerPool) {
  std::vector<std::string> want = {"", "=== Timer Pool for High Frequency ==="};
  for (int i = 1; i <= 5; ++i) want.push_back("Task " + std::to_string(i) + " completed");
  want.push_back("Timer pool reduces allocation overhead");
  expect_lines(run_example("timer_pool"), want);
}

TEST_F(TourTest, TimersDeepDiveProgram) {
  expect_lines(run_example("timers_deep_dive"),
               {"=== Go Timers Deep Dive ===", "",
                "1. Basic Timer:", R"(Timer created, waiting\.\.\.)", "Timer fired!", "",
                R"(2. Call by Value \(Pointer\):)", "Timer stopped via pointer copy", "",
                R"(3. Call by Value \(Duration\):)", "Before function: 5s", "Inside function: 10s", "After function: 5s", "",
                "4. Escape Analysis:", "Escaped timer fired!", "",
                "5. Stack Allocation:", "0 true", "",
                "6. Timeout Pattern:", R"(Operation timed out \(security protection\)|Operation completed)", "",
                "7. Rate Limiter:",
                // The bucket starts full (3): the first three are allowed whatever the ticks do.
                R"(Request 1: ALLOWED \(tokens: 2\))", R"(Request 2: ALLOWED \(tokens: [12]\))", R"(Request 3: ALLOWED \(tokens: [0-2]\))",
                R"(Request 4: (ALLOWED|DENIED) \(tokens: [0-2]\))", R"(Request 5: (ALLOWED|DENIED) \(tokens: [0-2]\))", "",
                "=== All examples completed ==="});
}

TEST_F(TourTest, HttpHandlerTimeoutShape) {
  // Typically 200, then the handler's own 5 s timeout, then the client's hang-up at 1 s;
  // a late-running goroutine can only trade one ending for another, never add a line.
  const std::string users = R"(200 \{"users":\["ada","grace"\]\})";
  const std::string timeout = R"(504 Request timeout \(context deadline exceeded\))";
  const std::string canceled = R"(504 Request timeout \(context canceled\))";
  expect_lines(run_example("http_handler_timeout"),
               {"", "=== HTTP Request Timeout Pattern ===", R"(GET /users \(query 1s\): ()" + users + "|" + timeout + ")",
                R"(GET /report \(query 8s\): ()" + timeout + "|" + users + ")",
                R"(GET /report \(query 8s, client gone after 1s\): ()" + canceled + "|" + timeout + "|" + users + ")"});
}

TEST_F(TourTest, Seed001RunsWholeUnderFast) {
  std::string only;
  for (const auto& n : seed001) only += (only.empty() ? "" : ",") + n;
  tour_run r = run_tour("--fast --only " + only);
  ASSERT_EQ(r.status, 0) << joined(r.lines);
  std::size_t next = 0;
  for (const auto& l : r.lines) {
    if (next < seed001.size() && l == "[tour] " + seed001[next] + " (seed 001)") ++next;
  }
  EXPECT_EQ(next, seed001.size()) << joined(r.lines);
  ASSERT_FALSE(r.lines.empty());
  EXPECT_TRUE(r.lines.back().starts_with("[tour] " + std::to_string(seed001.size()) + " examples in ")) << r.lines.back();
  // The Go programs wait about 45 s in all; --fast waits a tenth of it, and never less.
  EXPECT_GE(r.seconds, 4.0);
  EXPECT_LT(r.seconds, 60.0) << "the --fast tour took " << r.seconds << " s";
}

// The README's first command runs the whole tour: at --fast every example of every seed,
// under 30 s on 2 cores (measured 6.8 s in release); the sanitizers get four times that.
TEST_F(TourTest, TheWholeTourRunsUnderFastInUnderThirtySeconds) {
  tour_run r = run_tour("--fast");
  ASSERT_EQ(r.status, 0) << joined(r.lines);
  ASSERT_FALSE(r.lines.empty());
  std::size_t started = 0;
  for (const auto& l : r.lines) {
    if (l.starts_with("[tour] ") && l.find(" (seed ") != std::string::npos) ++started;
  }
  EXPECT_GE(started, 80u) << "every seed's examples: 000, 001, 002, 003";
  EXPECT_TRUE(r.lines.back().starts_with("[tour] " + std::to_string(started) + " examples in ")) << r.lines.back();
  double bound = test_support::kSanitized ? 120.0 : 30.0;
  EXPECT_LT(r.seconds, bound) << "the whole --fast tour took " << r.seconds << " s";
}

}  // namespace
