// net_test: gocxx::net over the runtime's poller, on loopback only: echo exactly, many
// concurrent connections, read and write deadlines (and a connection still usable after
// one), EOF when the peer closes mid-read, accept under load, a closed listener waking
// its accept, dial refused and timed out, dial_context cancelled, Unix sockets, IPv6,
// plain threads, goroutines in IO wait not taken for a deadlock, an idle server using
// no CPU. Every wait is bounded by the behaviour under test; nothing sleeps to
// synchronise (the few sleeps are the time a timeout test lets pass).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "gocxx/net.hpp"
#include "runtime/netpoll.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
namespace net = gocxx::net;
using test_support::kSanitized;

// Yields until n goroutines (or threads) are parked in the poller: a call has blocked.
void wait_until_io_waiters(int n) {
  test_support::wait_until([n] { return gocxx::detail::netpoll_waiters() >= n; });
}

// Reads exactly n bytes (or fails the test).
std::string read_exactly(const net::conn& c, std::size_t n) {
  std::string out(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    auto [k, err] = c.read(out.data() + got, n - got);
    if (err) {
      ADD_FAILURE() << "read after " << got << " of " << n << " bytes: " << err.message();
      out.resize(got);
      return out;
    }
    got += k;
  }
  return out;
}

// Echoes everything a connection sends until EOF, then closes it.
void echo(net::conn c) {
  char buf[4096];
  for (;;) {
    auto [n, err] = c.read(buf, sizeof buf);
    if (err) break;
    if (auto w = c.write(buf, n); w.err) break;
  }
  c.close();
}

// A listener on 127.0.0.1 with an accept loop that echoes each connection in a
// goroutine of its own, until the listener is closed.
struct echo_server {
  net::listener ln;
  gocxx::wait_group done;
  explicit echo_server(std::string_view network = "tcp", std::string_view address = "127.0.0.1:0") {
    auto [l, err] = net::listen(network, address);
    EXPECT_FALSE(err) << err.message();
    ln = l;
    done.add(1);
    gocxx::go([this] {
      for (;;) {
        auto [c, err] = ln.accept();
        if (err) break;
        gocxx::go([c] { echo(c); });
      }
      done.done();
    });
  }
  std::string address() const { return ln.address().string(); }
  void stop() {
    ln.close();
    done.wait();
  }
};

TEST(Net, AConnectionEchoesItsBytesExactly) {
  gocxx::run([] {
    echo_server srv;
    auto [c, err] = net::dial("tcp", srv.address());
    ASSERT_FALSE(err) << err.message();
    EXPECT_EQ(c.remote_addr().string(), srv.address());
    EXPECT_EQ(c.local_addr().network(), "tcp");
    std::string msg;
    for (int i = 0; i < 100'000; ++i) msg += static_cast<char>('a' + i % 26);
    auto w = c.write(msg);
    ASSERT_FALSE(w.err);
    EXPECT_EQ(w.n, msg.size());
    EXPECT_EQ(read_exactly(c, msg.size()), msg);
    ASSERT_FALSE(c.close_write());
    char b;
    auto r = c.read(&b, 1);
    EXPECT_EQ(r.err, net::errc::eof);
    EXPECT_EQ(r.n, 0u);
    EXPECT_FALSE(c.close());
    EXPECT_EQ(c.close(), net::errc::closed);
    srv.stop();
  });
}

TEST(Net, ErrorsSayWhatGoSays) {
  EXPECT_EQ(make_error_code(net::errc::eof).message(), "EOF");
  EXPECT_EQ(make_error_code(net::errc::closed).message(), "use of closed network connection");
  EXPECT_EQ(make_error_code(net::errc::deadline_exceeded).message(), "i/o timeout");
  EXPECT_TRUE(std::error_code(net::errc::deadline_exceeded) == std::errc::timed_out);
  EXPECT_EQ(net::listen("udp", ":0").err, net::errc::unknown_network);
  EXPECT_EQ(net::dial("tcp", "127.0.0.1").err, net::errc::missing_port);
  EXPECT_EQ(net::dial("tcp", "::1:80").err, net::errc::invalid_address);
  EXPECT_EQ(net::dial("tcp", "127.0.0.1:99999").err, net::errc::invalid_address);
  net::conn nil;
  EXPECT_FALSE(nil);
  EXPECT_EQ(nil.read(nullptr, 0).err, std::errc::invalid_argument);
  EXPECT_EQ(nil.close(), std::errc::invalid_argument);
}

TEST(Net, ManyConcurrentConnectionsEachEchoTheirOwnBytes) {
  // 10,000 connections open at once (20,000 descriptors with the server's ends); fewer
  // under a sanitizer, or if the descriptor limit cannot be raised that far.
  int want = kSanitized ? 1'000 : 10'000;
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  getrlimit(RLIMIT_NOFILE, &rl);
  int n = std::min<int>(want, static_cast<int>((rl.rlim_cur - 100) / 2));
  if (n < want) std::printf("[ note ] descriptor limit %llu: %d connections\n", static_cast<unsigned long long>(rl.rlim_cur), n);
  ASSERT_GE(n, 100);
  gocxx::run([n] {
    echo_server srv;
    std::atomic<int> ok{0};
    std::vector<net::conn> conns(static_cast<std::size_t>(n));
    gocxx::wait_group opened, finished;
    gocxx::chan<int> go_ahead(0);
    for (int i = 0; i < n; ++i) {
      opened.add(1);
      finished.add(1);
      gocxx::go([&, i] {
        auto [c, err] = net::dial("tcp", srv.address());
        EXPECT_FALSE(err) << "dial " << i << ": " << err.message();
        conns[static_cast<std::size_t>(i)] = c;
        opened.done();
        go_ahead.recv();  // every connection is open before any talks
        if (!err) {
          std::string msg = "connection " + std::to_string(i) + " says " + std::string(static_cast<std::size_t>(i % 97), 'x');
          if (!c.write(msg).err && read_exactly(c, msg.size()) == msg) ok.fetch_add(1);
          c.close();
        }
        finished.done();
      });
    }
    opened.wait();
    go_ahead.close();
    finished.wait();
    EXPECT_EQ(ok.load(), n);
    srv.stop();
  });
}

TEST(Net, AReadDeadlineExpiresAndTheConnectionStaysUsable) {
  gocxx::run([] {
    echo_server srv;
    auto [c, err] = net::dial("tcp", srv.address());
    ASSERT_FALSE(err);
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_FALSE(c.set_read_deadline(t0 + 50ms));
    char buf[16];
    auto r = c.read(buf, sizeof buf);
    auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.err, net::errc::deadline_exceeded);
    EXPECT_TRUE(r.err == std::errc::timed_out);
    EXPECT_GE(waited, 50ms);   // never early
    EXPECT_LT(waited, 10s);    // and it does end
    // Still expired: fails at once, data or not.
    EXPECT_EQ(c.read(buf, sizeof buf).err, net::errc::deadline_exceeded);
    // Cleared: the connection works.
    ASSERT_FALSE(c.set_read_deadline({}));
    ASSERT_FALSE(c.write("ping").err);
    EXPECT_EQ(read_exactly(c, 4), "ping");
    // A deadline in the past fails at once; one far ahead lets the read through.
    ASSERT_FALSE(c.set_deadline(std::chrono::steady_clock::now() - 1s));
    EXPECT_EQ(c.write("x").err, net::errc::deadline_exceeded);
    ASSERT_FALSE(c.set_deadline(std::chrono::steady_clock::now() + 1h));
    ASSERT_FALSE(c.write("pong").err);
    EXPECT_EQ(read_exactly(c, 4), "pong");
    c.close();
    srv.stop();
  });
}

TEST(Net, ADeadlineSetWhileAReadIsBlockedWakesIt) {
  gocxx::run([] {
    echo_server srv;
    auto [c, err] = net::dial("tcp", srv.address());
    ASSERT_FALSE(err);
    gocxx::chan<std::error_code> result(1);
    gocxx::go([c, result] {
      char b;
      result.send(c.read(&b, 1).err);
    });
    wait_until_io_waiters(3);  // the read, the server's accept loop and its reader have parked
    c.set_read_deadline(std::chrono::steady_clock::now());
    EXPECT_EQ(*result.recv(), net::errc::deadline_exceeded);
    c.close();
    srv.stop();
  });
}

TEST(Net, AWriteDeadlineExpiresWhenThePeerDoesNotRead) {
  gocxx::run([] {
    auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
    ASSERT_FALSE(err);
    gocxx::chan<net::conn> accepted(1);
    gocxx::go([ln, accepted] { accepted.send(ln.accept().value); });
    auto [c, derr] = net::dial("tcp", ln.address().string());
    ASSERT_FALSE(derr);
    net::conn peer = *accepted.recv();  // never reads
    int small = 4096;
    setsockopt(c.native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    std::string big(16 << 20, 'z');  // made first: under TSan that alone can take 100 ms
    ASSERT_FALSE(c.set_write_deadline(std::chrono::steady_clock::now() + 100ms));
    auto w = c.write(big);
    EXPECT_EQ(w.err, net::errc::deadline_exceeded);
    EXPECT_GT(w.n, 0u);
    EXPECT_LT(w.n, big.size());
    // The reader drains what was written; after clearing the deadline writing goes on.
    ASSERT_FALSE(c.set_write_deadline({}));
    gocxx::go([peer, n = w.n + 5] {
      std::string got = read_exactly(peer, n);
      EXPECT_EQ(got.substr(got.size() - 5), "tail!");
    });
    EXPECT_FALSE(c.write("tail!").err);
    c.close();
    ln.close();
  });
}

TEST(Net, APeerThatClosesMidReadGivesEof) {
  gocxx::run([] {
    auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
    ASSERT_FALSE(err);
    gocxx::go([ln] {
      auto [c, e] = ln.accept();
      c.write("partial");
      c.close();
    });
    auto [c, derr] = net::dial("tcp", ln.address().string());
    ASSERT_FALSE(derr);
    EXPECT_EQ(read_exactly(c, 7), "partial");
    char b[8];
    auto r = c.read(b, sizeof b);
    EXPECT_EQ(r.err, net::errc::eof);
    EXPECT_EQ(r.n, 0u);
    ln.close();
  });
}

TEST(Net, ClosingAListenerWakesItsBlockedAccept) {
  gocxx::run([] {
    auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
    ASSERT_FALSE(err);
    gocxx::chan<std::error_code> result(1);
    gocxx::go([ln, result] { result.send(ln.accept().err); });
    wait_until_io_waiters(1);  // accept has parked
    EXPECT_FALSE(ln.close());
    EXPECT_EQ(*result.recv(), net::errc::closed);
    EXPECT_EQ(ln.accept().err, net::errc::closed);
    EXPECT_EQ(ln.close(), net::errc::closed);
  });
}

TEST(Net, ClosingAConnectionWakesItsBlockedRead) {
  gocxx::run([] {
    echo_server srv;
    auto [c, err] = net::dial("tcp", srv.address());
    ASSERT_FALSE(err);
    gocxx::chan<std::error_code> result(1);
    gocxx::go([c, result] {
      char b;
      result.send(c.read(&b, 1).err);
    });
    wait_until_io_waiters(3);  // the read, the server's accept loop and its reader have parked
    c.close();
    EXPECT_EQ(*result.recv(), net::errc::closed);
    EXPECT_EQ(c.write("x").err, net::errc::closed);
    srv.stop();
  });
}

TEST(Net, AcceptUnderLoadGetsEveryConnection) {
  const int n = kSanitized ? 200 : 2'000;
  gocxx::run([n] {
    auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
    ASSERT_FALSE(err);
    std::atomic<int> served{0};
    gocxx::wait_group handlers;
    gocxx::go([&] {
      for (int i = 0; i < n; ++i) {
        auto [c, e] = ln.accept();
        ASSERT_FALSE(e) << e.message();
        handlers.add(1);
        gocxx::go([&, c] {
          char b[4];
          if (read_exactly(c, 4) == "helo") served.fetch_add(1);
          (void)b;
          c.close();
          handlers.done();
        });
      }
    });
    gocxx::wait_group clients;
    for (int i = 0; i < n; ++i) {
      clients.add(1);
      gocxx::go([&] {
        auto [c, e] = net::dial("tcp", ln.address().string());
        EXPECT_FALSE(e) << e.message();
        if (!e) {
          c.write("helo");
          char b;
          c.read(&b, 1);  // EOF once the handler closes
        }
        clients.done();
      });
    }
    clients.wait();
    handlers.wait();
    EXPECT_EQ(served.load(), n);
    ln.close();
  });
}

TEST(Net, DialToAClosedPortIsRefused) {
  gocxx::run([] {
    auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
    ASSERT_FALSE(err);
    std::string a = ln.address().string();
    ln.close();
    auto [c, derr] = net::dial("tcp", a);
    EXPECT_EQ(derr, std::errc::connection_refused) << derr.message();
    EXPECT_FALSE(c);
  });
}

// A raw listening socket whose accept queue is full (backlog 0, never accepted): a
// further connect's SYN is dropped, so the connect hangs until its deadline.
struct full_backlog {
  int fd = -1;
  std::string address;
  std::vector<net::conn> fillers;
  full_backlog() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  ~full_backlog() { ::close(fd); }
};

TEST(Net, DialTimesOutAtItsTimeout) {
  gocxx::run([] {
    full_backlog fb;
    // Fill the queue; the first dial that does not connect within 200 ms times out.
    bool timed_out = false;
    for (int i = 0; i < 16 && !timed_out; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      auto [c, err] = net::dial_timeout("tcp", fb.address, 200ms);
      if (err) {
        EXPECT_EQ(err, net::errc::deadline_exceeded) << err.message();
        EXPECT_GE(std::chrono::steady_clock::now() - t0, 200ms);
        timed_out = true;
      } else {
        fb.fillers.push_back(c);
      }
    }
    EXPECT_TRUE(timed_out) << "every dial to a full backlog connected";
    EXPECT_EQ(net::dial_timeout("tcp", fb.address, -1s).err, net::errc::deadline_exceeded);
  });
}

TEST(Net, DialContextEndsWithTheContextsError) {
  gocxx::run([] {
    full_backlog fb;
    for (int i = 0; i < 16; ++i) {
      auto [c, err] = net::dial_timeout("tcp", fb.address, 100ms);
      if (err) break;
      fb.fillers.push_back(c);
    }
    auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
    gocxx::after_func(50ms, [cancel] { cancel(); });
    auto [c, err] = net::dial_context(ctx, "tcp", fb.address);
    EXPECT_EQ(err, gocxx::context_errc::canceled) << err.message();
    EXPECT_FALSE(c);
    auto [tctx, tcancel] = gocxx::with_timeout(gocxx::background(), 50ms);
    EXPECT_EQ(net::dial_context(tctx, "tcp", fb.address).err, gocxx::context_errc::deadline_exceeded);
    tcancel();
    // A context already done fails at once; one never done lets the dial through.
    EXPECT_EQ(net::dial_context(ctx, "tcp", fb.address).err, gocxx::context_errc::canceled);
    echo_server srv;
    auto ok = net::dial_context(gocxx::background(), "tcp", srv.address());
    EXPECT_FALSE(ok.err);
    ok.value.close();
    srv.stop();
  });
}

TEST(Net, UnixSocketsEchoAndTheListenerRemovesItsFile) {
  std::string path = "/tmp/gocxx-net-test-" + std::to_string(::getpid()) + ".sock";
  gocxx::run([&] {
    echo_server srv("unix", path);
    EXPECT_EQ(srv.ln.address().string(), path);
    EXPECT_EQ(srv.ln.address().network(), "unix");
    EXPECT_EQ(::access(path.c_str(), F_OK), 0);
    auto [c, err] = net::dial("unix", path);
    ASSERT_FALSE(err) << err.message();
    ASSERT_FALSE(c.write("over unix").err);
    EXPECT_EQ(read_exactly(c, 9), "over unix");
    c.close();
    srv.stop();
  });
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST(Net, Ipv6LoopbackWorksWhereTheMachineHasIt) {
  int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (probe < 0) GTEST_SKIP() << "no IPv6 on this machine";
  ::close(probe);
  gocxx::run([] {
    auto [ln, err] = net::listen("tcp6", "[::1]:0");
    if (err) GTEST_SKIP() << "cannot listen on [::1]: " << err.message();
    EXPECT_TRUE(ln.address().string().starts_with("[::1]:")) << ln.address().string();
    gocxx::go([ln] {
      auto [c, e] = ln.accept();
      if (!e) echo(c);
    });
    auto [c, derr] = net::dial("tcp", ln.address().string());
    ASSERT_FALSE(derr) << derr.message();
    ASSERT_FALSE(c.write("six").err);
    EXPECT_EQ(read_exactly(c, 3), "six");
    c.close();
    ln.close();
  });
}

TEST(Net, PlainThreadsBlockTheirThreadAndWorkToo) {
  // A server on a plain thread, a client on another, no goroutine of ours at all.
  auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
  ASSERT_FALSE(err);
  std::thread server([ln = ln] {
    auto [c, e] = ln.accept();
    ASSERT_FALSE(e);
    echo(c);
  });
  std::thread client([a = ln.address().string()] {
    auto [c, e] = net::dial("tcp", a);
    ASSERT_FALSE(e);
    ASSERT_FALSE(c.write("from a thread").err);
    EXPECT_EQ(read_exactly(c, 13), "from a thread");
    c.close();
  });
  client.join();
  server.join();
  ln.close();
}

TEST(NetDeathTest, AGoroutineInIoWaitIsNoDeadlock) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // a fresh process: the runtime's threads
  // main blocks in accept with nothing else in the program; the connection comes from
  // another process after a while. Counting IO waiters as wakeable is what keeps the
  // deadlock check from ending the program.
  EXPECT_EXIT(
      {
        int code = gocxx::run([] {
          auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
          if (err) std::_Exit(3);
          std::string a = ln.address().string();
          std::uint16_t port = ln.address().port();
          pid_t child = ::fork();
          if (child == 0) {
            ::usleep(300'000);
            int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in sa{};
            sa.sin_family = AF_INET;
            sa.sin_port = htons(port);
            sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
            ::write(fd, "k", 1);
            ::_exit(0);
          }
          auto [c, e] = ln.accept();
          char b = 0;
          if (e || c.read(&b, 1).err || b != 'k') std::_Exit(4);
          ::waitpid(child, nullptr, 0);
          return 7;
        });
        std::_Exit(code);
      },
      ::testing::ExitedWithCode(7), "");
}

TEST(Net, AnIdleServerUsesNoCpu) {
  gocxx::run([] {
    echo_server srv;
    // Some traffic first, so the poller and the Ms have been through their paths.
    for (int i = 0; i < 10; ++i) {
      auto [c, err] = net::dial("tcp", srv.address());
      ASSERT_FALSE(err);
      c.write("x");
      read_exactly(c, 1);
      c.close();
    }
    gocxx::sleep(100ms);  // the Ms' spins and sysmon's fast ticks end
    rusage a{}, b{};
    getrusage(RUSAGE_SELF, &a);
    auto t0 = std::chrono::steady_clock::now();
    gocxx::sleep(1s);
    getrusage(RUSAGE_SELF, &b);
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    double used = sec(b.ru_utime) + sec(b.ru_stime) - sec(a.ru_utime) - sec(a.ru_stime);
    // 2% of a core (TSan's own background thread: 5%), with accept blocked and this
    // goroutine's one sleep: the poller sleeps in epoll_wait, nothing spins.
    EXPECT_LT(used, (test_support::kTsan ? 0.05 : 0.02) * elapsed) << "CPU seconds over " << elapsed << " s";
    srv.stop();
  });
}

}  // namespace
