// Death tests of the runtime: what the program prints and its exit status when a panic
// escapes a goroutine, when a goroutine overflows its stack (on a guarded stack, and on
// an unguarded one whose canary is smashed), and that run() returning with goroutines
// still parked ends the process cleanly (issues 2 and 12).
//
// Every death test runs in the "threadsafe" style: the child re-executes this binary
// and runs only that test, so each child starts with a fresh runtime. That is what lets
// a child choose the unguarded stack mode: the guard budget (GOCXX_STACK_GUARDS) is read
// when the first stack is allocated, so setting it first thing in the child is enough.
//
// Goroutine ids in the expected texts follow from that fresh start: run()'s main is
// goroutine 1 and the first goroutine it starts is goroutine 2.
#include <alloca.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "gocxx/runtime.hpp"
#include "gocxx/sync.hpp"
#include "test_support.hpp"

#include "runtime/park.hpp"
#include "runtime/sched.hpp"
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#if defined(__SANITIZE_THREAD__)
extern "C" void AnnotateIgnoreWritesBegin(const char* file, int line);
extern "C" void AnnotateIgnoreWritesEnd(const char* file, int line);
#endif
#include "runtime/stack.hpp"

namespace {

namespace detail = gocxx::detail;
using ::testing::ExitedWithCode;

using test_support::kSanitized;
using test_support::kTsan;

// The exit of a canary-detected overflow: status 2, as Go. Under ThreadSanitizer, _exit
// runs TSan's own finalisation, which walks frame pointers through the memory the test
// deliberately smashed and dies with TSan's status 66 after the runtime's report is out;
// accept that there only (the runtime could leave by exit_group instead).
bool overflow_exit(int status) {
  if (!WIFEXITED(status)) return false;
  return WEXITSTATUS(status) == 2 || (kTsan && WEXITSTATUS(status) == 66);
}

class RuntimeDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

std::string line_re(int line) { return std::to_string(line); }

// Writes to stderr without stdio buffering (the child dies by _exit).
void say(const char* s) { (void)!::write(2, s, std::strlen(s)); }

// Tells the parent which stack mode the calling goroutine's stack is in, so a test
// cannot pass by testing the other mode.
void say_stack_mode() {
  detail::g* gp = detail::current_g();
  say(gp && gp->stk && gp->stk->guarded ? "stack mode: guarded\n" : "stack mode: unguarded\n");
}

// ---- panics ----

// Each throwing go() sits on the line named by the constant just above it: that line is
// what "created by" must name.
constexpr int kBoomLine = __LINE__ + 3;
void escape_std_exception() {
  gocxx::run([] {
    gocxx::go([] { throw std::runtime_error("boom"); });
    detail::park_forever(detail::wait_reason::sleep);
  });
}

TEST_F(RuntimeDeathTest, ExceptionEscapingAGoroutinePanics) {
  EXPECT_EXIT(escape_std_exception(), ExitedWithCode(2),
              "^panic: boom\n+goroutine 2 \\[running\\]:\ncreated by [^\n]*runtime_death_test\\.cpp:" +
                  line_re(kBoomLine) + " in goroutine 1\n");
}

constexpr int kPanicErrorLine = __LINE__ + 3;
void escape_panic_error() {
  gocxx::run([] {
    gocxx::go([] { throw gocxx::panic_error("send on closed channel"); });
    detail::park_forever(detail::wait_reason::sleep);
  });
}

TEST_F(RuntimeDeathTest, PanicErrorEscapingAGoroutinePanics) {
  EXPECT_EXIT(escape_panic_error(), ExitedWithCode(2),
              "^panic: send on closed channel\n+goroutine 2 \\[running\\]:\ncreated by [^\n]*runtime_death_test\\.cpp:" +
                  line_re(kPanicErrorLine) + " in goroutine 1\n");
}

TEST_F(RuntimeDeathTest, NonStandardExceptionEscapingAGoroutinePanics) {
  EXPECT_EXIT(gocxx::run([] {
                gocxx::go([] { throw 42; });
                detail::park_forever(detail::wait_reason::sleep);
              }),
              ExitedWithCode(2), "^panic: [^\n]+\n+goroutine 2 \\[running\\]:\ncreated by ");
}

TEST_F(RuntimeDeathTest, PanicInRunsMainGoroutine) {
  EXPECT_EXIT(gocxx::run([] { throw gocxx::panic_error("main boom"); }), ExitedWithCode(2),
              "^panic: main boom\n+goroutine 1 \\[running\\]:\ncreated by ");
}

TEST_F(RuntimeDeathTest, PanicAfterMovingBetweenThreads) {
  // The report names the goroutine, wherever it runs when it panics.
  EXPECT_EXIT(gocxx::run([] {
                gocxx::go([] {
                  for (int i = 0; i < 1000; ++i) gocxx::yield();
                  throw std::runtime_error("late boom");
                });
                for (int i = 0; i < 100; ++i) gocxx::go([] {
                    for (;;) gocxx::yield();
                  });
                detail::park_forever(detail::wait_reason::sleep);
              }),
              ExitedWithCode(2), "panic: late boom\n+goroutine 2 \\[running\\]:\ncreated by ");
}

constexpr int kPlainThreadLine = __LINE__ + 3;
void escape_from_goroutine_of_plain_thread() {
  std::thread([] {
    gocxx::go([] { throw std::runtime_error("no parent"); });
  }).join();
  for (;;) std::this_thread::yield();
}

TEST_F(RuntimeDeathTest, PanicInAGoroutineStartedFromAPlainThread) {
  // Started from a plain thread: no "in goroutine N" (there is no parent goroutine).
  EXPECT_EXIT(escape_from_goroutine_of_plain_thread(), ExitedWithCode(2),
              "^panic: no parent\n+goroutine 1 \\[running\\]:\ncreated by [^\n]*runtime_death_test\\.cpp:" +
                  line_re(kPlainThreadLine) + "\n");
}

// ---- stack overflow on a guarded stack ----

volatile int g_depth_limit = 1 << 30;  // keeps the recursion "finite" for the compiler

// Recurses with 1 KiB frames (each smaller than the guard page, so none can step over
// it) until the stack runs out. Not a tail call: the buffer is read after the call.
[[gnu::noinline]] int recurse_forever(int depth) {
  volatile char buf[1024];
  buf[0] = static_cast<char>(depth);
  buf[sizeof buf - 1] = static_cast<char>(depth);
  int deeper = depth < g_depth_limit ? recurse_forever(depth + 1) : 0;
  return deeper + buf[static_cast<unsigned>(depth) % sizeof buf];
}

constexpr int kGuardedLine = __LINE__ + 4;
void overflow_guarded() {
  if (std::getenv("GOCXX_STACK_GUARDS")) unsetenv("GOCXX_STACK_GUARDS");
  gocxx::run([] {
    gocxx::go([] {
      say_stack_mode();
      recurse_forever(0);
    });
    detail::park_forever(detail::wait_reason::sleep);
  });
}

TEST_F(RuntimeDeathTest, StackOverflowOnAGuardedStack) {
  if (std::getenv("GOCXX_STACK_SIZE")) GTEST_SKIP() << "GOCXX_STACK_SIZE changes the default size";
  EXPECT_EXIT(overflow_guarded(), ExitedWithCode(2),
              "stack mode: guarded\n"
              "runtime: goroutine 2 stack exceeds 65536-byte limit\n"
              "fatal error: stack overflow\n+"
              "goroutine 2 \\[running\\]:\n"
              "created by [^\n]*runtime_death_test\\.cpp:" +
                  line_re(kGuardedLine) + " in goroutine 1\n");
}

TEST_F(RuntimeDeathTest, StackOverflowOnAGuardedStackOfAChosenSize) {
  EXPECT_EXIT(gocxx::run([] {
                gocxx::go({.stack_size = 256 * 1024}, [] {
                  say_stack_mode();
                  recurse_forever(0);
                });
                detail::park_forever(detail::wait_reason::sleep);
              }),
              ExitedWithCode(2),
              "stack mode: guarded\n"
              "runtime: goroutine 2 stack exceeds 262144-byte limit\n"
              "fatal error: stack overflow\n+"
              "goroutine 2 \\[running\\]:\n");
}

TEST_F(RuntimeDeathTest, StackOverflowInRunsMainGoroutine) {
  EXPECT_EXIT(gocxx::run([] {
                say_stack_mode();
                recurse_forever(0);
              }),
              ExitedWithCode(2),
              "stack mode: guarded\n"
              "runtime: goroutine 1 stack exceeds [0-9]+-byte limit\n"
              "fatal error: stack overflow\n+"
              "goroutine 1 \\[running\\]:\n");
}

TEST_F(RuntimeDeathTest, StackOverflowWhileOtherGoroutinesRun) {
  // The overflow is reported from whichever thread runs the goroutine, on that M's
  // alternate signal stack, while the other Ps keep running goroutines.
  EXPECT_EXIT(gocxx::run([] {
                for (int i = 0; i < 50; ++i) gocxx::go([] {
                    for (;;) gocxx::yield();
                  });
                gocxx::go([] {
                  for (int i = 0; i < 100; ++i) gocxx::yield();
                  recurse_forever(0);
                });
                detail::park_forever(detail::wait_reason::sleep);
              }),
              ExitedWithCode(2),
              "runtime: goroutine 52 stack exceeds [0-9]+-byte limit\n"
              "fatal error: stack overflow\n+"
              "goroutine 52 \\[running\\]:\n");
}

TEST_F(RuntimeDeathTest, NilDereferenceInAGoroutineIsGosPanicNotAStackOverflow) {
  // A fault that is not in the running goroutine's guard page is Go's nil-dereference
  // panic: the message, the signal line, the goroutine and its creation site; status 2.
  if (kSanitized) GTEST_SKIP() << "the sanitizers report segfaults themselves";
  EXPECT_EXIT(gocxx::run([] {
                gocxx::go([] {
                  volatile int* volatile nowhere = nullptr;
                  *nowhere = 1;
                });
                detail::park_forever(detail::wait_reason::sleep);
              }),
              ExitedWithCode(2),
              "^panic: runtime error: invalid memory address or nil pointer dereference\n"
              "\\[signal SIGSEGV: segmentation violation code=0x[0-9a-f]+ addr=0x0 pc=0x[0-9a-f]+\\]\n\n"
              "goroutine [0-9]+ \\[running\\]:\n(.*\n)*created by .*runtime_death_test.cpp:[0-9]+ in goroutine [0-9]+\n$");
}

TEST_F(RuntimeDeathTest, FaultAtAnAddressPastTheFirstPageIsAnUnexpectedFault) {
  if (kSanitized) GTEST_SKIP() << "the sanitizers report segfaults themselves";
  EXPECT_EXIT(gocxx::run([] {
                gocxx::go([] {
                  volatile int* volatile wild = reinterpret_cast<int*>(0x10000);
                  *wild = 1;
                });
                detail::park_forever(detail::wait_reason::sleep);
              }),
              ExitedWithCode(2),
              "^unexpected fault address 0x10000\nfatal error: fault\n"
              "\\[signal SIGSEGV: segmentation violation code=0x[0-9a-f]+ addr=0x10000 pc=0x[0-9a-f]+\\]\n");
}

TEST_F(RuntimeDeathTest, TracebackCrashKeepsTheSignalForACoreDump) {
  // GOCXX_TRACEBACK=crash: the report, then the default action (a core dump where enabled):
  // the process dies by SIGSEGV, as a debugger or a core-dump collector expects.
  if (kSanitized) GTEST_SKIP() << "the sanitizers report segfaults themselves";
  EXPECT_EXIT(
      {
        setenv("GOCXX_TRACEBACK", "crash", 1);
        gocxx::run([] {
          gocxx::go([] {
            volatile int* volatile nowhere = nullptr;
            *nowhere = 1;
          });
          detail::park_forever(detail::wait_reason::sleep);
        });
      },
      ::testing::KilledBySignal(SIGSEGV), "nil pointer dereference");
}

TEST_F(RuntimeDeathTest, SegfaultOnAPlainThreadKeepsItsUsualMeaning) {
  // Not in goroutine code: the handler steps aside and the fault kills the process.
  if (kSanitized) GTEST_SKIP() << "the sanitizers report segfaults themselves";
  EXPECT_EXIT(
      {
        gocxx::run([] {});  // the runtime (and its handler) is installed
        volatile int* volatile nowhere = nullptr;
        *nowhere = 1;
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

// ---- stack overflow on an unguarded stack (the canary) ----

// Forces the unguarded mode: no stack of this process gets a guard page.
void force_unguarded() { setenv("GOCXX_STACK_GUARDS", "0", 1); }

// Overflows the calling goroutine's stack by `below` bytes: one alloca'd block, written
// in full, from this frame down to `below` bytes under the stack's lowest usable byte.
// A single contiguous block makes sure the canary just below the stack is overwritten,
// whatever the frame layout; a bounded `below` keeps the write inside the slab (it lands
// in the top of the slot below, which belongs to a parked goroutine or to no one).
// Then calls then() from inside the overflowed frame.
[[gnu::noinline]] void overflow_unguarded_by(std::size_t below, void (*then)()) {
  detail::g* gp = detail::current_g();
  char* bottom = gp->stk->bottom;
  char* here = static_cast<char*>(__builtin_frame_address(0));
  std::size_t n = static_cast<std::size_t>(here - bottom) + below;
  auto* block = static_cast<volatile char*>(alloca(n));
#if defined(__SANITIZE_ADDRESS__)
  // The write is meant to land on the goroutine below, whose live frames AddressSanitizer
  // poisons: it would report the overflow before the runtime can. Let the runtime see it.
  __asan_unpoison_memory_region(const_cast<char*>(block), n);
#endif
  // Write it all, from the top down, as a runaway recursion would. (ThreadSanitizer
  // would report the write to the other goroutine's stack as a race: it is the point.)
#if defined(__SANITIZE_THREAD__)
  AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
#endif
  for (std::size_t i = n; i-- > 0;) block[i] = static_cast<char>(0x5a);
#if defined(__SANITIZE_THREAD__)
  AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
#endif
  then();
  asm volatile("" ::"r"(block) : "memory");
}

char* volatile g_escaped = nullptr;
std::atomic<bool> g_main_parked{false};

// run()'s main parks forever here. The goroutine that overflows an unguarded stack
// writes into the slot below, which is often main's stack: it must wait until main has
// switched away (waits_for_main_to_park), or it smashes frames main is still running on
// (seen under TSan at procs 2: main's M then read 0x5a5a... and died of SIGSEGV before
// the report, 1 run in 100). The frame with an address-taken array has ASan redzones,
// which a runaway recursion from the slot above may reach.
[[gnu::noinline]] void park_main_forever() {
  char local[128];
  g_escaped = local;
  detail::park(
      detail::wait_reason::sleep, [](void*) { g_main_parked.store(true, std::memory_order_release); }, nullptr);
  detail::park_forever(detail::wait_reason::sleep);
}
void wait_for_main_to_park() {
  while (!g_main_parked.load(std::memory_order_acquire)) gocxx::yield();
}

constexpr int kUnguardedLine = __LINE__ + 4;
void overflow_unguarded_then_yield() {
  force_unguarded();
  gocxx::run([] {
    gocxx::go([] {
      wait_for_main_to_park();
      say_stack_mode();
      overflow_unguarded_by(2048, [] {
        gocxx::yield();  // the canary is checked when the goroutine switches away
        say("resumed after overflowing\n");
      });
    });
    park_main_forever();
  });
}

TEST_F(RuntimeDeathTest, StackOverflowOnAnUnguardedStackCaughtAtASwitch) {
  EXPECT_EXIT(overflow_unguarded_then_yield(), overflow_exit,
              "gocxx: [0-9]+ goroutine stacks have guard pages[^\n]*GOCXX_STACK_GUARDS[^\n]*"
              "sysctl -w vm\\.max_map_count=[^\n]*\n"
              "stack mode: unguarded\n"
              "runtime: goroutine 2 stack exceeds [0-9]+-byte limit[^\n]*\n"
              "fatal error: stack overflow\n+"
              "goroutine 2 \\[running\\]:\n"
              "created by [^\n]*runtime_death_test\\.cpp:" +
                  line_re(kUnguardedLine) + " in goroutine 1\n");
}

TEST_F(RuntimeDeathTest, StackOverflowOnAnUnguardedStackCaughtWhenParking) {
  EXPECT_EXIT(
      {
        force_unguarded();
        gocxx::run([] {
          gocxx::go([] {
            wait_for_main_to_park();
            overflow_unguarded_by(1024, [] { detail::park(detail::wait_reason::sleep, nullptr, nullptr); });
          });
          park_main_forever();
        });
      },
      overflow_exit,
      "runtime: goroutine 2 stack exceeds [0-9]+-byte limit[^\n]*\n"
      "fatal error: stack overflow\n+"
      "goroutine 2 \\[running\\]:\n");
}

TEST_F(RuntimeDeathTest, StackOverflowOnAnUnguardedStackCaughtWhenTheGoroutineEnds) {
  // No switch after the overflow: the goroutine returns, and its end is checked.
  EXPECT_EXIT(
      {
        force_unguarded();
        gocxx::run([] {
          gocxx::go([] {
            wait_for_main_to_park();
            overflow_unguarded_by(1024, [] {});
          });
          park_main_forever();
        });
      },
      overflow_exit,
      "runtime: goroutine 2 stack exceeds [0-9]+-byte limit[^\n]*\n"
      "fatal error: stack overflow\n+"
      "goroutine 2 \\[running\\]:\n");
}

TEST_F(RuntimeDeathTest, StackOverflowOnAnUnguardedStackOfAChosenSize) {
  // 1 MiB stacks have a pool of their own. Its first goroutine takes the slab's first
  // slot and parks; the second, in the slot above it, overflows into the first's top.
  EXPECT_EXIT(
      {
        force_unguarded();
        // One P from the start: ids are handed out in per-P batches, and main must not
        // move to another P (and batch) in the yield loop, or the overflowing goroutine
        // is not goroutine 3.
        setenv("GOCXX_MAXPROCS", "1", 1);
        gocxx::run([] {
          static std::atomic<int> parked{0};
          gocxx::go({.stack_size = 1 << 20}, [] {
            detail::park(
                detail::wait_reason::sleep, [](void*) { parked.store(1); }, nullptr);
          });
          while (parked.load() == 0) gocxx::yield();
          gocxx::go({.stack_size = 1 << 20}, [] {
            say_stack_mode();
            overflow_unguarded_by(2048, [] { gocxx::yield(); });
          });
          detail::park_forever(detail::wait_reason::sleep);
        });
      },
      overflow_exit,
      "stack mode: unguarded\n"
      "runtime: goroutine 3 stack exceeds 10[0-9][0-9][0-9][0-9][0-9]-byte limit[^\n]*\n"
      "fatal error: stack overflow\n+"
      "goroutine 3 \\[running\\]:\n");
}

TEST_F(RuntimeDeathTest, RunawayRecursionOnAnUnguardedStackIsReported) {
  // The commonest overflow: a recursion that never switches, so no canary check runs.
  // It runs down through the stacks below until it faults; that fault, with the stack
  // pointer below the goroutine's stack, is this goroutine's stack overflow. Under ASan
  // it may instead first write into the redzones of the main goroutine's frames (when
  // that stack is the slot below: about half the runs), which ASan reports; gocxx's
  // report follows from ASan's death callback. Both ways end in gocxx's report, status 2.
  EXPECT_EXIT(
      {
        force_unguarded();
        gocxx::run([] {
          gocxx::go([] {
            wait_for_main_to_park();
            say_stack_mode();
            recurse_forever(0);
          });
          park_main_forever();
        });
      },
      overflow_exit,
      std::string("stack mode: unguarded\n") + (test_support::kAsan ? "(.*ERROR: AddressSanitizer[^\n]*\n.*)?" : "") +
          "runtime: goroutine 2 stack exceeds [0-9]+-byte limit[^\n]*\n"
      "fatal error: stack overflow\n+"
      "goroutine 2 \\[running\\]:\n");
}

TEST_F(RuntimeDeathTest, UnguardedStacksWithoutOverflowRunNormally) {
  // The other side of the canary: stacks used right up to (not past) their end pass.
  EXPECT_EXIT(
      {
        force_unguarded();
        std::atomic<int> done{0};
        gocxx::run([&] {
          for (int i = 0; i < 1000; ++i) {
            gocxx::go([&] {
              detail::g* gp = detail::current_g();
              char* bottom = gp->stk->bottom;
              char* here = static_cast<char*>(__builtin_frame_address(0));
              // Leave 8 KiB above the bottom for the calls below (yield and what the
              // scheduler runs on this stack).
              std::size_t n = static_cast<std::size_t>(here - bottom) - 8192;
              auto* block = static_cast<volatile char*>(alloca(n));
              for (std::size_t k = 0; k < n; ++k) block[k] = 1;
              gocxx::yield();
              done.fetch_add(1);
            });
          }
          while (done.load() < 1000) gocxx::yield();
        });
        std::fprintf(stderr, "done=%d\n", done.load());
        std::exit(0);
      },
      ExitedWithCode(0), "done=1000\n");
}

// ---- run() returning while goroutines are parked or running ----

TEST_F(RuntimeDeathTest, RunReturnsAndTheProcessExitsWhileGoroutinesAreParked) {
  EXPECT_EXIT(
      {
        static std::atomic<int> parked{0};
        int r = gocxx::run([] {
          for (int i = 0; i < 1000; ++i) {
            gocxx::go([] {
              detail::park(
                  detail::wait_reason::chan_receive,
                  [](void*) { parked.fetch_add(1, std::memory_order_release); }, nullptr);
            });
          }
          for (int i = 0; i < 10; ++i) gocxx::go([] { detail::park_forever(detail::wait_reason::select_no_cases); });
          while (parked.load(std::memory_order_acquire) < 1000) gocxx::yield();
          return 3;
        });
        // The 1,010 parked goroutines are still there (main may still be ending too).
        std::fprintf(stderr, "run returned %d with at least 1010 goroutines left: %d\n", r,
                     gocxx::num_goroutine() >= 1010);
        std::exit(0);
      },
      ExitedWithCode(0), "run returned 3 with at least 1010 goroutines left: 1\n");
}

TEST_F(RuntimeDeathTest, ReturningFromMainExitsWhileGoroutinesStillRun) {
  // Go's main returning ends the program even while goroutines are busy.
  EXPECT_EXIT(
      {
        static std::atomic<int> started{0};
        int r = gocxx::run([] {
          for (int i = 0; i < 8; ++i) {
            gocxx::go([] {
              started.fetch_add(1);
              for (;;) gocxx::yield();
            });
          }
          while (started.load() < 8) gocxx::yield();
          return 0;
        });
        std::fprintf(stderr, "main returned %d\n", r);
        std::exit(r);
      },
      ExitedWithCode(0), "main returned 0\n");
}

// ---- LeakSanitizer and goroutine stacks (asan builds) ----
//
// At exit LSan is shown the live part of every goroutine stack, nothing of free ones.

std::string* volatile g_leak_sink = nullptr;

TEST_F(RuntimeDeathTest, LeakSanitizerSeesWhatOnlyAParkedGoroutineHolds) {
  if (!test_support::kAsan) GTEST_SKIP() << "LeakSanitizer runs in the asan build";
  // The only pointer to the string lives in a parked goroutine's frame: not a leak.
  EXPECT_EXIT(
      {
        static std::atomic<int> parked{0};
        gocxx::run([] {
          gocxx::go([] {
            std::string* held = new std::string(4096, 'x');
            asm volatile("" : : "r"(&held) : "memory");  // keep it in this frame
            detail::park(
                detail::wait_reason::sleep, [](void*) { parked.store(1); }, nullptr);
            delete held;  // never reached
          });
          while (parked.load() == 0) gocxx::yield();
        });
        std::fprintf(stderr, "exiting with a goroutine parked\n");
        std::exit(0);
      },
      ExitedWithCode(0), "exiting with a goroutine parked\n");
}

TEST_F(RuntimeDeathTest, LeakSanitizerStillReportsALeakLeftOnAFreedStack) {
  if (!test_support::kAsan) GTEST_SKIP() << "LeakSanitizer runs in the asan build";
  // A goroutine allocates, loses the pointer and ends: its stack, which may still hold
  // a stale copy, is free, so LSan must report the leak (with whole slabs as roots it
  // did not).
  EXPECT_EXIT(
      {
        gocxx::run([] {
          gocxx::wait_group wg;
          wg.add(1);
          gocxx::go([&wg] {
            g_leak_sink = new std::string(4096, 'y');
            std::string* volatile copy = g_leak_sink;  // a stale copy on this stack
            (void)copy;
            g_leak_sink = nullptr;
            wg.done();
          });
          wg.wait();
        });
        std::exit(0);
      },
      [](int status) { return WIFEXITED(status) && WEXITSTATUS(status) != 0; }, "LeakSanitizer: detected memory leaks");
}

// ---- misuse caught at the go statement, and a thread the kernel refuses ----

constexpr int kNilFuncLine = __LINE__ + 4;
void go_nil_std_function() {
  gocxx::run([] {
    std::function<void()> nothing;
    gocxx::go(nothing);
    std::exit(0);  // never reached: the go statement itself is fatal
  });
}

TEST_F(RuntimeDeathTest, GoOfAnEmptyStdFunctionIsFatalAtTheGoStatement) {
  EXPECT_EXIT(go_nil_std_function(), ExitedWithCode(2),
              "^fatal error: go of nil func value\n+goroutine 1 \\[running\\]:\n[^\n]*\ngo statement at [^\n]*runtime_death_test\\.cpp:" +
                  line_re(kNilFuncLine) + "\n");
}

TEST_F(RuntimeDeathTest, GoOfANullFunctionPointerIsFatalFromAPlainThreadToo) {
  void (*fn)() = nullptr;
  EXPECT_EXIT(gocxx::go(fn), ExitedWithCode(2), "^fatal error: go of nil func value\ngo statement at ");
}

TEST_F(RuntimeDeathTest, AThreadTheKernelRefusesIsGosFatalNewosproc) {
  EXPECT_EXIT(
      {
        detail::test_fail_next_thread_creation();
        gocxx::run([] {});
        std::exit(0);
      },
      ExitedWithCode(2),
      "runtime: failed to create new OS thread \\(have [0-9]+ already; errno=11\\)\n"
      "runtime: may need to increase max user processes \\(ulimit -u\\)\nfatal error: newosproc\n");
}

TEST_F(RuntimeDeathTest, ASecondReadyOfOneParkIsFatalInCheckedBuilds) {
#if !GOCXX_CHECKED_BUILD
  GTEST_SKIP() << "the g status check is in debug and sanitizer builds only";
#endif
  EXPECT_EXIT(
      {
        struct publish {
          detail::waiter* self;
          std::atomic<detail::waiter*> parked{nullptr};
        } pub;
        std::thread t([&] {
          gocxx::run([&] {
            pub.self = detail::current_waiter();
            // The unlock runs once the goroutine is switched out: from then on it may be
            // readied (once).
            detail::park(
                detail::wait_reason::chan_receive,
                [](void* p) {
                  auto* q = static_cast<publish*>(p);
                  q->parked.store(q->self);
                },
                &pub);
          });
        });
        auto& parked = pub.parked;
        while (!parked.load()) std::this_thread::yield();
        detail::ready(parked.load());
        detail::ready(parked.load());
        t.join();
        std::exit(0);
      },
      ExitedWithCode(2), "runtime: a goroutine that was not parked was readied[^\n]*\nfatal error: bad g->status in ready\n");
}

}  // namespace
