// Replayable schedules (issue 25 part 5; src/runtime/schedseed.hpp): at procs 1, one
// schedule seed gives one interleaving, every time; different seeds give different ones;
// without a seed the scheduler is the plain one. Each test records what its goroutines
// did, in the order they did it, as a trace of small numbers (a goroutine's index in the
// test, never its id: ids grow from run to run).
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gocxx/chan.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/select.hpp"
#include "gocxx/sync.hpp"
#include "gocxx/testing.hpp"
#include "test_support.hpp"

extern char** environ;

namespace {

using trace = std::vector<int>;

// The events of one run. A std::mutex although only one goroutine runs at a time at procs
// 1: goroutines move between threads, and the sanitizers should see the order.
struct recorder {
  std::mutex mu;
  trace events;
  void add(int e) {
    std::lock_guard<std::mutex> l(mu);
    events.push_back(e);
  }
};

// A program with every free choice in it: spawn order against run order, hand-offs on an
// unbuffered channel, a buffered channel filled and drained by several goroutines,
// selects over ready cases, and a close that wakes every receiver at once.
trace mixed_program() {
  recorder rec;
  gocxx::run([&] {
    gocxx::chan<int> unbuf(0);
    gocxx::chan<int> buf(3);
    gocxx::chan<int> a(4), b(4);
    gocxx::chan<int> gate(0);
    gocxx::wait_group wg;
    constexpr int kWorkers = 6;
    wg.add(kWorkers * 3);
    for (int w = 0; w < kWorkers; ++w) {
      gocxx::go([&, w] {  // senders on both channels
        for (int i = 0; i < 3; ++i) {
          unbuf.send(w * 10 + i);
          rec.add(100 + w);
          buf.send(w * 10 + i);
          rec.add(200 + w);
        }
        wg.done();
      });
      gocxx::go([&, w] {  // receivers through a select over both
        for (int i = 0; i < 6; ++i) {
          int v = -1;
          gocxx::select(gocxx::case_recv(unbuf, [&](std::optional<int> x) { v = 1000 + *x; }),
                        gocxx::case_recv(buf, [&](std::optional<int> x) { v = 2000 + *x; }));
          rec.add(v);
          if (i == 2) gocxx::yield();
        }
        wg.done();
      });
      gocxx::go([&,
                 w] {  // waiters on the close, then a select over two ready channels
        std::optional<int> v = gate.recv();
        rec.add(300 + w + (v ? 50 : 0));
        a.send(w);
        b.send(w);
        for (int i = 0; i < 2; ++i) {
          gocxx::select(gocxx::case_recv(a, [&](std::optional<int> x) { rec.add(400 + *x); }),
                        gocxx::case_recv(b, [&](std::optional<int> x) { rec.add(500 + *x); }));
        }
        wg.done();
      });
    }
    for (int i = 0; i < 20; ++i) gocxx::yield();
    gate.close();
    wg.wait();
  });
  return rec.events;
}

// 64 selects over four always-ready cases: the sequence of cases taken.
trace select_choices() {
  trace taken;
  gocxx::run([&] {
    gocxx::chan<int> c[4] = {gocxx::chan<int>(64), gocxx::chan<int>(64), gocxx::chan<int>(64), gocxx::chan<int>(64)};
    for (auto& ch : c) {
      for (int i = 0; i < 64; ++i) ch.send(i);
    }
    for (int i = 0; i < 64; ++i) {
      taken.push_back(gocxx::select(gocxx::case_recv(c[0]), gocxx::case_recv(c[1]), gocxx::case_recv(c[2]),
                                    gocxx::case_recv(c[3])));
    }
  });
  return taken;
}

// Eight goroutines blocked in recv on one channel; a close wakes them all: the order in
// which they then run.
trace close_wake_order() {
  recorder rec;
  gocxx::run([&] {
    gocxx::chan<int> ch(0);
    gocxx::wait_group wg;
    wg.add(8);
    for (int i = 0; i < 8; ++i) {
      gocxx::go([&, i] {
        ch.recv();
        rec.add(i);
        wg.done();
      });
    }
    // Lets them reach their recv (one that had not would return at once from the closed
    // channel: the checks below hold either way).
    for (int k = 0; k < 8; ++k) gocxx::yield();
    ch.close();
    wg.wait();
  });
  return rec.events;
}

// Runs program with the seed set from before its main goroutine starts, and returns once
// the goroutines that had still to exit after main returned are gone too.
template <class Program>
trace seeded(std::uint64_t seed, Program program) {
  gocxx::testing::schedule_seed_scope s(seed);
  trace t = program();
  test_support::wait_until([] { return gocxx::num_goroutine() == 0; });
  return t;
}

TEST(SchedSeed, TheSameSeedReplaysTheSameInterleaving) {
  test_support::procs_scope ps(1);
  for (std::uint64_t seed : {1ull, 2ull, 42ull, 0xdeadbeefull}) {
    trace first = seeded(seed, mixed_program);
    ASSERT_EQ(first.size(), 6u * (6 + 6 + 1 + 2)) << "seed " << seed;
    for (int again = 0; again < 5; ++again) {
      EXPECT_EQ(seeded(seed, mixed_program), first) << "seed " << seed << ", replay " << again;
    }
  }
}

TEST(SchedSeed, DifferentSeedsExploreDifferentInterleavings) {
  test_support::procs_scope ps(1);
  std::set<trace> seen;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) seen.insert(seeded(seed, mixed_program));
  // Each run makes dozens of free choices; 20 seeds coinciding would mean the seed
  // reaches none of them.
  EXPECT_GE(seen.size(), 15u);
}

TEST(SchedSeed, SelectOrderComesFromTheSeedAndStaysFair) {
  test_support::procs_scope ps(1);
  std::set<trace> seen;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    trace t = seeded(seed, select_choices);
    EXPECT_EQ(seeded(seed, select_choices), t) << "seed " << seed;
    seen.insert(t);
    int count[4] = {};
    for (int i : t) ++count[i];
    // Uniform among ready cases, as unseeded: 64 draws over 4 cases, each case at least 3
    // times (the chance of fewer is below 1e-6 per case).
    for (int k = 0; k < 4; ++k) EXPECT_GE(count[k], 3) << "seed " << seed << ", case " << k;
  }
  EXPECT_EQ(seen.size(), 10u);
}

TEST(SchedSeed, TheOrderAfterACloseComesFromTheSeed) {
  test_support::procs_scope ps(1);
  std::set<trace> seen;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    trace t = seeded(seed, close_wake_order);
    ASSERT_EQ(t.size(), 8u);
    EXPECT_EQ(std::set<int>(t.begin(), t.end()).size(), 8u) << "each woken goroutine ran once";
    EXPECT_EQ(seeded(seed, close_wake_order), t) << "seed " << seed;
    seen.insert(t);
  }
  EXPECT_GE(seen.size(), 10u) << "8! orders; 12 seeds should rarely coincide";
}

TEST(SchedSeed, ScopesNestAndClear) {
  EXPECT_FALSE(gocxx::testing::schedule_seed().has_value());
  {
    gocxx::testing::schedule_seed_scope outer(7);
    EXPECT_EQ(gocxx::testing::schedule_seed(), 7u);
    {
      gocxx::testing::schedule_seed_scope inner(9);
      EXPECT_EQ(gocxx::testing::schedule_seed(), 9u);
    }
    EXPECT_EQ(gocxx::testing::schedule_seed(), 7u);
  }
  EXPECT_FALSE(gocxx::testing::schedule_seed().has_value());
}

// Without a seed, the same program still runs and records every event: the unseeded
// scheduler is the plain one (its order is free, so only the contents are checked).
TEST(SchedSeed, UnseededRunsAreUnchanged) {
  test_support::procs_scope ps(1);
  trace t = mixed_program();
  EXPECT_EQ(t.size(), 6u * (6 + 6 + 1 + 2));
}

// GOCXX_SCHED_SEED sets the seed at start: a child process of this binary, with the
// variable set, checks what it sees (SchedSeedEnv.Child skips itself when run directly).
TEST(SchedSeedEnv, Child) {
  const char* e = std::getenv("GOCXX_SCHED_SEED_EXPECT");
  if (!e) GTEST_SKIP() << "run by SchedSeedEnv.TheVariableSetsTheSeed";
  ASSERT_EQ(gocxx::testing::schedule_seed(), std::strtoull(e, nullptr, 0));
  test_support::procs_scope ps(1);
  trace t = mixed_program();
  EXPECT_EQ(t.size(), 6u * (6 + 6 + 1 + 2));
}

TEST(SchedSeedEnv, TheVariableSetsTheSeed) {
  std::string self = "/proc/self/exe";
  std::string filter = "--gtest_filter=SchedSeedEnv.Child";
  char* argv[] = {self.data(), filter.data(), nullptr};
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    if (std::string(*e).rfind("GOCXX_SCHED_SEED", 0) != 0) env_s.emplace_back(*e);
  }
  env_s.emplace_back("GOCXX_SCHED_SEED=0x2a");
  env_s.emplace_back("GOCXX_SCHED_SEED_EXPECT=42");
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv, envp.data()), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
