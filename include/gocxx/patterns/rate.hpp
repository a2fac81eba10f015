// gocxx/patterns/rate.hpp: a token-bucket rate limiter after Go's golang.org/x/time/rate
// (Limiter, Reservation, Every, Inf), with its algorithm and its answers.
//
// Owns the bucket: `limit` tokens per second flow in, at most `burst` are held, each
// event takes one (or n). Refill is lazy: nothing ticks; each call computes the tokens
// from the time passed since `last` (std::chrono::steady_clock, the runtime's clock).
// Invariants (under mu):
// - tokens <= burst. tokens < 0 means tokens already promised to reservations whose
//   time has not come: the bucket is in debt, and the next reservation waits longer.
// - tokens_ is the bucket at time last_; last_event_ is the time to act of the latest
//   reservation (what cancel() uses to tell which tokens it may give back).
// Lock: mu (a gocxx::mutex) guards every field; it is held only for arithmetic, never
// while waiting: wait() reserves under it, then sleeps on a timer without it. No other
// lock is taken while holding it (wait() reads its context before or after, not under it).
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <system_error>
#include <type_traits>

#include "gocxx/context.hpp"
#include "gocxx/select.hpp"
#include "gocxx/sync.hpp"
#include "gocxx/time.hpp"

namespace gocxx::rate {

// Go's rate.Inf: no limit at all (every event allowed, burst ignored).
//   rate.NewLimiter(rate.Inf, 0)              gocxx::rate::limiter lim(gocxx::rate::inf, 0);
inline constexpr double inf = std::numeric_limits<double>::infinity();

// Go's rate.InfDuration: the delay of a reservation that can never be met.
//   r.Delay() == rate.InfDuration             r.delay() == gocxx::rate::inf_duration
inline constexpr std::chrono::nanoseconds inf_duration = std::chrono::nanoseconds::max();

// Go's rate.Every: the limit of one event every `interval` (inf for interval <= 0).
//   rate.Every(100*time.Millisecond)          gocxx::rate::every(100ms)  // 10 per second
template <class Rep, class Period>
constexpr double every(std::chrono::duration<Rep, Period> interval) noexcept {
  if (interval <= interval.zero()) return inf;
  return 1.0 / std::chrono::duration<double>(interval).count();
}

// Why wait() refused without waiting (Go returns these as fmt.Errorf texts, which Go
// code can only compare by text).
//   strings.Contains(err.Error(), "exceeds")  err == gocxx::rate::errc::exceeds_burst
enum class errc : int {
  exceeds_burst = 1,          // "rate: Wait(n) exceeds limiter's burst"
  would_exceed_deadline = 2,  // "rate: Wait(n) would exceed context deadline"
};

inline const std::error_category& category() noexcept {
  struct category_impl final : std::error_category {
    const char* name() const noexcept override { return "gocxx.rate"; }
    std::string message(int c) const override {
      switch (static_cast<errc>(c)) {
        case errc::exceeds_burst: return "rate: Wait(n) exceeds limiter's burst";
        case errc::would_exceed_deadline: return "rate: Wait(n) would exceed context deadline";
      }
      return "rate: unknown error";
    }
  };
  static const category_impl c;
  return c;
}
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace gocxx::rate

template <>
struct std::is_error_code_enum<gocxx::rate::errc> : std::true_type {};

namespace gocxx::rate {

class limiter;

namespace detail {

using ns = std::chrono::nanoseconds;

// Go's Limit.durationFromTokens, saturating at inf_duration (and at its negative).
inline ns duration_from_tokens(double limit, double tokens) noexcept {
  if (limit <= 0) return inf_duration;
  double nanos = tokens / limit * 1e9;
  constexpr double top = 9.2e18;
  if (!(nanos < top)) return inf_duration;  // NaN too
  if (nanos <= -top) return -inf_duration;
  return ns(static_cast<std::int64_t>(nanos));
}
// Go's Limit.tokensFromDuration.
inline double tokens_from_duration(double limit, ns d) noexcept {
  if (limit <= 0) return 0;
  return static_cast<double>(d.count()) / 1e9 * limit;
}
// t + d, saturating at the clock's ends.
inline steady_time add_saturating(steady_time t, ns d) noexcept {
  const auto since = t.time_since_epoch();
  if (d > ns::zero() && since > steady_time::duration::max() - d) return steady_time::max();
  if (d < ns::zero() && since < steady_time::duration::min() - d) return steady_time::min();
  return t + d;
}

}  // namespace detail

// What reserve() returns (Go's rate.Reservation): whether the event may happen at all,
// and when. Act after delay(); cancel() if you will not act, to give the tokens back
// to later callers. Refers to its limiter, which must outlive it. Cheap to copy.
//
//   Go                                        gocxx
//   r := lim.Reserve()                        auto r = lim.reserve();
//   if !r.OK() { return }                     if (!r.ok()) return;
//   time.Sleep(r.Delay())                     gocxx::sleep(r.delay());
//   act()                                     act();
//   r.Cancel()  // if not acting after all    r.cancel();
class reservation {
 public:
  reservation() = default;  // not ok

  // Whether the limiter can grant the tokens at all (false: n > burst, or the wait
  // would exceed what the caller allowed). A reservation that is not ok is a no-op.
  bool ok() const noexcept { return ok_; }
  // How long to wait before acting: 0 when the time has come, inf_duration when not ok.
  std::chrono::nanoseconds delay() const { return delay_from(std::chrono::steady_clock::now()); }
  std::chrono::nanoseconds delay_from(steady_time t) const noexcept {
    if (!ok_) return inf_duration;
    if (time_to_act_ <= t) return std::chrono::nanoseconds::zero();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time_to_act_ - t);
  }
  // When the tokens are due.
  steady_time time_to_act() const noexcept { return time_to_act_; }
  // Gives the tokens back, as far as later reservations have not built on them (Go's
  // Cancel / CancelAt). Does nothing once the time to act has passed.
  inline void cancel();
  inline void cancel_at(steady_time t);

 private:
  friend class limiter;
  bool ok_ = false;
  limiter* lim_ = nullptr;
  int tokens_ = 0;
  steady_time time_to_act_{};
  double limit_ = 0;  // the limit when the reservation was made
};

// A token-bucket rate limiter (Go's rate.Limiter): `limit` events per second on average
// (rate::inf: unlimited; rate::every(d) for one per d), bursts of up to `burst`. It
// starts full. allow() answers at once; reserve() books tokens and says when they are
// due; wait(ctx) blocks the goroutine (or plain thread) until they are, on a timer,
// giving up with ctx.err() when ctx ends first, and at once with
// errc::would_exceed_deadline when the wait would outlast ctx's deadline (or
// errc::exceeds_burst when n > burst). Safe from any goroutine or thread; not copyable.
//
//   Go                                        gocxx
//   lim := rate.NewLimiter(1000, 10)          gocxx::rate::limiter lim(1000, 10);
//   lim := rate.NewLimiter(                   gocxx::rate::limiter lim(gocxx::rate::every(10ms), 1);
//     rate.Every(10*time.Millisecond), 1)
//   if lim.Allow() { serve() }                if (lim.allow()) serve();
//   if err := lim.Wait(ctx); err != nil {...} if (auto err = lim.wait(ctx)) { ... }
//   r := lim.ReserveN(time.Now(), 3)          auto r = lim.reserve(3);
//   lim.SetLimit(50); lim.SetBurst(5)         lim.set_limit(50); lim.set_burst(5);
class limiter {
 public:
  limiter(double limit, int burst) : limiter(limit, burst, std::chrono::steady_clock::now()) {}
  limiter(double limit, int burst, steady_time now) : limit_(limit), burst_(burst), tokens_(burst), last_(now) {}
  limiter(const limiter&) = delete;
  limiter& operator=(const limiter&) = delete;

  double limit() const {
    std::lock_guard<mutex> l(mu_);
    return limit_;
  }
  int burst() const {
    std::lock_guard<mutex> l(mu_);
    return burst_;
  }
  // The tokens available now (negative: promised ahead).
  double tokens() const { return tokens_at(std::chrono::steady_clock::now()); }
  double tokens_at(steady_time t) const {
    std::lock_guard<mutex> l(mu_);
    return advance_locked(t);
  }

  // Go's Allow / AllowN(t, n): takes n tokens if they are there now; never waits.
  bool allow(int n = 1) { return allow(std::chrono::steady_clock::now(), n); }
  bool allow(steady_time t, int n) {
    std::lock_guard<mutex> l(mu_);
    return reserve_locked(t, n, std::chrono::nanoseconds::zero()).ok_;
  }

  // Go's Reserve / ReserveN(t, n): books n tokens however far ahead they are due (not ok
  // only when n > burst).
  reservation reserve(int n = 1) { return reserve(std::chrono::steady_clock::now(), n); }
  reservation reserve(steady_time t, int n) {
    std::lock_guard<mutex> l(mu_);
    return reserve_locked(t, n, inf_duration);
  }

  // Go's Wait / WaitN(ctx, n): blocks until n tokens are due, or returns an error
  // without taking them: errc::exceeds_burst (n > burst, and the limit is not inf),
  // ctx.err() (ctx is done, on entry or while waiting), errc::would_exceed_deadline (the
  // tokens would come after ctx's deadline: refused at once, nothing waited).
  std::error_code wait(const context& ctx, int n = 1) {
    {
      std::lock_guard<mutex> l(mu_);
      if (n > burst_ && limit_ != inf) return errc::exceeds_burst;
    }
    if (std::error_code e = ctx.err()) return e;
    const steady_time now = std::chrono::steady_clock::now();
    std::chrono::nanoseconds wait_limit = inf_duration;
    if (auto deadline = ctx.deadline()) {
      wait_limit = std::chrono::duration_cast<std::chrono::nanoseconds>(*deadline - now);
    }
    reservation r;
    {
      std::lock_guard<mutex> l(mu_);
      r = reserve_locked(now, n, wait_limit);
    }
    if (!r.ok_) return errc::would_exceed_deadline;
    std::chrono::nanoseconds delay = r.delay_from(now);
    if (delay == delay.zero()) return {};
    gocxx::timer due(delay);
    bool cancelled = false;
    gocxx::select(gocxx::case_recv(due.c()), gocxx::case_recv(ctx.done(), [&] { cancelled = true; }));
    if (!cancelled) return {};
    r.cancel();
    return ctx.err();
  }

  // Go's SetLimit / SetBurst: tokens so far are kept (counted at the old limit).
  void set_limit(double limit) { set_limit_at(std::chrono::steady_clock::now(), limit); }
  void set_limit_at(steady_time t, double limit) {
    std::lock_guard<mutex> l(mu_);
    tokens_ = advance_locked(t);
    last_ = t;
    limit_ = limit;
  }
  void set_burst(int burst) { set_burst_at(std::chrono::steady_clock::now(), burst); }
  void set_burst_at(steady_time t, int burst) {
    std::lock_guard<mutex> l(mu_);
    tokens_ = advance_locked(t);
    last_ = t;
    burst_ = burst;
  }

 private:
  friend class reservation;

  // Go's advance: the tokens at t (t before last counts as last: time never refunds).
  // Caller holds mu_.
  double advance_locked(steady_time t) const {
    steady_time last = t < last_ ? t : last_;
    double tokens = tokens_ + detail::tokens_from_duration(limit_, std::chrono::duration_cast<detail::ns>(t - last));
    if (double b = burst_; tokens > b) tokens = b;
    return tokens;
  }

  // Go's reserveN. Caller holds mu_.
  reservation reserve_locked(steady_time t, int n, std::chrono::nanoseconds max_future) {
    reservation r;
    r.lim_ = this;
    r.limit_ = limit_;
    if (limit_ == inf) {
      r.ok_ = true;
      r.tokens_ = n;
      r.time_to_act_ = t;
      return r;
    }
    if (limit_ == 0) {  // Go's rule: only the burst, spent for good
      r.ok_ = burst_ >= n;
      if (r.ok_) burst_ -= n;
      r.tokens_ = burst_;
      r.time_to_act_ = t;
      return r;
    }
    double tokens = advance_locked(t) - n;
    std::chrono::nanoseconds wait = std::chrono::nanoseconds::zero();
    if (tokens < 0) wait = detail::duration_from_tokens(limit_, -tokens);
    r.ok_ = n <= burst_ && wait <= max_future;
    if (r.ok_) {
      r.tokens_ = n;
      r.time_to_act_ = detail::add_saturating(t, wait);
      last_ = t;
      tokens_ = tokens;
      last_event_ = r.time_to_act_;
    }
    return r;
  }

  // Go's Reservation.CancelAt.
  void cancel_locked(reservation& r, steady_time t) {
    if (limit_ == inf || r.tokens_ == 0 || r.time_to_act_ < t) return;
    // Tokens reserved after r (last_event_ past r's time) stay spent; give back the rest.
    const auto later = std::chrono::duration_cast<detail::ns>(last_event_ - r.time_to_act_);
    double restore = r.tokens_ - detail::tokens_from_duration(r.limit_, later);
    if (restore <= 0) return;
    double tokens = advance_locked(t) + restore;
    if (double b = burst_; tokens > b) tokens = b;
    last_ = t;
    tokens_ = tokens;
    if (r.time_to_act_ == last_event_) {
      steady_time prev = detail::add_saturating(r.time_to_act_, detail::duration_from_tokens(r.limit_, -r.tokens_));
      if (prev >= t) last_event_ = prev;
    }
  }

  mutable mutex mu_;
  double limit_;            // tokens per second; inf: no limit
  int burst_;               // the bucket's size
  double tokens_;           // at last_
  steady_time last_;        // when tokens_ was last brought up to date
  steady_time last_event_{};  // the latest reservation's time to act
};

inline void reservation::cancel() { cancel_at(std::chrono::steady_clock::now()); }
inline void reservation::cancel_at(steady_time t) {
  if (!ok_ || !lim_) return;
  std::lock_guard<mutex> l(lim_->mu_);
  lim_->cancel_locked(*this, t);
  tokens_ = 0;  // a second cancel gives nothing back
}

}  // namespace gocxx::rate
