// gocxx::signal_notify_context (gocxx/signal.hpp), after Go's os/signal.
//
// A signal's handler does one async-signal-safe thing: write() the signal's number to
// a pipe (non-blocking; a full pipe drops the byte, and a signal that is already
// pending is merged by the kernel anyway). One plain thread, started with the first
// registration, reads the pipe and cancels the contexts registered for that signal.
//
// Invariants (under hub.mu)
// - wanted[s] counts the active registrations that list s; while it is > 0, our
//   handler is installed for s and saved[s] holds the disposition it replaced.
// - A registration is in `active` from its creation until its stop(); its cancel
//   function is invoked outside hub.mu (cancelling takes context locks and may spawn
//   after_func goroutines; neither nests inside hub.mu).
//
// Lock order: hub.mu -> nothing (context locks are taken after it is released).
#include "gocxx/signal.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/detail/runtime_lock.hpp"

namespace gocxx::detail {

struct signal_registration {
  std::atomic<std::uint32_t> refs{1};
  std::uint64_t signals = 0;  // bit s: listens to signal s (1..63)
  cancel_func cancel;
  bool active = true;  // guarded by hub.mu
};

namespace {

constexpr int max_signal = 64;

struct signal_hub {
  runtime_lock mu;  // short sections, taken from goroutines and the reader thread
  std::vector<signal_registration*> active;  // each holds one reference
  int wanted[max_signal] = {};
  struct sigaction saved[max_signal] = {};
  bool reader_started = false;
};

signal_hub& hub() {
  static signal_hub* h = new signal_hub;  // never destroyed: the reader thread outlives main
  return *h;
}

std::atomic<int> pipe_write_fd{-1};

extern "C" void on_signal(int sig) {
  int saved_errno = errno;
  int fd = pipe_write_fd.load(std::memory_order_relaxed);
  if (fd >= 0) {
    auto b = static_cast<unsigned char>(sig);
    [[maybe_unused]] ssize_t r = write(fd, &b, 1);
  }
  errno = saved_errno;
}

void deliver(int sig) {
  std::vector<cancel_func> fire;
  {
    std::lock_guard<runtime_lock> l(hub().mu);
    for (signal_registration* r : hub().active) {
      if (r->signals & (std::uint64_t{1} << sig)) fire.push_back(r->cancel);
    }
  }
  for (const cancel_func& c : fire) c();
}

void reader_loop(int fd) {
  // The reader takes no asynchronous signal itself: under ThreadSanitizer a handler that
  // hits a thread inside read() is held back until read() returns, and this read()
  // waits for that very handler's byte (a SIGTERM to an idle server was never handled).
  // The kernel gives the signal to a thread that does not block it.
  sigset_t async;
  sigfillset(&async);
  for (int sync_sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT}) sigdelset(&async, sync_sig);
  pthread_sigmask(SIG_BLOCK, &async, nullptr);
  for (;;) {
    unsigned char b;
    ssize_t r = read(fd, &b, 1);
    if (r == 1) {
      deliver(b);
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      return;
    }
  }
}

// hub.mu held.
void start_reader_locked() {
  if (hub().reader_started) return;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "signal_notify_context: pipe2");
  fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
  pipe_write_fd.store(fds[1], std::memory_order_release);
  std::thread(reader_loop, fds[0]).detach();
  hub().reader_started = true;
}

bool catchable(int s) { return s > 0 && s < max_signal && s != SIGKILL && s != SIGSTOP; }

bool fault_signal(int s) {
  return s == SIGSEGV || s == SIGBUS || s == SIGFPE || s == SIGILL || s == SIGTRAP || s == SIGABRT || s == SIGSYS;
}

}  // namespace

void signal_registration_retain(signal_registration* r) noexcept { r->refs.fetch_add(1, std::memory_order_relaxed); }

void signal_registration_release(signal_registration* r) noexcept {
  if (r->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete r;
}

void signal_stop(signal_registration* r) noexcept {
  bool was_active = false;
  {
    std::lock_guard<runtime_lock> l(hub().mu);
    if (r->active) {
      was_active = true;
      r->active = false;
      auto& v = hub().active;
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == r) {
          v[i] = v.back();
          v.pop_back();
          break;
        }
      }
      for (int s = 1; s < max_signal; ++s) {
        if ((r->signals & (std::uint64_t{1} << s)) && --hub().wanted[s] == 0) {
          sigaction(s, &hub().saved[s], nullptr);
        }
      }
    }
  }
  r->cancel();
  if (was_active) signal_registration_release(r);  // the active list's
}

}  // namespace gocxx::detail

namespace gocxx {

signal_notify_result signal_notify_context(const context& parent, std::initializer_list<int> signals) {
  std::uint64_t mask = 0;
  for (int s : signals) {
    if (!detail::catchable(s)) throw panic_error("signal_notify_context: bad signal " + std::to_string(s));
    mask |= std::uint64_t{1} << s;
  }
  if (signals.size() == 0) {
    for (int s = 1; s < detail::max_signal; ++s) {
      if (detail::catchable(s) && !detail::fault_signal(s) && s < SIGRTMIN) mask |= std::uint64_t{1} << s;
    }
  }
  auto [ctx, cancel] = with_cancel(parent);
  auto* r = new detail::signal_registration;
  r->signals = mask;
  r->cancel = cancel;
  signal_stop_func stop(r);
  {
    std::lock_guard<detail::runtime_lock> l(detail::hub().mu);
    detail::start_reader_locked();
    for (int s = 1; s < detail::max_signal; ++s) {
      if (!(mask & (std::uint64_t{1} << s))) continue;
      if (detail::hub().wanted[s]++ == 0) {
        struct sigaction sa = {};
        sa.sa_handler = &detail::on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(s, &sa, &detail::hub().saved[s]);
      }
    }
    detail::signal_registration_retain(r);  // the active list's
    detail::hub().active.push_back(r);
  }
  return {std::move(ctx), std::move(stop)};
}

}  // namespace gocxx
