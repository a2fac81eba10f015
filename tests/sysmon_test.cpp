// sysmon's reports: the lock-cycle check (an ABBA cycle is reported with both goroutines
// and both locks; a goroutine waiting on a lock it holds itself, a lock another goroutine
// releases, and a cycle through a plain thread are not), the hog report (once per
// goroutine, with its stack), and GOCXX_SCHEDTRACE lines. Each runs in a death-test child
// so that it can set the environment before the runtime starts and end however it must.
// The locks' names come from the data symbols wherever in its segment a lock lies (a .bss
// past the file's last page is an anonymous mapping that /proc/self/maps names no module).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "gocxx/gocxx.hpp"
#include "runtime/traceback.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::ExitedWithCode;
using test_support::kSanitized;
using test_support::kTsan;

gocxx::mutex mu_a, mu_b;

// Zero-initialised, so in .bss, and big enough that its end lies pages past the file.
struct many_locks {
  char pad[1 << 20];
  gocxx::mutex last;
} g_many_locks;
int g_initialised = 7;  // .data

class SysmonDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

// In a death-test child: stderr goes to a file from here on; returns its path.
std::string capture_stderr() {
  std::string path = "/tmp/gocxx_sysmon_test_" + std::to_string(getpid());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(fd, 2);
  ::close(fd);
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

// Each takes its first lock, says so, waits for the signal, then takes the other.
[[gnu::noinline]] void lock_a_then_b(gocxx::chan<int> ready, gocxx::chan<int> go_on) {
  mu_a.lock();
  ready.send(1);
  go_on.recv();
  mu_b.lock();
  mu_b.unlock();
  mu_a.unlock();
}
[[gnu::noinline]] void lock_b_then_a(gocxx::chan<int> ready, gocxx::chan<int> go_on) {
  mu_b.lock();
  ready.send(1);
  go_on.recv();
  mu_a.lock();
  mu_a.unlock();
  mu_b.unlock();
}

TEST(LockNames, DataSymbolsAreNamedWhereverTheyLieInTheirSegment) {
  using gocxx::detail::describe_address;
  EXPECT_NE(describe_address(&mu_a).find("(anonymous namespace)::mu_a)"), std::string::npos)
      << describe_address(&mu_a);
  EXPECT_NE(describe_address(&g_many_locks.last).find("(anonymous namespace)::g_many_locks+1048576)"),
            std::string::npos)
      << describe_address(&g_many_locks.last);
  EXPECT_NE(describe_address(&g_initialised).find("(anonymous namespace)::g_initialised)"), std::string::npos)
      << describe_address(&g_initialised);
  auto heap = std::make_unique<gocxx::mutex>();
  EXPECT_EQ(describe_address(heap.get()).find('('), std::string::npos) << describe_address(heap.get());
}

TEST_F(SysmonDeathTest, AbbaCycleIsReportedWithBothGoroutinesAndBothLocks) {
  EXPECT_EXIT(
      {
        setenv("GOCXX_LOCKCYCLE_MS", "100", 1);
        gocxx::set_max_procs(2);
        gocxx::run([] {
          gocxx::chan<int> ready(2);
          gocxx::chan<int> go_on(0);
          gocxx::go([=] { lock_a_then_b(ready, go_on); });
          gocxx::go([=] { lock_b_then_a(ready, go_on); });
          ready.recv();
          ready.recv();
          go_on.close();
          // The rest of the program goes on (a timer is always pending, so this is not
          // the all-goroutines deadlock): only the cycle check can end it.
          for (;;) gocxx::sleep(10ms);
        });
      },
      ExitedWithCode(2),
      "^fatal error: lock cycle - deadlock!\n\n"
      "goroutine ([0-9]+) holds mutex 0x[0-9a-f]+ \\(.*mu_[ab]\\) and waits for mutex 0x[0-9a-f]+ \\(.*mu_[ab]\\), "
      "held by goroutine [0-9]+\n"
      "goroutine [0-9]+ holds mutex 0x[0-9a-f]+ \\(.*mu_[ab]\\) and waits for mutex 0x[0-9a-f]+ \\(.*mu_[ab]\\), "
      "held by goroutine [0-9]+\n\n"
      "goroutine [0-9]+ \\[sync.Mutex.Lock\\]:\n(.*\n)*created by .*sysmon_test.cpp:[0-9]+ in goroutine 1\n\n"
      "goroutine [0-9]+ \\[sync.Mutex.Lock\\]:\n(.*\n)*created by .*sysmon_test.cpp:[0-9]+ in goroutine 1\n$");
}

TEST_F(SysmonDeathTest, CycleReportShowsWhereEachGoroutineBlocked) {
  if (kSanitized) GTEST_SKIP() << "frame names differ under the sanitizers' inlining";
  EXPECT_EXIT(
      {
        setenv("GOCXX_LOCKCYCLE_MS", "100", 1);
        gocxx::set_max_procs(2);
        gocxx::run([] {
          gocxx::chan<int> ready(2);
          gocxx::chan<int> go_on(0);
          gocxx::go([=] { lock_a_then_b(ready, go_on); });
          gocxx::go([=] { lock_b_then_a(ready, go_on); });
          ready.recv();
          ready.recv();
          go_on.close();
          for (;;) gocxx::sleep(10ms);
        });
      },
      ExitedWithCode(2), "lock_a_then_b(.*\n)*(.*\n)*");
}

TEST_F(SysmonDeathTest, WaitingOnALockItHoldsForAnotherGoroutineToReleaseIsNoCycle) {
  // Go allows a mutex to be unlocked by another goroutine; locking it twice to wait for
  // that is legal. Held well past the threshold, then released: no report.
  EXPECT_EXIT(
      {
        setenv("GOCXX_LOCKCYCLE_MS", "50", 1);
        gocxx::set_max_procs(2);
        int code = gocxx::run([] {
          gocxx::wait_group wg;
          gocxx::chan<int> locked(1);
          wg.go([&] {
            mu_a.lock();
            locked.send(1);
            mu_a.lock();  // until the other goroutine unlocks it
            mu_a.unlock();
          });
          locked.recv();
          gocxx::sleep(400ms);  // eight thresholds, four checks
          mu_a.unlock();        // released by another goroutine
          wg.wait();
          return 0;
        });
        std::exit(code);
      },
      ExitedWithCode(0), "");
}

TEST_F(SysmonDeathTest, TwoWaitersOnALockAnotherGoroutineReleasesAreNoCycle) {
  // A holds the lock and sleeps; B and C wait on it for longer than the threshold: a
  // chain, not a cycle.
  EXPECT_EXIT(
      {
        setenv("GOCXX_LOCKCYCLE_MS", "50", 1);
        gocxx::set_max_procs(2);
        int code = gocxx::run([] {
          gocxx::wait_group wg;
          mu_a.lock();
          for (int i = 0; i < 2; ++i) {
            wg.go([] {
              mu_a.lock();
              mu_a.unlock();
            });
          }
          gocxx::sleep(400ms);
          mu_a.unlock();
          wg.wait();
          return 0;
        });
        std::exit(code);
      },
      ExitedWithCode(0), "");
}

TEST_F(SysmonDeathTest, ACycleThroughAPlainThreadIsNotReported) {
  // A plain thread holds mu_a and waits for mu_b; a goroutine holds mu_b and waits for
  // mu_a. Deadlocked, but a plain thread's stack is no goroutine's: the check stays out
  // of it (its rule is about goroutines). The child ends itself after four checks.
  EXPECT_EXIT(
      {
        setenv("GOCXX_LOCKCYCLE_MS", "50", 1);
        gocxx::set_max_procs(2);
        gocxx::chan<int> thread_has_a(1);
        gocxx::chan<int> go_has_b(1);
        std::thread t([=] {
          mu_a.lock();
          thread_has_a.send(1);
          go_has_b.recv();
          mu_b.lock();
        });
        t.detach();
        gocxx::run([=] {
          // The goroutine starts only once the thread holds mu_a: started earlier, it
          // could take mu_a first and end, leaving a real deadlock (a plain thread
          // blocked inside gocxx and goroutine 1 waiting for it), which is reported.
          thread_has_a.recv();
          gocxx::go([=] {
            mu_b.lock();
            go_has_b.send(1);
            mu_a.lock();
          });
          gocxx::sleep(400ms);
          std::_Exit(0);
        });
      },
      ExitedWithCode(0), "");
}

std::atomic<bool> g_stop_spinning{false};
[[gnu::noinline]] void spin_without_blocking() {
  while (!g_stop_spinning.load(std::memory_order_relaxed)) {
  }
}

TEST_F(SysmonDeathTest, AHogIsReportedOnceWithItsStack) {
  EXPECT_EXIT(
      {
        setenv("GOCXX_HOG_MS", "20", 1);
        std::string path = capture_stderr();
        gocxx::set_max_procs(2);
        gocxx::run([] {
          gocxx::wait_group wg;
          wg.go([] { spin_without_blocking(); });
          gocxx::sleep(300ms);  // fifteen thresholds
          g_stop_spinning = true;
          wg.wait();
        });
        std::string err = read_file(path);
        std::remove(path.c_str());
        // Once (under TSan at least once: its slow-down can make another goroutine of
        // the run, e.g. the one spawning, cross the 20 ms threshold too).
        std::size_t reports = count(err, "ms on one thread without blocking (created by ");
        bool once = (kTsan ? reports >= 1 : reports == 1) && err.find("sysmon_test.cpp:") != std::string::npos &&
                    err.find(" has run ") != std::string::npos;
        // The stack sample: the spinning function (ThreadSanitizer holds the signal
        // back until the thread's next intercepted call, which a pure spin never makes).
        bool stack = kTsan || err.find("spin_without_blocking") != std::string::npos;
        std::fprintf(stdout, "%s", err.c_str());
        std::exit(once && stack ? 0 : 1);
      },
      ExitedWithCode(0), "");
}

// A goroutine whose thread the kernel does not run (here: it sleeps the thread, as a
// descheduled M on a loaded machine looks to sysmon) holds its P without a schedule, but
// uses no CPU: no hog. Wall time alone reported it, and every slow goroutine of a loaded
// CI run with it.
TEST_F(SysmonDeathTest, AGoroutineWhoseThreadDoesNotRunIsNoHog) {
  EXPECT_EXIT(
      {
        setenv("GOCXX_HOG_MS", "20", 1);
        std::string path = capture_stderr();
        gocxx::set_max_procs(2);
        gocxx::run([] {
          gocxx::wait_group wg;
          wg.go([] { std::this_thread::sleep_for(200ms); });  // ten thresholds, no CPU
          wg.wait();
        });
        std::string err = read_file(path);
        std::remove(path.c_str());
        std::fprintf(stdout, "%s", err.c_str());
        std::exit(err.find("without blocking") == std::string::npos ? 0 : 1);
      },
      ExitedWithCode(0), "");
}

TEST_F(SysmonDeathTest, HogReportsAreOffWithZero) {
  EXPECT_EXIT(
      {
        setenv("GOCXX_HOG_MS", "0", 1);
        std::string path = capture_stderr();
        gocxx::set_max_procs(2);
        gocxx::run([] {
          gocxx::wait_group wg;
          wg.go([] { spin_without_blocking(); });
          gocxx::sleep(100ms);
          g_stop_spinning = true;
          wg.wait();
        });
        std::string err = read_file(path);
        std::remove(path.c_str());
        std::exit(err.find("without blocking") == std::string::npos ? 0 : 1);
      },
      ExitedWithCode(0), "");
}

TEST_F(SysmonDeathTest, SchedtracePrintsGosLineShape) {
  EXPECT_EXIT(
      {
        setenv("GOCXX_SCHEDTRACE", "20", 1);
        gocxx::set_max_procs(2);
        gocxx::run([] {
          gocxx::chan<int> c(0);
          gocxx::go([c] {
            for (int i = 0; i < 1000; ++i) c.send(i);
          });
          for (int i = 0; i < 1000; ++i) c.recv();
          gocxx::sleep(100ms);
        });
        std::_Exit(3);
      },
      ExitedWithCode(3),
      "SCHED [0-9]+ms: gomaxprocs=2 idleprocs=[0-2] threads=[0-9]+ spinningthreads=[0-9]+ idlethreads=[0-9]+ "
      "runqueue=[0-9]+ \\[[0-9]+ [0-9]+\\]\n");
}

[[gnu::noinline]] void park_for_the_dump(gocxx::chan<int> c) { c.recv(); }

TEST_F(SysmonDeathTest, TracebackAllInTheEnvironmentDumpsEveryGoroutineOnSigquit) {
  if (kTsan) GTEST_SKIP() << "TSan holds a signal back while every thread sleeps in futex";
  // GOCXX_TRACEBACK=all, read when the runtime starts: SIGQUIT prints Go's "SIGQUIT: quit"
  // and every goroutine, and exits with status 2.
  EXPECT_EXIT(
      {
        setenv("GOCXX_TRACEBACK", "all", 1);
        gocxx::run([] {
          gocxx::chan<int> c(0);
          gocxx::chan<int> started(1);
          gocxx::go([=] {
            started.send(1);
            park_for_the_dump(c);
          });
          started.recv();
          gocxx::sleep(20ms);
          kill(getpid(), SIGQUIT);
          for (;;) gocxx::sleep(10ms);
        });
      },
      ExitedWithCode(2),
      "^SIGQUIT: quit\n\ngoroutine [0-9]+ \\[(sleep|running|runnable)\\]:\n(.*\n)*"
      "goroutine [0-9]+ \\[chan receive\\]:\n(.*\n)*created by .*sysmon_test.cpp:[0-9]+ in goroutine 1\n");
}

}  // namespace
