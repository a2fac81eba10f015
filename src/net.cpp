// gocxx::net (net.hpp): sockets over the runtime's poller (src/runtime/netpoll.hpp).
//
// A netfd is one open descriptor, shared by every handle of its conn or listener. Its
// `state` counts the operations in progress (plus one for the handles) below the
// closing bit: close() sets the bit, wakes blocked calls (netpoll_evict) and drops the
// handles' count; whoever drops the count to zero closes the descriptor. So an fd number
// is never closed under a call that still uses it (and then reused by another socket),
// which is what Go's fdMutex guarantees.
//
// Every operation: take a reference (fails once closing), check the side's deadline,
// try the system call, and on EAGAIN wait in the poller and try again.
//
// Lock order: netfd::read_mu / write_mu (gocxx::mutex: goroutines park on them) ->
// the poll_desc's locks.
#include "gocxx/net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "gocxx/chan.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/sync.hpp"
#include "runtime/netpoll.hpp"
#include "runtime/sched.hpp"

namespace gocxx::net {

namespace {

class net_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "net"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::eof: return "EOF";
      case errc::closed: return "use of closed network connection";
      case errc::deadline_exceeded: return "i/o timeout";
      case errc::unknown_network: return "unknown network";
      case errc::missing_port: return "missing port in address";
      case errc::invalid_address: return "invalid address";
      case errc::no_such_host: return "no such host";
    }
    return "unknown net error";
  }
  std::error_condition default_error_condition(int ev) const noexcept override {
    if (static_cast<errc>(ev) == errc::deadline_exceeded) return std::errc::timed_out;
    return {ev, *this};
  }
};

std::error_code sys_error(int e) { return {e, std::system_category()}; }

}  // namespace

const std::error_category& net_category() noexcept {
  static const net_category_impl category;
  return category;
}

namespace detail {

using gocxx::detail::poll_desc;
using gocxx::detail::poll_mode;
using gocxx::detail::poll_status;

struct netfd {
  static constexpr std::uint64_t closing_bit = std::uint64_t{1} << 63;

  int fd = -1;
  std::string network;  // "tcp", "tcp4", "tcp6", "unix"
  poll_desc* pd = nullptr;
  std::atomic<std::uint64_t> state{1};  // the handles' reference
  std::atomic<bool> destroyed{false};
  gocxx::mutex read_mu;                 // one reader (or acceptor) at a time
  gocxx::mutex write_mu;                // one writer at a time
  addr laddr, raddr;
  std::string unlink_path;              // a Unix listener's socket file

  netfd(int f, std::string net) : fd(f), network(std::move(net)) { pd = gocxx::detail::netpoll_open(fd); }
  netfd(const netfd&) = delete;
  netfd& operator=(const netfd&) = delete;
  ~netfd() {
    if (!(state.load(std::memory_order_acquire) & closing_bit)) close();
  }

  bool incref() noexcept {
    if (state.fetch_add(1, std::memory_order_acquire) & closing_bit) {
      decref();
      return false;
    }
    return true;
  }
  void decref() noexcept {
    if (state.fetch_sub(1, std::memory_order_acq_rel) - 1 == closing_bit) destroy();
  }
  std::error_code close() noexcept {
    if (state.fetch_or(closing_bit, std::memory_order_acq_rel) & closing_bit) return errc::closed;
    gocxx::detail::netpoll_evict(pd);
    decref();
    return {};
  }
  // Once: a failed incref after the descriptor is gone drops the count to zero again.
  void destroy() noexcept {
    if (destroyed.exchange(true, std::memory_order_acq_rel)) return;
    gocxx::detail::netpoll_close(pd);
    pd = nullptr;
    ::close(fd);
    if (!unlink_path.empty()) ::unlink(unlink_path.c_str());
    fd = -1;
  }
};

}  // namespace detail

namespace {

using detail::netfd;
using gocxx::detail::poll_mode;
using gocxx::detail::poll_status;

std::error_code status_error(poll_status st) {
  return st == poll_status::closed ? make_error_code(errc::closed) : make_error_code(errc::deadline_exceeded);
}

// An operation's reference on the netfd.
class op_ref {
 public:
  explicit op_ref(netfd* f) : f_(f && f->incref() ? f : nullptr) {}
  ~op_ref() {
    if (f_) f_->decref();
  }
  op_ref(const op_ref&) = delete;
  op_ref& operator=(const op_ref&) = delete;
  explicit operator bool() const { return f_ != nullptr; }

 private:
  netfd* f_;
};

// Waits until fd's side may be tried again; the error if it may not.
std::error_code wait(netfd& f, poll_mode mode) {
  poll_status st = gocxx::detail::netpoll_wait(f.pd, mode);
  return st == poll_status::ready ? std::error_code() : status_error(st);
}

std::error_code check(netfd& f, poll_mode mode) {
  poll_status st = gocxx::detail::netpoll_check(f.pd, mode);
  return st == poll_status::ready ? std::error_code() : status_error(st);
}

std::int64_t deadline_ns(deadline_t t) {
  if (t == deadline_t{}) return 0;
  std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return ns <= 0 ? 1 : ns;  // before the clock's start: long past
}

// ---- addresses ----

struct sockaddr_any {
  sockaddr_storage ss{};
  socklen_t len = 0;
  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&ss); }
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&ss); }
};

addr to_addr(const sockaddr_any& a) {
  char host[INET6_ADDRSTRLEN] = "";
  const sockaddr* sa = a.sa();
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    std::uint16_t port = ntohs(in->sin_port);
    return addr("tcp", std::string(host) + ":" + std::to_string(port), port);
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    std::uint16_t port = ntohs(in6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {  // Go prints a mapped IPv4 address as IPv4
      inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], host, sizeof host);
      return addr("tcp", std::string(host) + ":" + std::to_string(port), port);
    }
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    std::string str = "[";  // built in steps: g++ 12 warns (-Wrestrict) on "[" + host + "]:"
    str += host;
    str += "]:";
    str += std::to_string(port);
    return addr("tcp", std::move(str), port);
  }
  if (sa->sa_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(sa);
    std::size_t n = a.len > offsetof(sockaddr_un, sun_path) ? a.len - offsetof(sockaddr_un, sun_path) : 0;
    std::string path(un->sun_path, strnlen(un->sun_path, n));
    return addr("unix", path, 0);
  }
  return {};
}

addr sock_name(const netfd& f, bool peer) {
  sockaddr_any a;
  a.len = sizeof a.ss;
  int r = peer ? getpeername(f.fd, a.sa(), &a.len) : getsockname(f.fd, a.sa(), &a.len);
  if (r != 0) return addr(f.network.starts_with("unix") ? "unix" : "tcp", "", 0);
  return to_addr(a);
}

bool is_tcp(std::string_view network) { return network == "tcp" || network == "tcp4" || network == "tcp6"; }

// Resolves address for `network`; `passive` for listen (an empty host: any address).
std::error_code resolve(std::string_view network, std::string_view address, bool passive, std::vector<sockaddr_any>& out) {
  if (network == "unix") {
    sockaddr_any a;
    auto* un = reinterpret_cast<sockaddr_un*>(&a.ss);
    un->sun_family = AF_UNIX;
    if (address.empty() || address.size() >= sizeof un->sun_path) return errc::invalid_address;
    std::memcpy(un->sun_path, address.data(), address.size());
    a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + 1);
    out.push_back(a);
    return {};
  }
  if (!is_tcp(network)) return errc::unknown_network;
  std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return errc::missing_port;
  std::string host(address.substr(0, colon));
  std::string port(address.substr(colon + 1));
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return errc::invalid_address;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return errc::invalid_address;  // "::1:80": an IPv6 host needs its brackets
  }
  if (port.empty()) return errc::invalid_address;
  bool numeric_port = true;
  int port_value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') {
      numeric_port = false;
      break;
    }
    if ((port_value = port_value * 10 + (c - '0')) > 65535) return errc::invalid_address;
  }
  addrinfo hints{};
  hints.ai_family = network == "tcp4" ? AF_INET : network == "tcp6" ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  if (passive && host.empty()) {
    // Every address: IPv6's any, dual-stack, unless tcp4 (set in listen_on).
    sockaddr_any a;
    if (!numeric_port) return errc::invalid_address;  // a listen port is a number
    int p = port_value;
    if (network == "tcp4") {
      auto* in = reinterpret_cast<sockaddr_in*>(&a.ss);
      in->sin_family = AF_INET;
      in->sin_port = htons(static_cast<std::uint16_t>(p));
      in->sin_addr.s_addr = htonl(INADDR_ANY);
      a.len = sizeof(sockaddr_in);
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(static_cast<std::uint16_t>(p));
      in6->sin6_addr = in6addr_any;
      a.len = sizeof(sockaddr_in6);
    }
    out.push_back(a);
    return {};
  }
  if (host.empty()) host = network == "tcp6" ? "::1" : "127.0.0.1";  // dial ":port": the local system
  addrinfo* res = nullptr;
  hints.ai_flags = AI_NUMERICHOST | (numeric_port ? AI_NUMERICSERV : 0);
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc == EAI_NONAME) {
    // A name: the resolver, which blocks its thread (files, DNS): a blocking call, so
    // the P goes on running other goroutines meanwhile (Go's cgo resolver does the same).
    // errno is read inside the call: after it the goroutine may run on another thread.
    hints.ai_flags = AI_ADDRCONFIG;
    int err = 0;
    rc = gocxx::blocking([&] {
      int r = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
      err = errno;
      return r;
    });
    if (rc == EAI_SYSTEM) return sys_error(err);
  }
  if (rc != 0) {
    if (rc == EAI_SERVICE) return errc::invalid_address;
    if (rc == EAI_SYSTEM) return sys_error(errno);
    return errc::no_such_host;
  }
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    sockaddr_any a;
    std::memcpy(&a.ss, ai->ai_addr, ai->ai_addrlen);
    a.len = ai->ai_addrlen;
    out.push_back(a);
  }
  freeaddrinfo(res);
  return out.empty() ? make_error_code(errc::no_such_host) : std::error_code();
}

int new_socket(int family) { return ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

std::shared_ptr<netfd> make_netfd(int fd, std::string network) {
  try {
    return std::make_shared<netfd>(fd, std::move(network));
  } catch (...) {
    ::close(fd);
    throw;
  }
}

// Connects f (a fresh non-blocking socket) to a; its write deadline bounds the wait.
std::error_code connect_fd(netfd& f, const sockaddr_any& a) {
  for (;;) {
    if (::connect(f.fd, a.sa(), a.len) == 0) return {};
    if (errno == EINTR) continue;
    if (errno == EINPROGRESS || errno == EAGAIN) break;  // EAGAIN: a Unix backlog is full
    return sys_error(errno);
  }
  for (;;) {
    if (std::error_code e = wait(f, poll_mode::write)) return e;
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(f.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return sys_error(errno);
    if (err == EINPROGRESS || err == EALREADY || err == EINTR) continue;  // a spurious edge
    if (err != 0) return sys_error(err);
    // Connected, unless the edge was stale (a reused poll descriptor): the peer says.
    sockaddr_any peer;
    peer.len = sizeof peer.ss;
    if (getpeername(f.fd, peer.sa(), &peer.len) == 0) return {};
    if (errno != ENOTCONN) return sys_error(errno);
  }
}

result<conn> dial_with(std::string_view network, std::string_view address, std::int64_t deadline,
                       const context* ctx) {
  std::vector<sockaddr_any> addrs;
  if (std::error_code e = resolve(network, address, false, addrs)) return {conn(), e};
  std::error_code last;
  for (const sockaddr_any& a : addrs) {
    int fd = new_socket(a.ss.ss_family);
    if (fd < 0) {
      last = sys_error(errno);
      continue;
    }
    std::shared_ptr<netfd> f = make_netfd(fd, std::string(network));
    if (deadline != 0) gocxx::detail::netpoll_set_deadline(f->pd, poll_mode::write, deadline);
    // A context's end interrupts the connect as an expired deadline does; then the
    // context's error is the dial's (Go's DialContext).
    gocxx::chan<int> interrupted(1);
    after_func_stop stop;
    if (ctx) {
      stop = after_func(*ctx, [f, interrupted] {
        gocxx::detail::netpoll_set_deadline(f->pd, poll_mode::write, 1);
        interrupted.send(1);
      });
    }
    std::error_code e = connect_fd(*f, a);
    if (ctx && !stop()) {
      interrupted.recv();  // its deadline change is done: none comes after ours below
      f->close();
      return {conn(), ctx->err()};
    }
    if (e) {
      f->close();
      last = e;
      continue;
    }
    gocxx::detail::netpoll_set_deadline(f->pd, poll_mode::write, 0);
    if (is_tcp(network)) set_nodelay(f->fd);
    f->laddr = sock_name(*f, false);
    f->raddr = sock_name(*f, true);
    return {conn(std::move(f)), {}};
  }
  return {conn(), last};
}

}  // namespace

// ---- conn ----

io_result conn::read(void* buf, std::size_t n) const {
  if (!fd_) return {0, std::make_error_code(std::errc::invalid_argument)};
  netfd& f = *fd_;
  op_ref ref(&f);
  if (!ref) return {0, errc::closed};
  std::lock_guard<gocxx::mutex> l(f.read_mu);
  if (std::error_code e = check(f, poll_mode::read)) return {0, e};
  if (n == 0) return {0, {}};
  for (;;) {
    ssize_t r = ::read(f.fd, buf, n);
    if (r > 0) return {static_cast<std::size_t>(r), {}};
    if (r == 0) return {0, errc::eof};
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, sys_error(errno)};
    if (std::error_code e = wait(f, poll_mode::read)) return {0, e};
  }
}

io_result conn::write(const void* buf, std::size_t n) const {
  if (!fd_) return {0, std::make_error_code(std::errc::invalid_argument)};
  netfd& f = *fd_;
  op_ref ref(&f);
  if (!ref) return {0, errc::closed};
  std::lock_guard<gocxx::mutex> l(f.write_mu);
  if (std::error_code e = check(f, poll_mode::write)) return {0, e};
  const char* p = static_cast<const char*>(buf);
  std::size_t done = 0;
  while (done < n) {
    ssize_t r = ::send(f.fd, p + done, n - done, MSG_NOSIGNAL);
    if (r >= 0) {
      done += static_cast<std::size_t>(r);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {done, sys_error(errno)};
    if (std::error_code e = wait(f, poll_mode::write)) return {done, e};
  }
  return {done, {}};
}

std::error_code conn::close() const {
  if (!fd_) return std::make_error_code(std::errc::invalid_argument);
  return fd_->close();
}

std::error_code conn::close_write() const {
  if (!fd_) return std::make_error_code(std::errc::invalid_argument);
  op_ref ref(fd_.get());
  if (!ref) return errc::closed;
  return ::shutdown(fd_->fd, SHUT_WR) == 0 ? std::error_code() : sys_error(errno);
}

namespace {
std::error_code set_deadline_of(const std::shared_ptr<netfd>& fd, poll_mode mode, deadline_t t) {
  if (!fd) return std::make_error_code(std::errc::invalid_argument);
  op_ref ref(fd.get());
  if (!ref) return errc::closed;
  gocxx::detail::netpoll_set_deadline(fd->pd, mode, deadline_ns(t));
  return {};
}
}  // namespace

std::error_code conn::set_deadline(deadline_t t) const { return set_deadline_of(fd_, poll_mode::both, t); }
std::error_code conn::set_read_deadline(deadline_t t) const { return set_deadline_of(fd_, poll_mode::read, t); }
std::error_code conn::set_write_deadline(deadline_t t) const { return set_deadline_of(fd_, poll_mode::write, t); }
addr conn::local_addr() const { return fd_ ? fd_->laddr : addr(); }
addr conn::remote_addr() const { return fd_ ? fd_->raddr : addr(); }
int conn::native_handle() const noexcept { return fd_ ? fd_->fd : -1; }

// ---- listener ----

result<conn> listener::accept() const {
  if (!fd_) return {conn(), std::make_error_code(std::errc::invalid_argument)};
  netfd& f = *fd_;
  op_ref ref(&f);
  if (!ref) return {conn(), errc::closed};
  std::lock_guard<gocxx::mutex> l(f.read_mu);
  if (std::error_code e = check(f, poll_mode::read)) return {conn(), e};
  for (;;) {
    sockaddr_any peer;
    peer.len = sizeof peer.ss;
    int c = ::accept4(f.fd, peer.sa(), &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c >= 0) {
      std::shared_ptr<netfd> nf = make_netfd(c, f.network);
      if (is_tcp(f.network)) set_nodelay(c);
      nf->laddr = sock_name(*nf, false);
      nf->raddr = to_addr(peer);
      return {conn(std::move(nf)), {}};
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;  // Go retries both
    if (errno != EAGAIN) return {conn(), sys_error(errno)};
    if (std::error_code e = wait(f, poll_mode::read)) return {conn(), e};
  }
}

std::error_code listener::close() const {
  if (!fd_) return std::make_error_code(std::errc::invalid_argument);
  return fd_->close();
}

addr listener::address() const { return fd_ ? fd_->laddr : addr(); }
int listener::native_handle() const noexcept { return fd_ ? fd_->fd : -1; }

// ---- listen, dial ----

result<listener> listen(std::string_view network, std::string_view address) {
  gocxx::detail::ensure_started();
  std::vector<sockaddr_any> addrs;
  if (std::error_code e = resolve(network, address, true, addrs)) return {listener(), e};
  std::error_code last;
  for (std::size_t i = 0; i < addrs.size(); ++i) {
    sockaddr_any a = addrs[i];  // a copy: the loop may append the IPv4 fallback
    int fd = new_socket(a.ss.ss_family);
    if (fd < 0 && a.ss.ss_family == AF_INET6 && network == "tcp" && address.rfind(':') == 0) {
      // No IPv6 on this machine: ":port" listens on IPv4's any address.
      sockaddr_any v4;
      auto* in = reinterpret_cast<sockaddr_in*>(&v4.ss);
      in->sin_family = AF_INET;
      in->sin_port = reinterpret_cast<const sockaddr_in6*>(&a.ss)->sin6_port;
      in->sin_addr.s_addr = htonl(INADDR_ANY);
      v4.len = sizeof(sockaddr_in);
      addrs.push_back(v4);
      last = sys_error(errno);
      continue;
    }
    if (fd < 0) {
      last = sys_error(errno);
      continue;
    }
    int one = 1;
    int zero = 0;
    if (a.ss.ss_family != AF_UNIX) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a.ss.ss_family == AF_INET6) {
      int v6only = network == "tcp6" ? 1 : 0;
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? &one : &zero, sizeof(int));
    }
    if (::bind(fd, a.sa(), a.len) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      last = sys_error(errno);
      ::close(fd);
      continue;
    }
    std::shared_ptr<netfd> f = make_netfd(fd, std::string(network));
    if (network == "unix") f->unlink_path = std::string(address);
    f->laddr = sock_name(*f, false);
    if (network == "unix") f->laddr = addr("unix", std::string(address), 0);
    return {listener(std::move(f)), {}};
  }
  return {listener(), last};
}

result<conn> dial(std::string_view network, std::string_view address) {
  gocxx::detail::ensure_started();
  return dial_with(network, address, 0, nullptr);
}

result<conn> dial_timeout(std::string_view network, std::string_view address, std::chrono::nanoseconds timeout) {
  gocxx::detail::ensure_started();
  // As Go's Dialer.Timeout: zero is none, a negative one has passed already.
  std::int64_t t = timeout.count();
  std::int64_t when = t == 0 ? 0 : t < 0 ? 1 : gocxx::detail::nanotime() + t;
  return dial_with(network, address, when, nullptr);
}

result<conn> dial_context(const context& ctx, std::string_view network, std::string_view address) {
  gocxx::detail::ensure_started();
  if (std::error_code e = ctx.err()) return {conn(), e};
  return dial_with(network, address, 0, &ctx);
}

}  // namespace gocxx::net
