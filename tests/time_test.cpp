// Tests of the time package (gocxx/time.hpp, src/time.cpp, src/runtime/timers.cpp):
// sleep and sleep_until, timers (stop, reset and Go 1.23's no-stale-value rule), tickers,
// after, tick, after_func (and a panic escaping it), misuse panics, deadline order,
// freeing dropped timers, the idle runtime with a timer armed, plain threads, and two
// small Go patterns. Longer than ~600 lines because it is one suite per header.
//
// No test sleeps to synchronise. Time is only asserted where the behaviour is about
// time: the lower bounds Go guarantees (a sleep or a timer never ends early; a timer's
// value is its deadline), and generous upper bounds (a 10 ms timer fires within seconds).
// Where a test waits past a deadline with a sleep, the outcome it checks is the same
// whether or not the timer fired meanwhile (Go 1.23 makes that so) or the wait only
// paces a poll. A few tests run at max_procs 1, where the only P is held by the running
// goroutine and no timer can fire until it blocks or yields: that makes "stop before it
// fires" and "no tick between two receives" deterministic.
//
// Every test leaves the runtime as it found it: its goroutines ended (settle()), its
// timers stopped or dropped, max_procs restored.
#include "gocxx/time.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gocxx/chan.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/select.hpp"
#include "gocxx/sync.hpp"
#include "runtime/sched.hpp"
#include "runtime/timers.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using namespace test_support;
namespace detail = gocxx::detail;

using gocxx::chan;
using gocxx::chan_status;
using gocxx::steady_time;
using clk = std::chrono::steady_clock;

// A bound no correct run comes near (a 10 ms timer fires within it), so that a timer
// that never fires fails a test instead of hanging it.
constexpr auto kGenerous = 10s;

// 100,000 sleepers natively; AddressSanitizer makes each goroutine several times
// dearer (10,000), and ThreadSanitizer counts every fiber as a thread (1,000 live).
constexpr int kSleepers = kTsan ? 1'000 : kAsan ? 10'000 : 100'000;

// Waits until every goroutine a test started has ended (num_goroutine is back to `n`).
void settle(int n) {
  wait_until([n] { return gocxx::num_goroutine() <= n; });
}

// The goroutine count a test starts from: the goroutines of earlier tests have all
// ended, except that a run()'s main may still be on its way out when run() returns.
int baseline() {
  auto deadline = clk::now() + kGenerous;
  while (gocxx::num_goroutine() != 0 && clk::now() < deadline) gocxx::yield();
  return gocxx::num_goroutine();
}

// Polls pred, yielding between tries, until it holds (true) or `limit` passes (false).
template <class Pred>
bool eventually(Pred pred, clk::duration limit = kGenerous) {
  auto deadline = clk::now() + limit;
  while (!pred()) {
    if (clk::now() > deadline) return false;
    gocxx::yield();
  }
  return true;
}

// White-box: whether a timer has fired and its value waits, unreceived, in its channel's
// internal one-slot buffer (size() says 0 for a timer channel, as Go 1.23's).
bool holds_value(const gocxx::recv_chan<steady_time>& c) {
  return detail::chan_access::core(c)->qcount.load(std::memory_order_acquire) != 0;
}

bool would_block(const gocxx::recv_chan<steady_time>& c) { return c.try_recv().status == chan_status::would_block; }

// At max_procs 1, returns once the calling goroutine runs on the one P left. A goroutine
// may start on a P that an M held (spinning) when max_procs shrank; that P retires, and
// its timers move, only when the goroutine schedules. The tests that rely on "no other P
// runs timers" call this first.
void settle_on_one_p() {
  while (detail::current_m()->pp->id >= gocxx::max_procs()) gocxx::yield();
}

// ---- sleep ----

TEST(Time, SleepNeverReturnsEarly) {
  const int base = baseline();
  gocxx::run([] {
    for (std::chrono::nanoseconds d :
         std::initializer_list<std::chrono::nanoseconds>{0ns, 1ns, 1us, 50us, 1ms, 2ms, 5ms, 10ms}) {
      auto t0 = clk::now();
      gocxx::sleep(d);
      auto slept = clk::now() - t0;
      EXPECT_GE(slept, d) << "sleep(" << d.count() << "ns) returned early";
      EXPECT_LT(slept, d + kGenerous);
    }
    // Other representations: floating milliseconds, seconds.
    auto t0 = clk::now();
    gocxx::sleep(std::chrono::duration<double, std::milli>(1.5));
    EXPECT_GE(clk::now() - t0, 1500us);
    t0 = clk::now();
    gocxx::sleep(std::chrono::duration<double>(0.002));
    EXPECT_GE(clk::now() - t0, 2ms);
    // sleep_until: not before the time point.
    for (auto d : {1ms, 3ms}) {
      steady_time until = clk::now() + d;
      gocxx::sleep_until(until);
      EXPECT_GE(clk::now(), until);
    }
  });
  settle(base);
}

TEST(Time, ManySleepsInARowEachLastTheirDuration) {
  // A goroutine's sleep timer is reused round after round; each sleep is still whole.
  const int base = baseline();
  std::atomic<int> early{0};
  gocxx::run([&] {
    gocxx::wait_group wg;
    for (int g = 0; g < 8; ++g) {
      wg.go([&, g] {
        for (int i = 0; i < 20; ++i) {
          auto d = std::chrono::microseconds(50 * ((g + i) % 7));
          auto t0 = clk::now();
          gocxx::sleep(d);
          if (clk::now() - t0 < d) early.fetch_add(1);
        }
      });
    }
    wg.wait();
  });
  settle(base);
  EXPECT_EQ(early.load(), 0);
}

TEST(Time, ZeroAndNegativeSleepsReturnAtOnceButYield) {
  const int base = baseline();
  procs_scope one(1);  // without a yield, a goroutine that waits for another would spin forever
  gocxx::run([] {
    auto t0 = clk::now();
    gocxx::sleep(0ns);
    gocxx::sleep(-1ms);
    gocxx::sleep(std::chrono::hours::min());
    gocxx::sleep(std::chrono::duration<double>(-1e300));
    gocxx::sleep_until(clk::now() - 1s);
    gocxx::sleep_until(steady_time{});
    gocxx::sleep_until(steady_time::min());
    EXPECT_LT(clk::now() - t0, kGenerous);

    // Three goroutines pass a turn around on one P, each waiting for it with a zero or
    // negative sleep, or a sleep_until a past time: they all make progress only if each
    // of those yields.
    constexpr int rounds = 200;
    std::atomic<int> turn{0};
    std::atomic<int> progress[3] = {0, 0, 0};
    gocxx::wait_group wg;
    auto player = [&](int me, auto wait) {
      wg.go([&, me, wait] {
        for (int r = 0; r < rounds; ++r) {
          while (turn.load() != me) wait();
          progress[me].fetch_add(1);
          turn.store((me + 1) % 3);
        }
      });
    };
    player(0, [] { gocxx::sleep(0ns); });
    player(1, [] { gocxx::sleep(-5ms); });
    player(2, [] { gocxx::sleep_until(clk::now() - 1ms); });
    wg.wait();
    for (auto& p : progress) EXPECT_EQ(p.load(), rounds);
  });
  settle(base);
}

TEST(Time, HugeDurationsSaturateAndNeverFire) {
  const int base = baseline();
  gocxx::run([] {
    std::vector<gocxx::timer> timers;
    timers.emplace_back(std::chrono::hours::max());
    timers.emplace_back(std::chrono::nanoseconds::max());
    timers.emplace_back(std::chrono::seconds::max());
    timers.emplace_back(std::chrono::duration<double>(1e300));
    timers.emplace_back(std::chrono::duration<double>(std::numeric_limits<double>::infinity()));
    timers.emplace_back(std::chrono::duration<long double, std::ratio<86400 * 365>>(1e30L));
    auto after = gocxx::after(std::chrono::hours::max());
    auto check = [&] {
      for (auto& t : timers) {
        EXPECT_TRUE(would_block(t.c()));
        EXPECT_FALSE(holds_value(t.c()));
        int taken = gocxx::select(gocxx::case_recv(t.c()), gocxx::case_default());
        EXPECT_EQ(taken, 1);
      }
      EXPECT_TRUE(would_block(after));
    };
    check();
    gocxx::sleep(5ms);  // any arithmetic overflow would have made them due by now
    check();
    for (auto& t : timers) EXPECT_TRUE(t.stop());
    for (auto& t : timers) EXPECT_FALSE(t.stop());
  });
  settle(base);
}

TEST(Time, SleepOnAPlainThreadBlocksOnlyThatThread) {
  const int base = baseline();
  procs_scope one(1);
  std::atomic<int> ticks{0};
  std::atomic<bool> thread_done{false};
  std::atomic<int> ticks_during_sleep{-1};
  clk::duration slept{};
  gocxx::run([&] {
    gocxx::go([&] {
      // Goroutine sleeps, driven by the runtime's timers, go on while the thread sleeps.
      while (!thread_done.load()) {
        gocxx::sleep(100us);
        ticks.fetch_add(1);
      }
    });
    wait_until([&] { return ticks.load() > 0; });
    std::thread th([&] {
      EXPECT_EQ(gocxx::goroutine_id(), 0u);
      int before = ticks.load();
      auto t0 = clk::now();
      gocxx::sleep(100ms);
      slept = clk::now() - t0;
      ticks_during_sleep.store(ticks.load() - before);
      auto t1 = clk::now();
      gocxx::sleep_until(t1 + 2ms);
      EXPECT_GE(clk::now(), t1 + 2ms);
      thread_done.store(true);
    });
    wait_until([&] { return thread_done.load(); });  // yields: never blocks the only P
    th.join();
  });
  settle(base);
  EXPECT_GE(slept, 100ms);
  EXPECT_GT(ticks_during_sleep.load(), 0) << "no goroutine sleep ended while a plain thread slept";
}

TEST(Time, HundredThousandSleepersAllWake) {
  const int base = baseline();
  std::atomic<int> early{0};
  auto t0 = clk::now();
  gocxx::run([&] {
    gocxx::wait_group wg;
    for (int i = 0; i < kSleepers; ++i) {
      wg.go([&] {
        auto start = clk::now();
        gocxx::sleep(10ms);
        if (clk::now() - start < 10ms) early.fetch_add(1);
      });
    }
    wg.wait();
  });
  auto elapsed = clk::now() - t0;
  settle(base);
  EXPECT_EQ(early.load(), 0);
  EXPECT_GE(elapsed, 10ms);
  EXPECT_LT(elapsed, 60s);
}

TEST(Time, SelectWithATimeout) {
  const int base = baseline();
  gocxx::run([] {
    chan<int> never(0);
    auto t0 = clk::now();
    std::optional<steady_time> fired;
    int taken = gocxx::select(gocxx::case_recv(never, [](std::optional<int>) {}),
                              gocxx::case_recv(gocxx::after(10ms), [&](std::optional<steady_time> v) { fired = v; }));
    EXPECT_EQ(taken, 1);
    EXPECT_GE(clk::now() - t0, 10ms);
    ASSERT_TRUE(fired);
    EXPECT_GE(*fired, t0 + 10ms);
    EXPECT_LE(*fired, clk::now());

    // The other case is ready: it is taken, and the timer is never waited for.
    chan<int> ready(1);
    ready.send(7);
    int got = 0;
    taken = gocxx::select(gocxx::case_recv(ready, [&](std::optional<int> v) { got = *v; }),
                          gocxx::case_recv(gocxx::after(1h)));
    EXPECT_EQ(taken, 0);
    EXPECT_EQ(got, 7);

    // A worker that answers in time wins over the timeout; one that does not, loses.
    chan<int> answer(0);
    gocxx::go([answer] {
      gocxx::sleep(1ms);
      answer.send(42);
    });
    taken = gocxx::select(gocxx::case_recv(answer, [&](std::optional<int> v) { got = *v; }),
                          gocxx::case_recv(gocxx::after(1h)));
    EXPECT_EQ(taken, 0);
    EXPECT_EQ(got, 42);
    chan<int> silent(0);
    t0 = clk::now();
    taken = gocxx::select(gocxx::case_recv(silent), gocxx::case_recv(gocxx::after(3ms)));
    EXPECT_EQ(taken, 1);
    EXPECT_GE(clk::now() - t0, 3ms);
  });
  settle(base);
}

TEST(Time, TimersFireWhileEveryGoroutineYieldsOnOneP) {
  // The only P never goes idle: its timers must run as it schedules.
  const int base = baseline();
  procs_scope one(1);
  gocxx::run([] {
    settle_on_one_p();
    // An after_func sets the flag a goroutine yields on.
    std::atomic<bool> fired{false};
    gocxx::after_func(5ms, [&] { fired.store(true); });
    EXPECT_TRUE(eventually([&] { return fired.load(); }));

    // A timer channel polled with try_recv.
    gocxx::timer t(5ms);
    EXPECT_TRUE(eventually([&] { return t.c().try_recv().status == chan_status::ok; }));

    // main sleeps while two goroutines yield in a loop: its sleep still ends.
    std::atomic<bool> stop{false};
    gocxx::wait_group wg;
    for (int i = 0; i < 2; ++i) {
      wg.go([&] {
        while (!stop.load()) gocxx::yield();
      });
    }
    auto t0 = clk::now();
    gocxx::sleep(5ms);
    auto slept = clk::now() - t0;
    stop.store(true);
    wg.wait();
    EXPECT_GE(slept, 5ms);
    EXPECT_LT(slept, kGenerous);
  });
  settle(base);
}

TEST(Time, TimersOfABusyPFireOnAnotherP) {
  // A goroutine arms a timer on its P and then spins without ever scheduling: the other
  // P, idle, must run that P's due timers (Go's timer stealing). A plain thread waits
  // for the timer and ends the spin.
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs two CPUs";
  const int base = baseline();
  procs_scope two(2);
  std::atomic<bool> received{false}, timed_out{false};
  std::optional<steady_time> v;
  gocxx::run([&] {
    gocxx::timer t(2ms);
    std::thread th([&, c = t.c()] {
      v = c.recv();
      received.store(true);
    });
    auto give_up = clk::now() + kGenerous;
    while (!received.load()) {  // never yields: this P runs no timers meanwhile
      if (clk::now() > give_up) {
        timed_out.store(true);
        (void)t.reset(0ns);  // let the thread go
        break;
      }
    }
    wait_until([&] { return received.load(); });
    th.join();
  });
  settle(base);
  EXPECT_FALSE(timed_out.load()) << "the busy P's timer did not fire within " << kGenerous.count() << " s";
  ASSERT_TRUE(v);
  EXPECT_LE(*v, clk::now());
}

TEST(Time, SleepersWakeAcrossMaxProcsChanges) {
  // Sleep timers sit on the heaps of the Ps their goroutines parked on; shrinking
  // max_procs moves a retired P's timers, growing it adds heaps. Every sleeper wakes.
  const int base = baseline();
  procs_scope restore(gocxx::max_procs());
  constexpr int n = 200;
  std::atomic<int> woke{0}, early{0};
  gocxx::run([&] {
    gocxx::set_max_procs(4);
    for (int round = 0; round < 3; ++round) {
      gocxx::wait_group wg;
      for (int i = 0; i < n; ++i) {
        wg.go([&, i] {
          auto d = std::chrono::microseconds(1000 + 10 * (i % 100));
          auto t0 = clk::now();
          gocxx::sleep(d);
          if (clk::now() - t0 < d) early.fetch_add(1);
          woke.fetch_add(1);
        });
      }
      gocxx::set_max_procs(round % 2 == 0 ? 1 : 3);
      gocxx::yield();
      gocxx::set_max_procs(round % 2 == 0 ? 2 : 1);
      wg.wait();
      gocxx::set_max_procs(4);
    }
  });
  settle(base);
  EXPECT_EQ(woke.load(), 3 * n);
  EXPECT_EQ(early.load(), 0);
}

TEST(Time, SelectOverSeveralTimers) {
  const int base = baseline();
  gocxx::run([] {
    auto t0 = clk::now();
    gocxx::timer a(1h), b(2ms), c(1h);
    steady_time got{};
    int taken =
        gocxx::select(gocxx::case_recv(a.c()), gocxx::case_recv(b.c(), [&](std::optional<steady_time> v) { got = *v; }),
                      gocxx::case_recv(c.c()));
    EXPECT_EQ(taken, 1);
    EXPECT_GE(got, t0 + 2ms);
    EXPECT_TRUE(a.stop());
    EXPECT_FALSE(b.stop());
    EXPECT_TRUE(c.stop());
    // Many goroutines each wait in a select on their own timer and a shared quit
    // channel: all timers fire and each select takes its timer.
    constexpr int n = 100;
    std::atomic<int> timer_won{0};
    chan<int> quit(0);
    gocxx::wait_group wg;
    for (int i = 0; i < n; ++i) {
      wg.go([&, i] {
        if (gocxx::select(gocxx::case_recv(quit), gocxx::case_recv(gocxx::after(std::chrono::microseconds(i * 10)))) ==
            1) {
          timer_won.fetch_add(1);
        }
      });
    }
    wg.wait();
    EXPECT_EQ(timer_won.load(), n);
  });
  settle(base);
}

TEST(Time, IdleRuntimeWithAnArmedTimerUsesNoCpu) {
  // A timer an hour away is the earliest deadline: the idle Ms must sleep until it, not
  // poll. Measured over an idle second: under 1% of a core (the behaviour is about CPU).
  const int base = baseline();
  gocxx::timer far;
  gocxx::run([&] {
    far = gocxx::timer(1h);
    std::atomic<int> done{0};
    for (int i = 0; i < 100; ++i) {
      gocxx::go([&] {
        gocxx::sleep(1ms);
        done.fetch_add(1);
      });
    }
    wait_until([&] { return done.load() == 100; });
  });
  settle(base);
  std::this_thread::sleep_for(100ms);
  double before = runtime_cpu_seconds();
  auto t0 = clk::now();
  std::this_thread::sleep_for(1s);
  double used = runtime_cpu_seconds() - before;
  double elapsed = std::chrono::duration<double>(clk::now() - t0).count();
  EXPECT_LT(used, 0.01 * elapsed) << "CPU seconds used by an idle runtime's threads over " << elapsed << " s";
  EXPECT_TRUE(would_block(far.c()));
  EXPECT_TRUE(far.stop());
}

// ---- timers ----

TEST(Timer, ReceivesItsDeadlineOnce) {
  const int base = baseline();
  gocxx::run([] {
    for (auto d : {0ms, 1ms, 5ms}) {
      auto lo = clk::now();
      gocxx::timer t(d);
      auto hi = clk::now();
      EXPECT_TRUE(t);
      std::optional<steady_time> v = t.c().recv();
      auto at = clk::now();
      ASSERT_TRUE(v);
      // The value sent is the deadline itself (Go's), and it is not early.
      EXPECT_GE(*v, lo + d);
      EXPECT_LE(*v, hi + d);
      EXPECT_GE(at, *v);
      EXPECT_LT(at - lo, d + kGenerous);
      EXPECT_FALSE(t.stop());  // fired and received
      gocxx::sleep(2ms);
      EXPECT_TRUE(would_block(t.c()));  // once only
    }
  });
  settle(base);
}

TEST(Timer, ZeroAndNegativeDurationsFireAtOnce) {
  const int base = baseline();
  gocxx::run([] {
    auto t0 = clk::now();
    std::vector<gocxx::timer> timers;
    timers.emplace_back(0ns);
    timers.emplace_back(-1ms);
    timers.emplace_back(-24h);
    timers.emplace_back(std::chrono::hours::min());
    timers.emplace_back(std::chrono::duration<double>(-1e300));
    timers.emplace_back(std::chrono::duration<double>(std::nan("")));  // NaN: zero
    for (auto& t : timers) {
      std::optional<steady_time> v = t.c().recv();
      ASSERT_TRUE(v);
      EXPECT_LE(*v, clk::now());
    }
    EXPECT_TRUE(gocxx::after(0ms).recv());
    EXPECT_TRUE(gocxx::after(-1s).recv());
    EXPECT_LT(clk::now() - t0, kGenerous);
  });
  settle(base);
}

TEST(Timer, ChannelTimersFireInDeadlineOrder) {
  // 1,000 timers with distinct random durations (0 to 50 ms) from one goroutine at
  // procs 1. The timer goroutine polls them all without yielding, so each scan sees the
  // timers frozen (only its own P runs timers, and only when it schedules); a scan then
  // sleeps 200 us (pacing only). If timers fire in deadline order, a timer first seen
  // in an earlier scan never has a later deadline than one first seen in a later scan.
  // The value received is the deadline, so the check is exact.
  const int base = baseline();
  procs_scope one(1);
  constexpr int n = 1000;
  gocxx::run([] {
    settle_on_one_p();
    std::vector<int> slot(n);
    std::iota(slot.begin(), slot.end(), 0);
    std::shuffle(slot.begin(), slot.end(), std::mt19937(20240601));
    std::vector<gocxx::timer> timers;
    std::vector<steady_time> lo(n), hi(n);
    std::vector<clk::duration> dur(n);
    timers.reserve(n);
    for (int i = 0; i < n; ++i) {
      dur[i] = slot[i] * 50us;
      lo[i] = clk::now();
      timers.emplace_back(dur[i]);
      hi[i] = clk::now();
    }
    std::vector<steady_time> value(n);
    std::vector<int> scan_of(n, -1);
    std::vector<int> pending(n);
    std::iota(pending.begin(), pending.end(), 0);
    std::vector<steady_time> scan_end;
    auto give_up = clk::now() + kGenerous;
    for (int scan = 0; !pending.empty() && clk::now() < give_up; ++scan) {
      std::erase_if(pending, [&](int i) {
        auto r = timers[i].c().try_recv();
        if (!r) return false;
        value[i] = *r.value;
        scan_of[i] = scan;
        return true;
      });
      scan_end.push_back(clk::now());
      gocxx::sleep(200us);
    }
    ASSERT_TRUE(pending.empty()) << pending.size() << " timers never fired";
    int bad_bounds = 0, early = 0;
    for (int i = 0; i < n; ++i) {
      if (value[i] < lo[i] + dur[i] || value[i] > hi[i] + dur[i]) ++bad_bounds;
      if (value[i] > scan_end[scan_of[i]]) ++early;  // seen before its deadline
    }
    EXPECT_EQ(bad_bounds, 0) << "values that are not the timer's deadline";
    EXPECT_EQ(early, 0) << "timers that fired before their deadline";
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return std::pair(scan_of[a], value[a]) < std::pair(scan_of[b], value[b]); });
    int out_of_order = 0;
    for (int k = 1; k < n; ++k) out_of_order += value[order[k]] < value[order[k - 1]];
    EXPECT_EQ(out_of_order, 0) << "timers that fired before one with an earlier deadline";
    EXPECT_GT(scan_of[order[n - 1]], scan_of[order[0]]);  // they did not all fire at once
  });
  settle(base);
}

TEST(Timer, StoppedTimerNeverFires) {
  const int base = baseline();
  gocxx::run([] {
    for (auto d : {0ms, 1ms, 2ms}) {
      gocxx::timer t(d);
      // Stopped before its deadline, or fired but not received (Go 1.23: the value is
      // discarded): either way stop() reports it stopped the timer.
      EXPECT_TRUE(t.stop());
      EXPECT_FALSE(t.stop());
      gocxx::sleep(d + 5ms);
      EXPECT_TRUE(would_block(t.c()));
      EXPECT_FALSE(holds_value(t.c()));
      EXPECT_FALSE(t.stop());
    }
    // Fired (surely: waited for, white-box) but not received.
    gocxx::timer t(0ns);
    EXPECT_TRUE(eventually([&] { return holds_value(t.c()); }));
    EXPECT_TRUE(t.stop());
    EXPECT_TRUE(would_block(t.c()));
    EXPECT_FALSE(t.stop());
  });
  settle(base);
}

TEST(Timer, StopBeforeTheDeadlineAtOneP) {
  // At procs 1 nothing fires between two statements of the running goroutine.
  const int base = baseline();
  procs_scope one(1);
  gocxx::run([] {
    settle_on_one_p();
    std::vector<gocxx::timer> timers;
    for (int i = 0; i < 100; ++i) timers.emplace_back(std::chrono::microseconds(i));
    for (auto& t : timers) EXPECT_TRUE(t.stop());
    gocxx::sleep(1ms);
    for (auto& t : timers) EXPECT_TRUE(would_block(t.c()));
  });
  settle(base);
}

TEST(Timer, ResetOfAnUnfiredTimer) {
  const int base = baseline();
  gocxx::run([] {
    gocxx::timer t(1h);
    EXPECT_TRUE(t.reset(1h));
    EXPECT_TRUE(would_block(t.c()));
    auto t0 = clk::now();
    EXPECT_TRUE(t.reset(5ms));
    std::optional<steady_time> v = t.c().recv();
    ASSERT_TRUE(v);
    EXPECT_GE(*v, t0 + 5ms);
    EXPECT_GE(clk::now(), *v);
    EXPECT_TRUE(would_block(t.c()));
    EXPECT_FALSE(t.stop());
  });
  settle(base);
}

TEST(Timer, ResetOfAFiredButUnreceivedTimerDropsTheOldValue) {
  const int base = baseline();
  gocxx::run([] {
    auto t0 = clk::now();
    gocxx::timer t(1ms);
    EXPECT_TRUE(eventually([&] { return holds_value(t.c()); }));  // fired, not received
    EXPECT_EQ(t.c().size(), 0u);
    EXPECT_EQ(t.c().capacity(), 0u);
    EXPECT_TRUE(t.reset(1h));  // as Go 1.23: true, the value is gone
    EXPECT_FALSE(holds_value(t.c()));
    EXPECT_TRUE(would_block(t.c()));
    auto t1 = clk::now();
    EXPECT_TRUE(t.reset(3ms));
    std::optional<steady_time> v = t.c().recv();
    ASSERT_TRUE(v);
    EXPECT_GE(*v, t1 + 3ms) << "received the value from before the reset (deadline ~"
                            << std::chrono::duration<double, std::micro>(*v - t0).count() << " us after start)";
    EXPECT_TRUE(would_block(t.c()));

    // The same through a reset to a short duration straight away.
    gocxx::timer u(0ns);
    EXPECT_TRUE(eventually([&] { return holds_value(u.c()); }));
    auto t2 = clk::now();
    EXPECT_TRUE(u.reset(2ms));
    v = u.c().recv();
    ASSERT_TRUE(v);
    EXPECT_GE(*v, t2 + 2ms);
  });
  settle(base);
}

TEST(Timer, ResetOfAFiredAndReceivedTimer) {
  const int base = baseline();
  gocxx::run([] {
    gocxx::timer t(1ms);
    ASSERT_TRUE(t.c().recv());
    EXPECT_FALSE(t.reset(1h));
    EXPECT_TRUE(would_block(t.c()));
    auto t0 = clk::now();
    EXPECT_TRUE(t.reset(2ms));  // armed (an hour away) when reset
    std::optional<steady_time> v = t.c().recv();
    ASSERT_TRUE(v);
    EXPECT_GE(*v, t0 + 2ms);
    EXPECT_FALSE(t.reset(1h));
    EXPECT_TRUE(t.stop());
  });
  settle(base);
}

TEST(Timer, ResetOfAStoppedTimer) {
  const int base = baseline();
  gocxx::run([] {
    gocxx::timer t(1h);
    EXPECT_TRUE(t.stop());
    EXPECT_FALSE(t.reset(1h));
    EXPECT_TRUE(would_block(t.c()));
    EXPECT_TRUE(t.stop());
    auto t0 = clk::now();
    EXPECT_FALSE(t.reset(1ms));  // stopped again above
    std::optional<steady_time> v = t.c().recv();
    ASSERT_TRUE(v);
    EXPECT_GE(*v, t0 + 1ms);
    // Stopped after firing, unreceived: the discarded value is not seen after a reset.
    gocxx::timer u(0ns);
    EXPECT_TRUE(eventually([&] { return holds_value(u.c()); }));
    EXPECT_TRUE(u.stop());
    EXPECT_FALSE(u.reset(1h));
    EXPECT_TRUE(would_block(u.c()));
    EXPECT_TRUE(u.stop());
  });
  settle(base);
}

TEST(Timer, ChannelLooksUnbuffered) {
  const int base = baseline();
  gocxx::run([] {
    gocxx::timer t(1ms);
    auto zero = [&] {
      EXPECT_EQ(t.c().size(), 0u);
      EXPECT_EQ(t.c().capacity(), 0u);
    };
    zero();
    EXPECT_TRUE(eventually([&] { return holds_value(t.c()); }));
    zero();  // fired, before receiving
    ASSERT_TRUE(t.c().recv());
    zero();
    EXPECT_FALSE(t.reset(0ns));  // fired and received
    EXPECT_TRUE(eventually([&] { return holds_value(t.c()); }));
    zero();
    gocxx::ticker tk(100us);
    EXPECT_TRUE(eventually([&] { return holds_value(tk.c()); }));
    EXPECT_EQ(tk.c().size(), 0u);
    EXPECT_EQ(tk.c().capacity(), 0u);
    tk.stop();
  });
  settle(base);
}

TEST(Timer, HandlesAreSharedCopies) {
  const int base = baseline();
  gocxx::run([] {
    gocxx::timer a(1h);
    gocxx::timer b = a;
    EXPECT_TRUE(a.c() == b.c());
    EXPECT_TRUE(b.stop());
    EXPECT_FALSE(a.stop());
    EXPECT_FALSE(a.reset(1ms));
    ASSERT_TRUE(b.c().recv());
    gocxx::timer c;
    c = b;
    EXPECT_FALSE(c.stop());
    EXPECT_TRUE(gocxx::timer{}.c() == nullptr);
    EXPECT_FALSE(gocxx::timer{});
  });
  settle(base);
}

TEST(Timer, ItsChannelAloneKeepsItArmed) {
  // Dropping the timer handle but keeping its channel: it still fires.
  const int base = baseline();
  gocxx::run([] {
    gocxx::recv_chan<steady_time> c;
    auto t0 = clk::now();
    {
      gocxx::timer t(2ms);
      c = t.c();
    }
    std::optional<steady_time> v = c.recv();
    ASSERT_TRUE(v);
    EXPECT_GE(*v, t0 + 2ms);
    auto tc = gocxx::tick(1ms);
    ASSERT_TRUE(tc.recv());
    ASSERT_TRUE(tc.recv());
  });
  settle(base);
}

TEST(Timer, DroppedTimersDoNothing) {
  // Timers and tickers dropped before, at and after their deadlines, with a value
  // waiting or not: nothing may touch them after the last handle goes (AddressSanitizer
  // checks the frees), and nothing is left running.
  const int base = baseline();
  gocxx::run([] {
    for (int i = 0; i < 1000; ++i) {
      { gocxx::timer t(std::chrono::microseconds(i % 3 * 500)); }
      { (void)gocxx::after(std::chrono::microseconds(i % 5 * 300)); }
      if (i % 10 == 0) {
        gocxx::ticker tk(std::chrono::microseconds(100 + i % 7 * 100));
      }
    }
    {
      // Dropped with its value in the buffer.
      gocxx::timer fired(0ns);
      EXPECT_TRUE(eventually([&] { return holds_value(fired.c()); }));
    }
    {
      // A running ticker dropped with a tick pending.
      gocxx::ticker tk(100us);
      ASSERT_TRUE(tk.c().recv());
      EXPECT_TRUE(eventually([&] { return holds_value(tk.c()); }));
    }
    gocxx::sleep(5ms);  // the deadlines pass: the zombies are popped and freed
  });
  settle(base);
}

TEST(Timer, AfterInALoopLeaksNothing) {
  // time.After in a select whose other case is always ready: each timer's last handle
  // goes at the end of the select, and must free it although it is an hour away.
  const int base = baseline();
  procs_scope one(1);  // every timer on one heap, for the white-box size check
  constexpr int n = kSanitized ? 100'000 : 1'000'000;
  std::size_t rss_early = 0, rss_end = 0, heap_entries = 0;
  int ready_taken = 0;
  gocxx::run([&] {
    settle_on_one_p();
    chan<int> closed(0);
    closed.close();  // a receive on it is always ready
    for (int i = 0; i < n; ++i) {
      if (i == n / 10) rss_early = rss_bytes();
      int taken = gocxx::select(gocxx::case_recv(closed), gocxx::case_recv(gocxx::after(1h)));
      ready_taken += taken == 0;
    }
    rss_end = rss_bytes();
    detail::timer_heap* h = detail::current_timer_heap();
    h->lock.lock();
    heap_entries = h->heap.size();
    h->lock.unlock();
  });
  settle(base);
  EXPECT_EQ(ready_taken, n);
  EXPECT_LT(heap_entries, 10'000u) << "entries (zombies) left on the timer heap after " << n << " dropped timers";
  if (!kSanitized) {
    EXPECT_LT(rss_end, rss_early + (32u << 20))
        << "RSS grew " << (static_cast<double>(rss_end) - static_cast<double>(rss_early)) / (1 << 20) << " MiB";
  }
}

TEST(Timer, TimerAndTickerHandlesInALoopLeakNothing) {
  // The same loops with timer and ticker handles (not after/tick): the reference for
  // the two above (growth there ~0.1 MiB natively).
  const int base = baseline();
  constexpr int n = kSanitized ? 50'000 : 300'000;
  std::size_t rss_early = 0, rss_end = 0;
  gocxx::run([&] {
    chan<int> closed(0);
    closed.close();
    for (int i = 0; i < n; ++i) {
      if (i == n / 10) rss_early = rss_bytes();
      (void)gocxx::select(gocxx::case_recv(closed), gocxx::case_recv(gocxx::timer(1h).c()));
      gocxx::ticker tk(1h);
    }
    rss_end = rss_bytes();
  });
  settle(base);
  if (!kSanitized) {
    EXPECT_LT(rss_end, rss_early + (8u << 20))
        << "RSS grew " << (static_cast<double>(rss_end) - static_cast<double>(rss_early)) / (1 << 20) << " MiB";
  }
}

TEST(Timer, ConcurrentStopResetAndReceive) {
  // Goroutines on every P stop, reset and poll one timer at once (TSan checks the
  // locking). Afterwards a stop() leaves nothing to receive, and a reset's value is new.
  const int base = baseline();
  constexpr int workers = 4, iterations = kTsan ? 200 : 2000;
  gocxx::run([&] {
    gocxx::timer t(100us);
    gocxx::wait_group wg;
    for (int w = 0; w < workers; ++w) {
      wg.go([&, t, w] {
        std::minstd_rand rng(static_cast<unsigned>(w + 1));
        for (int i = 0; i < iterations; ++i) {
          switch (rng() % 4) {
            case 0:
              (void)t.reset(std::chrono::microseconds(rng() % 200));
              break;
            case 1:
              (void)t.stop();
              break;
            case 2:
              (void)t.c().try_recv();
              break;
            default:
              (void)t.reset(0ns);
              break;
          }
          if (i % 64 == 0) gocxx::yield();
        }
      });
    }
    wg.wait();
    (void)t.stop();
    gocxx::sleep(1ms);
    EXPECT_TRUE(would_block(t.c()));
    auto t0 = clk::now();
    EXPECT_FALSE(t.reset(0ns));
    std::optional<steady_time> v = t.c().recv();
    ASSERT_TRUE(v);
    EXPECT_GE(*v, t0);
  });
  settle(base);
}

TEST(Timer, PlainThreadReceivesFromATimer) {
  const int base = baseline();
  gocxx::timer t(5ms);  // made on this plain thread
  auto t0 = clk::now();
  std::optional<steady_time> v;
  steady_time woke{};
  std::thread th([&] {
    v = t.c().recv();  // blocks the thread; the runtime's timer wakes it
    woke = clk::now();
  });
  th.join();
  ASSERT_TRUE(v);
  EXPECT_GE(woke, *v);
  EXPECT_LT(woke - t0, kGenerous);
  // And a goroutine's timer received on a plain thread.
  gocxx::run([&] {
    gocxx::timer u(2ms);
    std::atomic<bool> done{false};
    std::thread th2([&] {
      v = u.c().recv();
      done.store(true);
    });
    wait_until([&] { return done.load(); });
    th2.join();
  });
  ASSERT_TRUE(v);
  EXPECT_LE(*v, clk::now());
  settle(base);
}

TEST(Timer, PlainThreadMakesATimerAGoroutineReceivesIt) {
  const int base = baseline();
  chan<gocxx::recv_chan<steady_time>> handoff(1);
  steady_time made{};
  std::thread th([&] {
    made = clk::now();
    gocxx::timer t(3ms);
    handoff.send(t.c());
  });  // the thread's timer handle is gone; the channel keeps the timer
  th.join();
  gocxx::run([&] {
    auto c = handoff.recv();
    ASSERT_TRUE(c);
    std::optional<steady_time> v = c->recv();
    ASSERT_TRUE(v);
    EXPECT_GE(*v, made + 3ms);
    EXPECT_GE(clk::now(), *v);
  });
  settle(base);
}

// ---- tickers ----

TEST(Ticker, TicksAreOnThePeriodGrid) {
  const int base = baseline();
  gocxx::run([] {
    constexpr auto period = 2ms;
    auto lo = clk::now();
    gocxx::ticker tk(period);
    auto hi = clk::now();
    EXPECT_TRUE(tk);
    std::vector<steady_time> ticks;
    for (int k = 0; k < 6; ++k) {
      std::optional<steady_time> v = tk.c().recv();
      ASSERT_TRUE(v);
      EXPECT_LE(*v, clk::now());
      ticks.push_back(*v);
    }
    tk.stop();
    EXPECT_GE(ticks[0], lo + period);
    EXPECT_LE(ticks[0], hi + period);
    for (std::size_t k = 1; k < ticks.size(); ++k) {
      auto since = ticks[k] - ticks[0];
      EXPECT_GT(ticks[k], ticks[k - 1]);
      EXPECT_GE(since, static_cast<int>(k) * period);
      EXPECT_EQ(since % period, 0ns) << "tick " << k << " is off the period's grid";
    }
  });
  settle(base);
}

TEST(Ticker, StoppedTickerDeliversNothing) {
  const int base = baseline();
  gocxx::run([] {
    gocxx::ticker tk(1ms);
    ASSERT_TRUE(tk.c().recv());
    EXPECT_TRUE(eventually([&] { return holds_value(tk.c()); }));  // a tick is pending
    tk.stop();
    EXPECT_TRUE(would_block(tk.c()));  // the pending one too is gone
    gocxx::sleep(3ms);
    EXPECT_TRUE(would_block(tk.c()));
    tk.stop();  // twice: nothing
    // Go allows restarting a stopped ticker with reset.
    auto t0 = clk::now();
    tk.reset(1ms);
    std::optional<steady_time> v = tk.c().recv();
    ASSERT_TRUE(v);
    EXPECT_GE(*v, t0 + 1ms);
    tk.stop();
  });
  settle(base);
}

TEST(Ticker, SlowReceiverGetsNoBacklog) {
  // At procs 1 no tick can fire between two statements of the running goroutine, so the
  // second try_recv right after the first one must find nothing.
  const int base = baseline();
  procs_scope one(1);
  gocxx::run([] {
    settle_on_one_p();
    constexpr auto period = 1ms;
    gocxx::ticker tk(period);
    gocxx::sleep(20ms);  // ~20 periods missed
    auto first = tk.c().try_recv();
    auto second = tk.c().try_recv();
    ASSERT_EQ(first.status, chan_status::ok);
    EXPECT_EQ(second.status, chan_status::would_block) << "a slow receiver got a backlog of ticks";
    std::optional<steady_time> next = tk.c().recv();
    ASSERT_TRUE(next);
    EXPECT_GT(*next, *first.value);
    EXPECT_EQ((*next - *first.value) % period, 0ns);
    tk.stop();
  });
  settle(base);
}

TEST(Ticker, ResetChangesThePeriod) {
  const int base = baseline();
  gocxx::run([] {
    gocxx::ticker tk(1h);
    auto t0 = clk::now();
    tk.reset(2ms);
    std::vector<steady_time> ticks;
    for (int k = 0; k < 3; ++k) {
      std::optional<steady_time> v = tk.c().recv();
      ASSERT_TRUE(v);
      ticks.push_back(*v);
    }
    EXPECT_GE(ticks[0], t0 + 2ms);
    for (std::size_t k = 1; k < ticks.size(); ++k) {
      EXPECT_GE(ticks[k] - ticks[k - 1], 2ms);
      EXPECT_EQ((ticks[k] - ticks[0]) % 2ms, 0ns);
    }
    // From fast to slow, with a tick pending: that tick is dropped, the next is the
    // new period away.
    EXPECT_TRUE(eventually([&] { return holds_value(tk.c()); }));
    auto t1 = clk::now();
    tk.reset(5ms);
    EXPECT_TRUE(would_block(tk.c()));
    std::optional<steady_time> v = tk.c().recv();
    ASSERT_TRUE(v);
    EXPECT_GE(*v, t1 + 5ms);
    // Reset an hour away: nothing more.
    tk.reset(1h);
    EXPECT_TRUE(would_block(tk.c()));
    gocxx::sleep(6ms);
    EXPECT_TRUE(would_block(tk.c()));
    tk.stop();
  });
  settle(base);
}

TEST(Ticker, TickFunction) {
  const int base = baseline();
  gocxx::run([] {
    auto c = gocxx::tick(1ms);
    ASSERT_TRUE(c != nullptr);
    std::optional<steady_time> a = c.recv(), b = c.recv();
    ASSERT_TRUE(a && b);
    EXPECT_GT(*b, *a);
    EXPECT_EQ((*b - *a) % 1ms, 0ns);
    // for t := range time.Tick(d)
    int n = 0;
    steady_time last{};
    for (steady_time t : gocxx::tick(500us)) {
      EXPECT_GT(t, last);
      last = t;
      if (++n == 3) break;
    }
    EXPECT_EQ(n, 3);
    // A non-positive period gives a nil channel: select never picks it.
    EXPECT_TRUE(gocxx::tick(0ms) == nullptr);
    EXPECT_TRUE(gocxx::tick(-1s) == nullptr);
    EXPECT_FALSE(gocxx::tick(0ns));
    auto nil = gocxx::tick(0ms);
    EXPECT_EQ(gocxx::select(gocxx::case_recv(nil), gocxx::case_default()), 1);
    EXPECT_EQ(gocxx::select(gocxx::case_recv(nil), gocxx::case_recv(gocxx::after(1ms))), 1);
  });
  settle(base);
}

TEST(Ticker, PlainThreadReceivesTicks) {
  const int base = baseline();
  std::vector<steady_time> ticks;
  std::thread th([&] {
    gocxx::ticker tk(1ms);
    for (int k = 0; k < 3; ++k) {
      if (auto v = tk.c().recv()) ticks.push_back(*v);
    }
    tk.stop();
  });
  th.join();
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_LT(ticks[0], ticks[1]);
  EXPECT_LT(ticks[1], ticks[2]);
  settle(base);
}

TEST(Ticker, TickInALoopLeaksNothing) {
  // time.Tick's ticker lives as long as its channel: dropping the channel frees it.
  // (8 MiB over 270,000 iterations: a leak of one timer record each, ~96 bytes, shows.)
  const int base = baseline();
  constexpr int n = kSanitized ? 50'000 : 300'000;
  std::size_t rss_early = 0, rss_end = 0;
  gocxx::run([&] {
    for (int i = 0; i < n; ++i) {
      if (i == n / 10) rss_early = rss_bytes();
      auto c = gocxx::tick(1h);
      ASSERT_TRUE(c != nullptr);
    }
    rss_end = rss_bytes();
  });
  settle(base);
  if (!kSanitized) {
    EXPECT_LT(rss_end, rss_early + (8u << 20))
        << "RSS grew " << (static_cast<double>(rss_end) - static_cast<double>(rss_early)) / (1 << 20) << " MiB";
  }
}

// ---- misuse ----

TEST(TimeMisuse, UninitializedTimerPanics) {
  gocxx::run([] {
    EXPECT_PANIC(gocxx::timer{}.stop(), "time: Stop called on uninitialized Timer");
    EXPECT_PANIC(gocxx::timer{}.reset(1ms), "time: Reset called on uninitialized Timer");
    EXPECT_TRUE(gocxx::timer{}.c() == nullptr);
  });
  // And on a plain thread.
  EXPECT_PANIC(gocxx::timer{}.stop(), "time: Stop called on uninitialized Timer");
}

TEST(TimeMisuse, NonPositiveTickerIntervalPanics) {
  gocxx::run([] {
    EXPECT_PANIC((void)gocxx::ticker(0ms), "non-positive interval for NewTicker");
    EXPECT_PANIC((void)gocxx::ticker(-1ms), "non-positive interval for NewTicker");
    EXPECT_PANIC((void)gocxx::ticker(std::chrono::hours::min()), "non-positive interval for NewTicker");
    EXPECT_PANIC((void)gocxx::ticker(std::chrono::duration<double>(0.1e-9)), "non-positive interval for NewTicker");
    gocxx::ticker tk(1h);
    EXPECT_PANIC(tk.reset(0ms), "non-positive interval for Ticker.Reset");
    EXPECT_PANIC(tk.reset(-5s), "non-positive interval for Ticker.Reset");
    EXPECT_TRUE(would_block(tk.c()));  // the failed resets left it as it was
    tk.stop();
  });
}

TEST(TimeMisuse, UninitializedTicker) {
  gocxx::run([] {
    EXPECT_PANIC(gocxx::ticker{}.reset(1ms), "time: Reset called on uninitialized Ticker");
    EXPECT_NO_THROW(gocxx::ticker{}.stop());
    EXPECT_FALSE(gocxx::ticker{});
    EXPECT_TRUE(gocxx::ticker{}.c() == nullptr);
  });
}

// ---- after_func ----

TEST(AfterFunc, RunsOnceInAGoroutineOfItsOwn) {
  const int base = baseline();
  gocxx::run([] {
    chan<std::uint64_t> ran(4);
    std::uint64_t me = gocxx::goroutine_id();
    auto t0 = clk::now();
    std::atomic<std::int64_t> at_ns{0};
    gocxx::timer f = gocxx::after_func(2ms, [ran, &at_ns, t0] {
      at_ns.store((clk::now() - t0).count());
      ran.send(gocxx::goroutine_id());
    });
    EXPECT_TRUE(f);
    std::optional<std::uint64_t> id = ran.recv();
    ASSERT_TRUE(id);
    EXPECT_NE(*id, 0u);
    EXPECT_NE(*id, me);
    EXPECT_GE(std::chrono::nanoseconds(at_ns.load()), 2ms);
    gocxx::sleep(5ms);
    EXPECT_EQ(ran.try_recv().status, chan_status::would_block);  // it ran once only
    EXPECT_FALSE(f.stop());
  });
  settle(base);
}

TEST(AfterFunc, ItsChannelIsNil) {
  const int base = baseline();
  gocxx::run([] {
    gocxx::timer f = gocxx::after_func(1h, [] {});
    EXPECT_TRUE(f.c() == nullptr);
    EXPECT_EQ(gocxx::select(gocxx::case_recv(f.c()), gocxx::case_default()), 1);
    EXPECT_TRUE(f.stop());
  });
  settle(base);
}

TEST(AfterFunc, StopBeforeItFiresCancelsIt) {
  const int base = baseline();
  procs_scope one(1);  // nothing fires between after_func and stop
  std::atomic<int> runs{0};
  gocxx::run([&] {
    settle_on_one_p();
    std::vector<gocxx::timer> fs;
    for (int i = 0; i < 50; ++i)
      fs.push_back(gocxx::after_func(std::chrono::microseconds(i * 20), [&] { runs.fetch_add(1); }));
    for (auto& f : fs) EXPECT_TRUE(f.stop());
    for (auto& f : fs) EXPECT_FALSE(f.stop());
    gocxx::sleep(5ms);
    // Reset of a stopped after_func returns false and arms it again.
    EXPECT_FALSE(fs[0].reset(0ns));
    EXPECT_TRUE(eventually([&] { return runs.load() == 1; }));
  });
  settle(base);
  EXPECT_EQ(runs.load(), 1);
}

TEST(AfterFunc, ResetAfterItFiredRunsItAgain) {
  const int base = baseline();
  gocxx::run([] {
    chan<int> ran(4);
    gocxx::timer f = gocxx::after_func(1ms, [ran] { ran.send(1); });
    ASSERT_TRUE(ran.recv());
    EXPECT_FALSE(f.reset(1ms));  // it had fired
    ASSERT_TRUE(ran.recv());
    EXPECT_FALSE(f.reset(1h));  // it had fired again
    EXPECT_TRUE(f.reset(1ms));  // pending (an hour away): re-armed, runs once
    ASSERT_TRUE(ran.recv());
    gocxx::sleep(3ms);
    EXPECT_EQ(ran.try_recv().status, chan_status::would_block);
  });
  settle(base);
}

TEST(AfterFunc, DroppingTheHandleDoesNotCancelIt) {
  const int base = baseline();
  gocxx::run([] {
    chan<int> ran(8);
    for (int i = 0; i < 5; ++i) gocxx::after_func(std::chrono::microseconds(i * 300), [ran, i] { ran.send(i); });
    std::vector<int> got;
    for (int i = 0; i < 5; ++i) {
      auto v = ran.recv();
      ASSERT_TRUE(v);
      got.push_back(*v);
    }
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4}));
  });
  settle(base);
}

TEST(AfterFunc, ItsFunctionIsFreedOnceItCannotRun) {
  // The callable (and what it captured) is destroyed once the timer has run, or is
  // stopped with its handles gone and its stale heap entry has come due.
  const int base = baseline();
  auto ran_token = std::make_shared<int>(1), stopped_token = std::make_shared<int>(2);
  std::weak_ptr<int> ran_weak = ran_token, stopped_weak = stopped_token;
  gocxx::run([&] {
    std::atomic<bool> ran{false};
    gocxx::after_func(1ms, [tok = std::move(ran_token), &ran] { ran.store(true); });
    {
      gocxx::timer f = gocxx::after_func(2ms, [tok = std::move(stopped_token)] {});
      EXPECT_TRUE(f.stop());
    }
    EXPECT_TRUE(eventually([&] { return ran.load() && ran_weak.expired(); }));
    EXPECT_TRUE(eventually([&] {
      gocxx::sleep(1ms);  // paces the poll
      return stopped_weak.expired();
    }));
  });
  settle(base);
  EXPECT_TRUE(ran_weak.expired());
  EXPECT_TRUE(stopped_weak.expired());
}

TEST(AfterFunc, FiresInDeadlineOrder) {
  // At procs 1 each fire spawns its goroutine on the one P, whose goroutine ids are
  // handed out in order: sorting the runs by goroutine id gives the firing order (the
  // goroutines themselves may run in another order). Each deadline is known to within
  // [before, after] its after_func call; a firing order the deadlines contradict for
  // sure is an error.
  const int base = baseline();
  procs_scope one(1);
  constexpr int n = 1000;
  struct run_rec {
    std::uint64_t goid;
    int index;
  };
  std::vector<run_rec> runs;
  std::vector<steady_time> lo(n), hi(n);
  std::vector<clk::duration> dur(n);
  gocxx::run([&] {
    settle_on_one_p();
    std::vector<int> slot(n);
    std::iota(slot.begin(), slot.end(), 0);
    std::shuffle(slot.begin(), slot.end(), std::mt19937(7));
    gocxx::mutex mu;
    gocxx::wait_group wg;
    wg.add(n);
    for (int i = 0; i < n; ++i) {
      dur[i] = slot[i] * 50us;
      lo[i] = clk::now();
      gocxx::after_func(dur[i], [&, i] {
        {
          std::lock_guard<gocxx::mutex> l(mu);
          runs.push_back({gocxx::goroutine_id(), i});
        }
        wg.done();
      });
      hi[i] = clk::now();
    }
    wg.wait();
  });
  settle(base);
  ASSERT_EQ(runs.size(), static_cast<std::size_t>(n));
  std::sort(runs.begin(), runs.end(), [](const run_rec& a, const run_rec& b) { return a.goid < b.goid; });
  steady_time latest_lo = steady_time::min();
  int contradicted = 0;
  for (const run_rec& r : runs) {
    latest_lo = std::max(latest_lo, lo[r.index] + dur[r.index]);
    if (latest_lo > hi[r.index] + dur[r.index]) ++contradicted;
  }
  EXPECT_EQ(contradicted, 0) << "after_funcs that fired after one with a later deadline";
}

TEST(AfterFunc, TiesFireInTheOrderTheyWereSet) {
  // At procs 1 (one heap). The same duration set in sequence: the creation order (the
  // deadlines are non-decreasing). Then exact ties, white-box: the same deadline given
  // to every timer, which must fire in the order they were set.
  const int base = baseline();
  procs_scope one(1);
  constexpr int n = 200;
  struct run_rec {
    std::uint64_t goid;
    int index;
  };
  auto fire_order = [](std::vector<run_rec> runs) {
    std::sort(runs.begin(), runs.end(), [](const run_rec& a, const run_rec& b) { return a.goid < b.goid; });
    std::vector<int> order;
    for (const run_rec& r : runs) order.push_back(r.index);
    return order;
  };
  std::vector<int> expected(n);
  std::iota(expected.begin(), expected.end(), 0);
  std::vector<run_rec> same_duration, exact_ties;
  gocxx::run([&] {
    settle_on_one_p();
    gocxx::mutex mu;
    gocxx::wait_group wg;
    wg.add(2 * n);
    for (int i = 0; i < n; ++i) {
      gocxx::after_func(3ms, [&, i] {
        {
          std::lock_guard<gocxx::mutex> l(mu);
          same_duration.push_back({gocxx::goroutine_id(), i});
        }
        wg.done();
      });
    }
    std::int64_t when = detail::deadline_after(std::chrono::nanoseconds(3ms).count());
    std::vector<detail::timer_ref> refs;
    for (int i = 0; i < n; ++i) {
      auto record = [&, i] {
        {
          std::lock_guard<gocxx::mutex> l(mu);
          exact_ties.push_back({gocxx::goroutine_id(), i});
        }
        wg.done();
      };
      refs.emplace_back(detail::timer_make_func(when, detail::task(record), gocxx::source_location::current()));
    }
    wg.wait();
  });
  settle(base);
  EXPECT_EQ(fire_order(same_duration), expected);
  EXPECT_EQ(fire_order(exact_ties), expected);
}

TEST(AfterFunc, FromAPlainThread) {
  const int base = baseline();
  chan<std::uint64_t> ran(1);
  std::thread th([ran] { gocxx::after_func(1ms, [ran] { ran.send(gocxx::goroutine_id()); }); });
  th.join();
  std::optional<std::uint64_t> id = ran.recv();  // this plain thread blocks until it runs
  ASSERT_TRUE(id);
  EXPECT_NE(*id, 0u);
  settle(base);
}

class AfterFuncDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

constexpr int kAfterFuncPanicLine = __LINE__ + 3;
void after_func_that_panics() {
  gocxx::run([] {
    gocxx::after_func(1ms, [] { throw gocxx::panic_error("boom in after_func"); });
    gocxx::sleep(1h);
  });
}

TEST_F(AfterFuncDeathTest, APanicEscapingItsFunctionEndsTheProgram) {
  // Its goroutine's panic, created by the after_func call.
  EXPECT_EXIT(after_func_that_panics(), ::testing::ExitedWithCode(2),
              "^panic: boom in after_func\n+goroutine [0-9]+ \\[running\\]:\ncreated by [^\n]*time_test\\.cpp:" +
                  std::to_string(kAfterFuncPanicLine));
}

// ---- patterns ----

TEST(Patterns, RetryWithExponentialBackoff) {
  const int base = baseline();
  gocxx::run([] {
    int attempts = 0;
    auto operation = [&] { return ++attempts > 3; };  // fails three times, then succeeds
    auto t0 = clk::now();
    auto backoff = 1ms;
    bool ok = false;
    for (int tries = 0; tries < 10; ++tries) {
      if ((ok = operation())) break;
      gocxx::sleep(backoff);
      backoff *= 2;
    }
    auto elapsed = clk::now() - t0;
    EXPECT_TRUE(ok);
    EXPECT_EQ(attempts, 4);
    EXPECT_GE(elapsed, 7ms);  // 1 + 2 + 4
    EXPECT_LT(elapsed, kGenerous);
  });
  settle(base);
}

TEST(Patterns, TokenBucketRateLimiter) {
  // A bucket of 3 tokens, refilled by a 1 ms ticker; 10 requests take a token each. The
  // bucket starts full, so the 7 others need 7 ticks: at least 7 ms (the ticks are the
  // ticker's deadlines, 1 ms apart, and a tick brings at most one token).
  const int base = baseline();
  gocxx::run([] {
    constexpr int capacity = 3, requests = 10;
    chan<int> bucket(capacity);
    for (int i = 0; i < capacity; ++i) bucket.send(1);
    chan<int> quit(0);
    auto t0 = clk::now();
    gocxx::ticker refill(1ms);
    gocxx::wait_group refiller;
    refiller.go([&] {
      for (bool done = false; !done;) {
        gocxx::select(gocxx::case_recv(refill.c(), [&] { (void)bucket.try_send(1); }),
                      gocxx::case_recv(quit, [&] { done = true; }));
      }
    });
    int served = 0;
    for (int r = 0; r < requests; ++r) {
      if (bucket.recv()) ++served;
    }
    auto elapsed = clk::now() - t0;
    quit.close();
    refiller.wait();
    refill.stop();
    EXPECT_EQ(served, requests);
    EXPECT_GE(elapsed, 7ms);
    EXPECT_LT(elapsed, kGenerous);
  });
  settle(base);
}

}  // namespace
