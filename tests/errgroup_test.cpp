// Tests of gocxx::errgroup (include/gocxx/errgroup.hpp, src/errgroup.cpp), after
// golang.org/x/sync/errgroup: go + wait, the first failure wins, with_context's context
// (cancelled at the first failure, or when wait() returns), exceptions as failures,
// set_limit and try_go, the group as a shared handle, plain threads, the error category.
//
// No sleeps and no timing asserts. Where a test needs one goroutine's failure to come
// before another's, the second waits for a channel that only the first failure closes:
// with_context's ctx.done() (the group cancels it after recording the failure), or the
// limit's token (with set_limit(1), go() of the second waits until the first has
// recorded its failure and given its token back). Goroutines that must be active at a
// point block on a channel the test closes afterwards.
#include "gocxx/errgroup.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <variant>
#include <vector>

#include "gocxx/chan.hpp"
#include "gocxx/context.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/select.hpp"
#include "gocxx/sync.hpp"
#include "test_support.hpp"

namespace {

using namespace test_support;

using gocxx::chan;
using gocxx::chan_status;
using gocxx::context;
using gocxx::errgroup;
using unit = std::monostate;

// Two distinct failures.
const std::error_code kX = std::make_error_code(std::errc::io_error);
const std::error_code kY = std::make_error_code(std::errc::invalid_argument);

const std::error_code kCanceled = gocxx::context_errc::canceled;
const std::error_code kThrew = gocxx::errgroup_errc::exception;

// `errgroup g; context ctx;` from errgroup::with_context(parent), as named variables that
// lambdas can capture (clang before 16 cannot capture structured bindings).
#define GROUP_WITH_CONTEXT(g, ctx, parent)             \
  auto g##_and_ctx = errgroup::with_context(parent);    \
  errgroup g = g##_and_ctx.group;                       \
  context ctx = g##_and_ctx.ctx

bool is_done(const context& ctx) { return ctx.done().try_recv().status == chan_status::closed; }

#define EXPECT_RUNTIME_ERROR(stmt, text) EXPECT_THROW_WHAT(stmt, std::runtime_error, text)

// ---- go + wait ----

TEST(Errgroup, AllSucceedEveryFunctionRunsOnce) {
  gocxx::run([] {
    constexpr int n = 1000;
    std::vector<std::atomic<int>> runs(n);
    errgroup g;
    for (int i = 0; i < n; ++i) {
      g.go([i, &runs]() -> std::error_code {
        runs[i].fetch_add(1);
        return {};
      });
    }
    std::error_code err = g.wait();
    EXPECT_FALSE(err) << err.message();
    for (int i = 0; i < n; ++i) EXPECT_EQ(runs[i].load(), 1) << "function " << i;
  });
}

TEST(Errgroup, WaitWithNoGoroutinesReturnsAtOnce) {
  gocxx::run([] {
    errgroup g;
    EXPECT_FALSE(g.wait());
    auto [g2, ctx] = errgroup::with_context(gocxx::background());
    EXPECT_FALSE(g2.wait());
    EXPECT_EQ(ctx.err(), kCanceled);
  });
}

TEST(Errgroup, VoidFunctionsWork) {
  gocxx::run([] {
    std::atomic<int> ran{0};
    errgroup g;
    for (int i = 0; i < 50; ++i) g.go([&] { ran.fetch_add(1); });
    g.go([&]() -> std::error_code {  // mixed with error-returning ones
      ran.fetch_add(1);
      return {};
    });
    EXPECT_FALSE(g.wait());
    EXPECT_EQ(ran.load(), 51);
  });
}

TEST(Errgroup, FunctionReturningAnErrorEnum) {
  gocxx::run([] {
    errgroup g;
    g.go([] { return gocxx::context_errc::deadline_exceeded; });  // converts to error_code
    EXPECT_EQ(g.wait(), std::error_code(gocxx::context_errc::deadline_exceeded));
  });
}

// ---- the first failure wins ----

TEST(Errgroup, FirstErrorWinsOrderedByLimit) {
  // Limit 1: go(B) waits until A has returned, recorded X and given back its token.
  gocxx::run([] {
    errgroup g;
    g.set_limit(1);
    std::atomic<bool> a_done{false}, b_saw_a{false};
    g.go([&]() -> std::error_code {
      a_done = true;
      return kX;
    });
    g.go([&]() -> std::error_code {
      b_saw_a = a_done.load();
      return kY;
    });
    EXPECT_EQ(g.wait(), kX);
    EXPECT_TRUE(b_saw_a.load());
  });
}

TEST(Errgroup, FirstErrorWinsOrderedByContext) {
  // B fails only once ctx is done, which A's failure causes.
  gocxx::run([] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    g.go([ctx]() -> std::error_code {  // B, started first
      ctx.done().recv();
      return kY;
    });
    g.go([]() -> std::error_code { return kX; });  // A
    EXPECT_EQ(g.wait(), kX);
    EXPECT_EQ(gocxx::cause(ctx), kX);
  });
}

TEST(Errgroup, FirstFailureNotFirstStarted) {
  // A is started first but fails second: the first failure in time wins.
  gocxx::run([] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    g.go([ctx]() -> std::error_code {  // A
      ctx.done().recv();
      return kX;
    });
    g.go([]() -> std::error_code { return kY; });  // B
    EXPECT_EQ(g.wait(), kY);
    EXPECT_EQ(gocxx::cause(ctx), kY);
  });
}

TEST(Errgroup, SuccessesAroundAFailureDoNotClearIt) {
  gocxx::run([] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    for (int i = 0; i < 20; ++i) g.go([ctx] { ctx.done().recv(); });  // succeed after it
    g.go([]() -> std::error_code { return kX; });
    for (int i = 0; i < 20; ++i) g.go([]() -> std::error_code { return {}; });
    EXPECT_EQ(g.wait(), kX);
  });
}

// ---- with_context ----

TEST(ErrgroupContext, CancelledAtFirstFailure) {
  gocxx::run([] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    EXPECT_FALSE(is_done(ctx));
    EXPECT_FALSE(ctx.err());
    EXPECT_FALSE(gocxx::cause(ctx));
    std::error_code seen_err, seen_cause;
    chan<unit> woke(0);  // closed by the waiter once it has seen the cancellation
    g.go([ctx, woke, &seen_err, &seen_cause] {
      ctx.done().recv();  // blocked until the failure
      seen_err = ctx.err();
      seen_cause = gocxx::cause(ctx);
      woke.close();
    });
    chan<unit> fail_now(0);
    g.go([fail_now]() -> std::error_code {
      fail_now.recv();
      return kX;
    });
    EXPECT_FALSE(is_done(ctx));  // nothing has failed yet
    fail_now.close();
    // Cancelled before wait() is called: the waiter wakes while the group is active.
    woke.recv();
    EXPECT_TRUE(is_done(ctx));
    EXPECT_EQ(ctx.err(), kCanceled);
    EXPECT_EQ(gocxx::cause(ctx), kX);
    EXPECT_EQ(g.wait(), kX);
    EXPECT_EQ(seen_err, kCanceled);
    EXPECT_EQ(seen_cause, kX);
    // wait() does not replace the cause.
    EXPECT_EQ(ctx.err(), kCanceled);
    EXPECT_EQ(gocxx::cause(ctx), kX);
  });
}

TEST(ErrgroupContext, FailureCancelsTheRest) {
  gocxx::run([] {
    constexpr int workers = 16;
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    std::atomic<int> cancelled{0};
    chan<int> work(0);  // never sent on: the workers only leave through ctx.done()
    for (int i = 0; i < workers; ++i) {
      g.go([ctx, work, &cancelled]() -> std::error_code {
        std::error_code why;
        gocxx::done_chan done = ctx.done();
        gocxx::select(gocxx::case_recv(work, [&](std::optional<int>) { why = kY; }),
                      gocxx::case_recv(done, [&] { why = ctx.err(); }));
        if (why == kCanceled && gocxx::cause(ctx) == kX) cancelled.fetch_add(1);
        return why == kCanceled ? std::error_code{} : why;
      });
    }
    g.go([]() -> std::error_code { return kX; });
    EXPECT_EQ(g.wait(), kX);
    EXPECT_EQ(cancelled.load(), workers);
  });
}

TEST(ErrgroupContext, AllSucceedCancelledOnlyWhenWaitReturns) {
  gocxx::run([] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    std::atomic<int> saw_done{0};
    for (int i = 0; i < 100; ++i) {
      g.go([ctx, &saw_done]() -> std::error_code {
        if (ctx.err() || is_done(ctx)) saw_done.fetch_add(1);
        return {};
      });
    }
    chan<unit> release(0);
    g.go([ctx, release, &saw_done] {
      release.recv();
      if (ctx.err() || is_done(ctx)) saw_done.fetch_add(1);
    });
    EXPECT_FALSE(is_done(ctx));
    EXPECT_FALSE(ctx.err());
    release.close();
    EXPECT_FALSE(g.wait());
    EXPECT_EQ(saw_done.load(), 0);
    EXPECT_TRUE(is_done(ctx));
    EXPECT_EQ(ctx.err(), kCanceled);
    EXPECT_EQ(gocxx::cause(ctx), kCanceled);
  });
}

TEST(ErrgroupContext, ParentCancellationReachesTheGroupsContext) {
  gocxx::run([] {
    auto [parent, cancel] = gocxx::with_cancel_cause(gocxx::background());
    GROUP_WITH_CONTEXT(g, ctx, parent);
    g.go([ctx] { ctx.done().recv(); });  // succeeds once the parent is cancelled
    cancel(kY);
    EXPECT_FALSE(g.wait());  // no goroutine failed
    EXPECT_EQ(ctx.err(), kCanceled);
    EXPECT_EQ(gocxx::cause(ctx), kY);
  });
}

// ---- exceptions ----

TEST(ErrgroupException, CapturedCancelsAndRethrownByWait) {
  gocxx::run([] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    std::atomic<bool> other_ran{false};
    g.go([ctx, &other_ran] {
      ctx.done().recv();
      other_ran = true;
    });
    g.go([]() -> std::error_code { throw std::runtime_error("boom"); });
    ctx.done().recv();  // the throw cancelled it, before wait()
    EXPECT_EQ(ctx.err(), kCanceled);
    EXPECT_EQ(gocxx::cause(ctx), kThrew);
    EXPECT_RUNTIME_ERROR(g.wait(), "boom");
    EXPECT_TRUE(other_ran.load());  // wait() waited for the others before rethrowing
    EXPECT_EQ(gocxx::cause(ctx), kThrew);
  });
}

TEST(ErrgroupException, VoidFunctionThrowingPlainGroup) {
  gocxx::run([] {
    errgroup g;
    g.go([] { throw std::runtime_error("boom"); });
    EXPECT_RUNTIME_ERROR(g.wait(), "boom");
  });
}

TEST(ErrgroupException, ErrorBeforeExceptionIsReturnedNotThrown) {
  gocxx::run([] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    g.go([ctx]() -> std::error_code {  // throws only after X cancelled ctx
      ctx.done().recv();
      throw std::runtime_error("boom");
    });
    g.go([]() -> std::error_code { return kX; });
    std::error_code err;
    EXPECT_NO_THROW(err = g.wait());
    EXPECT_EQ(err, kX);
    EXPECT_EQ(gocxx::cause(ctx), kX);
  });
}

TEST(ErrgroupException, ErrorBeforeExceptionOrderedByLimit) {
  gocxx::run([] {
    errgroup g;
    g.set_limit(1);
    g.go([]() -> std::error_code { return kX; });
    g.go([] { throw std::runtime_error("boom"); });  // starts after X was recorded
    std::error_code err;
    EXPECT_NO_THROW(err = g.wait());
    EXPECT_EQ(err, kX);
  });
}

TEST(ErrgroupException, ExceptionBeforeErrorIsRethrown) {
  gocxx::run([] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    g.go([ctx]() -> std::error_code {  // fails only after the throw cancelled ctx
      ctx.done().recv();
      return kY;
    });
    g.go([]() -> std::error_code { throw std::runtime_error("boom"); });
    EXPECT_RUNTIME_ERROR(g.wait(), "boom");
    EXPECT_EQ(gocxx::cause(ctx), kThrew);
  });
}

TEST(ErrgroupException, PanicErrorIsCaptured) {
  gocxx::run([] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    g.go([] { throw gocxx::panic_error("my panic"); });
    EXPECT_PANIC(g.wait(), "my panic");
    EXPECT_EQ(gocxx::cause(ctx), kThrew);
  });
}

TEST(ErrgroupException, LibraryPanicIsCaptured) {
  gocxx::run([] {
    errgroup g;
    g.go([] {
      chan<int> nil;
      nil.close();  // panics "close of nil channel" in the goroutine
    });
    EXPECT_PANIC(g.wait(), "close of nil channel");
  });
}

TEST(ErrgroupException, NonStandardExceptionIsCaptured) {
  gocxx::run([] {
    errgroup g;
    g.go([] { throw 42; });
    EXPECT_THROW(
        {
          try {
            g.wait();
          } catch (int v) {
            EXPECT_EQ(v, 42);
            throw;
          }
        },
        int);
  });
}

// ---- set_limit and try_go ----

TEST(ErrgroupLimit, BoundsConcurrency) {
  gocxx::run([] {
    constexpr int n = 200, limit = 3;
    errgroup g;
    g.set_limit(limit);
    std::atomic<int> in_flight{0}, max_seen{0}, ran{0};
    for (int i = 0; i < n; ++i) {
      g.go([&] {
        int now = in_flight.fetch_add(1) + 1;
        int prev = max_seen.load();
        while (now > prev && !max_seen.compare_exchange_weak(prev, now)) {
        }
        for (int k = 0; k < 3; ++k) gocxx::yield();
        in_flight.fetch_sub(1);
        ran.fetch_add(1);
      });
    }
    EXPECT_FALSE(g.wait());
    EXPECT_EQ(ran.load(), n);
    EXPECT_EQ(in_flight.load(), 0);
    EXPECT_GE(max_seen.load(), 1);
    EXPECT_LE(max_seen.load(), limit);
  });
}

TEST(ErrgroupLimit, LimitOneRunsOneAtATime) {
  gocxx::run([] {
    errgroup g;
    g.set_limit(1);
    std::atomic<int> in_flight{0}, overlaps{0};
    for (int i = 0; i < 100; ++i) {
      g.go([&] {
        if (in_flight.fetch_add(1) != 0) overlaps.fetch_add(1);
        gocxx::yield();
        in_flight.fetch_sub(1);
      });
    }
    EXPECT_FALSE(g.wait());
    EXPECT_EQ(overlaps.load(), 0);
  });
}

TEST(ErrgroupLimit, TryGoRefusesPastTheLimit) {
  gocxx::run([] {
    errgroup g;
    g.set_limit(2);
    chan<unit> release(0);
    std::atomic<int> blocked_ran{0};
    for (int i = 0; i < 2; ++i) {
      g.go([release, &blocked_ran] {
        release.recv();
        blocked_ran.fetch_add(1);
      });
    }
    std::atomic<bool> refused_ran{false};
    EXPECT_FALSE(g.try_go([&] { refused_ran = true; }));
    EXPECT_FALSE(g.try_go([&]() -> std::error_code {
      refused_ran = true;
      return kX;
    }));
    release.close();
    EXPECT_FALSE(g.wait());  // the refused one's kX was never recorded
    EXPECT_EQ(blocked_ran.load(), 2);
    EXPECT_FALSE(refused_ran.load());
    std::atomic<int> later{0};
    EXPECT_TRUE(g.try_go([&] { later.fetch_add(1); }));
    EXPECT_TRUE(g.try_go([&] { later.fetch_add(1); }));
    EXPECT_FALSE(g.wait());
    EXPECT_EQ(later.load(), 2);
  });
}

TEST(ErrgroupLimit, TryGoRoomComesBackWhenOneFinishes) {
  gocxx::run([] {
    errgroup g;
    g.set_limit(1);
    chan<unit> finish(0), finished(0);
    EXPECT_TRUE(g.try_go([finish] { finish.recv(); }));
    EXPECT_FALSE(g.try_go([] {}));
    // A goroutine outside the group learns when the first one's token is back: go()
    // under the limit waits for it.
    gocxx::go([g, finished]() mutable {
      g.go([] {});
      finished.close();
    });
    finish.close();
    finished.recv();
    EXPECT_FALSE(g.wait());
    EXPECT_TRUE(g.try_go([] {}));
    EXPECT_FALSE(g.wait());
  });
}

TEST(ErrgroupLimit, TryGoWithoutLimitAlwaysStarts) {
  gocxx::run([] {
    errgroup g;
    chan<unit> release(0);
    std::atomic<int> ran{0};
    for (int i = 0; i < 100; ++i) {
      EXPECT_TRUE(g.try_go([release, &ran] {
        release.recv();
        ran.fetch_add(1);
      }));
    }
    release.close();
    EXPECT_FALSE(g.wait());
    EXPECT_EQ(ran.load(), 100);
  });
}

TEST(ErrgroupLimit, SetLimitWhileActivePanics) {
  gocxx::run([] {
    errgroup g;
    g.set_limit(3);
    chan<unit> release(0);
    for (int i = 0; i < 2; ++i) g.go([release] { release.recv(); });
    EXPECT_PANIC(g.set_limit(5), "errgroup: modify limit while 2 goroutines in the group are still active");
    EXPECT_PANIC(g.set_limit(0), "errgroup: modify limit while 2 goroutines in the group are still active");
    // The panic left the limit at 3: one more has room, a fourth does not.
    EXPECT_TRUE(g.try_go([release] { release.recv(); }));
    EXPECT_FALSE(g.try_go([] {}));
    EXPECT_PANIC(g.set_limit(1), "errgroup: modify limit while 3 goroutines in the group are still active");
    // Removing the limit never panics.
    EXPECT_NO_THROW(g.set_limit(-1));
    // ... and then any number of goroutines run at once: 10 all blocked together.
    constexpr int n = 10;
    chan<unit> gate(0);
    std::atomic<int> arrived{0};
    for (int i = 0; i < n; ++i) {
      g.go([gate, &arrived] {
        arrived.fetch_add(1);
        gate.recv();
      });
    }
    EXPECT_TRUE(g.try_go([] {}));
    wait_until([&] { return arrived.load() == n; });
    gate.close();
    release.close();
    EXPECT_FALSE(g.wait());
    // With nothing active a limit may be set again.
    EXPECT_NO_THROW(g.set_limit(2));
    EXPECT_TRUE(g.try_go([] {}));
    EXPECT_FALSE(g.wait());
  });
}

TEST(ErrgroupLimit, SetLimitAfterWaitDoesNotPanic) {
  gocxx::run([] {
    errgroup g;
    g.set_limit(2);
    for (int i = 0; i < 10; ++i) g.go([] {});
    EXPECT_FALSE(g.wait());
    EXPECT_NO_THROW(g.set_limit(4));
    EXPECT_NO_THROW(g.set_limit(-1));
  });
}

// ---- the group as a handle ----

TEST(ErrgroupHandle, CopyInAGoroutineStartsMoreOfTheSameGroup) {
  gocxx::run([] {
    errgroup g;
    std::atomic<int> leaves{0}, late{0};
    std::atomic<bool> wait_returned{false};
    chan<unit> started(0), release(0);
    g.go([g, started, release, &leaves, &late, &wait_returned]() mutable {
      for (int i = 0; i < 10; ++i) {
        g.go([release, &leaves, &late, &wait_returned] {
          release.recv();
          if (wait_returned.load()) late.fetch_add(1);  // wait() returned before this ended
          leaves.fetch_add(1);
        });
      }
      started.close();
    });
    started.recv();  // the leaves are in the group, blocked
    gocxx::go([release] { release.close(); });  // from outside the group, whenever it runs
    EXPECT_FALSE(g.wait());
    wait_returned = true;
    EXPECT_EQ(leaves.load(), 10);
    EXPECT_EQ(late.load(), 0);
  });
}

// Starts `fanout` children of depth-1, each through its own copy of the group.
void tree(errgroup g, int depth, int fanout, std::atomic<int>& nodes) {
  nodes.fetch_add(1);
  if (depth == 0) return;
  for (int i = 0; i < fanout; ++i) g.go([g, depth, fanout, &nodes] { tree(g, depth - 1, fanout, nodes); });
}

TEST(ErrgroupHandle, RecursiveTreeOfGoroutines) {
  gocxx::run([] {
    errgroup g;
    std::atomic<int> nodes{0};
    g.go([g, &nodes] { tree(g, 4, 3, nodes); });
    EXPECT_FALSE(g.wait());
    EXPECT_EQ(nodes.load(), 1 + 3 + 9 + 27 + 81);
  });
}

TEST(ErrgroupHandle, CopiesShareFailuresLimitAndContext) {
  gocxx::run([] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    errgroup copy = g;
    g.set_limit(1);
    chan<unit> release(0);
    g.go([release] { release.recv(); });
    EXPECT_FALSE(copy.try_go([] {}));  // the original's limit
    EXPECT_PANIC(copy.set_limit(2), "errgroup: modify limit while 1 goroutines in the group are still active");
    release.close();
    copy.go([]() -> std::error_code { return kX; });
    EXPECT_EQ(g.wait(), kX);
    EXPECT_EQ(copy.wait(), kX);
    EXPECT_EQ(gocxx::cause(ctx), kX);
  });
}

TEST(ErrgroupHandle, GoroutineFailureFromANestedGoroutine) {
  gocxx::run([] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    g.go([g]() mutable {
      g.go([]() -> std::error_code { return kX; });
    });
    EXPECT_EQ(g.wait(), kX);
    EXPECT_EQ(gocxx::cause(ctx), kX);
  });
}

// ---- plain threads ----

TEST(ErrgroupThreads, WaitFromAPlainThread) {
  std::atomic<int> ran{0};
  std::error_code err;
  std::thread t([&] {
    errgroup g;
    for (int i = 0; i < 100; ++i) g.go([&] { ran.fetch_add(1); });
    err = g.wait();
  });
  t.join();
  EXPECT_FALSE(err);
  EXPECT_EQ(ran.load(), 100);
}

TEST(ErrgroupThreads, PlainThreadWaitsForBlockedGoroutinesAndTheLimit) {
  std::error_code err;
  std::atomic<int> ran{0};
  std::thread t([&] {
    GROUP_WITH_CONTEXT(g, ctx, gocxx::background());
    g.set_limit(2);
    for (int i = 0; i < 20; ++i) {
      g.go([&ran] { ran.fetch_add(1); });  // the thread blocks in go() while 2 are active
    }
    g.go([ctx] { ctx.done().recv(); });
    g.go([]() -> std::error_code { return kX; });
    ctx.done().recv();  // a plain thread blocked on the context
    err = g.wait();
    EXPECT_EQ(gocxx::cause(ctx), kX);
  });
  t.join();
  EXPECT_EQ(err, kX);
  EXPECT_EQ(ran.load(), 20);
}

TEST(ErrgroupThreads, TestThreadWaitAndRethrow) {
  // The gtest thread itself, not in run().
  errgroup g;
  g.go([] { throw std::runtime_error("boom"); });
  EXPECT_RUNTIME_ERROR(g.wait(), "boom");
}

TEST(ErrgroupThreads, WaitFromAGoroutineOnGroupStartedByAThread) {
  errgroup g;
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) g.go([&] { ran.fetch_add(1); });
  chan<std::error_code> result(1);
  gocxx::go([g, result]() mutable { result.send(g.wait()); });
  std::optional<std::error_code> err = result.recv();
  ASSERT_TRUE(err.has_value());
  EXPECT_FALSE(*err);
  EXPECT_EQ(ran.load(), 10);
}

// ---- the error category ----

TEST(ErrgroupCategory, MessageAndName) {
  std::error_code e = gocxx::make_error_code(gocxx::errgroup_errc::exception);
  EXPECT_EQ(e.message(), "errgroup: a goroutine of the group threw an exception");
  EXPECT_STREQ(e.category().name(), "errgroup");
  EXPECT_EQ(&e.category(), &gocxx::errgroup_category());
  EXPECT_EQ(e.value(), 1);
  EXPECT_TRUE(e);
  // The enum converts implicitly, as an error-code enum.
  std::error_code implicit = gocxx::errgroup_errc::exception;
  EXPECT_EQ(implicit, e);
  EXPECT_NE(e, kCanceled);
}

}  // namespace
