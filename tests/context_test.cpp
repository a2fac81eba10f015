// Tests of the context package (gocxx/context.hpp, src/context.cpp) and of what is built
// on it here: semaphore::acquire(ctx, n) and signal_notify_context.
//
// Go's rules, one test each: cancellation reaches every descendant and never an
// ancestor, a child of a done parent is born done, the first cancellation's error and
// cause win, deadlines are the minimum of parent and child and fire on gocxx timers,
// values are found through every layer and shadowed by nearer ones, after_func runs
// once, in its own goroutine, and not after stop; plus the C++ interop (stop tokens
// both ways, with std::jthread) and the memory rule (cancelled or abandoned children of
// a long-lived parent leave nothing behind).
//
// No test sleeps to synchronise; waits are on channels, wait groups or polls. Time is
// asserted only as generous upper bounds for deadlines that must fire.
#include "gocxx/context.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/chan.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/select.hpp"
#include "gocxx/semaphore.hpp"
#include "gocxx/signal.hpp"
#include "gocxx/sync.hpp"
#include "gocxx/time.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using gocxx::context_errc;
using test_support::wait_until;

const gocxx::context_key<std::string> user_key{"user"};
const gocxx::context_key<int> int_key{"int"};
const gocxx::context_key<int> other_int_key{"other_int"};

// Whether ctx's done channel is closed, without blocking.
bool is_done(const gocxx::context& ctx) {
  gocxx::done_chan d = ctx.done();
  return d && d.try_recv().status == gocxx::chan_status::closed;
}

std::error_code app_error(int n) { return {n, std::generic_category()}; }

TEST(Context, BackgroundAndTodoAreNeverDone) {
  for (const gocxx::context& ctx : {gocxx::background(), gocxx::todo()}) {
    EXPECT_TRUE(ctx);
    EXPECT_FALSE(ctx.done());  // the nil channel
    EXPECT_FALSE(ctx.err());
    EXPECT_FALSE(ctx.deadline());
    EXPECT_FALSE(gocxx::cause(ctx));
    EXPECT_FALSE(ctx.stop_token().stop_possible());
    EXPECT_FALSE(ctx.value(int_key));
  }
  EXPECT_TRUE(gocxx::background() == gocxx::background());
  EXPECT_FALSE(gocxx::background() == gocxx::todo());
}

TEST(Context, ASelectOnANeverDoneContextTakesTheDefault) {
  gocxx::context ctx = gocxx::with_value(gocxx::background(), int_key, 1);
  int taken = gocxx::select(gocxx::case_recv(ctx.done(), [] {}), gocxx::case_default());
  EXPECT_EQ(taken, 1);
}

TEST(Context, ErrorCodesHaveGosMessages) {
  std::error_code canceled = context_errc::canceled;
  std::error_code deadline = context_errc::deadline_exceeded;
  EXPECT_EQ(canceled.message(), "context canceled");
  EXPECT_EQ(deadline.message(), "context deadline exceeded");
  EXPECT_STREQ(canceled.category().name(), "context");
  EXPECT_EQ(canceled, std::errc::operation_canceled);
  EXPECT_EQ(deadline, std::errc::timed_out);
  EXPECT_NE(canceled, deadline);
}

TEST(Context, NilParentPanicsAsGo) {
  gocxx::context nil;
  EXPECT_FALSE(nil);
  EXPECT_PANIC(gocxx::with_cancel(nil), "cannot create context from nil parent");
  EXPECT_PANIC(gocxx::with_cancel_cause(nil), "cannot create context from nil parent");
  EXPECT_PANIC(gocxx::with_timeout(nil, 1s), "cannot create context from nil parent");
  EXPECT_PANIC(gocxx::with_deadline(nil, std::chrono::steady_clock::now()), "cannot create context from nil parent");
  EXPECT_PANIC(gocxx::with_value(nil, int_key, 1), "cannot create context from nil parent");
  EXPECT_PANIC(gocxx::without_cancel(nil), "cannot create context from nil parent");
  EXPECT_PANIC(gocxx::with_stop_token(nil, std::stop_token{}), "cannot create context from nil parent");
  EXPECT_PANIC(nil.err(), "runtime error: invalid memory address or nil pointer dereference");
  EXPECT_PANIC(nil.done(), "runtime error: invalid memory address or nil pointer dereference");
}

TEST(Context, CancelClosesDoneAndSetsErr) {
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  gocxx::done_chan done = ctx.done();
  ASSERT_TRUE(done);
  EXPECT_FALSE(ctx.err());
  EXPECT_FALSE(is_done(ctx));
  EXPECT_TRUE(ctx.done() == done);  // the same channel every time
  cancel();
  EXPECT_FALSE(done.recv());  // closed
  EXPECT_EQ(ctx.err(), context_errc::canceled);
  EXPECT_EQ(gocxx::cause(ctx), context_errc::canceled);
  cancel();  // idempotent
  auto copy = cancel;
  copy();
  EXPECT_EQ(ctx.err(), context_errc::canceled);
}

TEST(Context, DoneAskedForOnlyAfterCancelIsClosed) {
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  cancel();
  EXPECT_TRUE(is_done(ctx));
  EXPECT_TRUE(ctx.done() == ctx.done());
}

TEST(Context, CancelWakesAGoroutineBlockedOnDone) {
  gocxx::run([] {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    gocxx::chan<std::error_code> saw(1);
    gocxx::go([ctx = ctx, saw] {
      ctx.done().recv();
      saw.send(ctx.err());
    });
    cancel();
    EXPECT_EQ(*saw.recv(), context_errc::canceled);
  });
}

TEST(Context, CancelFromAPlainThreadWakesAGoroutine) {
  gocxx::run([] {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    gocxx::chan<int> woke(1);
    gocxx::go([ctx = ctx, woke] {
      ctx.done().recv();
      woke.send(1);
    });
    std::thread t([cancel = cancel] { cancel(); });
    EXPECT_EQ(woke.recv(), 1);
    t.join();
  });
}

TEST(Context, ParentCancelReachesEveryDescendantChildCancelLeavesParent) {
  auto [root, cancel_root] = gocxx::with_cancel(gocxx::background());
  auto [a, cancel_a] = gocxx::with_cancel(root);
  auto [b, cancel_b] = gocxx::with_cancel(root);
  gocxx::context av = gocxx::with_value(a, int_key, 7);
  auto [a1, cancel_a1] = gocxx::with_cancel(av);  // below a value layer
  auto [a2, cancel_a2] = gocxx::with_timeout(a, 1h);
  cancel_b();
  EXPECT_EQ(b.err(), context_errc::canceled);
  EXPECT_FALSE(root.err());
  EXPECT_FALSE(a.err());
  EXPECT_FALSE(a1.err());
  cancel_root();
  for (const gocxx::context& c : {root, a, av, a1, a2}) {
    EXPECT_EQ(c.err(), context_errc::canceled);
    EXPECT_TRUE(is_done(c));
  }
}

TEST(Context, AChildOfADoneParentIsBornDone) {
  auto [parent, cancel] = gocxx::with_cancel_cause(gocxx::background());
  cancel(app_error(5));
  auto [child, cc] = gocxx::with_cancel(parent);
  EXPECT_EQ(child.err(), context_errc::canceled);
  EXPECT_EQ(gocxx::cause(child), app_error(5));
  EXPECT_TRUE(is_done(child));
  auto [t, tc] = gocxx::with_timeout(parent, 1h);
  EXPECT_EQ(t.err(), context_errc::canceled);
  std::atomic<bool> ran{false};
  gocxx::after_func_stop stop = gocxx::after_func(child, [&ran] { ran = true; });
  wait_until([&] { return ran.load(); });
  EXPECT_FALSE(stop());
}

TEST(Context, TheFirstCancellationsErrorAndCauseWin) {
  auto [parent, cancel_parent] = gocxx::with_cancel_cause(gocxx::background());
  auto [child, cancel_child] = gocxx::with_cancel_cause(parent);
  EXPECT_FALSE(gocxx::cause(child));
  cancel_child(app_error(1));
  cancel_child(app_error(2));
  cancel_parent(app_error(3));
  EXPECT_EQ(child.err(), context_errc::canceled);
  EXPECT_EQ(gocxx::cause(child), app_error(1));
  EXPECT_EQ(gocxx::cause(parent), app_error(3));
  // The parent's cause reaches children it cancels; a cause-less cancel records canceled.
  auto [p2, c2] = gocxx::with_cancel_cause(gocxx::background());
  auto [k2, kc2] = gocxx::with_cancel(p2);
  gocxx::context kv = gocxx::with_value(k2, int_key, 1);
  c2(app_error(9));
  EXPECT_EQ(gocxx::cause(k2), app_error(9));
  EXPECT_EQ(gocxx::cause(kv), app_error(9));
  auto [p3, c3] = gocxx::with_cancel_cause(gocxx::background());
  c3({});
  EXPECT_EQ(gocxx::cause(p3), context_errc::canceled);
}

TEST(Context, ADeadlineFiresOnATimer) {
  auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), 5ms);
  ASSERT_TRUE(ctx.deadline());
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(ctx.done().recv());
  EXPECT_GE(std::chrono::steady_clock::now(), *ctx.deadline());  // never early
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(ctx.err(), context_errc::deadline_exceeded);
  EXPECT_EQ(gocxx::cause(ctx), context_errc::deadline_exceeded);
  cancel();  // too late: the deadline won
  EXPECT_EQ(ctx.err(), context_errc::deadline_exceeded);
}

TEST(Context, ADeadlineReachesDescendantsAndCausesAreKept) {
  auto [ctx, cancel] = gocxx::with_timeout_cause(gocxx::background(), 2ms, app_error(42));
  auto [child, cc] = gocxx::with_cancel(gocxx::with_value(ctx, int_key, 1));
  gocxx::run([child = child] { child.done().recv(); });
  EXPECT_EQ(child.err(), context_errc::deadline_exceeded);
  EXPECT_EQ(gocxx::cause(child), app_error(42));
  EXPECT_EQ(gocxx::cause(ctx), app_error(42));
}

TEST(Context, APastDeadlineIsBornExceeded) {
  auto [ctx, cancel] = gocxx::with_deadline(gocxx::background(), std::chrono::steady_clock::now() - 1s);
  EXPECT_EQ(ctx.err(), context_errc::deadline_exceeded);
  EXPECT_TRUE(is_done(ctx));
  auto [z, zc] = gocxx::with_timeout(gocxx::background(), 0s);
  EXPECT_EQ(z.err(), context_errc::deadline_exceeded);
}

TEST(Context, AChildsDeadlineIsNeverLaterThanItsParents) {
  auto now = std::chrono::steady_clock::now();
  auto [parent, pc] = gocxx::with_deadline(gocxx::background(), now + 1h);
  auto [later, lc] = gocxx::with_deadline(parent, now + 2h);
  auto [sooner, sc] = gocxx::with_deadline(parent, now + 30min);
  auto [plain, plc] = gocxx::with_cancel(parent);
  EXPECT_EQ(*later.deadline(), *parent.deadline());
  EXPECT_EQ(*sooner.deadline(), now + 30min);
  EXPECT_EQ(*plain.deadline(), *parent.deadline());
  EXPECT_EQ(*gocxx::with_value(sooner, int_key, 1).deadline(), now + 30min);
  EXPECT_FALSE(gocxx::without_cancel(parent).deadline());
  // The later child is cancelled by its parent's (earlier) deadline.
  auto [p2, p2c] = gocxx::with_timeout(gocxx::background(), 2ms);
  auto [c2, c2c] = gocxx::with_timeout(p2, 1h);
  c2.done().recv();
  EXPECT_EQ(c2.err(), context_errc::deadline_exceeded);
}

TEST(Context, CancelStopsTheDeadlinesTimer) {
  // 100 ms: cancel() must come first even on a loaded machine under a sanitizer (with
  // 1 ms the deadline sometimes won there, seen under ASan with a build running).
  auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), 100ms);
  cancel();
  EXPECT_EQ(ctx.err(), context_errc::canceled);
  gocxx::sleep(150ms);  // past the deadline: the first cancellation stays
  EXPECT_EQ(ctx.err(), context_errc::canceled);
  EXPECT_EQ(gocxx::cause(ctx), context_errc::canceled);
}

TEST(Context, ValuesAreFoundThroughEveryLayerAndShadowed) {
  gocxx::context ctx = gocxx::with_value(gocxx::background(), user_key, "ann");
  ctx = gocxx::with_value(ctx, int_key, 1);
  auto [c1, k1] = gocxx::with_cancel(ctx);
  auto [c2, k2] = gocxx::with_timeout(c1, 1h);
  gocxx::context c3 = gocxx::without_cancel(c2);
  auto [c4, k4] = gocxx::with_stop_token(c3, std::stop_token{});
  EXPECT_EQ(c4.value(user_key), "ann");
  EXPECT_EQ(c4.value(int_key), 1);
  EXPECT_FALSE(c4.value(other_int_key));  // same type, another key
  gocxx::context shadow = gocxx::with_value(c4, int_key, 2);
  EXPECT_EQ(shadow.value(int_key), 2);
  EXPECT_EQ(c4.value(int_key), 1);  // the parent still sees its own
  k1();
  EXPECT_EQ(shadow.value(user_key), "ann");  // values outlive cancellation
}

TEST(Context, ValuesOfMoveOnlyAndLargeTypesAndTheirLifetime) {
  static const gocxx::context_key<std::shared_ptr<int>> ptr_key;
  auto p = std::make_shared<int>(5);
  {
    gocxx::context ctx = gocxx::with_value(gocxx::background(), ptr_key, p);
    EXPECT_EQ(p.use_count(), 2);
    EXPECT_EQ(**ctx.value(ptr_key), 5);
  }
  EXPECT_EQ(p.use_count(), 1);  // destroyed with the last handle
  struct big {
    char bytes[4096];
    long tail;
  };
  static const gocxx::context_key<big> big_key;
  big b{};
  b.tail = 99;
  EXPECT_EQ(gocxx::with_value(gocxx::background(), big_key, b).value(big_key)->tail, 99);
}

TEST(Context, WithoutCancelKeepsValuesButIsNeverDone) {
  auto [parent, cancel] = gocxx::with_cancel(gocxx::with_value(gocxx::background(), int_key, 3));
  gocxx::context detached = gocxx::without_cancel(parent);
  auto [below, bc] = gocxx::with_cancel(detached);
  cancel();
  EXPECT_FALSE(detached.done());
  EXPECT_FALSE(detached.err());
  EXPECT_FALSE(gocxx::cause(detached));
  EXPECT_FALSE(below.err());
  EXPECT_EQ(detached.value(int_key), 3);
  bc();
  EXPECT_EQ(below.err(), context_errc::canceled);
}

TEST(Context, AfterFuncRunsOnceInItsOwnGoroutineAfterCancel) {
  gocxx::run([] {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    gocxx::chan<std::uint64_t> ran(4);
    gocxx::after_func_stop stop = gocxx::after_func(ctx, [ran] { ran.send(gocxx::goroutine_id()); });
    EXPECT_EQ(ran.try_recv().status, gocxx::chan_status::would_block);
    cancel();
    cancel();
    std::uint64_t id = *ran.recv();
    EXPECT_NE(id, gocxx::goroutine_id());
    EXPECT_NE(id, 0u);
    EXPECT_FALSE(stop());  // already started
    wait_until([] { return gocxx::num_goroutine() <= 1; });  // every other goroutine ended
    EXPECT_EQ(ran.try_recv().status, gocxx::chan_status::would_block);  // once
  });
}

TEST(Context, AfterFuncStoppedFirstNeverRuns) {
  gocxx::run([] {
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    auto ran = std::make_shared<std::atomic<int>>(0);
    gocxx::after_func_stop stop = gocxx::after_func(ctx, [ran] { ran->fetch_add(1); });
    gocxx::after_func_stop copy = stop;
    EXPECT_TRUE(copy());
    EXPECT_FALSE(stop());
    // A second registration that is dropped (not stopped) still runs: proves the
    // cancellation happened and fn would have been started by now.
    gocxx::chan<int> other(1);
    (void)gocxx::after_func(ctx, [other] { other.send(1); });
    cancel();
    EXPECT_EQ(other.recv(), 1);
    EXPECT_EQ(ran->load(), 0);
  });
}

TEST(Context, AfterFuncOnANeverDoneContextNeverRunsAndStops) {
  bool ran = false;
  gocxx::after_func_stop stop = gocxx::after_func(gocxx::background(), [&ran] { ran = true; });
  EXPECT_TRUE(stop());
  EXPECT_FALSE(stop());
  EXPECT_FALSE(ran);
}

TEST(Context, StopTokenIsStoppedWhenTheContextIsDone) {
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  std::stop_token st = ctx.stop_token();
  EXPECT_TRUE(st.stop_possible());
  EXPECT_FALSE(st.stop_requested());
  std::atomic<bool> jthread_saw{false};
  std::jthread worker([&, st] {
    // A C++ worker waits on the token; gocxx cancels it.
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock<std::mutex> l(m);
    cv.wait(l, st, [] { return false; });
    jthread_saw = true;
  });
  cancel();
  worker.join();
  EXPECT_TRUE(jthread_saw);
  EXPECT_TRUE(st.stop_requested());
  // Asked for after the cancellation: already stopped.
  EXPECT_TRUE(ctx.stop_token().stop_requested());
  auto [d, dc] = gocxx::with_timeout(gocxx::background(), 1ms);
  std::stop_token dst = gocxx::with_value(d, int_key, 1).stop_token();
  wait_until([&] { return dst.stop_requested(); });
  EXPECT_EQ(d.err(), context_errc::deadline_exceeded);
}

TEST(Context, WithStopTokenIsCancelledByAJthreadsStop) {
  gocxx::run([] {
    std::jthread owner([](std::stop_token) {});
    auto [ctx, cancel] = gocxx::with_stop_token(gocxx::background(), owner.get_stop_token());
    gocxx::chan<std::error_code> saw(1);
    gocxx::go([ctx = ctx, saw] {
      ctx.done().recv();
      saw.send(ctx.err());
    });
    owner.request_stop();
    EXPECT_EQ(*saw.recv(), context_errc::canceled);
    std::stop_source stopped;
    stopped.request_stop();
    auto [born, bc] = gocxx::with_stop_token(gocxx::background(), stopped.get_token());
    EXPECT_EQ(born.err(), context_errc::canceled);
    // The parent still cancels it, and its own cancel works.
    auto [parent, pc] = gocxx::with_cancel(gocxx::background());
    std::stop_source never;
    auto [child, cc] = gocxx::with_stop_token(parent, never.get_token());
    pc();
    EXPECT_EQ(child.err(), context_errc::canceled);
  });
}

TEST(Context, AStopTokenCancelsAContextThatCancelsAJthread) {
  // Both ways at once: a jthread's stop cancels a context, whose stop token stops
  // another jthread.
  std::stop_source source;
  auto [ctx, cancel] = gocxx::with_stop_token(gocxx::background(), source.get_token());
  std::atomic<bool> stopped{false};
  std::jthread follower([&stopped, st = ctx.stop_token()] {
    while (!st.stop_requested()) std::this_thread::yield();
    stopped = true;
  });
  source.request_stop();
  follower.join();
  EXPECT_TRUE(stopped);
}

TEST(Context, AHundredThousandContextTreeCancelledFromTheRootReachesEveryLeaf) {
  gocxx::run([] {
    constexpr int children = 1000, per = 100;
    auto [root, cancel_root] = gocxx::with_cancel(gocxx::background());
    std::vector<gocxx::context> leaves;
    std::vector<gocxx::cancel_func> cancels;
    leaves.reserve(children * per);
    for (int i = 0; i < children; ++i) {
      auto [child, cc] = gocxx::with_cancel(root);
      cancels.push_back(cc);
      for (int j = 0; j < per; ++j) {
        auto [leaf, lc] = gocxx::with_cancel(j % 2 ? gocxx::with_value(child, int_key, j) : child);
        cancels.push_back(lc);
        leaves.push_back(leaf);
      }
    }
    // A goroutine waits on a leaf of every child (fewer under the sanitizers' cost).
    const int waiters = test_support::kSanitized ? 1000 : children * per;
    gocxx::wait_group woke;
    woke.add(waiters);
    for (int i = 0; i < waiters; ++i) {
      gocxx::go([leaf = leaves[i], &woke] {
        leaf.done().recv();
        woke.done();
      });
    }
    cancel_root();
    woke.wait();
    for (const gocxx::context& leaf : leaves) ASSERT_EQ(leaf.err(), context_errc::canceled);
    for (auto& c : cancels) c();
  });
}

TEST(Context, AHundredThousandDeepChainCancelsAndFreesWithoutRecursion) {
  gocxx::run([] {  // on a goroutine's fixed 64 KiB stack
    constexpr int depth = 100000;
    auto [root, cancel] = gocxx::with_cancel(gocxx::background());
    gocxx::context leaf = root;
    std::vector<gocxx::cancel_func> keep;
    for (int i = 0; i < depth; ++i) {
      auto [c, cc] = gocxx::with_cancel(i % 3 ? leaf : gocxx::with_value(leaf, int_key, i));
      leaf = c;
      keep.push_back(cc);
    }
    EXPECT_EQ(leaf.value(int_key), depth - 1);  // the last value layer (i % 3 == 0)
    gocxx::done_chan d = leaf.done();
    cancel();
    EXPECT_FALSE(d.recv());
    EXPECT_EQ(leaf.err(), context_errc::canceled);
    keep.clear();
    leaf = gocxx::context();  // frees the whole chain, one node at a time
    // And an uncancelled chain dropped at once.
    gocxx::context chain = gocxx::background();
    for (int i = 0; i < depth; ++i) chain = gocxx::with_cancel(chain).ctx;
  });
}

// RSS growth over `n` rounds of `round` after a warm-up, in bytes.
template <class F>
std::size_t rss_growth(int n, F round) {
  for (int i = 0; i < n / 10; ++i) round();
  std::size_t before = test_support::rss_bytes();
  for (int i = 0; i < n; ++i) round();
  std::size_t after = test_support::rss_bytes();
  return after > before ? after - before : 0;
}

TEST(Context, AMillionShortLivedChildrenOfOneParentLeaveRssFlat) {
  const int n = test_support::kSanitized ? 100000 : 1000000;
  auto [parent, cancel_parent] = gocxx::with_cancel(gocxx::background());
  std::size_t cancelled = rss_growth(n, [&parent = parent] {
    auto [c, cancel] = gocxx::with_cancel(parent);
    (void)c.done();
    cancel();
  });
  std::size_t timeouts = rss_growth(n / 10, [&parent = parent] {
    auto [c, cancel] = gocxx::with_timeout(parent, 1h);
    cancel();
  });
  // Never cancelled, handles dropped: removed too (Go would keep them until the parent).
  std::size_t abandoned = rss_growth(n, [&parent = parent] { (void)gocxx::with_cancel(parent); });
  if (!test_support::kSanitized) {  // the sanitizers' allocators hold on to freed memory
    EXPECT_LT(cancelled, 4u << 20);
    EXPECT_LT(timeouts, 4u << 20);
    EXPECT_LT(abandoned, 4u << 20);
  }
  cancel_parent();
}

TEST(Context, ADroppedChildWhoseDoneIsStillWatchedIsCancelledByItsParent) {
  gocxx::run([] {
    auto [parent, cancel] = gocxx::with_cancel(gocxx::background());
    gocxx::done_chan watched;
    std::stop_token token;
    {
      auto [child, cc] = gocxx::with_cancel(gocxx::with_value(parent, int_key, 1));
      watched = child.done();
      auto [other, oc] = gocxx::with_cancel(parent);
      token = other.stop_token();
    }  // every handle of both children is gone, never cancelled
    gocxx::chan<int> woke(1);
    gocxx::go([watched, woke] {
      watched.recv();
      woke.send(1);
    });
    cancel();
    EXPECT_EQ(woke.recv(), 1);
    EXPECT_TRUE(token.stop_requested());
  });
}

TEST(Context, ConcurrentCancelsCreatesAndDropsAreSafe) {
  gocxx::run([] {
    const int rounds = test_support::kSanitized ? 200 : 2000;
    for (int r = 0; r < rounds; ++r) {
      auto [root, cancel_root] = gocxx::with_cancel(gocxx::background());
      gocxx::wait_group wg;
      wg.add(4);
      for (int g = 0; g < 4; ++g) {
        gocxx::go([root = root, g, &wg] {
          for (int i = 0; i < 8; ++i) {
            auto [c, cancel] = gocxx::with_cancel(root);
            auto [d, dc] = gocxx::with_cancel(c);
            if ((i + g) % 2) cancel();
            (void)d.done();
            if (i % 3 == 0) (void)gocxx::after_func(d, [] {});
          }
          wg.done();
        });
      }
      cancel_root();
      wg.wait();
    }
  });
}

// ---- semaphore::acquire(ctx, n) ----

TEST(SemaphoreContext, AcquireCancelledWhileWaitingReturnsErrAndLeavesTheSemaphore) {
  gocxx::run([] {
    gocxx::semaphore sem(2);
    sem.acquire(2);
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    gocxx::chan<std::error_code> got(1);
    gocxx::go([&sem, ctx = ctx, got] { got.send(sem.acquire(ctx, 1)); });
    gocxx::yield();
    cancel();
    EXPECT_EQ(*got.recv(), context_errc::canceled);
    sem.release(2);
    EXPECT_TRUE(sem.try_acquire(2));  // nothing was taken, nobody queued
    sem.release(2);
  });
}

TEST(SemaphoreContext, ADoneContextOnEntryAcquiresNothing) {
  gocxx::semaphore sem(1);
  auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), 0s);
  EXPECT_EQ(sem.acquire(ctx, 1), context_errc::deadline_exceeded);
  EXPECT_TRUE(sem.try_acquire(1));
  sem.release(1);
  EXPECT_FALSE(sem.acquire(gocxx::background(), 1));
  sem.release(1);
}

TEST(SemaphoreContext, ACancelledFrontWaiterLetsSmallerOnesThrough) {
  gocxx::run([] {
    gocxx::semaphore sem(4);
    sem.acquire(3);
    auto [big_ctx, cancel_big] = gocxx::with_cancel(gocxx::background());
    gocxx::chan<std::error_code> big(1), small(1);
    gocxx::go([&sem, c = big_ctx, big] { big.send(sem.acquire(c, 4)); });
    wait_until([&] { return !sem.try_acquire(1) || (sem.release(1), false); });  // FIFO: big is queued
    gocxx::go([&sem, small] { small.send(sem.acquire(gocxx::background(), 1)); });
    gocxx::yield();
    EXPECT_EQ(small.try_recv().status, gocxx::chan_status::would_block);  // behind big
    cancel_big();
    EXPECT_EQ(*big.recv(), context_errc::canceled);
    EXPECT_FALSE(*small.recv());  // 1 token fits once big is gone
    sem.release(4);
  });
}

TEST(SemaphoreContext, ATooLargeRequestWaitsForTheContext) {
  gocxx::semaphore sem(2);
  auto [ctx, cancel] = gocxx::with_timeout(gocxx::background(), 2ms);
  EXPECT_EQ(sem.acquire(ctx, 3), context_errc::deadline_exceeded);
  EXPECT_TRUE(sem.try_acquire(2));
  sem.release(2);
}

TEST(SemaphoreContext, GrantsAndCancellationsRacingLoseNoToken) {
  gocxx::run([] {
    gocxx::semaphore sem(3);
    const int n = test_support::kSanitized ? 300 : 3000;
    std::atomic<int> acquired{0}, refused{0};
    gocxx::wait_group wg;
    wg.add(n);
    for (int i = 0; i < n; ++i) {
      auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
      gocxx::go([&, ctx = ctx] {
        if (sem.acquire(ctx, 1 + (gocxx::goroutine_id() % 3))) {
          refused.fetch_add(1);
        } else {
          acquired.fetch_add(1);
          gocxx::yield();
          sem.release(1 + (gocxx::goroutine_id() % 3));
        }
        wg.done();
      });
      if (i % 2) cancel();
    }
    wg.wait();
    EXPECT_EQ(acquired + refused, n);
    EXPECT_TRUE(sem.try_acquire(3));  // every token came back
    sem.release(3);
  });
}

// ---- signal_notify_context ----

TEST(SignalContext, ASignalCancelsTheContextAndStopRestoresTheDisposition) {
  struct sigaction before = {};
  sigaction(SIGUSR1, nullptr, &before);
  auto [ctx, stop] = gocxx::signal_notify_context(gocxx::background(), {SIGUSR1});
  auto [ctx2, stop2] = gocxx::signal_notify_context(gocxx::background(), {SIGUSR1, SIGUSR2});
  EXPECT_FALSE(ctx.err());
  raise(SIGUSR1);  // would kill the process if it were not caught
  EXPECT_FALSE(ctx.done().recv());
  EXPECT_EQ(ctx.err(), context_errc::canceled);
  EXPECT_FALSE(ctx2.done().recv());
  stop();
  stop();
  struct sigaction now = {};
  sigaction(SIGUSR1, nullptr, &now);
  EXPECT_NE(now.sa_handler, before.sa_handler);  // ctx2 still wants it
  stop2();
  sigaction(SIGUSR1, nullptr, &now);
  EXPECT_EQ(now.sa_handler, before.sa_handler);
  EXPECT_PANIC(gocxx::signal_notify_context(gocxx::background(), {SIGKILL}), "signal_notify_context: bad signal 9");
  // stop() cancels too, and the parent does.
  auto [p, pc] = gocxx::with_cancel(gocxx::background());
  auto [s, sstop] = gocxx::signal_notify_context(p, {SIGUSR2});
  pc();
  EXPECT_EQ(s.err(), context_errc::canceled);
  auto [s2, s2stop] = gocxx::signal_notify_context(gocxx::background(), {SIGUSR2});
  s2stop();
  EXPECT_EQ(s2.err(), context_errc::canceled);
  sstop();
}

// The graceful-shutdown flow of the Go guides, end to end: a producer feeds jobs to
// workers until SIGTERM arrives; then it stops, the workers drain what was queued, and
// the process exits 0 with every job produced also done.
int graceful_shutdown() {
  return gocxx::run([]() -> int {
    auto [ctx, stop] = gocxx::signal_notify_context(gocxx::background(), {SIGINT, SIGTERM});
    gocxx::chan<int> jobs(16);
    std::atomic<long> produced{0}, done_sum{0}, produced_sum{0}, done_count{0};
    gocxx::wait_group workers;
    for (int w = 0; w < 4; ++w) {
      workers.add(1);
      gocxx::go([&, jobs] {
        for (int j : jobs) {
          done_sum += j;
          done_count += 1;
        }
        workers.done();
      });
    }
    gocxx::go([&, ctx = ctx, jobs] {
      for (int i = 1;; ++i) {
        bool stopped = false;
        gocxx::select(gocxx::case_recv(ctx.done(), [&] { stopped = true; }),
                      gocxx::case_send(jobs, i, [&] {
                        produced += 1;
                        produced_sum += i;
                      }));
        if (stopped) break;
        if (i == 1000) raise(SIGTERM);  // the operator's kill, once work is under way
      }
      jobs.close();
    });
    workers.wait();
    stop();
    if (ctx.err() != context_errc::canceled) return 3;
    if (produced < 1000 || done_count != produced || done_sum != produced_sum) return 4;
    return 0;
  });
}

TEST(SignalContextDeathTest, GracefulShutdownOnSigtermDrainsEveryJobAndExitsZero) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(std::exit(graceful_shutdown()), testing::ExitedWithCode(0), "");
}

}  // namespace
