// gocxx/time.hpp: Go's time package for goroutines: sleeping, timers, tickers, after,
// after_func, with Go 1.23's semantics. Durations are any std::chrono::duration, time
// points std::chrono::steady_clock's (the clock the runtime's timers run on).
//
//   Go                                      gocxx
//   time.Sleep(d)                           gocxx::sleep(d);
//   t := time.NewTimer(d); <-t.C            gocxx::timer t(d); t.c().recv();
//   t.Stop(); t.Reset(d)                    t.stop(); t.reset(d);
//   <-time.After(d)                         gocxx::after(d).recv();
//   time.AfterFunc(d, f)                    gocxx::after_func(d, f);
//   tk := time.NewTicker(d); <-tk.C         gocxx::ticker tk(d); tk.c().recv();
//   for t := range time.Tick(d)             for (auto t : gocxx::tick(d))
//   select { case <-time.After(d): }        gocxx::select(gocxx::case_recv(gocxx::after(d), ...));
//
// Semantics (Go 1.23)
// - A timer's or ticker's channel is synchronous from the user's view: once stop() or
//   reset() returns, no value from before it is received, and size()/capacity() are 0.
//   stop() returns true when the call stopped the timer before its value was received.
// - A ticker's channel holds at most one pending tick: a slow receiver misses ticks, and
//   ticks stay on the ticker's period.
// - A zero or negative sleep returns at once (a goroutine still yields); a timer with a
//   zero or negative duration fires at once. Huge durations saturate (never overflow,
//   never fire early). A sleep never returns early.
// - Timers fire in deadline order; ties in the order they were set (on one P).
// - Handles are cheap, copyable, reference-counted. Dropping the last handle of a timer
//   or ticker (its own handles and those of its channel) stops and frees it: `after` in
//   a loop leaks nothing. An after_func stays armed when its handle is dropped (the
//   runtime holds it until it fires or is stopped), as in Go; its function runs in a
//   goroutine of its own (an exception escaping it is that goroutine's panic).
// - Everything works from plain threads too: a thread that sleeps blocks itself; a
//   thread receiving from a timer channel is woken by the runtime.
// - Misuse panics as Go: stop()/reset() of a default-constructed timer ("time: Stop
//   called on uninitialized Timer", "time: Reset called on uninitialized Timer"); a
//   non-positive ticker interval ("non-positive interval for NewTicker", "non-positive
//   interval for Ticker.Reset"); reset() of a default-constructed ticker ("time: Reset
//   called on uninitialized Ticker"; its stop() does nothing, as Go's).
#pragma once

#include <chrono>
#include <cstdint>
#include <ratio>
#include <type_traits>
#include <utility>

#include "gocxx/chan.hpp"
#include "gocxx/runtime.hpp"

namespace gocxx {

namespace detail {

struct timer_rec;

// d in nanoseconds, saturated to +-4e18 (~126 years) so that adding it to a clock
// reading cannot overflow; exact within that range for integral representations.
template <class Rep, class Period>
constexpr std::int64_t duration_ns(std::chrono::duration<Rep, Period> d) noexcept {
  constexpr std::int64_t limit = 4'000'000'000'000'000'000;
  long double ns = static_cast<long double>(d.count()) * Period::num * 1e9L / Period::den;
  if (!(ns < static_cast<long double>(limit))) return ns != ns ? 0 : limit;  // NaN: 0
  if (ns <= -static_cast<long double>(limit)) return -limit;
  if constexpr (std::is_integral_v<Rep>) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  } else {
    return static_cast<std::int64_t>(ns);
  }
}

// The deadline `ns` from now (saturating at "never").
std::int64_t deadline_after(std::int64_t ns) noexcept;
inline std::int64_t deadline_of(std::chrono::steady_clock::time_point tp) noexcept {
  return duration_ns(tp.time_since_epoch());
}

void sleep_until_ns(std::int64_t when);

// Handles' entry points (src/time.cpp). A chan timer's record is owned by its channel;
// a timer or ticker handle holds the channel and one reference to the record, returned
// in *rec (rec null: only the channel is wanted, as by after and tick).
hchan* timer_make_chan(std::int64_t when, std::int64_t period, timer_rec** rec);
timer_rec* timer_make_func(std::int64_t when, task fn, const source_location& where);
void timer_retain(timer_rec* t) noexcept;
void timer_release(timer_rec* t) noexcept;
bool timer_stop(timer_rec* t);
bool timer_reset(timer_rec* t, std::int64_t when, std::int64_t period);

// One counted reference to a timer record (null: none).
class timer_ref {
 public:
  timer_ref() noexcept = default;
  explicit timer_ref(timer_rec* t) noexcept : t_(t) {}
  timer_ref(const timer_ref& o) noexcept : t_(o.t_) {
    if (t_) timer_retain(t_);
  }
  timer_ref(timer_ref&& o) noexcept : t_(std::exchange(o.t_, nullptr)) {}
  timer_ref& operator=(timer_ref o) noexcept {
    std::swap(t_, o.t_);
    return *this;
  }
  ~timer_ref() {
    if (t_) timer_release(t_);
  }
  timer_rec* get() const noexcept { return t_; }

 private:
  timer_rec* t_ = nullptr;
};

template <class T>
recv_chan<T> recv_chan_from(hchan* c) noexcept {
  recv_chan<T> r;
  chan_access::ref(r) = chan_ref(c);
  return r;
}

}  // namespace detail

using steady_time = std::chrono::steady_clock::time_point;

// time.Sleep: pauses the calling goroutine (or blocks the calling thread) for at least d.
template <class Rep, class Period>
void sleep(std::chrono::duration<Rep, Period> d) {
  detail::sleep_until_ns(detail::deadline_after(detail::duration_ns(d)));
}
// Pauses until tp (at once, with a yield, if tp has passed).
inline void sleep_until(steady_time tp) { detail::sleep_until_ns(detail::deadline_of(tp)); }

class timer;
template <class Rep, class Period, class F>
timer after_func(std::chrono::duration<Rep, Period> d, F&& fn, const source_location& where = source_location::current());

// time.Timer: a single event. c() receives the deadline's time once it passes.
class timer {
 public:
  // Empty: stop() and reset() panic, c() is nil.
  timer() noexcept = default;
  template <class Rep, class Period>
  explicit timer(std::chrono::duration<Rep, Period> d) {
    detail::timer_rec* t = nullptr;
    ch_ = detail::recv_chan_from<steady_time>(detail::timer_make_chan(detail::deadline_after(detail::duration_ns(d)), 0, &t));
    t_ = detail::timer_ref(t);
  }

  // The channel the timer's time is sent on (nil for an after_func timer).
  const recv_chan<steady_time>& c() const noexcept { return ch_; }

  // Stops the timer. True when this call stopped it (it had not fired, or its value was
  // not received yet: that value is discarded); false when it had already fired and
  // been received, or been stopped.
  bool stop() const {
    if (!t_.get()) throw panic_error("time: Stop called on uninitialized Timer");
    return detail::timer_stop(t_.get());
  }
  // Re-arms the timer to fire after d (an after_func timer runs its function again).
  // Returns what stop() would have. No value from before the call is received after it.
  template <class Rep, class Period>
  bool reset(std::chrono::duration<Rep, Period> d) const {
    if (!t_.get()) throw panic_error("time: Reset called on uninitialized Timer");
    return detail::timer_reset(t_.get(), detail::deadline_after(detail::duration_ns(d)), 0);
  }

  explicit operator bool() const noexcept { return t_.get() != nullptr; }

 private:
  template <class Rep, class Period, class F>
  friend timer after_func(std::chrono::duration<Rep, Period> d, F&& fn, const source_location& where);

  detail::timer_ref t_;
  recv_chan<steady_time> ch_;
};

// time.After: the channel of a new timer (freed with its last handle, even unfired).
template <class Rep, class Period>
recv_chan<steady_time> after(std::chrono::duration<Rep, Period> d) {
  // No handle but the channel's: the record goes with the channel's last handle.
  return detail::recv_chan_from<steady_time>(detail::timer_make_chan(detail::deadline_after(detail::duration_ns(d)), 0, nullptr));
}

// time.AfterFunc: runs fn() in a goroutine of its own once d has passed. stop() cancels
// the call (true if it had not started); reset() arms it again; c() is nil.
template <class Rep, class Period, class F>
timer after_func(std::chrono::duration<Rep, Period> d, F&& fn, const source_location& where) {
  static_assert(std::is_invocable_v<std::decay_t<F>&>, "gocxx::after_func: fn must be callable with no arguments");
  timer t;
  t.t_ = detail::timer_ref(detail::timer_make_func(detail::deadline_after(detail::duration_ns(d)),
                                                   detail::task(std::forward<F>(fn)), where));
  return t;
}

// time.Ticker: sends the time on c() every interval; a slow receiver misses ticks.
class ticker {
 public:
  // Empty: reset() panics, stop() does nothing, c() is nil.
  ticker() noexcept = default;
  template <class Rep, class Period>
  explicit ticker(std::chrono::duration<Rep, Period> d) {
    std::int64_t ns = detail::duration_ns(d);
    if (ns <= 0) throw panic_error("non-positive interval for NewTicker");
    detail::timer_rec* t = nullptr;
    ch_ = detail::recv_chan_from<steady_time>(detail::timer_make_chan(detail::deadline_after(ns), ns, &t));
    t_ = detail::timer_ref(t);
  }

  const recv_chan<steady_time>& c() const noexcept { return ch_; }

  // Turns the ticker off: no tick is sent after it, and none from before it is received.
  void stop() const {
    if (t_.get()) detail::timer_stop(t_.get());
  }
  // Stops the ticker and restarts it with period d; the next tick is d from now.
  template <class Rep, class Period>
  void reset(std::chrono::duration<Rep, Period> d) const {
    std::int64_t ns = detail::duration_ns(d);
    if (ns <= 0) throw panic_error("non-positive interval for Ticker.Reset");
    if (!t_.get()) throw panic_error("time: Reset called on uninitialized Ticker");
    detail::timer_reset(t_.get(), detail::deadline_after(ns), ns);
  }

  explicit operator bool() const noexcept { return t_.get() != nullptr; }

 private:
  detail::timer_ref t_;
  recv_chan<steady_time> ch_;
};

// time.Tick: the channel of a new ticker, or nil when d <= 0 (as Go). The ticker lives
// as long as handles to its channel do.
template <class Rep, class Period>
recv_chan<steady_time> tick(std::chrono::duration<Rep, Period> d) {
  std::int64_t ns = detail::duration_ns(d);
  if (ns <= 0) return {};
  return detail::recv_chan_from<steady_time>(detail::timer_make_chan(detail::deadline_after(ns), ns, nullptr));
}

}  // namespace gocxx
