// gocxx/patterns/retry.hpp: retry with exponential backoff and jitter, under a context
// (what Go code writes as a loop of attempts and `select { case <-time.After(d): case
// <-ctx.Done(): }`, or takes from github.com/cenkalti/backoff).
//
// Owns nothing past the call. Invariants:
// - fn is called at most policy.max_attempts times (0: no limit), never after ctx is
//   done, and never again after it succeeds.
// - Between attempts k and k+1 (k from 0) the caller waits
//   min(max, initial * multiplier^k), spread by the jitter, on a timer in a select with
//   ctx.done(): a cancellation or deadline interrupts the wait at once.
// No lock. The waits park the goroutine (or block the plain thread) on gocxx timers.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <system_error>
#include <type_traits>

#include "gocxx/context.hpp"
#include "gocxx/select.hpp"
#include "gocxx/time.hpp"

namespace gocxx {

// Why retry() gave up when fn reports failure as false rather than as an error_code.
//   if errors.Is(err, ErrExhausted) { ... }   if (err == gocxx::retry_errc::attempts_exhausted) { ... }
enum class retry_errc : int {
  attempts_exhausted = 1,  // "retry: attempts exhausted"
};

inline const std::error_category& retry_category() noexcept {
  struct category_impl final : std::error_category {
    const char* name() const noexcept override { return "gocxx.retry"; }
    std::string message(int c) const override {
      if (c == static_cast<int>(retry_errc::attempts_exhausted)) return "retry: attempts exhausted";
      return "retry: unknown error";
    }
  };
  static const category_impl c;
  return c;
}
inline std::error_code make_error_code(retry_errc e) noexcept { return {static_cast<int>(e), retry_category()}; }

}  // namespace gocxx

template <>
struct std::is_error_code_enum<gocxx::retry_errc> : std::true_type {};

namespace gocxx {

// How retry() paces its attempts. Delay k (after the k-th failure, from 0) is
// min(max, initial * multiplier^k), then multiplied by a factor drawn uniformly from
// [1 - jitter, 1 + jitter] (and capped at max again). jitter is taken within [0, 1]:
// 0 makes the delays exact, 1 spreads them over [0, 2x]. max_attempts 0 retries until
// success or until the context ends.
//
//   Go (cenkalti/backoff)                     gocxx
//   b := backoff.NewExponentialBackOff()      gocxx::retry_policy p{.initial = 500ms, .max = 1min,
//   b.InitialInterval = 500*time.Millisecond                        .multiplier = 1.5, .jitter = 0.5,
//   b.MaxInterval = time.Minute                                     .max_attempts = 10};
//   b.Multiplier, b.RandomizationFactor = 1.5, 0.5
//   backoff.WithMaxRetries(b, 9)
struct retry_policy {
  std::chrono::nanoseconds initial = std::chrono::milliseconds(100);
  std::chrono::nanoseconds max = std::chrono::seconds(10);
  double multiplier = 2.0;
  double jitter = 0.2;
  int max_attempts = 0;
};

namespace detail {

template <class F>
concept retry_fn_result = std::is_same_v<F, bool> || std::is_convertible_v<F, std::error_code>;

// fn may take the attempt's number (0, 1, ...) or nothing.
template <class F>
decltype(auto) call_attempt(F& fn, int attempt) {
  if constexpr (std::is_invocable_v<F&, int>) {
    return fn(attempt);
  } else {
    return fn();
  }
}

// The wait after failed attempt k (from 0), before jitter.
inline std::chrono::nanoseconds backoff_base(const retry_policy& p, int k) {
  double d = static_cast<double>(p.initial.count());
  const double cap = static_cast<double>(p.max.count());
  for (int i = 0; i < k && d < cap; ++i) d *= p.multiplier;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::clamp(d, 0.0, cap)));
}

}  // namespace detail

// Calls fn until it succeeds, waiting with exponential backoff between failures.
// fn returns std::error_code (empty: success) or bool (true: success), and takes the
// attempt's number or nothing. Returns:
// - an empty error_code once fn succeeds;
// - ctx.err() once ctx is done (checked before each attempt; a wait in progress ends at
//   once), even if fn failed before: giving up at the deadline says why it gave up;
// - fn's last error after policy.max_attempts failures (retry_errc::attempts_exhausted
//   for a bool fn).
// It does not shorten the last wait to fit ctx's deadline: a retry that cannot make it
// waits until the deadline and returns deadline_exceeded.
//
//   Go                                        gocxx
//   delay := 10 * time.Millisecond            gocxx::retry_policy p{.initial = 10ms, .max = 1s};
//   for {                                     auto err = gocxx::retry(ctx, p, [&] { return call(); });
//     if err := call(); err == nil { break }
//     select {
//     case <-time.After(jitter(delay)):
//     case <-ctx.Done(): return ctx.Err()
//     }
//     delay = min(2*delay, time.Second)
//   }
template <class F>
  requires(std::is_invocable_v<F&> || std::is_invocable_v<F&, int>)
std::error_code retry(const context& ctx, const retry_policy& policy, F&& fn) {
  using result_t = std::remove_cvref_t<decltype(detail::call_attempt(fn, 0))>;
  static_assert(detail::retry_fn_result<result_t>, "gocxx::retry: fn must return bool or std::error_code");
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  std::minstd_rand rng(std::random_device{}());
  std::uniform_real_distribution<double> spread(1.0 - jitter, 1.0 + jitter);
  std::error_code last;
  for (int attempt = 0; policy.max_attempts <= 0 || attempt < policy.max_attempts; ++attempt) {
    if (std::error_code e = ctx.err()) return e;
    if constexpr (std::is_same_v<result_t, bool>) {
      if (detail::call_attempt(fn, attempt)) return {};
      last = retry_errc::attempts_exhausted;
    } else {
      last = detail::call_attempt(fn, attempt);
      if (!last) return {};
    }
    if (policy.max_attempts > 0 && attempt + 1 >= policy.max_attempts) break;  // no wait after the last
    double d = static_cast<double>(detail::backoff_base(policy, attempt).count());
    if (jitter > 0) d *= spread(rng);
    d = std::clamp(d, 0.0, static_cast<double>(policy.max.count()));
    gocxx::timer pause(std::chrono::nanoseconds(static_cast<std::int64_t>(d)));
    bool done = false;
    gocxx::select(gocxx::case_recv(pause.c()), gocxx::case_recv(ctx.done(), [&] { done = true; }));
    if (done) return ctx.err();
  }
  return last;
}

}  // namespace gocxx
