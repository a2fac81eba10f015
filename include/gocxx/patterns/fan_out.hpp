// gocxx/patterns/fan_out.hpp: fan-out. N worker goroutines share one input channel,
// each applying a function, their results on one output channel (Go's "Fan-out,
// fan-in": several `sq` goroutines reading the same channel, merged).
//
// Owns its workers and the output channel; the worker loop is stage.hpp's, so the
// invariants are a stage's with N workers: each input value is processed by exactly one
// worker, exactly once; each result is sent once (unless the context ends while it is
// in hand); the output closes once, after the last worker's last send. Results come in
// no promised order. No lock.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "gocxx/chan.hpp"
#include "gocxx/context.hpp"
#include "gocxx/patterns/stage.hpp"
#include "gocxx/runtime.hpp"

namespace gocxx {

// Fan-out: starts `workers` goroutines (at least 1) that each receive from `in` and
// send fn(v) on the returned channel (buffer `capacity`), closed once `in` is closed and
// drained and every worker has sent its last result, or once ctx is done. Each worker
// runs its own copy of fn, concurrently with the others: fn must be safe to run so
// (capture shared state by pointer and synchronise it). fn takes the value or
// (ctx, value); an exception escaping it is its goroutine's panic, as in stage().
//
//   Go                                        gocxx
//   out := make(chan Result)                  auto out = gocxx::fan_out(ctx, jobs, 8,
//   var wg sync.WaitGroup                         [](Job j) { return process(j); });
//   for i := 0; i < 8; i++ {                  for (Result r : out) use(r);
//     wg.Add(1)
//     go func() {
//       defer wg.Done()
//       for j := range jobs {
//         select {
//         case out <- process(j):
//         case <-ctx.Done(): return
//         }
//       }
//     }()
//   }
//   go func() { wg.Wait(); close(out) }()
template <detail::receivable_chan C, class F>
  requires detail::stage_fn<std::decay_t<F>, detail::chan_value_t<C>>
auto fan_out(const context& ctx, const C& in, int workers, F&& fn, std::size_t capacity = 0,
             const source_location& where = source_location::current()) {
  using T = detail::chan_value_t<C>;
  using R = detail::stage_result_t<std::decay_t<F>, T>;
  static_assert(!std::is_void_v<R>, "gocxx::fan_out: fn must return a value to send on");
  if (workers < 1) throw panic_error("gocxx::fan_out: workers must be at least 1");
  chan<R> out(capacity);
  detail::start_stage_workers<T, R>(ctx, recv_chan<T>(in), out, workers, std::decay_t<F>(std::forward<F>(fn)), where);
  return recv_chan<R>(out);
}

}  // namespace gocxx
