// gocxx/net.hpp: Go's net package for goroutines: TCP and Unix stream sockets whose
// blocking calls park the goroutine, not its thread (the runtime's poller, epoll).
//
//   Go                                         gocxx
//   ln, err := net.Listen("tcp", ":8080")      auto [ln, err] = gocxx::net::listen("tcp", ":8080");
//   c, err := ln.Accept()                      auto [c, err] = ln.accept();
//   c, err := net.Dial("tcp", "host:80")       auto [c, err] = gocxx::net::dial("tcp", "host:80");
//   net.DialTimeout("tcp", a, 2*time.Second)   gocxx::net::dial_timeout("tcp", a, 2s);
//   (&net.Dialer{}).DialContext(ctx, "tcp", a) gocxx::net::dial_context(ctx, "tcp", a);
//   n, err := c.Read(buf)                      auto [n, err] = c.read(buf, sizeof buf);
//   n, err := c.Write(b)                       auto [n, err] = c.write(b.data(), b.size());
//   err == io.EOF                              err == gocxx::net::errc::eof
//   errors.Is(err, os.ErrDeadlineExceeded)     err == gocxx::net::errc::deadline_exceeded
//   errors.Is(err, net.ErrClosed)              err == gocxx::net::errc::closed
//   c.SetReadDeadline(time.Now().Add(d))       c.set_read_deadline(std::chrono::steady_clock::now() + d);
//   c.SetDeadline(time.Time{})                 c.set_deadline({});   // no deadline
//   c.(*net.TCPConn).CloseWrite()              c.close_write();
//
// Errors are values, as in Go: every call returns a std::error_code (alone, or as the
// `err` of a two-member result that structured bindings take apart), never throws for
// an I/O failure. System errors are errno values of std::system_category()
// (std::errc::connection_refused, ...); what Go names (io.EOF, net.ErrClosed,
// os.ErrDeadlineExceeded) are gocxx::net::errc. The deadline error also compares equal
// to std::errc::timed_out, as Go's is a net.Error whose Timeout() is true.
//
// Semantics (Go's)
// - read returns what is available, at least one byte, or {0, eof} at the end of the
//   stream; a zero-length read returns {0, {}} at once. write writes every byte or
//   returns the error and how many were written. One reader and one writer at a time:
//   concurrent reads (or writes) of one connection take turns, as Go's fd locks do.
// - A deadline is an absolute time of the steady clock; it applies to calls in progress
//   and to later ones until it is changed, and an expired one fails calls at once, data
//   available or not; `{}` clears it. A connection stays usable after a timeout.
// - close() wakes blocked calls, which return errc::closed; a second close returns
//   errc::closed. A listener's close wakes its accept (and removes a Unix socket's file).
//   The last handle of a connection or listener closes it (Go's finalizer).
// - Networks: "tcp", "tcp4", "tcp6", "unix". An address is "host:port", "[ipv6]:port",
//   or ":port" (listen: every address of both families; dial: the local system). A host
//   name is resolved with getaddrinfo inside gocxx::blocking (numeric hosts never block):
//   the thread waits for the resolver, the goroutine's P runs others meanwhile.
//   TCP connections have TCP_NODELAY set, listeners SO_REUSEADDR, as Go's.
// - From a plain thread every call works too, blocking that thread.
// Differences from Go: no UDP, no net.Resolver, no keep-alive probes by default.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "gocxx/context.hpp"

namespace gocxx::net {

enum class errc : int {
  eof = 1,            // io.EOF: "EOF"
  closed,             // net.ErrClosed: "use of closed network connection"
  deadline_exceeded,  // os.ErrDeadlineExceeded: "i/o timeout"
  unknown_network,    // "unknown network"
  missing_port,       // "missing port in address"
  invalid_address,    // "invalid address" (a bad port, a bad IPv6 literal, a long path)
  no_such_host,       // "no such host"
};
const std::error_category& net_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), net_category()}; }

}  // namespace gocxx::net

template <>
struct std::is_error_code_enum<gocxx::net::errc> : std::true_type {};

namespace gocxx::net {

namespace detail {
struct netfd;
}

// A socket address (Go's net.Addr): its network and Go's String() form,
// "127.0.0.1:8080", "[::1]:80", or a Unix socket's path.
class addr {
 public:
  addr() = default;
  addr(std::string network, std::string str, std::uint16_t port) : network_(std::move(network)), str_(std::move(str)), port_(port) {}
  const std::string& network() const noexcept { return network_; }
  const std::string& string() const noexcept { return str_; }
  std::uint16_t port() const noexcept { return port_; }  // 0 for Unix sockets
  friend bool operator==(const addr&, const addr&) = default;

 private:
  std::string network_;
  std::string str_;
  std::uint16_t port_ = 0;
};

// What read and write return: how many bytes, and the error (empty on success).
struct io_result {
  std::size_t n = 0;
  std::error_code err;
};

// A value and the error of the call that made it; `auto [v, err] = ...`.
template <class T>
struct result {
  T value;
  std::error_code err;
};

using deadline_t = std::chrono::steady_clock::time_point;

// A connected stream socket (Go's net.Conn). Copyable handle; all copies are one
// connection. A default-constructed conn is nil: its calls return std::errc::invalid_argument.
class conn {
 public:
  conn() noexcept = default;
  explicit operator bool() const noexcept { return fd_ != nullptr; }

  io_result read(void* buf, std::size_t n) const;
  io_result write(const void* buf, std::size_t n) const;
  io_result write(std::string_view s) const { return write(s.data(), s.size()); }
  std::error_code close() const;
  // Shuts down the writing side (TCP FIN): the peer reads EOF, reading here goes on.
  std::error_code close_write() const;
  std::error_code set_deadline(deadline_t t) const;
  std::error_code set_read_deadline(deadline_t t) const;
  std::error_code set_write_deadline(deadline_t t) const;
  addr local_addr() const;
  addr remote_addr() const;
  int native_handle() const noexcept;  // the descriptor (setsockopt); -1 when nil

  explicit conn(std::shared_ptr<detail::netfd> fd) noexcept : fd_(std::move(fd)) {}

 private:
  std::shared_ptr<detail::netfd> fd_;
};

// A listening socket (Go's net.Listener).
class listener {
 public:
  listener() noexcept = default;
  explicit operator bool() const noexcept { return fd_ != nullptr; }

  // Waits for the next connection; errc::closed once the listener is closed.
  result<conn> accept() const;
  std::error_code close() const;
  addr address() const;  // Go's Addr(): the port a ":0" listen got
  int native_handle() const noexcept;

  explicit listener(std::shared_ptr<detail::netfd> fd) noexcept : fd_(std::move(fd)) {}

 private:
  std::shared_ptr<detail::netfd> fd_;
};

result<listener> listen(std::string_view network, std::string_view address);
result<conn> dial(std::string_view network, std::string_view address);
// Fails with errc::deadline_exceeded if the connection is not made within `timeout`
// (zero: no timeout; negative: already passed), as Go's DialTimeout.
result<conn> dial_timeout(std::string_view network, std::string_view address, std::chrono::nanoseconds timeout);
// Fails with ctx.err() if ctx is done before the connection is made.
result<conn> dial_context(const context& ctx, std::string_view network, std::string_view address);

}  // namespace gocxx::net
