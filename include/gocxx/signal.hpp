// gocxx/signal.hpp: Go's signal.NotifyContext: a context cancelled when the process
// receives one of the given signals, for graceful shutdown.
//
//   Go                                                 gocxx
//   ctx, stop := signal.NotifyContext(ctx,             auto [ctx, stop] = gocxx::signal_notify_context(
//       os.Interrupt, syscall.SIGTERM)                     parent, {SIGINT, SIGTERM});
//   defer stop()                                       ... stop();
//
// Semantics (Go's):
// - From the call on, the signals no longer do what they did before (terminate the
//   process, say): each one that arrives cancels every context registered for it
//   (err() is context_errc::canceled) and is otherwise ignored.
// - stop() cancels the context and unregisters it; once no registration wants a signal
//   any more, its previous disposition is restored (so a second Ctrl-C after stop()
//   kills the process again). stop() is copyable and idempotent.
// - The context is also cancelled when its parent is. An empty list means every signal
//   that can be caught and is not raised by a fault (all but SIGKILL, SIGSTOP, SIGSEGV,
//   SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS).
// - Delivery is async-signal-safe: the handler only write()s the signal's number to a
//   pipe; a thread of the runtime reads it and cancels the contexts.
#pragma once

#include <initializer_list>

#include "gocxx/context.hpp"

namespace gocxx {

namespace detail {
struct signal_registration;
void signal_registration_release(signal_registration* r) noexcept;
void signal_registration_retain(signal_registration* r) noexcept;
void signal_stop(signal_registration* r) noexcept;
}  // namespace detail

// The stop function of signal_notify_context.
class signal_stop_func {
 public:
  signal_stop_func() noexcept = default;
  explicit signal_stop_func(detail::signal_registration* r) noexcept : r_(r) {}
  signal_stop_func(const signal_stop_func& o) noexcept : r_(o.r_) {
    if (r_) detail::signal_registration_retain(r_);
  }
  signal_stop_func(signal_stop_func&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  signal_stop_func& operator=(signal_stop_func o) noexcept {
    std::swap(r_, o.r_);
    return *this;
  }
  ~signal_stop_func() {
    if (r_) detail::signal_registration_release(r_);
  }
  void operator()() const noexcept {
    if (r_) detail::signal_stop(r_);
  }

 private:
  detail::signal_registration* r_ = nullptr;
};

struct signal_notify_result {
  context ctx;
  signal_stop_func stop;
};

// signal.NotifyContext(parent, signals...). Panics "signal_notify_context: bad signal N"
// for a number that is not a signal or cannot be caught (SIGKILL, SIGSTOP).
signal_notify_result signal_notify_context(const context& parent, std::initializer_list<int> signals);

}  // namespace gocxx
