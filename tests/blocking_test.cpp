// blocking_test: gocxx::blocking (Go's entersyscall/exitsyscall, sysmon's retake). Other
// goroutines keep running with 1 P while one sits in a blocking call; the call's result
// and exception come back; many calls at once use pooled threads, bounded by
// max_threads; a goroutine in a call shows as "[syscall]" in a dump, is never taken for
// a deadlock, and its stack overflow is still reported; gocxx operations inside the
// call act as a plain thread's. The blocking calls are reads of a pipe, which return
// when the test writes it: nothing here depends on the machine's speed. Where the
// behaviour under test failing would hang the test, a plain-thread watchdog writes the
// pipe after a generous 60 s and the test then fails on who wrote it.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "runtime/blocking.hpp"
#include "runtime/sched.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;

struct pipe_pair {
  int rd = -1, wr = -1;
  pipe_pair() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    rd = fds[0];
    wr = fds[1];
  }
  ~pipe_pair() {
    ::close(rd);
    ::close(wr);
  }
  pipe_pair(const pipe_pair&) = delete;
  pipe_pair& operator=(const pipe_pair&) = delete;
  void put(char c) const { ASSERT_EQ(::write(wr, &c, 1), 1); }
  // Blocks the thread until a byte comes.
  char take() const {
    char c = 0;
    while (::read(rd, &c, 1) != 1) {
    }
    return c;
  }
};

// Writes `c` to the pipe after 60 s unless disarmed first: a test whose behaviour fails
// ends with a wrong byte read instead of hanging.
class watchdog {
 public:
  watchdog(const pipe_pair& p, char c, int bytes = 1)
      : t_([this, &p, c, bytes] {
          std::unique_lock<std::mutex> l(mu_);
          if (!cv_.wait_for(l, 60s, [this] { return done_; })) {
            for (int i = 0; i < bytes; ++i) p.put(c);
          }
        }) {}
  ~watchdog() {
    {
      std::lock_guard<std::mutex> l(mu_);
      done_ = true;
    }
    cv_.notify_all();
    t_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread t_;
};

int threads_started() {
  auto& s = gocxx::detail::sched();
  std::lock_guard<gocxx::detail::runtime_lock> l(s.lock);
  return s.mcount;
}

TEST(Blocking, OtherGoroutinesRunWithOnePWhileOneBlocksItsThread) {
  pipe_pair p;
  char got = 0;
  gocxx::run([&] {
    test_support::procs_scope one(1);
    watchdog w(p, 'W');
    std::atomic<bool> inside{false};
    gocxx::chan<char> result(0);
    gocxx::go([&] {
      result.send(gocxx::blocking([&] {
        inside.store(true);
        return p.take();  // the thread blocks here; only a goroutine on the P can write
      }));
    });
    gocxx::go([&] {
      // Runs only once sysmon has handed the one P on from the blocked call.
      test_support::wait_until([&] { return inside.load(); });
      p.put('B');
    });
    got = *result.recv();
  });
  EXPECT_EQ(got, 'B') << "the watchdog wrote: no goroutine ran while one blocked its thread";
}

TEST(Blocking, ReturnsTheResultOrRethrowsTheExceptionAndTheGoroutineGoesOn) {
  gocxx::run([] {
    EXPECT_EQ(gocxx::blocking([] { return 41 + 1; }), 42);
    std::string s = "kept";
    std::string& ref = gocxx::blocking([&]() -> std::string& { return s; });
    EXPECT_EQ(&ref, &s);
    int calls = 0;
    gocxx::blocking([&] { ++calls; });
    EXPECT_EQ(calls, 1);
    std::uint64_t id = gocxx::goroutine_id();
    EXPECT_THROW(gocxx::blocking([]() -> int { throw std::out_of_range("from the call"); }), std::out_of_range);
    EXPECT_EQ(gocxx::goroutine_id(), id);
    // The goroutine still schedules normally: a channel round trip with another.
    gocxx::chan<int> c(0);
    gocxx::go([c] { c.send(7); });
    EXPECT_EQ(*c.recv(), 7);
  });
}

TEST(Blocking, ShortCallsKeepTheirP) {
  gocxx::run([] {
    test_support::procs_scope one(1);
    std::uint64_t before = gocxx::detail::blocking_retakes();
    long sum = 0;
    for (int i = 0; i < 100'000; ++i) sum += gocxx::blocking([i] { return i % 3; });
    EXPECT_EQ(sum, 99'999);
    // A call of a few nanoseconds is over long before sysmon's 20 µs: the P is taken back
    // by the exit's CAS every time. (A retake needs sysmon to look during a call that
    // began 20 µs before: only a thread descheduled inside a call, on a loaded machine;
    // a few of 100,000 at most.)
    EXPECT_LE(gocxx::detail::blocking_retakes() - before, 3u);
  });
}

TEST(Blocking, OnAPlainThreadItIsJustTheCall) {
  std::thread t([] { EXPECT_EQ(gocxx::blocking([] { return std::string("plain"); }), "plain"); });
  t.join();
  EXPECT_EQ(gocxx::blocking([] { return 5; }), 5);
}

TEST(Blocking, ManyCallsAtOnceAllReturnOnPooledThreads) {
  const int n = test_support::kSanitized ? 16 : 64;
  pipe_pair p;
  gocxx::run([&] {
    test_support::procs_scope two(2);
    watchdog w(p, 'W', n);
    std::vector<int> after_round;
    for (int round = 0; round < 3; ++round) {
      std::atomic<int> inside{0};
      gocxx::wait_group wg;
      std::atomic<int> good{0};
      for (int i = 0; i < n; ++i) {
        wg.add(1);
        gocxx::go([&] {
          char c = gocxx::blocking([&] {
            inside.fetch_add(1);
            return p.take();
          });
          if (c == 'x') good.fetch_add(1);
          wg.done();
        });
      }
      // Every call is in its own thread at once: only hand-offs let all n start.
      test_support::wait_until([&] { return inside.load() == n; });
      for (int i = 0; i < n; ++i) p.put('x');
      wg.wait();
      EXPECT_EQ(good.load(), n) << "round " << round;
      after_round.push_back(threads_started());
    }
    // Threads are pooled: later rounds reuse the first round's (a few more at most: an M
    // woken for a requeued goroutine while the returning ones are still on their way to
    // the idle list). The first round needs n, for the calls, and the Ps' own.
    EXPECT_LE(after_round[0], n + 8);
    EXPECT_LE(after_round[2], after_round[0] + 4);
  });
}

TEST(Blocking, InsideTheCallChannelsAndLocksBlockTheThreadAsOnAPlainThread) {
  gocxx::run([] {
    test_support::procs_scope one(1);
    gocxx::chan<int> to(0), from(0);
    gocxx::go([&] {
      for (std::optional<int> v; (v = to.recv());) from.send(*v * 2);
      from.close();
    });
    gocxx::mutex mu;
    int shared = 0;
    int total = gocxx::blocking([&] {
      EXPECT_EQ(gocxx::goroutine_id(), 0u);  // a plain thread to gocxx meanwhile
      int t = 0;
      for (int i = 1; i <= 5; ++i) {
        to.send(i);  // the receiver runs on the P this call has given up
        t += *from.recv();
        std::lock_guard<gocxx::mutex> l(mu);
        ++shared;
      }
      EXPECT_EQ(gocxx::blocking([] { return 3; }), 3);  // nested: just the call
      gocxx::wait_group wg;
      wg.add(1);
      gocxx::go([&] { wg.done(); });  // a goroutine started from inside the call
      wg.wait();
      to.close();
      return t;
    });
    EXPECT_EQ(total, 30);
    EXPECT_FALSE(from.recv().has_value());
    EXPECT_EQ(shared, 5);
    EXPECT_NE(gocxx::goroutine_id(), 0u);
  });
}

TEST(Blocking, ACallBackWhenEveryPIsBusyWaitsItsTurnAndGoesOn) {
  // The call returns while the one P runs a goroutine that does not block until the call
  // is back: the caller cannot take a P back and waits in the global queue.
  pipe_pair p;
  std::atomic<bool> returned_elsewhere{false};
  gocxx::run([&] {
    test_support::procs_scope one(1);
    watchdog w(p, 'W');
    std::atomic<bool> inside{false}, back{false};
    gocxx::chan<char> result(0);
    gocxx::go([&] {
      char c = gocxx::blocking([&] {
        inside.store(true);
        char r = p.take();
        back.store(true);
        return r;
      });
      result.send(c);
    });
    gocxx::go([&] {
      test_support::wait_until([&] { return inside.load(); });
      p.put('B');
      // Hold the P (no blocking) until the call has returned from its read.
      while (!back.load()) std::this_thread::yield();
      returned_elsewhere.store(true);
    });
    EXPECT_EQ(*result.recv(), 'B');
  });
  EXPECT_TRUE(returned_elsewhere.load());
}

TEST(Blocking, AGoroutineInACallShowsAsSyscallInADump) {
  pipe_pair p;
  gocxx::run([&] {
    watchdog w(p, 'W');
    std::atomic<bool> inside{false};
    std::atomic<std::uint64_t> id{0};
    gocxx::wait_group wg;
    wg.add(1);
    gocxx::go([&] {
      id.store(gocxx::goroutine_id());
      gocxx::blocking([&] {
        inside.store(true);
        p.take();
      });
      wg.done();
    });
    test_support::wait_until([&] { return inside.load(); });
    std::string dump = gocxx::runtime::dump();
    p.put('x');
    wg.wait();
    EXPECT_NE(dump.find("goroutine " + std::to_string(id.load()) + " [syscall]:"), std::string::npos) << dump;
  });
}

TEST(Blocking, ALongCallIsNoDeadlock) {
  // Every goroutine but one is parked and that one sits in a call for 300 ms: the
  // program is not deadlocked (its thread is busy, not idle), and ends normally.
  int got = gocxx::run([] {
    test_support::procs_scope one(1);
    gocxx::chan<int> c(0);
    gocxx::go([c] {
      c.send(gocxx::blocking([] {
        std::this_thread::sleep_for(300ms);
        return 9;
      }));
    });
    return *c.recv();
  });
  EXPECT_EQ(got, 9);
}

class BlockingDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

// Ten calls at once, at most 4 threads: the calls beyond what the threads can hold keep
// their Ps, so they run a few at a time; every one returns, and no more threads are
// started than allowed. Run in a child: the limit and the thread count are per process.
// Exits 0 if so, else 10 + the most threads seen.
int max_threads_child() {
  pipe_pair p;
  int max_seen = 0, good = 0;
  gocxx::set_max_threads(4);
  gocxx::run([&] {
    gocxx::set_max_procs(2);
    std::counting_semaphore<16> waiting(0);  // released by each call as it reaches its read
    std::atomic<int> ok{0};
    gocxx::wait_group wg;
    for (int i = 0; i < 10; ++i) {
      wg.add(1);
      gocxx::go([&] {
        char c = gocxx::blocking([&] {
          waiting.release();
          return p.take();
        });
        if (c == 'x') ok.fetch_add(1);
        wg.done();
      });
    }
    // A plain thread feeds the pipe a byte whenever a call waits on it.
    std::thread feeder([&] {
      for (int fed = 0; fed < 10; ++fed) {
        waiting.acquire();
        p.put('x');
        max_seen = std::max(max_seen, threads_started());
      }
    });
    wg.wait();
    feeder.join();
    good = ok.load();
    max_seen = std::max(max_seen, threads_started());
  });
  return good == 10 && max_seen <= 4 && gocxx::max_threads() == 4 ? 0 : 10 + max_seen;
}

TEST_F(BlockingDeathTest, MaxThreadsBoundsTheThreadsAndEveryCallStillReturns) {
  EXPECT_EXIT(std::exit(max_threads_child()), ::testing::ExitedWithCode(0), "");
}

[[gnu::noinline]] int recurse_forever(int depth) {
  volatile char pad[512];
  pad[0] = static_cast<char>(depth);
  return recurse_forever(depth + 1) + pad[0];
}

TEST_F(BlockingDeathTest, AFaultInsideACallIsReportedAsTheGoroutinesPanic) {
  if (test_support::kSanitized) GTEST_SKIP() << "the sanitizers report segfaults themselves";
  EXPECT_EXIT(gocxx::run([] {
                gocxx::blocking([] {
                  volatile int* nil = nullptr;
                  return *nil;
                });
              }),
              ::testing::ExitedWithCode(2),
              "panic: runtime error: invalid memory address or nil pointer dereference\n\\[signal SIGSEGV");
}

TEST_F(BlockingDeathTest, AStackOverflowInsideACallIsReported) {
  if (test_support::kSanitized) GTEST_SKIP() << "the sanitizers report the overflow themselves";
  EXPECT_EXIT(gocxx::run([] { gocxx::blocking([] { return recurse_forever(0); }); }), ::testing::ExitedWithCode(2),
              "stack exceeds");
}

}  // namespace
