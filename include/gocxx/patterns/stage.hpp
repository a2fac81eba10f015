// gocxx/patterns/stage.hpp: a pipeline stage (Go's "Pipelines and cancellation": `sq`,
// a goroutine that reads an inbound channel, applies a function and sends on an
// outbound one), and the worker loop that fan_out (fan_out.hpp) runs N of.
//
// Owns its worker goroutines and its output channel. Invariants:
// - Each value received from the input is passed to fn exactly once, and fn's result is
//   sent on the output exactly once, unless the context ends between the two (the
//   result in hand is then dropped).
// - The output is closed exactly once, by the last worker to end, after its last send.
// - A worker ends when the input is closed and drained or the context is done, also
//   while it is blocked receiving or sending: with a context that gets cancelled, no
//   worker outlives it (nothing leaks when the consumer walks away).
// No lock: the workers share only an atomic count of those still running.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "gocxx/chan.hpp"
#include "gocxx/context.hpp"
#include "gocxx/patterns/channel_ops.hpp"
#include "gocxx/runtime.hpp"

namespace gocxx {

namespace detail {

// fn may take the value alone, or the stage's context and the value (to notice
// cancellation inside a long computation).
template <class F, class T>
concept stage_fn = std::is_invocable_v<F&, T&&> || std::is_invocable_v<F&, const context&, T&&>;

template <class F, class T>
struct stage_result {
  using type = std::invoke_result_t<F&, T&&>;
};
template <class F, class T>
  requires(!std::is_invocable_v<F&, T&&> && std::is_invocable_v<F&, const context&, T&&>)
struct stage_result<F, T> {
  using type = std::invoke_result_t<F&, const context&, T&&>;
};
template <class F, class T>
using stage_result_t = std::remove_cvref_t<typename stage_result<F, T>::type>;

template <class F, class T>
decltype(auto) call_stage_fn(F& fn, const context& ctx, T&& v) {
  if constexpr (std::is_invocable_v<F&, T&&>) {
    return std::invoke(fn, std::move(v));
  } else {
    return std::invoke(fn, ctx, std::move(v));
  }
}

// Starts `workers` goroutines that each take values from `in`, apply a copy of fn and
// send the results on `out`; the last to end closes `out`. workers must be >= 1.
template <class T, class R, class F>
void start_stage_workers(const context& ctx, recv_chan<T> in, chan<R> out, int workers, F fn,
                         const source_location& where) {
  auto running = std::make_shared<std::atomic<int>>(workers);
  for (int w = 0; w < workers; ++w) {
    gocxx::go(
        [ctx, in, out, running, fn]() mutable {
          done_chan done = ctx.done();
          while (std::optional<T> v = recv_or_done(in, done)) {
            R r = call_stage_fn(fn, ctx, std::move(*v));
            if (!send_or_done<R>(out, r, done)) break;
          }
          if (running->fetch_sub(1, std::memory_order_acq_rel) == 1) out.close();
        },
        where);
  }
}

}  // namespace detail

// A pipeline stage: returns a channel (buffer `capacity`, unbuffered by default) that
// carries fn(v) for each v received from `in`, in order, and is closed once `in` is
// closed and drained or ctx is done. One goroutine does the work; once ctx is done it
// ends, even while blocked on a send nobody will receive, so nothing leaks. fn takes
// the value, or (ctx, value); its result must not be void. An exception escaping fn is
// a panic in the stage's goroutine (it ends the program, as in Go); report failures in
// the result type instead (or use worker_pool).
//
//   Go                                        gocxx
//   func sq(done <-chan struct{},             auto squares = gocxx::stage(ctx, nums,
//       in <-chan int) <-chan int {               [](int n) { return n * n; });
//     out := make(chan int)                   for (int s : squares) use(s);
//     go func() {
//       defer close(out)
//       for n := range in {
//         select {
//         case out <- n * n:
//         case <-done: return
//         }
//       }
//     }()
//     return out
//   }
template <detail::receivable_chan C, class F>
  requires detail::stage_fn<std::decay_t<F>, detail::chan_value_t<C>>
auto stage(const context& ctx, const C& in, F&& fn, std::size_t capacity = 0,
           const source_location& where = source_location::current()) {
  using T = detail::chan_value_t<C>;
  using R = detail::stage_result_t<std::decay_t<F>, T>;
  static_assert(!std::is_void_v<R>, "gocxx::stage: fn must return a value to send on");
  chan<R> out(capacity);
  detail::start_stage_workers<T, R>(ctx, recv_chan<T>(in), out, 1, std::decay_t<F>(std::forward<F>(fn)), where);
  return recv_chan<R>(out);
}

}  // namespace gocxx
