// tour000_test: seed 000's examples (examples/tour/000_*.cpp, the gocxx-tour binary), run as
// a user runs them. Each test runs `gocxx-tour --fast --only NAME` and checks the lines the
// example prints against the Go program it ports (seed 000: a guide to channel
// synchronisation, then its diagrams' programs): the same lines in the same order where
// the Go program's order is deterministic, and where it is not (goroutines that print as
// the scheduler runs them), the lines' set and the orders Go's semantics guarantee. No test
// depends on the machine's speed: the only timing checks are lower bounds (a rate limiter
// never goes faster than its ticker) and one generous upper bound on the whole --fast run.
//
// GOCXX_TOUR is the path of the gocxx-tour binary (tests/CMakeLists.txt); without it
// (examples not built) the tests skip.
#include <algorithm>
#include <set>

#include "tour_support.hpp"

namespace {

using namespace tour_support;

// Every example of seed 000, in the tour's order (the file names' order).
const std::vector<std::string> seed000 = {
    "race_condition",  "without_coordination", "channel_as_signal", "buffered_channel", "worker_pool",
    "select_timeout",  "pipeline",             "nil_channel",       "not_closing",      "double_close",
    "deadlock",        "unsafe_map",           "single_owner_map",  "token_channel_limiter",
    "fan_out_fan_in",  "benefits_summary",     "call_by_value_reference", "escape_analysis",
    "hchan_fields",    "unbuffered_rendezvous", "buffered_steps",   "pass_channel",     "value_vs_pointer",
    "sender_receiver", "happens_before",       "close_behavior",    "pointer_channel",  "select_default",
    "nil_channel_merge", "channel_directions", "counter_mutex_vs_channel", "context_cancellation"};

class Tour000Test : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef GOCXX_TOUR
    GTEST_SKIP() << "gocxx-tour not built (GOCXX_BUILD_EXAMPLES off)";
#endif
  }
};

// The lines from index `from` on.
std::vector<std::string> tail(const std::vector<std::string>& lines, std::size_t from) {
  return from < lines.size() ? std::vector<std::string>(lines.begin() + static_cast<std::ptrdiff_t>(from), lines.end())
                             : std::vector<std::string>{};
}

// The index of the first line equal to s, or lines.size().
std::size_t index_of(const std::vector<std::string>& lines, const std::string& s) {
  return static_cast<std::size_t>(std::find(lines.begin(), lines.end(), s) - lines.begin());
}

TEST_F(Tour000Test, ListNamesSeed000sExamplesInOrder) {
  tour_run r = run_tour("--list");
  ASSERT_EQ(r.status, 0);
  std::vector<std::string> mine;
  for (const auto& l : r.lines) {
    if (l.find(" seed 000  ") != std::string::npos) mine.push_back(l);
  }
  ASSERT_EQ(mine.size(), seed000.size()) << joined(r.lines);
  for (std::size_t i = 0; i < seed000.size(); ++i) {
    EXPECT_TRUE(std::regex_match(mine[i], std::regex(seed000[i] + R"( +seed 000  \S.{10,})"))) << mine[i];
  }
  // Seed 000's examples come before every other seed's (the file names sort so).
  ASSERT_FALSE(r.lines.empty());
  EXPECT_NE(r.lines.front().find(" seed 000  "), std::string::npos) << r.lines.front();
}

// --- Program 1: the guide ---------------------------------------------------------------

TEST_F(Tour000Test, RaceConditionLosesUpdatesAndTheFixesDoNot) {
  auto lines = run_example("race_condition", "000");
  expect_lines(lines, {"╔(═)+╗", "║ +COMPREHENSIVE GUIDE TO CHANNEL SYNCHRONIZATION IN GO +║", "╚(═)+╝", "",
                       "=== WITHOUT SYNCHRONIZATION - RACE CONDITION ===", R"(Counter value \(race condition\): \d+)",
                       "⚠️  WARNING: Lost updates due to concurrent access without synchronization",
                       R"(Counter value \(atomic\): 1000)", R"(Counter value \(owner goroutine\): 1000)"});
  if (lines.size() == 9) {
    int racy = std::stoi(lines[5].substr(lines[5].rfind(' ') + 1));
    EXPECT_GE(racy, 1);
    EXPECT_LE(racy, 1000);  // updates are lost, never invented
  }
}

TEST_F(Tour000Test, WithoutCoordinationEveryWorkerPrintsOnce) {
  auto lines = run_example("without_coordination", "000");
  ASSERT_EQ(lines.size(), 8u) << joined(lines);
  EXPECT_EQ(lines[0], "");
  EXPECT_EQ(lines[1], "=== WITHOUT COORDINATION - UNPREDICTABLE ORDER ===");
  auto rest = tail(lines, 2);
  // The sleep is a guess: a late worker may print after the warning; each prints once.
  for (int id = 1; id <= 5; ++id) EXPECT_EQ(count(rest, "Worker " + std::to_string(id) + " finished"), 1u) << joined(lines);
  EXPECT_EQ(count(rest, "⚠️  WARNING: Using time.Sleep for coordination is unreliable and hacky"), 1u) << joined(lines);
}

TEST_F(Tour000Test, ChannelAsSignalMainGoesOnOnlyAfterTheWorker) {
  auto lines = run_example("channel_as_signal", "000");
  ASSERT_EQ(lines.size(), 7u) << joined(lines);
  EXPECT_EQ(lines[1], "=== PATTERN 1: CHANNEL AS SIGNAL ===");
  // The first two lines race (main's and the new goroutine's); the rest is ordered by the channel.
  std::set<std::string> first{lines[2], lines[3]};
  EXPECT_EQ(first, (std::set<std::string>{"Main: Waiting for worker...", "Worker: Starting task..."})) << joined(lines);
  expect_lines(tail(lines, 4), {"Worker: Task completed!", R"(Main: Worker finished, continuing\.\.\.)",
                                "✅ BENEFIT: Precise synchronization without polling or sleep"});
}

TEST_F(Tour000Test, BufferedChannelFourthSendWaitsForAReceive) {
  auto lines = run_example("buffered_channel", "000");
  ASSERT_EQ(lines.size(), 9u) << joined(lines);
  EXPECT_EQ(lines[1], "=== PATTERN 2: BUFFERED CHANNEL ===");
  EXPECT_EQ(lines[2], "✅ Sent 3 messages without blocking");
  auto rest = tail(lines, 3);
  std::vector<std::string> received;
  for (const auto& l : rest) {
    if (l.starts_with("Received: ")) received.push_back(l);
  }
  EXPECT_EQ(received, (std::vector<std::string>{"Received: Message 1", "Received: Message 2", "Received: Message 3",
                                                "Received: Message 4"}));
  std::size_t trying = index_of(rest, "Trying to send 4th message...");
  std::size_t sent = index_of(rest, "✅ 4th message sent after space available");
  ASSERT_LT(trying, rest.size()) << joined(lines);
  ASSERT_LT(sent, rest.size()) << joined(lines);
  EXPECT_LT(trying, sent);
}

TEST_F(Tour000Test, WorkerPoolProcessesEveryJobOnce) {
  auto lines = run_example("worker_pool", "000");
  ASSERT_EQ(lines.size(), 21u) << joined(lines);
  EXPECT_EQ(lines[1], "=== PATTERN 3: WORKER POOL ===");
  EXPECT_EQ(lines.back(), "✅ BENEFIT: Efficient task distribution and load balancing");
  auto body = std::vector<std::string>(lines.begin() + 2, lines.end() - 1);
  for (int j = 1; j <= 9; ++j) {
    EXPECT_EQ(count(body, "Worker [123]: Processing job " + std::to_string(j)), 1u) << joined(lines);
    EXPECT_EQ(count(body, "Result: " + std::to_string(2 * j)), 1u) << joined(lines);
  }
}

TEST_F(Tour000Test, SelectTakesEachChannelOnce) {
  auto lines = run_example("select_timeout", "000");
  ASSERT_EQ(lines.size(), 5u) << joined(lines);
  EXPECT_EQ(lines[1], "=== PATTERN 4: SELECT STATEMENT ===");
  auto two = std::vector<std::string>{lines[2], lines[3]};
  // Typically channel 1 then channel 2; a select that waited 500 ms (50 at --fast) times out.
  EXPECT_EQ(count(two, "Received from channel [12]|Timeout!"), 2u) << joined(lines);
  EXPECT_LE(count(two, "Received from channel 1"), 1u);
  EXPECT_LE(count(two, "Received from channel 2"), 1u);
  EXPECT_EQ(lines[4], "✅ BENEFIT: Non-blocking operations with timeouts and multiplexing");
}

TEST_F(Tour000Test, PipelineSquaresInOrder) {
  expect_lines(run_example("pipeline", "000"),
               {"", "=== PATTERN 5: PIPELINE ===", "Result: 1", "Result: 4", "Result: 9", "Result: 16", "Result: 25",
                "✅ BENEFIT: Clean data flow and separation of concerns"});
}

TEST_F(Tour000Test, NilChannelSendAndReceiveStayBlocked) {
  expect_lines(run_example("nil_channel", "000"),
               {"", "=== ERROR 1: NIL CHANNEL ===", "ch <- 1 on a nil channel: still blocked after 100ms",
                "<-ch on a nil channel: still blocked after 100ms", "⚠️  ERROR: Nil channels cause permanent blocking",
                R"(✅ FIX: Always initialize with make\(chan Type\))"});
}

TEST_F(Tour000Test, NotClosingLeaksAGoroutinePerCallAndTheLeakCheckerNamesThem) {
  auto lines = run_example("not_closing", "000");
  std::vector<std::string> want = {"", "=== ERROR 2: NOT CLOSING CHANNEL ===", "0", "1", "2", "3", "4",
                                   R"(⚠️  WARNING: Forgot close\(ch\) - range loop would hang forever)",
                                   "✅ FIX: Always close channels when done sending"};
  for (int t = 0; t <= 3; ++t) want.push_back("T=" + std::to_string(t) + R"(: \d+ goroutine\(s\))");
  want.push_back(R"(Leak check: found 3 unexpected goroutine(s|\(s\))?:)");
  for (int i = 0; i < 3; ++i) {
    want.push_back(R"(    goroutine \d+ \[chan receive\]:)");
    want.push_back(R"(    created by \S*000_09_not_closing\.cpp:\d+ in goroutine \d+)");
  }
  want.push_back(R"(After close\(ch\): no leaked goroutines)");
  expect_lines(lines, want);
  if (lines.size() == want.size()) {
    // Each leak() adds one goroutine that never ends.
    int t0 = std::stoi(lines[9].substr(5));
    for (int t = 1; t <= 3; ++t) EXPECT_EQ(std::stoi(lines[static_cast<std::size_t>(9 + t)].substr(5)), t0 + t) << joined(lines);
  }
}

TEST_F(Tour000Test, DoubleCloseRecoversGosPanicMessage) {
  expect_lines(run_example("double_close", "000"),
               {"", "=== ERROR 3: DOUBLE CLOSE ===", "Recovered from panic: close of closed channel",
                "⚠️  ERROR: Closing already closed channel causes panic",
                "✅ FIX: Only sender should close, use sync.Once if needed",
                "Closed once via sync.Once, called twice: no panic"});
}

TEST_F(Tour000Test, DeadlockChildExitsTwoWithGosFatalError) {
  auto lines = run_example("deadlock", "000");
  ASSERT_GE(lines.size(), 11u) << joined(lines);
  expect_lines(std::vector<std::string>(lines.begin(), lines.begin() + 7),
               {"", "=== ERROR 4: DEADLOCK ===", R"(Running `ch <- 1` with no receiver in a child process\.\.\.)",
                "Child exited with status 2; its stderr:", "    fatal error: all goroutines are asleep - deadlock!", "",
                R"(    goroutine 1 \[chan send\]:)"});
  // Then the child's stack (indented), then the seed's lines and the fix.
  expect_lines(tail(lines, lines.size() - 3), {"⚠️  ERROR: Unbuffered channel needs both sender and receiver",
                                               "✅ FIX: Use buffered channel or goroutine for concurrent send/receive",
                                               "Received: 1"});
  for (std::size_t i = 7; i + 3 < lines.size(); ++i) EXPECT_TRUE(lines[i].empty() || lines[i].starts_with("    ")) << lines[i];
}

TEST_F(Tour000Test, UnsafeMapDetectsConcurrentWritesLikeGosMap) {
  auto lines = run_example("unsafe_map", "000");
  ASSERT_TRUE(lines.size() == 4 || lines.size() == 5) << joined(lines);
  EXPECT_EQ(lines[1], "=== INCORRECT: NO SYNCHRONIZATION ===");
  ASSERT_TRUE(std::regex_match(lines[2], std::regex(R"(Map size: \d+)"))) << lines[2];
  EXPECT_LE(std::stoi(lines[2].substr(10)), 100);
  EXPECT_EQ(lines[3], "⚠️  DANGER: May crash with 'concurrent map writes'");
  if (lines.size() == 5) {
    EXPECT_TRUE(std::regex_match(
        lines[4], std::regex(R"(Concurrent map writes detected: \d+ \(each one would be "fatal error: concurrent map writes" in Go\))")))
        << lines[4];
  }
}

TEST_F(Tour000Test, SingleOwnerMapGetsEveryUpdate) {
  expect_lines(run_example("single_owner_map", "000"), {"", "=== CORRECT: CHANNEL SYNCHRONIZATION ===", "Map size: 100",
                                                        "✅ SAFE: No race conditions, single owner pattern"});
}

TEST_F(Tour000Test, TokenChannelLimiterNeverOutrunsItsTicker) {
  auto lines = run_example("token_channel_limiter", "000");
  std::vector<std::string> want = {"", "=== USE CASE 1: RATE LIMITER ==="};
  for (int i = 1; i <= 10; ++i) want.push_back("Request " + std::to_string(i) + R"(: Processing at \d\d:\d\d:\d\d\.\d\d\d)");
  want.push_back("✅ Real-world: API rate limiting, resource throttling");
  expect_lines(lines, want);
  if (lines.size() == want.size()) {
    auto ms = [](const std::string& l) {
      auto t = l.substr(l.size() - 12);
      return ((std::stoi(t.substr(0, 2)) * 60 + std::stoi(t.substr(3, 2))) * 60 + std::stoi(t.substr(6, 2))) * 1000 +
             std::stoi(t.substr(9, 3));
    };
    int elapsed = ms(lines[11]) - ms(lines[2]);
    if (elapsed < 0) elapsed += 24 * 3600 * 1000;  // past midnight
    // Requests 4-10 each wait for a tick (333 ms, 33.3 at --fast). Seven ticks span six
    // periods; the ticker's one-tick buffer can hand over two of them early: at least
    // three periods pass, on any machine.
    EXPECT_GE(elapsed, 100) << joined(lines);
  }
}

TEST_F(Tour000Test, FanOutFanInSumsEverySquareOnce) {
  auto lines = run_example("fan_out_fan_in", "000");
  ASSERT_EQ(lines.size(), 14u) << joined(lines);
  EXPECT_EQ(lines[1], "=== USE CASE 2: FAN-OUT/FAN-IN ===");
  auto body = std::vector<std::string>(lines.begin() + 2, lines.begin() + 12);
  for (int n = 1; n <= 10; ++n) {
    EXPECT_EQ(count(body, "Worker [123]: " + std::to_string(n) + " -> " + std::to_string(n * n)), 1u) << joined(lines);
  }
  EXPECT_EQ(lines[12], "Total sum: 385");
  EXPECT_EQ(lines[13], "✅ Real-world: Parallel data processing, distributed computing");
}

TEST_F(Tour000Test, BenefitsSummaryRulesAreSeventyEqualsSigns) {
  auto lines = run_example("benefits_summary", "000");
  ASSERT_GE(lines.size(), 10u) << joined(lines);
  const std::string rule(70, '=');
  EXPECT_EQ(count(lines, "=+"), 8u) << joined(lines);
  EXPECT_EQ(count(lines, rule), 8u) << joined(lines);  // Go: strings.Repeat("=", 70)
  expect_lines(std::vector<std::string>(lines.begin(), lines.begin() + 4), {"", rule, "BENEFITS OF CHANNEL SYNCHRONIZATION:", rule});
  EXPECT_EQ(count(lines, "CONTROL COMPARISON:"), 1u);
  EXPECT_EQ(count(lines, "WHEN TO USE WHAT:"), 1u);
  EXPECT_EQ(count(lines, "[1-8]\\. .+"), 8u);
  expect_lines(tail(lines, lines.size() - 7),
               {"", rule, "Go Proverb: 'Don't communicate by sharing memory;", "            share memory by communicating.'", rule,
                "", "✅ Guide completed successfully!"});
}

// --- Program 2: the diagrams' programs --------------------------------------------------

TEST_F(Tour000Test, CallByValueAndByPointer) {
  expect_lines(run_example("call_by_value_reference", "000"),
               {"", "=== DIAGRAM 1: CALL BY VALUE VS CALL BY REFERENCE IN GO ===", "10", "20"});
}

TEST_F(Tour000Test, EscapeAnalysis) {
  expect_lines(run_example("escape_analysis", "000"),
               {"", "=== DIAGRAM 2: STACK VS HEAP MEMORY ALLOCATION ===", R"(stackAlloc\(\) = 42)", R"(\*heapAlloc\(\) = 42)", "",
                "=== DIAGRAM 16: ESCAPE ANALYSIS - WHY CHANNELS ARE ON HEAP ===", R"(add\(10, 20\) = 30)",
                R"(createUser\(\)\.ID = 1)", R"(createChannel\(\): received 7 through it from another goroutine)"});
}

TEST_F(Tour000Test, HchanFields) {
  expect_lines(run_example("hchan_fields", "000"),
               {"", R"(=== DIAGRAM 3: CHANNEL INTERNAL STRUCTURE \(hchan\) ===)", R"(qcount: 2 \(len\))", R"(dataqsiz: 3 \(cap\))",
                "recvx first: 10", "then: 20", "qcount: 0"});
}

TEST_F(Tour000Test, UnbufferedRendezvous) {
  expect_lines(run_example("unbuffered_rendezvous", "000"),
               {"", "=== DIAGRAM 4: UNBUFFERED CHANNEL SYNCHRONIZATION ===", "STEP 1: G1 sends: ch <- 42",
                R"(G1 blocked \(waiting in sendq\): true)", "STEP 2: G2 receives: val := <-ch", "G2: val = 42",
                "STEP 3: G1 resumed: ch <- 42 completed"});
}

TEST_F(Tour000Test, BufferedSteps) {
  expect_lines(run_example("buffered_steps", "000"),
               {"", "=== DIAGRAM 5: BUFFERED CHANNEL OPERATION ===", "STEP 1: ch <- 100 completed at once: qcount 1 of 2",
                R"(STEP 2: ch <- 200 completed at once: qcount 2 of 2 \(full\))", R"(STEP 3: ch <- 300 blocked \(waiting in sendq\): true)",
                "STEP 4: val := <-ch got 100; the sender resumed: qcount 2", "Then: 200", "Then: 300"});
}

TEST_F(Tour000Test, PassChannelSharesIt) {
  expect_lines(run_example("pass_channel", "000"),
               {"", "=== DIAGRAM 6: CHANNEL PASS-BY-REFERENCE SEMANTICS ===", "readChannel: val = 42",
                R"(c == ch \(the same channel\): true)", R"(main: len\(ch\) = 0 after readChannel received)"});
}

TEST_F(Tour000Test, ValueVersusPointer) {
  expect_lines(run_example("value_vs_pointer", "000"),
               {"", "=== DIAGRAM 7: VALUE TYPES VS REFERENCE TYPES IN CHANNELS ===",
                R"(chan Point: sender set p\.X = 99 after the send; received \{10 20\})",
                R"(chan \*Point: sender set p\.X = 99 after the send; received &\{99 20\})"});
}

TEST_F(Tour000Test, SenderAndReceiver) {
  expect_lines(run_example("sender_receiver", "000"),
               {"", "=== DIAGRAM 8: COMPLETE GOROUTINE SYNCHRONIZATION WITH MEMORY ===", "receiver: val = 100",
                "main: sender and receiver done"});
}

TEST_F(Tour000Test, HappensBefore) {
  expect_lines(run_example("happens_before", "000"), {"", "=== DIAGRAM 10: MEMORY VISIBILITY & HAPPENS-BEFORE RELATIONSHIP ===", "42"});
}

TEST_F(Tour000Test, CloseBehavior) {
  expect_lines(run_example("close_behavior", "000"),
               {"", "=== DIAGRAM 11: CHANNEL CLOSING BEHAVIOR ===", "G1 woke up: val = 0, ok = false", "G2 woke up: val = 0, ok = false",
                R"(G3 \(blocked sender\) panicked: send on closed channel)", "Buffer has data: val = 10, ok = true", "range: 20",
                "range: loop exited", "Buffer empty: val = 0, ok = false"});
}

TEST_F(Tour000Test, PointerChannelSharesTheUser) {
  expect_lines(run_example("pointer_channel", "000"),
               {"", "=== DIAGRAM 12: COMPLETE EXAMPLE WITH ALL CONCEPTS ===", R"(chan \*User: consumer sees (Alice|Modified))",
                "chan User: consumer sees Alice"});
}

TEST_F(Tour000Test, SelectDefault) {
  // The second select waits for "Hello" (sent at once) against a 1 s timeout (100 ms at --fast).
  expect_lines(run_example("select_default", "000"), {"", "=== DIAGRAM 13: ADVANCED PATTERN - SELECT WITH MULTIPLE CHANNELS ===",
                                                      "No data available", "Got string: Hello|Timeout!"});
}

TEST_F(Tour000Test, NilChannelMergeEndsWhenBothInputsClose) {
  auto lines = run_example("nil_channel_merge", "000");
  ASSERT_EQ(lines.size(), 11u) << joined(lines);
  expect_lines(std::vector<std::string>(lines.begin(), lines.begin() + 4),
               {"", R"(=== DIAGRAM 14: ZERO-VALUE CHANNEL \(NIL CHANNEL\) BEHAVIOR ===)", R"(close\(ch\): panic: close of nil channel)",
                "select: nil channel cases ignored, default executed"});
  // Each input's values in order; the two inputs interleave.
  std::vector<std::string> small, big;
  for (std::size_t i = 4; i < 10; ++i) {
    (std::regex_match(lines[i], std::regex(R"(process\([123]\))")) ? small : big).push_back(lines[i]);
  }
  EXPECT_EQ(small, (std::vector<std::string>{"process(1)", "process(2)", "process(3)"})) << joined(lines);
  EXPECT_EQ(big, (std::vector<std::string>{"process(10)", "process(20)", "process(30)"})) << joined(lines);
  EXPECT_EQ(lines[10], "Both closed: exit loop");
}

TEST_F(Tour000Test, ChannelDirections) {
  expect_lines(run_example("channel_directions", "000"),
               {"", R"(=== DIAGRAM 15: CHANNEL DIRECTION TYPES \(Type Safety\) ===)", "chan int:   send yes, receive yes",
                R"(chan<- int: send yes, receive no \(compile-time error\))", R"(<-chan int: send no \(compile-time error\), receive yes)",
                "sender: same channel as ch: true", "receiver: x = 42; same channel as ch: true"});
}

TEST_F(Tour000Test, CounterMutexVersusChannel) {
  expect_lines(run_example("counter_mutex_vs_channel", "000"),
               {"", "=== DIAGRAM 17: PERFORMANCE COMPARISON - CHANNELS VS MUTEX ===", "Mutex counter: 1000", "Channel counter: 1000"});
}

TEST_F(Tour000Test, ContextCancellationStopsEveryWorker) {
  auto lines = run_example("context_cancellation", "000");
  ASSERT_EQ(lines.size(), 12u) << joined(lines);
  EXPECT_EQ(lines[1], "=== DIAGRAM 20: ADVANCED PATTERN - CONTEXT CANCELLATION ===");
  auto body = std::vector<std::string>(lines.begin() + 2, lines.end() - 1);
  for (int job = 1; job <= 6; ++job) EXPECT_EQ(count(body, "Worker [123]: processing job " + std::to_string(job)), 1u) << joined(lines);
  for (int id = 1; id <= 3; ++id) {
    EXPECT_EQ(count(body, "Worker " + std::to_string(id) + R"(: ctx\.Done\(\) closed, returning \(context canceled\))"), 1u)
        << joined(lines);
  }
  EXPECT_EQ(lines.back(), "All workers exit gracefully");
}

// --- The whole seed -----------------------------------------------------------------------

TEST_F(Tour000Test, Seed000RunsWholeUnderFast) {
  std::string only;
  for (const auto& n : seed000) only += (only.empty() ? "" : ",") + n;
  tour_run r = run_tour("--fast --only " + only);
  ASSERT_EQ(r.status, 0) << joined(r.lines);
  std::size_t next = 0;
  for (const auto& l : r.lines) {
    if (next < seed000.size() && l == "[tour] " + seed000[next] + " (seed 000)") ++next;
  }
  EXPECT_EQ(next, seed000.size()) << joined(r.lines);
  ASSERT_FALSE(r.lines.empty());
  EXPECT_TRUE(r.lines.back().starts_with("[tour] " + std::to_string(seed000.size()) + " examples in ")) << r.lines.back();
  // The Go programs wait about 6 s in all; --fast waits a tenth of it, and never less.
  EXPECT_GE(r.seconds, 0.4);
  EXPECT_LT(r.seconds, 60.0) << "the --fast seed-000 tour took " << r.seconds << " s";
}

}  // namespace
