// The network examples as programs (issue 23): gocxx-echo and gocxx-http-hello run as
// child processes on a port of the kernel's choosing, gocxx-echo-client drives the echo
// server, and SIGTERM ends each gracefully: the connection in flight finishes, exit 0.
// Loopback only, bounded: every wait here has a deadline.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "gocxx/gocxx.hpp"
#include "gocxx/net.hpp"
#include "test_support.hpp"

namespace {

namespace net = gocxx::net;
using namespace std::chrono_literals;

// A server child: its pid and the address it printed ("# echo listening on ADDR, ...").
struct server_child {
  pid_t pid = -1;
  std::string addr;

  explicit server_child(const std::string& binary) {
    // Its stderr goes to a file (a pipe we stop reading would SIGPIPE a later line).
    char path[] = "/tmp/gocxx-netserver-XXXXXX";
    int fd = ::mkstemp(path);
    if (fd < 0) return;
    ::unlink(path);
    pid = ::fork();
    if (pid == 0) {
      ::dup2(fd, 2);
      ::execl(binary.c_str(), binary.c_str(), "--procs", "2", "--addr", "127.0.0.1:0", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    std::smatch m;
    std::regex listening("listening on (\\S+),");
    while (std::chrono::steady_clock::now() < deadline) {
      char buf[512];
      ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(text.size()));
      if (n > 0) text.append(buf, static_cast<std::size_t>(n));
      if (std::regex_search(text, m, listening)) {
        addr = m[1];
        break;
      }
      if (::waitpid(pid, nullptr, WNOHANG) == pid) {
        pid = -1;
        break;
      }
      ::usleep(5'000);
    }
    ::close(fd);
  }
  // SIGTERM, then the exit status (-1: it did not exit within the bound).
  int terminate() {
    ::kill(pid, SIGTERM);
    return wait_exit();
  }
  int wait_exit() {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      int st = 0;
      pid_t r = ::waitpid(pid, &st, WNOHANG);
      if (r == pid) {
        pid = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      ::usleep(10'000);
    }
    return -1;
  }
  ~server_child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

std::string read_n(const net::conn& c, std::size_t n) {
  std::string s(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    auto [k, err] = c.read(s.data() + got, n - got);
    if (err) break;
    got += k;
  }
  s.resize(got);
  return s;
}

#ifndef GOCXX_NET_EXAMPLES
#define GOCXX_NET_EXAMPLES ""
#define GOCXX_NO_NET_EXAMPLES 1
#endif

class NetServer : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef GOCXX_NO_NET_EXAMPLES
    GTEST_SKIP() << "built without the examples (GOCXX_BUILD_EXAMPLES=OFF)";
#endif
  }
};

TEST_F(NetServer, EchoServesTheClientsBytesAndEndsGracefullyOnSigterm) {
  server_child srv(GOCXX_NET_EXAMPLES "/gocxx-echo");
  ASSERT_FALSE(srv.addr.empty()) << "the server did not say where it listens";
  // The load client: 50 connections, every byte checked (exit 1 on a wrong one).
  std::string cmd = std::string(GOCXX_NET_EXAMPLES "/gocxx-echo-client --procs 2 --conns 50 --size 100 --seconds 0.3 --addr ") + srv.addr;
  std::FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[512] = {};
  std::string out;
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  int rc = ::pclose(p);
  EXPECT_EQ(WEXITSTATUS(rc), 0) << out;
  EXPECT_NE(out.find("errors=0"), std::string::npos) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("msgs=(\\d+)"))) << out;
  EXPECT_GT(std::stoll(m[1]), 0) << out;

  // Graceful: a connection open at SIGTERM is served until it ends; then exit 0.
  int status = -2;
  gocxx::run([&] {
    auto [c, err] = net::dial("tcp", srv.addr);
    ASSERT_FALSE(err) << err.message();
    ASSERT_FALSE(c.write("before").err);
    EXPECT_EQ(read_n(c, 6), "before");
    ::kill(srv.pid, SIGTERM);
    // The listener closes (a new dial is refused once it has), the open connection stays.
    auto refused_by = std::chrono::steady_clock::now() + 20s;
    for (;;) {
      auto [c2, e2] = net::dial("tcp", srv.addr);
      if (e2) break;
      c2.close();
      ASSERT_LT(std::chrono::steady_clock::now(), refused_by) << "the listener stayed open after SIGTERM";
      gocxx::sleep(5ms);
    }
    ASSERT_FALSE(c.write("after").err);
    EXPECT_EQ(read_n(c, 5), "after");
    c.close();
  });
  status = srv.wait_exit();
  EXPECT_EQ(status, 0);
}

TEST_F(NetServer, HttpHelloAnswersPipelinedRequestsWithGosBytes) {
  server_child srv(GOCXX_NET_EXAMPLES "/gocxx-http-hello");
  ASSERT_FALSE(srv.addr.empty()) << "the server did not say where it listens";
  gocxx::run([&] {
    auto [c, err] = net::dial("tcp", srv.addr);
    ASSERT_FALSE(err) << err.message();
    ASSERT_FALSE(c.write("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").err);
    std::string all;
    char buf[1024];
    for (;;) {
      auto [n, e] = c.read(buf, sizeof buf);
      if (e) break;  // the server closes after the second reply (Connection: close)
      all.append(buf, n);
    }
    // What Go's net/http writes for the anchor's handler, byte for byte but the date.
    std::regex date("Date: [A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\r\n");
    std::string masked = std::regex_replace(all, date, "Date: *\r\n");
    EXPECT_EQ(masked,
              "HTTP/1.1 200 OK\r\nContent-Length: 14\r\nContent-Type: text/plain\r\nDate: *\r\n\r\nHello, World!\n"
              "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 14\r\nContent-Type: text/plain\r\nDate: *\r\n\r\nHello, World!\n")
        << all;
  });
  EXPECT_EQ(srv.terminate(), 0);
}

}  // namespace
