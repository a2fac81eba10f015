// Tests of gocxx::chan<T>, send_chan<T>, recv_chan<T> (gocxx/chan.hpp): Go's semantics,
// element types, the memory model (checked by the TSan run), and classic Go programs.
// No test sleeps to synchronise or asserts on timing.
//
// Longer than ~600 lines because it is one suite per header (tests/CMakeLists.txt builds
// one binary per *_test.cpp): semantics, element types, memory model, Go programs.
#include "gocxx/chan.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gocxx/runtime.hpp"
#include "test_support.hpp"
#include "gocxx/select.hpp"

namespace {

using gocxx::chan;
using gocxx::chan_status;
using gocxx::recv_chan;
using gocxx::send_chan;

// ---- compile-time checks: direction conversions, element requirements ----

static_assert(std::is_convertible_v<chan<int>, send_chan<int>>);
static_assert(std::is_convertible_v<chan<int>, recv_chan<int>>);
static_assert(std::is_convertible_v<const chan<int>&, send_chan<int>>);
static_assert(!std::is_convertible_v<send_chan<int>, chan<int>>);
static_assert(!std::is_convertible_v<recv_chan<int>, chan<int>>);
static_assert(!std::is_constructible_v<chan<int>, send_chan<int>>);
static_assert(!std::is_constructible_v<chan<int>, recv_chan<int>>);
static_assert(!std::is_constructible_v<send_chan<int>, recv_chan<int>>);
static_assert(!std::is_constructible_v<recv_chan<int>, send_chan<int>>);
static_assert(!std::is_constructible_v<send_chan<long>, chan<int>>);
static_assert(!std::is_convertible_v<int, chan<int>>);  // make(chan T, n) is explicit
static_assert(!std::is_convertible_v<chan<int>, bool>);  // explicit operator bool
// A requires-expression only tests validity when it depends on a template parameter.
template <class C>
concept can_send = requires(const C& c, typename C::value_type v) { c.send(std::move(v)); c.try_send(std::move(v)); };
template <class C>
concept can_send_lvalue = requires(const C& c, typename C::value_type& v) { c.send(v); };
template <class C>
concept can_recv = requires(const C& c) { c.recv(); c.try_recv(); };
template <class C>
concept can_range = requires(const C& c) { c.begin(); c.end(); };
template <class C>
concept can_close = requires(const C& c) { c.close(); };
template <class A, class B>
concept comparable = requires(const A& a, const B& b) { a == b; };

static_assert(can_send<chan<int>> && can_recv<chan<int>> && can_range<chan<int>> && can_close<chan<int>>);
static_assert(can_send<send_chan<int>> && can_close<send_chan<int>>);
static_assert(!can_recv<send_chan<int>> && !can_range<send_chan<int>>);
static_assert(can_recv<recv_chan<int>> && can_range<recv_chan<int>>);
static_assert(!can_send<recv_chan<int>> && !can_close<recv_chan<int>>);
static_assert(comparable<chan<int>, chan<int>> && comparable<send_chan<int>, chan<int>> &&
              comparable<chan<int>, recv_chan<int>> && comparable<chan<int>, std::nullptr_t>);
static_assert(!comparable<send_chan<int>, recv_chan<int>> && !comparable<chan<int>, chan<long>>);
// Move-only elements: sent as rvalues only (no copying overload).
static_assert(can_send<chan<std::unique_ptr<int>>> && !can_send_lvalue<chan<std::unique_ptr<int>>>);
static_assert(can_send_lvalue<chan<std::string>>);
static_assert(std::input_iterator<decltype(std::declval<chan<std::unique_ptr<int>>>().begin())>);
static_assert(sizeof(chan<int>) == sizeof(void*));

// ---- element types ----

struct no_default {
  explicit no_default(int v) : v(v) {}
  int v;
};

struct big {
  explicit big(int seed) {
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(seed + i);
  }
  bool ok(int seed) const {
    for (std::size_t i = 0; i < data.size(); ++i)
      if (data[i] != static_cast<std::uint8_t>(seed + i)) return false;
    return true;
  }
  std::array<std::uint8_t, 8192> data;
};

// Counts live objects, copies and moves.
struct tracked {
  static inline std::atomic<int> live{0}, copies{0}, moves{0};
  static void reset_counts() { live = 0, copies = 0, moves = 0; }
  explicit tracked(int v) : v(v) { ++live; }
  tracked(const tracked& o) : v(o.v) { ++live, ++copies; }
  tracked(tracked&& o) noexcept : v(o.v) { ++live, ++moves; }
  ~tracked() { --live; }
  int v;
};

// ---- basics ----

TEST(Chan, NilChannel) {
  gocxx::run([] {
    chan<int> nil;
    EXPECT_FALSE(nil);
    EXPECT_TRUE(nil == nullptr);
    EXPECT_TRUE(nil == chan<int>());
    EXPECT_EQ(nil.size(), 0u);
    EXPECT_EQ(nil.capacity(), 0u);
    EXPECT_EQ(nil.try_send(1), chan_status::would_block);
    EXPECT_EQ(nil.try_recv().status, chan_status::would_block);
    EXPECT_PANIC(nil.close(), "close of nil channel");
    send_chan<int> s = nil;
    EXPECT_PANIC(s.close(), "close of nil channel");
  });
}

// Send, receive and range on a nil channel block forever. The goroutines that do so are
// abandoned by run(), so this runs in a child process (a death test that expects a clean
// exit): the parent's leak checker never sees goroutines that are parked for good.
TEST(Chan, NilChannelBlocksForever) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        static std::atomic<int> passed{0};
        gocxx::run([] {
          chan<int> nil;
          gocxx::go([nil] {
            nil.send(1);
            passed.fetch_add(1);
          });
          gocxx::go([nil] {
            (void)nil.recv();
            passed.fetch_add(1);
          });
          gocxx::go([nil] {
            for (int v : nil) (void)v;
            passed.fetch_add(1);
          });
          chan<int> done(0);
          gocxx::go([done] { done.send(1); });
          (void)done.recv();
          for (int i = 0; i < 100; ++i) gocxx::yield();
        });
        std::_Exit(passed.load() == 0 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(Chan, UnbufferedHandOff) {
  gocxx::run([] {
    chan<int> ch(0);
    EXPECT_TRUE(ch);
    EXPECT_EQ(ch.capacity(), 0u);
    gocxx::go([ch] {
      for (int i = 0; i < 1000; ++i) ch.send(i);
      ch.close();
    });
    int expect = 0;
    for (int v : ch) EXPECT_EQ(v, expect++);
    EXPECT_EQ(expect, 1000);
    EXPECT_EQ(ch.recv(), std::nullopt);
  });
}

TEST(Chan, BufferedSizeCapacityAndDrainAfterClose) {
  gocxx::run([] {
    chan<std::string> ch(3);
    EXPECT_EQ(ch.capacity(), 3u);
    ch.send("a");
    std::string b = "b";
    ch.send(b);  // copies an lvalue
    EXPECT_EQ(b, "b");
    ch.send(std::string("c"));
    EXPECT_EQ(ch.size(), 3u);
    EXPECT_EQ(ch.try_send("d"), chan_status::would_block);
    ch.close();
    EXPECT_PANIC(ch.send("e"), "send on closed channel");
    EXPECT_PANIC(ch.close(), "close of closed channel");
    EXPECT_EQ(ch.try_send("f"), chan_status::closed);
    EXPECT_EQ(ch.recv(), "a");
    EXPECT_EQ(ch.try_recv().value, "b");
    EXPECT_EQ(ch.recv(), "c");
    EXPECT_EQ(ch.size(), 0u);
    EXPECT_EQ(ch.recv(), std::nullopt);
    auto r = ch.try_recv();
    EXPECT_EQ(r.status, chan_status::closed);
    EXPECT_FALSE(r);
    EXPECT_FALSE(r.value);
  });
}

TEST(Chan, MakeChanSizeOutOfRange) {
  EXPECT_PANIC((void)chan<int>(-1), "makechan: size out of range");
  EXPECT_PANIC((void)chan<int>(std::numeric_limits<std::int64_t>::max()), "makechan: size out of range");
  EXPECT_PANIC((void)chan<int>(std::numeric_limits<std::uint64_t>::max()), "makechan: size out of range");
  EXPECT_PANIC((void)chan<big>(std::int64_t{1} << 40), "makechan: size out of range");
  chan<int> ok(0);
  EXPECT_TRUE(ok);
}

TEST(Chan, TryOperations) {
  gocxx::run([] {
    chan<std::unique_ptr<int>> ch(1);
    auto p = std::make_unique<int>(7);
    EXPECT_EQ(ch.try_recv().status, chan_status::would_block);
    EXPECT_EQ(ch.try_send(std::move(p)), chan_status::ok);
    EXPECT_EQ(p, nullptr);
    auto q = std::make_unique<int>(8);
    EXPECT_EQ(ch.try_send(std::move(q)), chan_status::would_block);
    ASSERT_NE(q, nullptr);  // not moved from on failure
    EXPECT_EQ(*q, 8);
    auto [v, st] = ch.try_recv();
    EXPECT_EQ(st, chan_status::ok);
    EXPECT_EQ(**v, 7);
    ch.close();
    EXPECT_EQ(ch.try_send(std::move(q)), chan_status::closed);
    EXPECT_NE(q, nullptr);
    EXPECT_EQ(ch.try_recv().status, chan_status::closed);

    // Unbuffered: try_send succeeds only with a receiver waiting, try_recv only with a sender.
    chan<int> u(0);
    EXPECT_EQ(u.try_send(1), chan_status::would_block);
    EXPECT_EQ(u.try_recv().status, chan_status::would_block);
    chan<int> got(1);
    gocxx::go([u, got] { got.send(*u.recv()); });
    while (u.try_send(42) != chan_status::ok) gocxx::yield();
    EXPECT_EQ(got.recv(), 42);
    gocxx::go([u] { u.send(43); });
    decltype(u.try_recv()) r;
    while (!(r = u.try_recv())) gocxx::yield();
    EXPECT_EQ(r.value, 43);
  });
}

TEST(Chan, ChannelsAreMapKeys) {
  chan<int> a(0), b(0);
  std::unordered_map<chan<int>, int> subscribers;
  subscribers[a] = 1;
  subscribers[b] = 2;
  chan<int> a2 = a;
  EXPECT_EQ(subscribers.at(a2), 1);
  EXPECT_EQ(subscribers.size(), 2u);
  EXPECT_EQ(std::hash<recv_chan<int>>()(a), std::hash<chan<int>>()(a));
}

TEST(Chan, EqualityAndConversions) {
  gocxx::run([] {
    chan<int> a(1), b(1);
    chan<int> a2 = a;
    EXPECT_TRUE(a == a2);
    EXPECT_FALSE(a == b);
    send_chan<int> s = a;
    recv_chan<int> r = a;
    EXPECT_TRUE(s == a);
    EXPECT_TRUE(r == a);
    EXPECT_FALSE(r == b);
    s.send(5);
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(r.capacity(), 1u);
    EXPECT_EQ(r.recv(), 5);
    chan<int> moved = std::move(a2);
    EXPECT_FALSE(a2);  // NOLINT(bugprone-use-after-move): a moved-from handle is nil
    EXPECT_TRUE(moved == a);
    s.close();
    EXPECT_EQ(r.recv(), std::nullopt);
  });
}

// ---- element types ----

TEST(Chan, MoveOnlyNonDefaultConstructibleAndLargeElements) {
  gocxx::run([] {
    chan<std::unique_ptr<std::string>> up(0);
    gocxx::go([up] {
      up.send(std::make_unique<std::string>("hello"));
      up.close();
    });
    for (auto p : up) EXPECT_EQ(*p, "hello");

    chan<no_default> nd(2);
    nd.send(no_default(1));
    nd.send(no_default(2));
    nd.close();
    int sum = 0;
    for (auto v : nd) sum += v.v;
    EXPECT_EQ(sum, 3);

    chan<big> bg(0);
    chan<big> bgbuf(2);
    gocxx::go([bg, bgbuf] {
      for (int i = 0; i < 4; ++i) {
        bg.send(big(i));
        bgbuf.send(big(100 + i));
      }
      bg.close();
      bgbuf.close();
    });
    int n = 0;
    for (auto&& v : bg) {
      EXPECT_TRUE(v.ok(n));
      auto w = bgbuf.recv();
      ASSERT_TRUE(w);
      EXPECT_TRUE(w->ok(100 + n));
      ++n;
    }
    EXPECT_EQ(n, 4);
  });
}

TEST(Chan, ValuesAreMovedNeverCopied) {
  gocxx::run([] {
    tracked::reset_counts();
    {
      chan<tracked> unbuf(0);
      gocxx::go([unbuf] {
        for (int i = 0; i < 10; ++i) unbuf.send(tracked(i));
        unbuf.close();  // after the last moved-from temporary is destroyed
      });
      for (int i = 0; i < 10; ++i) EXPECT_EQ(unbuf.recv()->v, i);
      EXPECT_EQ(unbuf.recv(), std::nullopt);  // the close happens-before this receive
      EXPECT_EQ(tracked::copies.load(), 0);
      EXPECT_EQ(tracked::moves.load(), 10);  // one per hand-off: sender's object -> optional

      tracked::reset_counts();
      chan<tracked> buf(4);
      for (int i = 0; i < 4; ++i) buf.send(tracked(i));
      for (int i = 0; i < 4; ++i) EXPECT_EQ(buf.recv()->v, i);
      EXPECT_EQ(tracked::copies.load(), 0);
      EXPECT_EQ(tracked::moves.load(), 8);  // in and out of the buffer
    }
    EXPECT_EQ(tracked::live.load(), 0);
  });
}

TEST(Chan, BufferedValuesDestroyedWithLastHandle) {
  tracked::reset_counts();
  {
    chan<tracked> ch(8);
    for (int i = 0; i < 5; ++i) ch.send(tracked(i));
    (void)ch.recv();
    EXPECT_EQ(tracked::live.load(), 4);
    recv_chan<tracked> other = ch;
    { chan<tracked> gone = std::move(ch); }
    EXPECT_EQ(tracked::live.load(), 4);  // `other` still holds the channel
  }
  EXPECT_EQ(tracked::live.load(), 0);

  // The ring wrapped around: the values left are still destroyed exactly once.
  tracked::reset_counts();
  {
    chan<tracked> ch(3);
    for (int i = 0; i < 3; ++i) ch.send(tracked(i));
    (void)ch.recv();
    (void)ch.recv();
    ch.send(tracked(3));
    ch.send(tracked(4));
    EXPECT_EQ(tracked::live.load(), 3);
  }
  EXPECT_EQ(tracked::live.load(), 0);
}

// ---- close ----

TEST(Chan, CloseWakesEveryReceiverAndPanicsEverySender) {
  gocxx::run([] {
    constexpr int n = 8;
    chan<int> rc(0);
    chan<int> results(2 * n);
    for (int i = 0; i < n; ++i) {
      gocxx::go([rc, results] { results.send(rc.recv().has_value() ? 1 : 0); });
    }
    for (int i = 0; i < 50; ++i) gocxx::yield();  // most are parked by now; correct either way
    rc.close();
    for (int i = 0; i < n; ++i) EXPECT_EQ(results.recv(), 0);

    chan<std::string> sc(0);
    for (int i = 0; i < n; ++i) {
      gocxx::go([sc, results] {
        try {
          sc.send("x");
          results.send(1);
        } catch (const gocxx::panic_error& e) {
          results.send(std::string(e.what()) == "send on closed channel" ? 2 : 3);
        }
      });
    }
    for (int i = 0; i < 50; ++i) gocxx::yield();
    sc.close();
    for (int i = 0; i < n; ++i) EXPECT_EQ(results.recv(), 2);
  });
}

TEST(Chan, BlockedSenderPanicsOnClose) {
  // A sender on a full buffer: it blocks there (or, if close wins the race, panics at
  // once); either way it panics with Go's text, and the buffered value survives.
  gocxx::run([] {
    chan<int> full(1);
    full.send(0);
    chan<int> started(0), outcome(1);
    gocxx::go([full, started, outcome] {
      started.send(1);
      try {
        full.send(1);
        outcome.send(1);
      } catch (const gocxx::panic_error& e) {
        outcome.send(std::string(e.what()) == "send on closed channel" ? 2 : 3);
      }
    });
    started.recv();
    for (int i = 0; i < 50; ++i) gocxx::yield();
    full.close();
    EXPECT_EQ(outcome.recv(), 2);
    EXPECT_EQ(full.recv(), 0);  // the buffered value is still delivered
    EXPECT_EQ(full.recv(), std::nullopt);
  });
}

// ---- ordering and delivery ----

TEST(Chan, FifoPerSender) {
  for (std::int64_t cap : {0, 1, 16}) {
    gocxx::run([cap] {
      constexpr int senders = 4, per = 2000;
      chan<std::pair<int, int>> ch(cap);
      std::atomic<int> left{senders};
      for (int s = 0; s < senders; ++s) {
        gocxx::go([ch, s, &left] {
          for (int i = 0; i < per; ++i) ch.send({s, i});
          if (left.fetch_sub(1) == 1) ch.close();
        });
      }
      std::array<int, senders> next{};
      int total = 0;
      for (auto [s, i] : ch) {
        EXPECT_EQ(i, next[s]) << "sender " << s << " cap " << cap;
        next[s] = i + 1;
        ++total;
      }
      EXPECT_EQ(total, senders * per);
    });
  }
}

void exactly_once(std::int64_t cap, int producers, int consumers, int per) {
  gocxx::run([=] {
    chan<std::int64_t> ch(cap);
    chan<std::pair<std::int64_t, std::int64_t>> results(consumers);
    auto left = std::make_shared<std::atomic<int>>(producers);
    for (int p = 0; p < producers; ++p) {
      gocxx::go([=] {
        for (int i = 0; i < per; ++i) ch.send(std::int64_t{p} * per + i + 1);
        if (left->fetch_sub(1) == 1) ch.close();  // the last producer closes
      });
    }
    for (int c = 0; c < consumers; ++c) {
      gocxx::go([=] {
        std::int64_t count = 0, sum = 0;
        for (std::int64_t v : ch) ++count, sum += v;
        results.send({count, sum});
      });
    }
    std::int64_t count = 0, sum = 0;
    for (int c = 0; c < consumers; ++c) {
      auto r = results.recv();
      count += r->first;
      sum += r->second;
    }
    const std::int64_t n = std::int64_t{producers} * per;
    EXPECT_EQ(count, n);
    EXPECT_EQ(sum, n * (n + 1) / 2);
  });
}

TEST(Chan, ExactlyOnceBuffered) { exactly_once(64, 4, 4, GOCXX_TEST_SANITIZED ? 5000 : 50000); }
TEST(Chan, ExactlyOnceUnbuffered) { exactly_once(0, 4, 4, GOCXX_TEST_SANITIZED ? 5000 : 25000); }
TEST(Chan, ExactlyOnceManyToFew) { exactly_once(1, 16, 3, GOCXX_TEST_SANITIZED ? 500 : 5000); }

// ---- plain threads ----

TEST(Chan, PlainThreadsAndGoroutinesShareAChannel) {
  gocxx::run([] {
    constexpr int per = GOCXX_TEST_SANITIZED ? 2000 : 20000;
    chan<int> ch(0);
    chan<std::int64_t> sums(4);
    std::atomic<int> left{4};
    // Two thread producers and two goroutine producers; two thread consumers and two
    // goroutine consumers.
    auto produce = [ch, &left](int base) {
      for (int i = 1; i <= per; ++i) ch.send(base + i);
      if (left.fetch_sub(1) == 1) ch.close();
    };
    auto consume = [ch, sums] {
      std::int64_t s = 0;
      for (int v : ch) s += v;
      sums.send(s);
    };
    std::thread t1(produce, 0), t2(produce, per), t3(consume), t4(consume);
    gocxx::go([produce] { produce(2 * per); });
    gocxx::go([produce] { produce(3 * per); });
    gocxx::go(consume);
    gocxx::go(consume);
    std::int64_t total = 0;
    for (int i = 0; i < 4; ++i) total += *sums.recv();
    t1.join(), t2.join(), t3.join(), t4.join();
    const std::int64_t n = 4 * per;
    EXPECT_EQ(total, n * (n + 1) / 2);
  });
}

TEST(Chan, PingPongBetweenThreadAndGoroutine) {
  gocxx::run([] {
    chan<int> ping(0), pong(0);
    gocxx::go([ping, pong] {
      for (int v : ping) pong.send(v + 1);
    });
    chan<int> result(1);
    std::thread t([ping, pong, result] {
      int x = 0;
      for (int i = 0; i < 1000; ++i) {
        ping.send(x);
        x = *pong.recv();
      }
      ping.close();
      result.send(x);
    });
    // Park on a channel, not in join(): a goroutine that blocks its thread holds its P,
    // and with GOCXX_MAXPROCS=1 the ponging goroutine could never run.
    EXPECT_EQ(result.recv(), 1000);
    t.join();
  });
}

TEST(Chan, ThreadsOnlyWithoutGoroutines) {
  chan<int> ch(0);
  std::thread producer([ch] {
    for (int i = 0; i < 1000; ++i) ch.send(i);
    ch.close();
  });
  int n = 0;
  for (int v : ch) EXPECT_EQ(v, n++);
  producer.join();
  EXPECT_EQ(n, 1000);
}

// ---- memory model (each is a data race unless the stated edge exists; TSan checks) ----

TEST(Chan, MemoryModelSendHappensBeforeReceive) {
  gocxx::run([] {
    for (std::int64_t cap : {0, 4}) {
      std::vector<int> data(64);
      chan<int> ch(cap);
      gocxx::go([&data, ch] {
        for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<int>(i);  // plain writes
        ch.send(1);
      });
      ch.recv();
      int s = 0;
      for (int v : data) s += v;
      EXPECT_EQ(s, 63 * 64 / 2);
    }
  });
}

TEST(Chan, MemoryModelCloseHappensBeforeClosedReceive) {
  gocxx::run([] {
    int data = 0;
    chan<int> done(0);
    gocxx::go([&data, done] {
      data = 42;
      done.close();
    });
    EXPECT_EQ(done.recv(), std::nullopt);
    EXPECT_EQ(data, 42);
    // Also through the lock-free closed path of try_recv.
    int data2 = 0;
    chan<int> done2(0);
    std::thread t([&data2, done2] {
      data2 = 7;
      done2.close();
    });
    while (done2.try_recv().status != chan_status::closed) gocxx::yield();
    EXPECT_EQ(data2, 7);
    t.join();
  });
}

TEST(Chan, MemoryModelUnbufferedReceiveHappensBeforeSendCompletes) {
  gocxx::run([] {
    int data = 0;
    chan<int> ch(0);
    gocxx::go([&data, ch] {
      data = 9;
      ch.recv();
    });
    ch.send(1);
    EXPECT_EQ(data, 9);
  });
}

TEST(Chan, MemoryModelBufferedChannelAsSemaphore) {
  // The k-th receive happens-before the (k+C)-th send completes: a channel of capacity 1
  // is a mutex (send to lock, receive to unlock) protecting a plain counter.
  gocxx::run([] {
    constexpr int workers = 4, per = GOCXX_TEST_SANITIZED ? 500 : 5000;
    chan<int> sem(1);
    chan<int> done(workers + 1);
    long counter = 0;
    for (int w = 0; w < workers; ++w) {
      gocxx::go([&counter, sem, done] {
        for (int i = 0; i < per; ++i) {
          sem.send(0);
          ++counter;
          sem.recv();
        }
        done.send(1);
      });
    }
    std::thread t([&counter, sem, done] {
      for (int i = 0; i < per; ++i) {
        sem.send(0);
        ++counter;
        sem.recv();
      }
      done.send(1);
    });
    for (int w = 0; w < workers + 1; ++w) done.recv();
    t.join();
    EXPECT_EQ(counter, (workers + 1) * per);
  });
}

// ---- classic Go programs ----

// The concurrent prime sieve (Go's doc/play/sieve.go). Go's version leaves the sieve's
// goroutines blocked when main returns; here a quit channel stops them (Go's idiom for
// that), so the test ends with every goroutine gone.
TEST(Chan, PrimeSieve) {
  gocxx::run([] {
    chan<int> quit(0);
    chan<int> exited(128);
    // Sends 2, 3, 4, ... to ch until quit is closed.
    auto generate = [quit, exited](send_chan<int> ch) {
      for (int i = 2; gocxx::select(gocxx::case_send(ch, i), gocxx::case_recv(quit)) == 0; ++i) {
      }
      exited.send(0);
    };
    // Copies the values from in to out, removing those divisible by prime.
    auto filter = [quit, exited](recv_chan<int> in, send_chan<int> out, int prime) {
      for (;;) {
        std::optional<int> i;
        if (gocxx::select(gocxx::case_recv(in, [&](std::optional<int> v) { i = v; }), gocxx::case_recv(quit)) == 1) break;
        if (*i % prime != 0 && gocxx::select(gocxx::case_send(out, *i), gocxx::case_recv(quit)) == 1) break;
      }
      exited.send(0);
    };
    chan<int> ch(0);
    gocxx::go([generate, ch] { generate(ch); });
    std::vector<int> primes;
    for (int i = 0; i < 100; ++i) {
      int prime = *ch.recv();
      primes.push_back(prime);
      chan<int> ch1(0);
      gocxx::go([filter, ch, ch1, prime] { filter(ch, ch1, prime); });
      ch = ch1;
    }
    ASSERT_EQ(primes.size(), 100u);
    EXPECT_EQ(primes[0], 2);
    EXPECT_EQ(primes[1], 3);
    EXPECT_EQ(primes[9], 29);
    EXPECT_EQ(primes[99], 541);
    quit.close();
    for (int i = 0; i < 101; ++i) (void)exited.recv();
  });
}

// A Fibonacci generator over channels (the Go tour's, with a quit channel).
TEST(Chan, FibonacciGenerator) {
  gocxx::run([] {
    chan<std::uint64_t> c(0);
    chan<int> quit(0);
    gocxx::go([c, quit] {
      for (int i = 0; i < 90; ++i) (void)c.recv();
      quit.close();
    });
    // The tour's fibonacci() uses select; here: generate until quit is closed, using a
    // send that observes quit between values.
    std::uint64_t x = 0, y = 1;
    std::vector<std::uint64_t> seen;
    for (;;) {
      if (quit.try_recv().status == chan_status::closed) break;
      if (c.try_send(x) == chan_status::ok) {
        seen.push_back(x);
        std::uint64_t t = x + y;
        x = y;
        y = t;
      } else {
        gocxx::yield();
      }
    }
    ASSERT_EQ(seen.size(), 90u);
    EXPECT_EQ(seen[10], 55u);
    EXPECT_EQ(seen[89], 1779979416004714189ull);
  });

  // The streaming form: a generator goroutine and range-for.
  gocxx::run([] {
    chan<std::uint64_t> fib(0);
    gocxx::go([fib] {
      std::uint64_t a = 0, b = 1;
      for (int i = 0; i < 50; ++i) {
        fib.send(a);
        std::uint64_t t = a + b;
        a = b;
        b = t;
      }
      fib.close();
    });
    std::vector<std::uint64_t> got;
    for (auto v : fib) got.push_back(v);
    ASSERT_EQ(got.size(), 50u);
    for (std::size_t i = 2; i < got.size(); ++i) EXPECT_EQ(got[i], got[i - 1] + got[i - 2]);
    EXPECT_EQ(got[49], 7778742049u);
  });
}

// Rob Pike's daisy chain: n goroutines, each passing 1 + what its right neighbour says.
// ThreadSanitizer tracks at most 8128 threads and fibers at once, and creating one of its
// fibers costs ~2 ms of kernel time, so under it the chain is shorter.
TEST(Chan, DaisyChain) {
#if defined(__SANITIZE_THREAD__)
  constexpr int n = 1000;
#else
  constexpr int n = 100000;
#endif
  gocxx::run([] {
    chan<int> leftmost(0);
    chan<int> left = leftmost;
    for (int i = 0; i < n; ++i) {
      chan<int> right(0);
      gocxx::go([left, right] { left.send(1 + *right.recv()); });
      left = right;
    }
    gocxx::go([left] { left.send(1); });
    EXPECT_EQ(leftmost.recv(), n + 1);
  });
}

TEST(Chan, RunRepeatedlyWithChannelsAcrossRuns) {
  chan<int> carried(5);
  for (int round = 0; round < 5; ++round) {
    gocxx::run([carried, round] {
      chan<int> ch(0);
      gocxx::go([ch, round] { ch.send(round); });
      carried.send(*ch.recv());
    });
  }
  int s = 0;
  for (int i = 0; i < 4; ++i) s += *carried.recv();
  EXPECT_EQ(s, 0 + 1 + 2 + 3);
  EXPECT_EQ(carried.recv(), 4);
}

}  // namespace
