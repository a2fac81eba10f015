// Tests of the pattern library (gocxx/patterns.hpp, docs/patterns.md): merge, stage,
// fan_out, worker_pool, broadcaster, rate::limiter and retry.
//
// Each pattern's promise gets a test: every value delivered exactly once (counts and
// checksums), outputs closed once, goroutines ended after a cancellation (num_goroutine
// back to its baseline), drops only where a subscriber is slow, the limiter's rate, the
// retry's give-up at the deadline; and use from plain std::threads.
//
// No test sleeps to synchronise: waits are on channels, wait groups or polls. Time is
// asserted only where the behaviour is about time: generous upper bounds, lower bounds
// that the algorithms guarantee (a deadline never fires early), and the limiter's rate
// with a burst large enough to absorb a late wake-up. The limiter's arithmetic is tested
// on explicit time points, independent of the clock.
#include "gocxx/patterns.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <system_error>
#include <thread>
#include <vector>

#include "gocxx/chan.hpp"
#include "gocxx/context.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/select.hpp"
#include "gocxx/sync.hpp"
#include "gocxx/time.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;
using gocxx::chan;
using gocxx::context_errc;
using test_support::kSanitized;
using test_support::kTsan;
using test_support::wait_until;

constexpr auto kGenerous = 10s;

// The goroutine count a test starts from, once earlier tests' goroutines have ended.
int baseline() {
  auto deadline = clk::now() + kGenerous;
  while (gocxx::num_goroutine() != 0 && clk::now() < deadline) gocxx::yield();
  return gocxx::num_goroutine();
}

// Waits until every goroutine a test started has ended (num_goroutine back to `n`).
void settle(int n) {
  wait_until([n] { return gocxx::num_goroutine() <= n; });
}

// Whether a channel is closed and drained, without blocking.
template <class C>
bool is_closed(const C& c) {
  return c.try_recv().status == gocxx::chan_status::closed;
}

std::error_code job_error(int job) { return {1000 + job, std::generic_category()}; }

// ---- merge ---------------------------------------------------------------------------

TEST(PatternMerge, DeliversEveryValueExactlyOnceAndCloses) {
  constexpr int producers = 8;
  constexpr int per_producer = kTsan ? 500 : kSanitized ? 2'000 : 20'000;
  constexpr int total = producers * per_producer;
  const int base = baseline();
  gocxx::run([&] {
    std::vector<chan<int>> inputs;
    for (int p = 0; p < producers; ++p) {
      chan<int> in(p % 2 ? 0 : 16);  // unbuffered and buffered inputs
      inputs.push_back(in);
      gocxx::go([in, p] {
        for (int i = 0; i < per_producer; ++i) in.send(p * per_producer + i);
        in.close();
      });
    }
    auto out = gocxx::merge(gocxx::background(), inputs);
    std::vector<int> seen(total, 0);
    std::vector<int> last_of(producers, -1);
    std::int64_t sum = 0;
    int count = 0;
    bool in_order = true;
    for (int v : out) {
      ASSERT_GE(v, 0);
      ASSERT_LT(v, total);
      ++seen[v];
      sum += v;
      ++count;
      int p = v / per_producer;
      in_order = in_order && v > last_of[p];  // one input's values keep their order
      last_of[p] = v;
    }
    EXPECT_EQ(count, total);
    EXPECT_EQ(sum, std::int64_t(total) * (total - 1) / 2);
    for (int i = 0; i < total; ++i) ASSERT_EQ(seen[i], 1) << "value " << i;
    EXPECT_TRUE(in_order);
    EXPECT_TRUE(is_closed(out));
  });
  settle(base);
}

TEST(PatternMerge, NamedChannelsAndNoChannels) {
  const int base = baseline();
  gocxx::run([&] {
    chan<int> a(4), b(4);
    gocxx::recv_chan<int> bv = b;
    a.send(1);
    a.send(2);
    b.send(10);
    a.close();
    b.close();
    int sum = 0;
    for (int v : gocxx::merge(a, bv)) sum += v;  // a chan and a recv_chan, no context
    EXPECT_EQ(sum, 13);

    auto none = gocxx::merge(std::vector<chan<int>>{});
    EXPECT_FALSE(none.recv());  // closed at once
  });
  settle(base);
}

TEST(PatternMerge, CancelClosesTheOutputAndEndsEveryForwarder) {
  const int base = baseline();
  gocxx::run([&] {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    std::vector<chan<int>> inputs;
    for (int i = 0; i < 4; ++i) inputs.emplace_back(0);  // never closed, nobody sends
    chan<int> busy(0);  // one with a sender that never stops
    inputs.push_back(busy);
    gocxx::go([busy, ctx = ctx] {
      for (int i = 0;; ++i) {
        int v = i;
        if (!gocxx::detail::send_or_done<int>(busy, v, ctx.done())) return;
      }
    });
    auto out = gocxx::merge(ctx, inputs);
    ASSERT_TRUE(out.recv());  // the merge runs
    cancel();
    while (out.recv()) {  // closes (a select may still take a ready value or two first)
    }
  });
  settle(base);  // the five forwarders and the sender have ended
}

TEST(PatternMerge, FromPlainThreads) {
  // No gocxx::run: producers are std::threads, the consumer is the test's own thread.
  constexpr int producers = 4;
  constexpr int per_producer = kSanitized ? 500 : 5'000;
  constexpr int total = producers * per_producer;
  std::vector<chan<int>> inputs;
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    chan<int> in(p == 0 ? 0 : 8);
    inputs.push_back(in);
    threads.emplace_back([in, p] {
      for (int i = 0; i < per_producer; ++i) in.send(p * per_producer + i);
      in.close();
    });
  }
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  auto out = gocxx::merge(ctx, inputs);
  std::vector<int> seen(total, 0);
  std::int64_t sum = 0;
  int count = 0;
  for (int v : out) {
    ++seen[v];
    sum += v;
    ++count;
  }
  for (auto& t : threads) t.join();
  cancel();
  EXPECT_EQ(count, total);
  EXPECT_EQ(sum, std::int64_t(total) * (total - 1) / 2);
  for (int i = 0; i < total; ++i) ASSERT_EQ(seen[i], 1) << "value " << i;
}

// ---- stage ---------------------------------------------------------------------------

TEST(PatternStage, AppliesFnInOrderAndClosesWithItsInput) {
  const int base = baseline();
  gocxx::run([&] {
    constexpr int n = 1'000;
    chan<int> nums(0);
    gocxx::go([nums] {
      for (int i = 0; i < n; ++i) nums.send(i);
      nums.close();
    });
    auto ctx = gocxx::background();
    auto squares = gocxx::stage(ctx, nums, [](int v) { return std::int64_t(v) * v; });
    // A second stage taking the context as well, and a buffered output.
    auto labels = gocxx::stage(
        ctx, squares, [](const gocxx::context& c, std::int64_t v) { return c.err() ? -1 : v + 1; }, 8);
    std::int64_t expect = 0;
    int count = 0;
    for (std::int64_t v : labels) {
      ASSERT_EQ(v, expect * expect + 1);
      ++expect;
      ++count;
    }
    EXPECT_EQ(count, n);
  });
  settle(base);
}

TEST(PatternStage, StopsOnCancelWhileBlockedSendingWithoutLeaking) {
  const int base = baseline();
  gocxx::run([&] {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    chan<int> source(0);
    auto sent = std::make_shared<std::atomic<int>>(0);
    gocxx::go([source, ctx = ctx, sent] {  // an endless producer that honours ctx
      for (int i = 0;; ++i) {
        int v = i;
        if (!gocxx::detail::send_or_done<int>(source, v, ctx.done())) return;
        sent->fetch_add(1);
      }
    });
    // Three stages in a row; the consumer takes one value and walks away.
    auto a = gocxx::stage(ctx, source, [](int v) { return v + 1; });
    auto b = gocxx::stage(ctx, a, [](int v) { return v * 2; });
    auto c = gocxx::stage(ctx, b, [](int v) { return v - 1; });
    ASSERT_EQ(c.recv(), 1);
    // Every stage now holds a value it cannot send: the first has taken more from the
    // source (each unbuffered hand-off completes only when a stage receives it).
    wait_until([&] { return sent->load() >= 4; });
    EXPECT_EQ(gocxx::num_goroutine(), base + 1 + 4);  // main, the producer, three stages
    cancel();
    while (c.recv()) {  // closes (a select may still take a ready value or two first)
    }
  });
  settle(base);
}

// ---- fan_out -------------------------------------------------------------------------

TEST(PatternFanOut, ProcessesEachItemOnceOnUpToNWorkers) {
  constexpr int n = kSanitized ? 2'000 : 20'000;
  constexpr int workers = 6;
  const int base = baseline();
  gocxx::run([&] {
    chan<int> items(32);
    gocxx::go([items] {
      for (int i = 0; i < n; ++i) items.send(i);
      items.close();
    });
    auto calls = std::make_shared<std::vector<std::atomic<int>>>(n);
    auto ids_mu = std::make_shared<gocxx::mutex>();
    auto ids = std::make_shared<std::set<std::uint64_t>>();
    auto results = gocxx::fan_out(gocxx::background(), items, workers, [calls, ids_mu, ids](int v) {
      (*calls)[v].fetch_add(1, std::memory_order_relaxed);
      {
        std::lock_guard<gocxx::mutex> l(*ids_mu);
        ids->insert(gocxx::goroutine_id());
      }
      return -v;
    });
    std::vector<int> seen(n, 0);
    std::int64_t sum = 0;
    for (int r : results) {
      ++seen[-r];
      sum += -r;
    }
    EXPECT_EQ(sum, std::int64_t(n) * (n - 1) / 2);
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(seen[i], 1) << "result of " << i;
      ASSERT_EQ((*calls)[i].load(), 1) << "calls for " << i;
    }
    EXPECT_GE(ids->size(), 1u);
    EXPECT_LE(ids->size(), std::size_t(workers));
  });
  settle(base);
}

TEST(PatternFanOut, CancelEndsEveryWorker) {
  const int base = baseline();
  gocxx::run([&] {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    chan<int> items(64);
    for (int i = 0; i < 64; ++i) items.send(i);  // never closed
    auto results = gocxx::fan_out(ctx, items, 4, [](int v) { return v; });
    ASSERT_TRUE(results.recv());
    cancel();
    while (results.recv()) {
    }
  });
  settle(base);
}

// ---- worker_pool ---------------------------------------------------------------------

TEST(PatternWorkerPool, ReportsEveryResultAndEveryErrorExactlyOnce) {
  constexpr int jobs = kSanitized ? 1'000 : 10'000;
  const int base = baseline();
  gocxx::run([&] {
    gocxx::worker_pool<int, int> pool(gocxx::background(), 4, [](int j) -> gocxx::outcome<int> {
      if (j % 7 == 3) return job_error(j);
      return 2 * j;
    }, /*queue=*/16);
    gocxx::go([pool] {
      for (int j = 0; j < jobs; ++j) EXPECT_FALSE(pool.submit(j));
      pool.close();
      pool.close();  // idempotent
    });
    std::vector<int> seen(jobs, 0);
    int oks = 0, errors = 0;
    for (auto r : pool.results()) {
      if (r) {
        ASSERT_TRUE(r.value);
        ASSERT_EQ(*r.value % 2, 0);
        ++seen[*r.value / 2];
        ++oks;
      } else {
        ASSERT_FALSE(r.value);
        ASSERT_EQ(r.error.category(), std::generic_category());
        int j = r.error.value() - 1000;
        ASSERT_EQ(j % 7, 3);
        ++seen[j];
        ++errors;
      }
    }
    EXPECT_FALSE(pool.wait());
    int expect_errors = 0;
    for (int j = 0; j < jobs; ++j) expect_errors += j % 7 == 3;
    EXPECT_EQ(errors, expect_errors);
    EXPECT_EQ(oks, jobs - expect_errors);
    for (int j = 0; j < jobs; ++j) ASSERT_EQ(seen[j], 1) << "job " << j;
  });
  settle(base);
}

TEST(PatternWorkerPool, ErrorEnumsAndTheContextForm) {
  const int base = baseline();
  gocxx::run([&] {
    gocxx::worker_pool<int, int> pool(2, [](const gocxx::context& ctx, int j) -> gocxx::outcome<int> {
      if (ctx.err()) return ctx.err();
      if (j < 0) return std::errc::invalid_argument;
      return j;
    }, 4, /*results_capacity=*/4);
    EXPECT_FALSE(pool.submit(-1));
    EXPECT_FALSE(pool.submit(5));
    pool.close();
    EXPECT_FALSE(pool.wait());  // the results buffer holds both: no receiver needed
    int sum = 0, errors = 0;
    for (auto r : pool.results()) {
      if (r) {
        sum += *r.value;
      } else {
        EXPECT_EQ(r.error, std::errc::invalid_argument);
        ++errors;
      }
    }
    EXPECT_EQ(sum, 5);
    EXPECT_EQ(errors, 1);
    EXPECT_PANIC(pool.submit(1), "send on closed channel");
  });
  settle(base);
}

TEST(PatternWorkerPool, CancelStopsTheWorkersAndRefusesJobs) {
  const int base = baseline();
  gocxx::run([&] {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    gocxx::worker_pool<int, int> pool(ctx, 3, [](int j) -> gocxx::outcome<int> { return j; });
    auto refused = std::make_shared<std::atomic<int>>(0);
    chan<std::monostate> submitter_done(0);
    gocxx::go([pool, refused, submitter_done] {
      for (int j = 0; j < 1'000'000; ++j) {
        if (std::error_code e = pool.submit(j)) {
          EXPECT_EQ(e, context_errc::canceled);
          refused->fetch_add(1);
          break;
        }
      }
      submitter_done.close();
    });
    ASSERT_TRUE(pool.results().recv());  // the pool runs; nobody receives after this
    cancel();
    (void)submitter_done.recv();
    EXPECT_EQ(refused->load(), 1);
    EXPECT_EQ(pool.wait(), context_errc::canceled);
    while (pool.results().recv()) {
    }
  });
  settle(base);
}

TEST(PatternWorkerPool, DrivenFromPlainThreadsThroughAStage) {
  // No gocxx::run: two std::threads submit, the test's thread reads the results through
  // a stage, so the pool's and the stage's goroutines serve plain threads only.
  constexpr int per_thread = kSanitized ? 200 : 2'000;
  gocxx::worker_pool<int, int> pool(3, [](int j) -> gocxx::outcome<int> {
    if (j % 2) return std::errc::invalid_argument;
    return j;
  });
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  auto evens = gocxx::stage(ctx, pool.results(), [](gocxx::job_result<int> r) { return r ? *r.value : -1; });
  std::vector<std::thread> submitters;
  for (int t = 0; t < 2; ++t) {
    submitters.emplace_back([pool, t] {
      for (int i = 0; i < per_thread; ++i) EXPECT_FALSE(pool.submit(t * per_thread + i));
    });
  }
  std::int64_t sum = 0;
  int errors = 0, count = 0;
  std::thread closer([&] {
    for (auto& s : submitters) s.join();
    pool.close();
  });
  for (int v : evens) {
    ++count;
    if (v < 0) {
      ++errors;
    } else {
      sum += v;
    }
  }
  closer.join();
  EXPECT_FALSE(pool.wait());
  cancel();
  constexpr int total = 2 * per_thread;
  EXPECT_EQ(count, total);
  EXPECT_EQ(errors, total / 2);
  EXPECT_EQ(sum, std::int64_t(total / 2) * (total - 2) / 2);  // 0 + 2 + ... + (total - 2)
}

// ---- broadcaster ---------------------------------------------------------------------

TEST(PatternBroadcaster, DropsForTheSlowSubscriberOnly) {
  constexpr int n = kSanitized ? 500 : 5'000;
  constexpr std::size_t slow_buffer = 4;
  const int base = baseline();
  gocxx::run([&] {
    gocxx::broadcaster<int> b;
    auto fast = b.subscribe(1);    // keeps up: acknowledges each value
    auto roomy = b.subscribe(n);   // never full
    auto slow = b.subscribe(slow_buffer);  // does not receive until the end
    EXPECT_EQ(b.subscribers(), 3u);
    chan<int> ack(0);
    auto fast_got = std::make_shared<std::vector<int>>();
    gocxx::go([fast, ack, fast_got] {
      for (int v : fast.c()) {
        fast_got->push_back(v);
        ack.send(v);
      }
      ack.close();
    });
    std::size_t delivered = 0;
    for (int i = 0; i < n; ++i) {
      delivered += b.publish(i);  // never blocks on `slow`
      ASSERT_EQ(ack.recv(), i);
    }
    EXPECT_EQ(delivered, std::size_t(n) * 2 + slow_buffer);
    b.close();
    EXPECT_FALSE(ack.recv());  // the fast subscriber's channel closed: its loop ended
    EXPECT_EQ(b.subscribers(), 0u);

    ASSERT_EQ(fast_got->size(), std::size_t(n));
    for (int i = 0; i < n; ++i) ASSERT_EQ((*fast_got)[i], i);
    EXPECT_EQ(fast.dropped(), 0u);

    int next = 0;
    for (int v : roomy.c()) ASSERT_EQ(v, next++);
    EXPECT_EQ(next, n);
    EXPECT_EQ(roomy.dropped(), 0u);

    std::vector<int> slow_got;
    for (int v : slow.c()) slow_got.push_back(v);
    EXPECT_EQ(slow_got, (std::vector<int>{0, 1, 2, 3}));  // the first ones, then full
    EXPECT_EQ(slow.dropped(), std::uint64_t(n) - slow_buffer);
  });
  settle(base);
}

TEST(PatternBroadcaster, UnsubscribeAndClose) {
  gocxx::broadcaster<int> b;  // from the plain test thread
  auto s1 = b.subscribe(8);
  auto s2 = b.subscribe(8);
  EXPECT_EQ(b.publish(1), 2u);
  EXPECT_TRUE(b.unsubscribe(s1));
  EXPECT_FALSE(b.unsubscribe(s1));
  EXPECT_EQ(b.publish(2), 1u);
  EXPECT_EQ(s1.c().recv(), 1);  // buffered before it left
  EXPECT_FALSE(s1.c().recv());  // then closed
  EXPECT_EQ(s1.dropped(), 0u);
  b.close();
  b.close();
  EXPECT_EQ(s2.c().recv(), 1);
  EXPECT_EQ(s2.c().recv(), 2);
  EXPECT_FALSE(s2.c().recv());
  EXPECT_EQ(b.publish(3), 0u);
  auto late = b.subscribe(1);
  EXPECT_FALSE(late.c().recv());  // closed at once
  EXPECT_FALSE(b.unsubscribe(late));
}

// ---- rate::limiter -------------------------------------------------------------------

TEST(PatternLimiter, AllowFollowsTheBucket) {
  const auto t0 = clk::now();
  gocxx::rate::limiter lim(10, 3, t0);  // 10 per second, bursts of 3; starts full
  EXPECT_TRUE(lim.allow(t0, 1));
  EXPECT_TRUE(lim.allow(t0, 2));
  EXPECT_FALSE(lim.allow(t0, 1));
  EXPECT_FALSE(lim.allow(t0 + 99ms, 1));
  EXPECT_TRUE(lim.allow(t0 + 100ms, 1));  // one token per 100 ms
  EXPECT_FALSE(lim.allow(t0 + 100ms, 1));
  EXPECT_NEAR(lim.tokens_at(t0 + 10s), 3.0, 1e-9);  // never more than the burst
  EXPECT_FALSE(lim.allow(t0 + 10s, 4));             // more than the burst: never
  EXPECT_TRUE(lim.allow(t0 + 10s, 3));

  gocxx::rate::limiter unlimited(gocxx::rate::inf, 0, t0);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(unlimited.allow(t0, 1000));
  gocxx::rate::limiter none(0, 2, t0);  // Go's limit 0: the burst, then nothing
  EXPECT_TRUE(none.allow(t0, 1));
  EXPECT_TRUE(none.allow(t0 + 1h, 1));
  EXPECT_FALSE(none.allow(t0 + 2h, 1));

  EXPECT_DOUBLE_EQ(gocxx::rate::every(100ms), 10.0);
  EXPECT_EQ(gocxx::rate::every(0ms), gocxx::rate::inf);
}

TEST(PatternLimiter, ReserveDelaysAndCancelGivesTokensBack) {
  const auto t0 = clk::now();
  gocxx::rate::limiter lim(gocxx::rate::every(100ms), 1, t0);
  auto r1 = lim.reserve(t0, 1);
  auto r2 = lim.reserve(t0, 1);
  auto r3 = lim.reserve(t0, 1);
  ASSERT_TRUE(r1.ok() && r2.ok() && r3.ok());
  EXPECT_EQ(r1.delay_from(t0), 0ns);
  EXPECT_EQ(r2.delay_from(t0), 100ms);
  EXPECT_EQ(r3.delay_from(t0), 200ms);
  EXPECT_EQ(r3.delay_from(t0 + 150ms), 50ms);
  r3.cancel_at(t0);  // the last one: its token comes back
  EXPECT_EQ(lim.reserve(t0, 1).delay_from(t0), 200ms);
  r2.cancel_at(t0 + 1s);  // its time has passed: nothing to give back
  EXPECT_NEAR(lim.tokens_at(t0 + 1s), 1.0, 1e-9);

  auto too_big = lim.reserve(t0 + 1s, 2);
  EXPECT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.delay_from(t0), gocxx::rate::inf_duration);
  too_big.cancel();  // a no-op
}

TEST(PatternLimiter, WaitRefusesAsXTimeRateDoes) {
  const int base = baseline();
  gocxx::run([&] {
    gocxx::rate::limiter lim(gocxx::rate::every(1h), 2);
    EXPECT_EQ(lim.wait(gocxx::background(), 3), gocxx::rate::errc::exceeds_burst);
    EXPECT_EQ(std::error_code(gocxx::rate::errc::exceeds_burst).message(), "rate: Wait(n) exceeds limiter's burst");
    EXPECT_FALSE(lim.wait(gocxx::background(), 2));  // the full bucket: no wait
    {
      auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
      cancel();
      EXPECT_EQ(lim.wait(ctx), context_errc::canceled);
    }
    {
      auto t0 = clk::now();
      auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), 5s);
      EXPECT_EQ(lim.wait(ctx), gocxx::rate::errc::would_exceed_deadline);  // the token is an hour away
      EXPECT_LT(clk::now() - t0, 5s);  // refused at once, not at the deadline
      cancel();
    }
    {
      // A wait cancelled halfway returns canceled and gives its token back.
      auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
      chan<std::error_code> result(1);
      const double before = lim.tokens();
      gocxx::go([&lim, ctx = ctx, result] { result.send(lim.wait(ctx)); });
      wait_until([&] { return lim.tokens() < before - 0.5; });  // it has reserved
      cancel();
      EXPECT_EQ(result.recv(), context_errc::canceled);
      EXPECT_GT(lim.tokens(), before - 0.5);
    }
  });
  settle(base);
}

// Counts the wait() calls on lim that complete before ctx's deadline: wait refuses the
// first whose token would come after it.
int count_waits(gocxx::rate::limiter& lim, const gocxx::context& ctx) {
  int n = 0;
  while (!lim.wait(ctx)) ++n;
  return n;
}

TEST(PatternLimiter, WaitHoldsTheRateOverOneSecond) {
  // 1,000 per second for 1 s: 1,000 waits, plus the burst the bucket starts with. The
  // burst of 20 also absorbs a wake-up up to 20 ms late without losing tokens, so the
  // lower bound does not depend on the machine's timer latency.
  constexpr double per_second = 1'000;
  constexpr int burst = 20;
  const int base = baseline();
  gocxx::run([&] {
    gocxx::rate::limiter lim(per_second, burst);
    auto t0 = clk::now();
    auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), 1s);
    int n = count_waits(lim, ctx);
    auto elapsed = clk::now() - t0;
    cancel();
    EXPECT_GE(n, 900 + burst);
    EXPECT_LE(n, 1'100 + burst);
    EXPECT_LT(elapsed, 1s + kGenerous);
  });
  settle(base);
}

TEST(PatternLimiter, SharedByPlainThreads) {
  // Two std::threads (no gocxx::run) share one limiter for 0.5 s at 1,000 per second.
  constexpr int burst = 20;
  gocxx::rate::limiter lim(1'000, burst);
  auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), 500ms);
  std::atomic<int> total{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&, ctx = ctx] { total += count_waits(lim, ctx); });
  for (auto& t : threads) t.join();
  cancel();
  // The upper bound is the sharing's check (two threads never get more than the rate
  // gives). The lower one only says both made progress: the 0.5 s start before the
  // threads do, and under TSan on a loaded 2-core CI machine starting them and their
  // late wake-ups cost more than the burst absorbs (467 against a bound of 470 once).
  // The rate within 10% is checked over 1 s by WaitHoldsTheRateOverOneSecond.
  EXPECT_GE(total.load(), 250 + burst);
  EXPECT_LE(total.load(), 550 + burst);
}

// ---- retry ---------------------------------------------------------------------------

TEST(PatternRetry, StopsEarlyOnSuccess) {
  const int base = baseline();
  gocxx::run([&] {
    int attempts = 0;
    gocxx::retry_policy p{.initial = 1ms, .max = 4ms, .multiplier = 2, .jitter = 0.5};
    auto err = gocxx::retry(gocxx::background(), p, [&]() -> std::error_code {
      return ++attempts < 3 ? std::make_error_code(std::errc::timed_out) : std::error_code{};
    });
    EXPECT_FALSE(err);
    EXPECT_EQ(attempts, 3);

    int calls = 0;
    EXPECT_FALSE(gocxx::retry(gocxx::background(), p, [&] { return ++calls > 0; }));  // bool form
    EXPECT_EQ(calls, 1);
  });
  settle(base);
}

TEST(PatternRetry, GivesUpAtTheContextsDeadline) {
  const int base = baseline();
  gocxx::run([&] {
    auto t0 = clk::now();
    auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), 100ms);
    int attempts = 0;
    gocxx::retry_policy p{.initial = 1ms, .max = 20ms};
    auto err = gocxx::retry(ctx, p, [&] {
      ++attempts;
      return std::make_error_code(std::errc::connection_refused);
    });
    auto elapsed = clk::now() - t0;
    cancel();
    EXPECT_EQ(err, context_errc::deadline_exceeded);
    EXPECT_GE(elapsed, 100ms);  // a deadline never fires early
    EXPECT_LT(elapsed, 100ms + kGenerous);
    EXPECT_GE(attempts, 2);
    EXPECT_LE(attempts, 100);  // backoff: far fewer than one per millisecond
  });
  settle(base);
}

TEST(PatternRetry, MaxAttemptsReturnsTheLastError) {
  const int base = baseline();
  gocxx::run([&] {
    gocxx::retry_policy p{.initial = 1ms, .max = 2ms, .jitter = 0, .max_attempts = 4};
    std::vector<int> numbers;
    auto err = gocxx::retry(gocxx::background(), p, [&](int attempt) {
      numbers.push_back(attempt);
      return std::error_code(attempt + 1, std::generic_category());
    });
    EXPECT_EQ(err, std::error_code(4, std::generic_category()));
    EXPECT_EQ(numbers, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(gocxx::retry(gocxx::background(), p, [] { return false; }), gocxx::retry_errc::attempts_exhausted);
    EXPECT_EQ(std::error_code(gocxx::retry_errc::attempts_exhausted).message(), "retry: attempts exhausted");
  });
  settle(base);
}

TEST(PatternRetry, CancelInterruptsTheWaitOnAPlainThread) {
  // The test's own thread retries (no gocxx::run); a goroutine cancels during the first
  // wait, which would otherwise last an hour.
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  chan<std::monostate> failed(1);
  gocxx::go([failed, cancel = cancel] {
    (void)failed.recv();
    cancel();
  });
  int attempts = 0;
  auto t0 = clk::now();
  auto err = gocxx::retry(ctx, gocxx::retry_policy{.initial = 1h, .max = 1h}, [&] {
    if (++attempts == 1) failed.send(std::monostate{});
    return false;
  });
  EXPECT_EQ(err, context_errc::canceled);
  EXPECT_EQ(attempts, 1);
  EXPECT_LT(clk::now() - t0, kGenerous);
  auto [done_ctx, done_cancel] = gocxx::with_cancel(gocxx::background());
  done_cancel();
  int never = 0;
  EXPECT_EQ(gocxx::retry(done_ctx, {}, [&] { return ++never > 0; }), context_errc::canceled);
  EXPECT_EQ(never, 0);  // not called on a done context
}

}  // namespace
