// Tests of gocxx::select (gocxx/select.hpp): Go's select semantics, its uniform choice,
// the dynamic form, and exactly-once delivery when selects meet selects.
// No test sleeps to synchronise or asserts on timing.
#include "gocxx/select.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/chan.hpp"
#include "gocxx/runtime.hpp"
#include "test_support.hpp"

namespace {

using gocxx::case_default;
using gocxx::case_recv;
using gocxx::case_send;
using gocxx::chan;
using gocxx::select_case;

// Compile-time: a send case needs a sendable channel, a receive case a receivable one.
template <class C>
concept recv_case_ok = requires(const C& c) { case_recv(c); };
template <class C, class V>
concept send_case_ok = requires(const C& c, V&& v) { case_send(c, std::forward<V>(v)); };
static_assert(recv_case_ok<chan<int>> && send_case_ok<chan<int>, int>);
static_assert(send_case_ok<gocxx::send_chan<int>, int> && !recv_case_ok<gocxx::send_chan<int>>);
static_assert(recv_case_ok<gocxx::recv_chan<int>> && !send_case_ok<gocxx::recv_chan<int>, int>);
static_assert(!send_case_ok<chan<std::unique_ptr<int>>, std::unique_ptr<int>&>);
static_assert(send_case_ok<chan<std::unique_ptr<int>>, std::unique_ptr<int>&&>);
static_assert(send_case_ok<chan<std::unique_ptr<int>>, std::reference_wrapper<std::unique_ptr<int>>>);

// Chi-square statistic of `counts` against the uniform distribution.
template <std::size_t K>
double chi_square(const std::array<long, K>& counts) {
  long n = 0;
  for (long c : counts) n += c;
  double expect = static_cast<double>(n) / K, x2 = 0;
  for (long c : counts) x2 += (c - expect) * (c - expect) / expect;
  return x2;
}

TEST(Select, UniformChoiceBetweenTwoReadyChannels) {
  gocxx::run([] {
    constexpr int n = 100000;
    chan<int> a(1), b(1);
    a.send(0);
    b.send(1);
    std::array<long, 2> counts{};
    for (int i = 0; i < n; ++i) {
      int idx = gocxx::select(case_recv(a, [&](std::optional<int> v) { a.send(*v); }),
                              case_recv(b, [&](std::optional<int> v) { b.send(*v); }));
      ++counts[idx];
    }
    // 1 degree of freedom: P(X2 > 23.93) = 1e-6 for a fair choice.
    EXPECT_LT(chi_square(counts), 23.93) << counts[0] << " vs " << counts[1];
  });
}

TEST(Select, UniformChoiceAmongFourIncludingClosedAndDynamic) {
  gocxx::run([] {
    constexpr int n = 40000;
    chan<int> a(1), b(1), c(0), d(1);
    a.send(0);
    b.send(1);
    c.close();  // always ready: a receive on a closed channel
    d.send(3);
    std::array<long, 4> counts{};
    std::optional<int> out;
    std::vector<select_case> cases{select_case::recv(a, &out), select_case::recv(b, &out),
                                   select_case::recv(c, &out), select_case::recv(d, &out)};
    std::array<chan<int>, 4> chans{a, b, c, d};
    for (int i = 0; i < n; ++i) {
      int idx = gocxx::select(cases);
      ++counts[idx];
      if (idx == 2) {
        EXPECT_FALSE(out);  // closed
      } else {
        ASSERT_TRUE(out);
        EXPECT_EQ(*out, idx);
        chans[idx].send(*out);
      }
    }
    // 3 degrees of freedom: P(X2 > 30.66) = 1e-6.
    EXPECT_LT(chi_square(counts), 30.66);
  });
}

TEST(Select, DefaultTakenOnlyWhenNothingIsReady) {
  gocxx::run([] {
    chan<int> ch(1);
    bool dflt = false;
    EXPECT_EQ(gocxx::select(case_recv(ch), case_default([&] { dflt = true; })), 1);
    EXPECT_TRUE(dflt);
    EXPECT_EQ(gocxx::select(case_default(), case_send(ch, 5)), 1);
    EXPECT_EQ(gocxx::select(case_default(), case_send(ch, 6)), 0);  // full now
    int got = 0;
    EXPECT_EQ(gocxx::select(case_recv(ch, [&](std::optional<int> v) { got = *v; }), case_default()), 0);
    EXPECT_EQ(got, 5);
    // Only a default.
    EXPECT_EQ(gocxx::select(case_default()), 0);
  });
}

TEST(Select, NilChannelCasesAreNeverChosen) {
  gocxx::run([] {
    chan<int> nil;
    chan<int> ready(1);
    for (int i = 0; i < 1000; ++i) {
      EXPECT_EQ(gocxx::select(case_recv(nil), case_send(nil, 1), case_default()), 2);
      ready.send(i);
      EXPECT_EQ(gocxx::select(case_recv(nil), case_send(nil, 1), case_recv(ready)), 2);
    }
    // Blocking with a nil case: woken by the other channel only.
    chan<int> later(0);
    gocxx::go([later] { later.send(7); });
    int v = 0;
    EXPECT_EQ(gocxx::select(case_send(nil, 1), case_recv(later, [&](std::optional<int> x) { v = *x; })), 1);
    EXPECT_EQ(v, 7);
    // Dynamic form: a nil case is ignored too.
    std::optional<int> out;
    std::vector<select_case> cases{select_case::recv(nil, &out), select_case::default_case()};
    EXPECT_EQ(gocxx::select(cases), 1);
    EXPECT_FALSE(out);
  });
}

// The goroutines blocked for good are abandoned by run(), so this runs in a child process
// (a death test expecting a clean exit) that the parent's leak checker never sees.
TEST(Select, OnlyNilCasesOrNoCasesBlockForever) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        static std::atomic<int> passed{0};
        gocxx::run([] {
          gocxx::go([] {
            gocxx::select();
            passed.fetch_add(1);
          });
          gocxx::go([] {
            chan<int> nil;
            gocxx::select(case_recv(nil), case_send(nil, 1));
            passed.fetch_add(1);
          });
          gocxx::go([] {
            std::vector<select_case> none;
            gocxx::select(none);
            passed.fetch_add(1);
          });
          for (int i = 0; i < 100; ++i) gocxx::yield();
        });
        std::_Exit(passed.load() == 0 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(Select, SendAndReceiveOnTheSameChannel) {
  gocxx::run([] {
    // Buffered: exactly one of the two cases is ready at a time.
    chan<int> b(1);
    for (int i = 0; i < 100; ++i) {
      std::optional<int> got;
      EXPECT_EQ(gocxx::select(case_send(b, i), case_recv(b, [&](std::optional<int> v) { got = v; })), 0);
      EXPECT_EQ(gocxx::select(case_send(b, -1), case_recv(b, [&](std::optional<int> v) { got = v; })), 1);
      EXPECT_EQ(got, i);
    }

    // Unbuffered: the select waits in both queues of one channel; the partner decides.
    chan<int> u(0);
    chan<std::pair<int, int>> result(1);
    auto selector = [u, result] {
      int got = -1;
      int idx = gocxx::select(case_send(u, 7), case_recv(u, [&](std::optional<int> v) { got = *v; }));
      result.send({idx, got});
    };
    gocxx::go(selector);
    EXPECT_EQ(u.recv(), 7);
    EXPECT_EQ(result.recv(), (std::pair<int, int>{0, -1}));
    gocxx::go(selector);
    u.send(8);
    EXPECT_EQ(result.recv(), (std::pair<int, int>{1, 8}));
    // Nothing of the selects is left queued on u.
    EXPECT_EQ(u.try_send(1), gocxx::chan_status::would_block);
    EXPECT_EQ(u.try_recv().status, gocxx::chan_status::would_block);
  });
}

TEST(Select, SameChannelTwiceDeliversOnce) {
  gocxx::run([] {
    for (int round = 0; round < 200; ++round) {
      chan<int> ch(0);
      chan<int> fired(2);
      gocxx::go([ch, fired] {
        gocxx::select(case_recv(ch, [&](std::optional<int>) { fired.send(0); }),
                      case_recv(ch, [&](std::optional<int>) { fired.send(1); }));
      });
      ch.send(round);
      ASSERT_TRUE(fired.recv());
      // The other sudog was unlinked: no receiver is left to take a second value.
      for (int i = 0; i < 3; ++i) gocxx::yield();
      EXPECT_EQ(ch.try_send(1), gocxx::chan_status::would_block);
      EXPECT_EQ(fired.size(), 0u);
    }
  });
}

TEST(Select, ClosedChannelCases) {
  gocxx::run([] {
    chan<int> closed(0), idle(0);
    closed.close();
    bool empty = false;
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(gocxx::select(case_recv(idle), case_recv(closed, [&](std::optional<int> v) { empty = !v; })), 1);
      EXPECT_TRUE(empty);
    }
    EXPECT_PANIC(gocxx::select(case_recv(idle), case_send(closed, 1)), "send on closed channel");
    EXPECT_PANIC(gocxx::select(case_send(closed, 1), case_default()), "send on closed channel");
    EXPECT_PANIC(gocxx::select(case_send(closed, 1)), "send on closed channel");
    std::vector<select_case> dyn{select_case::recv(idle), select_case::default_case()};
    int one = 1;
    dyn.push_back(select_case::send(closed, &one));
    EXPECT_PANIC(gocxx::select(dyn), "send on closed channel");
  });
}

TEST(Select, CloseWakesABlockedSelect) {
  gocxx::run([] {
    chan<int> a(0), b(0);
    chan<std::string> out(2);
    gocxx::go([a, b, out] {
      int idx = gocxx::select(case_recv(a, [&](std::optional<int> v) { out.send(v ? "value" : "closed"); }),
                              case_recv(b));
      out.send(std::to_string(idx));
    });
    for (int i = 0; i < 20; ++i) gocxx::yield();
    a.close();
    EXPECT_EQ(out.recv(), "closed");
    EXPECT_EQ(out.recv(), "0");

    chan<int> c(0), d(0);
    gocxx::go([c, d, out] {
      try {
        gocxx::select(case_send(c, 1), case_recv(d));
        out.send("no panic");
      } catch (const gocxx::panic_error& e) {
        out.send(e.what());
      }
    });
    for (int i = 0; i < 20; ++i) gocxx::yield();
    c.close();
    EXPECT_EQ(out.recv(), "send on closed channel");
    EXPECT_EQ(d.try_send(1), gocxx::chan_status::would_block);  // not left queued on d
  });
}

TEST(Select, HandlerRunsAfterLocksAreReleased) {
  gocxx::run([] {
    chan<int> ch(2);
    ch.send(1);
    int inner = -1;
    gocxx::select(case_recv(ch, [&](std::optional<int> v) {
                    ch.send(*v + 1);  // the same channel, from inside the handler
                    gocxx::select(case_recv(ch, [&](std::optional<int> w) { inner = *w; }), case_default());
                  }),
                  case_send(ch, 100));
    // Either case may have been taken first (both were ready); each leaves ch usable.
    EXPECT_TRUE(inner == 2 || inner == -1);
    while (ch.try_recv()) {
    }
    EXPECT_EQ(ch.size(), 0u);
  });
}

TEST(Select, HandlerExceptionPropagates) {
  gocxx::run([] {
    chan<int> ch(1);
    ch.send(1);
    EXPECT_THROW(gocxx::select(case_recv(ch, [](std::optional<int>) { throw std::runtime_error("boom"); })),
                 std::runtime_error);
    // The channel is unlocked and works.
    ch.send(2);
    EXPECT_EQ(ch.recv(), 2);
  });
}

TEST(Select, SendCaseValueOwnership) {
  gocxx::run([] {
    chan<std::unique_ptr<int>> ch(1);
    chan<int> never(0);
    // std::ref: moved from only when the case is taken.
    auto p = std::make_unique<int>(1);
    EXPECT_EQ(gocxx::select(case_send(ch, std::ref(p)), case_recv(never)), 0);
    EXPECT_EQ(p, nullptr);
    auto q = std::make_unique<int>(2);
    EXPECT_EQ(gocxx::select(case_send(ch, std::ref(q)), case_default()), 1);  // full
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(**ch.recv(), 1);
    // An rvalue is owned by the case.
    EXPECT_EQ(gocxx::select(case_send(ch, std::move(q)), case_default()), 0);
    EXPECT_EQ(**ch.recv(), 2);
    // Copyable lvalues are copied, as Go evaluates the value on entry.
    chan<std::string> s(1);
    std::string text = "keep";
    gocxx::select(case_send(s, text));
    EXPECT_EQ(text, "keep");
    EXPECT_EQ(s.recv(), "keep");
    // Dynamic: *value is moved from only when chosen.
    auto r = std::make_unique<int>(3);
    std::vector<select_case> dyn{select_case::send(ch, &r), select_case::default_case()};
    ch.send(std::make_unique<int>(0));  // full
    EXPECT_EQ(gocxx::select(dyn), 1);
    EXPECT_NE(r, nullptr);
    (void)ch.recv();
    EXPECT_EQ(gocxx::select(dyn), 0);
    EXPECT_EQ(r, nullptr);
    EXPECT_EQ(**ch.recv(), 3);
  });
}

TEST(Select, DynamicFanIn) {
  gocxx::run([] {
    constexpr int nchan = 8, per = GOCXX_TEST_SANITIZED ? 200 : 2000;
    std::vector<chan<int>> chans;
    for (int i = 0; i < nchan; ++i) {
      chans.emplace_back(i % 2 ? 0 : 4);
      gocxx::go([ch = chans.back(), i] {
        for (int k = 0; k < per; ++k) ch.send(i * per + k + 1);
        ch.close();
      });
    }
    std::optional<int> out;
    std::vector<select_case> cases;
    for (auto& ch : chans) cases.push_back(select_case::recv(ch, &out));
    std::int64_t sum = 0, count = 0;
    for (int open = nchan; open > 0;) {
      int i = gocxx::select(cases);
      if (!out) {
        cases[i] = select_case::recv(chan<int>(), &out);  // closed: a nil case is never chosen
        --open;
        continue;
      }
      sum += *out;
      ++count;
    }
    const std::int64_t n = std::int64_t{nchan} * per;
    EXPECT_EQ(count, n);
    EXPECT_EQ(sum, n * (n + 1) / 2);

    std::vector<select_case> two{select_case::default_case(), select_case::default_case()};
    EXPECT_PANIC(gocxx::select(two), "reflect.Select: multiple default cases");
  });
}

// The Go tour's fibonacci: a generator that stops on a quit channel, with select.
TEST(Select, FibonacciWithQuit) {
  gocxx::run([] {
    chan<std::uint64_t> c(0);
    chan<int> quit(0);
    std::vector<std::uint64_t> got;
    gocxx::go([c, quit, &got] {
      for (int i = 0; i < 90; ++i) got.push_back(*c.recv());
      quit.send(0);
    });
    std::uint64_t x = 0, y = 1;
    for (bool done = false; !done;) {
      gocxx::select(case_send(c, x,
                              [&] {
                                std::uint64_t t = x + y;
                                x = y;
                                y = t;
                              }),
                    case_recv(quit, [&] { done = true; }));
    }
    ASSERT_EQ(got.size(), 90u);
    EXPECT_EQ(got[10], 55u);
    EXPECT_EQ(got[89], 1779979416004714189ull);
  });
}

// The select_both shape: producers on their own unbuffered channels, consumers each
// receiving with a select over all of them; plus producers that select over two send
// cases (selects meeting selects). Every value exactly once, by count and sum.
TEST(Select, ExactlyOnceWhenSelectsMeet) {
  gocxx::run([] {
    constexpr int k = 4;
    constexpr int per = GOCXX_TEST_SANITIZED ? 2000 : 20000;  // per producer
    std::array<chan<std::int64_t>, k> chans;
    for (auto& ch : chans) ch = chan<std::int64_t>(0);
    chan<std::pair<std::int64_t, std::int64_t>> results(k);
    for (int p = 0; p < k; ++p) {
      gocxx::go([chans, p] {
        for (int i = 0; i < per; ++i) {
          std::int64_t v = std::int64_t{p} * per + i + 1;
          if (p % 2 == 0) {
            chans[p].send(v);
          } else {  // either of two channels
            gocxx::select(case_send(chans[p], v), case_send(chans[(p + 1) % k], v));
          }
        }
      });
    }
    for (int c = 0; c < k; ++c) {
      gocxx::go([chans, results] {
        std::int64_t count = 0, sum = 0;
        auto take = [&](std::optional<std::int64_t> v) { ++count, sum += *v; };
        while (count < per) {
          gocxx::select(case_recv(chans[0], take), case_recv(chans[1], take), case_recv(chans[2], take),
                        case_recv(chans[3], take));
        }
        results.send({count, sum});
      });
    }
    std::int64_t count = 0, sum = 0;
    for (int c = 0; c < k; ++c) {
      auto r = *results.recv();
      count += r.first;
      sum += r.second;
    }
    const std::int64_t n = std::int64_t{k} * per;
    EXPECT_EQ(count, n);
    EXPECT_EQ(sum, n * (n + 1) / 2);
  });
}

TEST(Select, PlainThreadSelects) {
  gocxx::run([] {
    chan<int> a(0), b(0);
    chan<int> done(0);
    std::thread t([a, b, done] {
      int sum = 0;
      for (int i = 0; i < 1000; ++i) {
        gocxx::select(case_recv(a, [&](std::optional<int> v) { sum += *v; }),
                      case_recv(b, [&](std::optional<int> v) { sum -= *v; }));
      }
      done.send(sum);
    });
    for (int i = 0; i < 500; ++i) {
      a.send(3);
      b.send(1);
    }
    EXPECT_EQ(done.recv(), 1000);
    t.join();
  });
}

TEST(Select, SingleCaseIsThePlainOperation) {
  gocxx::run([] {
    chan<int> ch(0);
    gocxx::go([ch] { ch.send(5); });
    int v = 0;
    EXPECT_EQ(gocxx::select(case_recv(ch, [&](std::optional<int> x) { v = *x; })), 0);
    EXPECT_EQ(v, 5);
    gocxx::go([ch] { (void)ch.recv(); });
    EXPECT_EQ(gocxx::select(case_send(ch, 6)), 0);
    ch.close();
    std::optional<int> out = 99;
    std::vector<select_case> dyn{select_case::recv(ch, &out)};
    EXPECT_EQ(gocxx::select(dyn), 0);
    EXPECT_FALSE(out);  // reset: closed
  });
}

TEST(Select, ABlockingSelectOfTwentyCasesParksAndIsWokenByEach) {
  // More than 8 cases: the sudogs come from the heap, made before any channel is locked.
  gocxx::run([] {
    constexpr int n = 20;
    std::vector<chan<int>> chans;
    for (int i = 0; i < n; ++i) chans.emplace_back(0);
    std::optional<int> out;
    std::vector<select_case> cases;
    for (auto& ch : chans) cases.push_back(select_case::recv(ch, &out));
    std::vector<int> seen(n, 0);
    for (int round = 0; round < n; ++round) {
      gocxx::go([ch = chans[round], round] { ch.send(round); });  // after we park, mostly
      int i = gocxx::select(cases);
      ASSERT_TRUE(out);
      EXPECT_EQ(*out, i);
      ++seen[*out];
    }
    for (int v : seen) EXPECT_EQ(v, 1);
  });
}

}  // namespace
