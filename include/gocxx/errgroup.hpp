// gocxx/errgroup.hpp: golang.org/x/sync/errgroup: run a group of goroutines working on
// subtasks of one task; wait for all; get the first error; cancel the rest on it.
//
//   Go                                        gocxx
//   var g errgroup.Group                      gocxx::errgroup g;
//   g, ctx := errgroup.WithContext(parent)    auto [g, ctx] = gocxx::errgroup::with_context(parent);
//   g.SetLimit(4)                             g.set_limit(4);
//   g.Go(func() error { ... })                g.go([=]() -> std::error_code { ... });
//   ok := g.TryGo(f)                          bool ok = g.try_go(f);
//   if err := g.Wait(); err != nil { ... }    if (auto err = g.wait()) { ... }
//
// Semantics (x/sync's):
// - go(fn) runs fn in a new goroutine, first waiting while the limit's number of the
//   group's goroutines are active; try_go(fn) starts it only if that needs no wait.
// - fn returns std::error_code (non-empty: failure) or void. The first failure wins:
//   wait() returns it, and with_context's context is cancelled with it as its cause. The
//   context is also cancelled (cause: context_errc::canceled) when wait() returns.
// - An exception thrown by fn never escapes its goroutine: it is a failure like an
//   error (the context's cause is errgroup_errc::exception), and wait() rethrows it if
//   it was the first failure.
// - set_limit(n): at most n active goroutines (n < 0: no limit). Changing it while
//   goroutines started under a limit are active panics "errgroup: modify limit while N
//   goroutines in the group are still active".
// - An errgroup is a handle to a shared group (copies are the same group; capture by
//   value), so goroutines of the group may start more of it.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "gocxx/chan.hpp"
#include "gocxx/context.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/sync.hpp"

namespace gocxx {

// The cause of an errgroup context cancelled because a goroutine threw.
enum class errgroup_errc : int {
  exception = 1,  // "errgroup: a goroutine of the group threw an exception"
};
const std::error_category& errgroup_category() noexcept;
inline std::error_code make_error_code(errgroup_errc e) noexcept { return {static_cast<int>(e), errgroup_category()}; }

}  // namespace gocxx

template <>
struct std::is_error_code_enum<gocxx::errgroup_errc> : std::true_type {};

namespace gocxx {

class errgroup;
struct errgroup_with_context;

namespace detail {

struct errgroup_state {
  wait_group wg;
  chan<std::monostate> sem;   // the limit's tokens; nil: no limit
  cancel_cause_func cancel;   // with_context's; empty otherwise
  std::atomic<bool> failed{false};
  std::error_code err;        // the first failure; written once, read after wg.wait()
  std::exception_ptr thrown;  // the same, when it was an exception

  void fail(std::error_code e) noexcept;
  void fail(std::exception_ptr ex) noexcept;
  void done(const chan<std::monostate>& token) noexcept;
};

template <class F>
concept errgroup_fn = std::is_invocable_v<std::decay_t<F>&> &&
                      (std::is_void_v<std::invoke_result_t<std::decay_t<F>&>> ||
                       std::is_convertible_v<std::invoke_result_t<std::decay_t<F>&>, std::error_code>);

}  // namespace detail

class errgroup {
 public:
  // An empty group with no limit and no context (Go's zero Group).
  errgroup() : st_(std::make_shared<detail::errgroup_state>()) {}

  // errgroup.WithContext: the group, and a child of parent cancelled at the group's
  // first failure or when wait() returns, whichever is first.
  static errgroup_with_context with_context(const context& parent);

  // Starts fn in a goroutine of the group, waiting first for room under the limit.
  template <class F>
    requires detail::errgroup_fn<F>
  void go(F&& fn, const source_location& where = source_location::current()) {
    chan<std::monostate> token = st_->sem;
    if (token) token.send(std::monostate{});
    start(std::move(token), std::forward<F>(fn), where);
  }

  // Starts fn only if the limit has room now; false (fn not run) otherwise.
  template <class F>
    requires detail::errgroup_fn<F>
  bool try_go(F&& fn, const source_location& where = source_location::current()) {
    chan<std::monostate> token = st_->sem;
    if (token && token.try_send(std::monostate{}) != chan_status::ok) return false;
    start(std::move(token), std::forward<F>(fn), where);
    return true;
  }

  // At most n goroutines of the group active at once; n < 0 removes the limit.
  void set_limit(int n);

  // Waits for every goroutine of the group; returns the first error, or rethrows the
  // first failure if it was an exception. Cancels with_context's context.
  std::error_code wait();

 private:
  template <class F>
  void start(chan<std::monostate> token, F&& fn, const source_location& where) {
    st_->wg.add(1);
    chan<std::monostate> held = token;  // to give back if the goroutine cannot start
    try {
      gocxx::go(
          [st = st_, token = std::move(token), f = std::decay_t<F>(std::forward<F>(fn))]() mutable {
            try {
              if constexpr (std::is_void_v<std::invoke_result_t<std::decay_t<F>&>>) {
                f();
              } else if (std::error_code e = f()) {
                st->fail(e);
              }
            } catch (...) {
              st->fail(std::current_exception());
            }
            st->done(token);
          },
          where);
    } catch (...) {
      st_->done(held);
      throw;
    }
  }

  std::shared_ptr<detail::errgroup_state> st_;
};

// What errgroup::with_context returns: `auto [g, ctx] = gocxx::errgroup::with_context(p);`
struct errgroup_with_context {
  errgroup group;
  context ctx;
};

}  // namespace gocxx
