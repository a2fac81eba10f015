// tour002_test: seed 002's examples (examples/tour/002_*.cpp, the gocxx-tour binary), run as
// a user runs them. Each test runs `gocxx-tour --fast --only NAME` and checks the lines the
// example prints against the pattern of the Go patterns sheet it ports: the same lines in
// the same order where the order is deterministic, and where it is not (goroutines that
// print as the scheduler runs them), each line's count and the invariants the pattern
// guarantees (every job's result once, counts that add up, limits never exceeded). No
// test depends on the machine's speed: no timing asserts but one generous upper bound on
// the whole --fast seed.
//
// GOCXX_TOUR is the path of the gocxx-tour binary (tests/CMakeLists.txt); without it
// (examples not built) the tests skip.
#include <algorithm>
#include <set>

#include "tour_support.hpp"

namespace {

using namespace tour_support;

// Every example of seed 002, in the tour's order (the file names' order).
const std::vector<std::string> seed002 = {
    "goroutines",   "channels",       "channel_rules",  "worker_pool_ctx", "fan_out_fan_in_ctx", "pipeline_ctx",
    "semaphore",    "do_with_timeout", "broadcast",     "wait_group",      "safe_counter",       "safe_cache",
    "once_singleton", "atomic_counter", "errgroup_all", "errgroup_limit",  "context_worker",     "anti_patterns"};

class Tour002Test : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef GOCXX_TOUR
    GTEST_SKIP() << "gocxx-tour not built (GOCXX_BUILD_EXAMPLES off)";
#endif
  }
};

std::vector<std::string> run002(const std::string& name) { return run_example(name, "002"); }

// The integer after `prefix` at the start of `line` (-1 when it is not there).
int number_after(const std::string& line, const std::string& prefix) {
  auto at = line.find(prefix);
  if (at == std::string::npos) return -1;
  return std::atoi(line.c_str() + at + prefix.size());
}

TEST_F(Tour002Test, ListNamesSeed002sExamplesInOrder) {
  tour_run r = run_tour("--list");
  ASSERT_EQ(r.status, 0);
  std::vector<std::string> mine;
  for (const auto& l : r.lines) {
    if (l.find(" seed 002  ") != std::string::npos) mine.push_back(l);
  }
  ASSERT_EQ(mine.size(), seed002.size()) << joined(r.lines);
  for (std::size_t i = 0; i < seed002.size(); ++i) {
    EXPECT_TRUE(std::regex_match(mine[i], std::regex(seed002[i] + R"( +seed 002  \S.{10,})"))) << mine[i];
  }
}

TEST_F(Tour002Test, GoroutinesAllRun) {
  expect_lines(run002("goroutines"), {"", "=== Goroutines ===", "doWork: ran in its own goroutine",
                                      "inline function: ran in its own goroutine", "10000 goroutines started, 10000 ran"});
}

TEST_F(Tour002Test, ChannelsSendReceiveCloseRange) {
  expect_lines(run002("channels"),
               {"", "=== Channels ===", R"(unbuffered: received 42 \(the send waited for this receive\))",
                "buffered: 10 sends without a receiver: len 10, cap 10", "range after close: 0 1 2 3 4 5 6 7 8 9",
                "after the drain: v = 0, ok = false"});
}

TEST_F(Tour002Test, ChannelRulesAsGoHasThem) {
  expect_lines(run002("channel_rules"),
               {"", "=== Channel rules ===", R"(send to nil channel: still blocked after \S+)",
                R"(receive from nil channel: still blocked after \S+)", "send to closed channel: panic: send on closed channel",
                R"(receive from closed channel: 0, ok = false \(at once\))",
                "only the sender closes: the receiver got 3 values, then saw the close"});
}

TEST_F(Tour002Test, WorkerPoolReturnsEveryJobOnceAndStopsOnCancel) {
  auto lines = run002("worker_pool_ctx");
  ASSERT_EQ(lines.size(), 24u) << joined(lines);
  EXPECT_EQ(lines[1], "=== Worker Pool ===");
  auto body = std::vector<std::string>(lines.begin() + 2, lines.begin() + 22);
  for (int j = 1; j <= 20; ++j) {
    EXPECT_EQ(count(body, "Result: job " + std::to_string(j) + " -> " + std::to_string(j * j)), 1u) << joined(lines);
  }
  EXPECT_EQ(lines[22], "20 results from 5 workers; results closed");
  ASSERT_TRUE(std::regex_match(lines[23], std::regex(R"(Cancelled after 3 results: \d+ more arrived, then results closed; no goroutine left behind)")))
      << joined(lines);
  EXPECT_LE(number_after(lines[23], "results: "), 17);  // 20 jobs in all
}

TEST_F(Tour002Test, FanOutFanInMergesEverySquareOnce) {
  const std::string squares = R"(10 values: 1 4 9 16 25 36 49 64 81 100 \(sorted\); sum 385)";
  expect_lines(run002("fan_out_fan_in_ctx"), {"", "=== Fan-Out / Fan-In ===", "FanOut\\(3\\) then FanIn: " + squares,
                                              "3 gocxx::stage on one input, then gocxx::merge: " + squares});
}

TEST_F(Tour002Test, PipelineSquaresInOrderAndStopsOnCancel) {
  expect_lines(run002("pipeline_ctx"),
               {"", "=== Pipeline ===", "1", "4", "9", "16", "25", R"(Read 1 and 4, then cancel\(\): both stages returned)"});
}

TEST_F(Tour002Test, SemaphoreNeverLetsMoreThanTenRun) {
  auto lines = run002("semaphore");
  expect_lines(lines, {"", R"(=== Semaphore \(Bounded Concurrency\) ===)",
                       R"(Processed 30 items, at most \d+ at once \(semaphore of 10\))"});
  if (lines.size() == 3) {
    int peak = number_after(lines[2], "at most ");
    EXPECT_GE(peak, 1);
    EXPECT_LE(peak, 10);
  }
}

TEST_F(Tour002Test, DoWithTimeoutReturnsResultDeadlineOrError) {
  expect_lines(run002("do_with_timeout"),
               {"", "=== Timeout Pattern ===", R"(work of 50ms, timeout 5s: result "done", err <nil>)",
                R"(work of 2s, timeout 200ms: result "", err context deadline exceeded)",
                R"(failing work of 50ms, timeout 5s: result "", err Connection refused)"});
}

TEST_F(Tour002Test, BroadcastReceivedPlusDroppedIsEveryEvent) {
  auto lines = run002("broadcast");
  ASSERT_EQ(lines.size(), 6u) << joined(lines);
  EXPECT_EQ(lines[1], "=== Broadcast (Multiple Receivers) ===");
  std::vector<std::string> listeners(lines.begin() + 2, lines.begin() + 5);
  std::regex shape(R"((listener [12]|slow listener 3): received (\d+) of 25 events, dropped (\d+))");
  std::set<std::string> who;
  for (const auto& l : listeners) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, shape)) << joined(lines);
    who.insert(m[1]);
    int received = std::stoi(m[2]), dropped = std::stoi(m[3]);
    EXPECT_EQ(received + dropped, 25) << l;
    EXPECT_GE(received, 10) << l;  // its buffer of 10 fills before anything is dropped
    // The slow one reads only after the last broadcast: it has exactly its buffer.
    if (m[1] == "slow listener 3") EXPECT_EQ(received, 10) << l;
  }
  EXPECT_EQ(who.size(), 3u) << joined(lines);
  EXPECT_EQ(lines[5], "gocxx::broadcaster, a subscriber that reads at the end: received 10, dropped() 15");
}

TEST_F(Tour002Test, WaitGroupWaitsForEveryItem) {
  auto lines = run002("wait_group");
  ASSERT_EQ(lines.size(), 8u) << joined(lines);
  EXPECT_EQ(lines[1], "=== sync.WaitGroup ===");
  auto body = std::vector<std::string>(lines.begin() + 2, lines.begin() + 7);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(count(body, "processed item-" + std::to_string(i)), 1u) << joined(lines);
  EXPECT_EQ(lines[7], "all 5 items done");
}

TEST_F(Tour002Test, SafeCounterCountsEveryInc) {
  expect_lines(run002("safe_counter"),
               {"", "=== sync.Mutex ===", R"(SafeCounter after 1000 goroutines called Inc\(\): 1000)"});
}

TEST_F(Tour002Test, SafeCacheReadsAreHitsOrMissesNeverWrong) {
  auto lines = run002("safe_cache");
  expect_lines(lines, {"", "=== sync.RWMutex ===",
                       R"(10 readers, 2000 reads while 1 writer set 10 keys: \d+ hits, \d+ misses, 0 wrong values)",
                       R"(Get\("key-3"\) = "value-3")", R"(Get\("nope"\) = "")"});
  if (lines.size() == 5) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(lines[2], m, std::regex(R"((\d+) hits, (\d+) misses)")));
    EXPECT_EQ(std::stoi(m[1]) + std::stoi(m[2]), 2000) << lines[2];
  }
}

TEST_F(Tour002Test, OnceInitialisesTheSingletonOnce) {
  expect_lines(run002("once_singleton"),
               {"", "=== sync.Once ===", R"(Service\.Init\(\) running)",
                R"(20 goroutines called GetService\(\): 1 instance\(s\), 0 seen before Init finished)"});
}

TEST_F(Tour002Test, AtomicCounterAddsStoresLoads) {
  expect_lines(run002("atomic_counter"),
               {"", "=== sync/atomic ===", R"(counter\.Load\(\) after 100 goroutines x 100 Add\(1\): 10000)",
                R"(counter\.Load\(\) after counter\.Store\(0\): 0)"});
}

TEST_F(Tour002Test, ErrgroupReturnsTheFirstErrorAndCancelsTheRest) {
  auto lines = run002("errgroup_all");
  ASSERT_EQ(lines.size(), 17u) << joined(lines);
  EXPECT_EQ(lines[1], "=== errgroup ===");
  // First run: five items, all ok, then Wait() = nil.
  auto first = std::vector<std::string>(lines.begin() + 2, lines.begin() + 7);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(count(first, "item " + std::to_string(i) + ": ok"), 1u) << joined(lines);
  EXPECT_EQ(lines[7], "ProcessAll(1..5): <nil>");
  // Second run: every item once; item 4 fails; the others are ok or see the cancel.
  auto second = std::vector<std::string>(lines.begin() + 8, lines.begin() + 16);
  for (int i = 1; i <= 8; ++i) {
    std::string item = "item " + std::to_string(i) + ": ";
    if (i == 4) {
      EXPECT_EQ(count(second, item + "failed"), 1u) << joined(lines);
    } else {
      EXPECT_EQ(count(second, item + "(ok|context canceled)"), 1u) << joined(lines);
    }
  }
  EXPECT_EQ(lines[16], "ProcessAll(1..8), item 4 failing: process item 4: failed");
}

TEST_F(Tour002Test, ErrgroupSetLimitBoundsConcurrency) {
  auto lines = run002("errgroup_limit");
  expect_lines(lines, {"", "=== errgroup with SetLimit ===",
                       R"(SetLimit\(10\), 30 items: Wait\(\) = <nil>, at most \d+ running at once)",
                       R"(SetLimit\(-1\), 30 items: Wait\(\) = <nil>, at most \d+ running at once)"});
  if (lines.size() == 4) {
    int bounded = number_after(lines[2], "at most "), unbounded = number_after(lines[3], "at most ");
    EXPECT_GE(bounded, 1);
    EXPECT_LE(bounded, 10);
    EXPECT_GE(unbounded, 1);
    EXPECT_LE(unbounded, 30);
  }
}

TEST_F(Tour002Test, ContextWorkerReturnsNilCanceledOrDeadlineExceeded) {
  expect_lines(run002("context_worker"),
               {"", "=== Context for Cancellation ===", R"(jobs closed after 3 jobs: Worker returned <nil> after 3 job\(s\))",
                R"(cancelled during a long job: Worker returned context canceled after 0 job\(s\))",
                R"(deadline passed while waiting: Worker returned context deadline exceeded after 0 job\(s\))"});
}

TEST_F(Tour002Test, AntiPatternsAndTheirFixes) {
  expect_lines(run002("anti_patterns"),
               {"", "=== Anti-patterns ===", R"(leak: found 1 unexpected goroutine\S*: goroutine \d+ \[chan receive\]:)",
                "leak fixed by close\\(ch\\): no goroutine left",
                // The work takes twice the sleep: a late sleeper could see it done, never the reverse.
                R"(sleep for sync: work done after the sleep\? (false|true))", R"(wait on a done channel: work done\? true)",
                "closing from the receiver: it got 1; the sender: panic: send on closed channel",
                "ignoring ctx: 10 of 10 steps on a cancelled context",
                R"(checking ctx\.Err\(\): 0 of 10 steps \(context canceled\))"});
}

// --- The whole seed -----------------------------------------------------------------------

TEST_F(Tour002Test, Seed002RunsWholeUnderFast) {
  std::string only;
  for (const auto& n : seed002) only += (only.empty() ? "" : ",") + n;
  tour_run r = run_tour("--fast --only " + only);
  ASSERT_EQ(r.status, 0) << joined(r.lines);
  std::size_t next = 0;
  for (const auto& l : r.lines) {
    if (next < seed002.size() && l == "[tour] " + seed002[next] + " (seed 002)") ++next;
  }
  EXPECT_EQ(next, seed002.size()) << joined(r.lines);
  ASSERT_FALSE(r.lines.empty());
  EXPECT_TRUE(r.lines.back().starts_with("[tour] " + std::to_string(seed002.size()) + " examples in ")) << r.lines.back();
  EXPECT_LT(r.seconds, 60.0) << "the --fast seed-002 tour took " << r.seconds << " s";
}

}  // namespace
