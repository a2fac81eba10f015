// gocxx/patterns/merge.hpp: fan-in. merge() joins N receive channels into one output
// channel (the `merge` of Go's "Pipelines and cancellation" blog post, with a context
// for its `done` channel).
//
// Owns one forwarding goroutine per input and the output channel. Invariants:
// - Every value received from an input is sent on the output exactly once, except the
//   one value a forwarder may hold when the context ends (dropped, as Go's merge does).
// - Values of one input keep their order on the output; values of different inputs
//   interleave in no promised order.
// - The output is closed exactly once: by the last forwarder to end, after its last
//   send. A forwarder ends when its input is closed and drained, or when the context is
//   done (it then stops receiving: what is left in the inputs stays there).
// No lock: the forwarders share only an atomic count of those still running.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include "gocxx/chan.hpp"
#include "gocxx/context.hpp"
#include "gocxx/patterns/channel_ops.hpp"
#include "gocxx/runtime.hpp"

namespace gocxx {

namespace detail {

template <class R>
concept range_of_receivable_chans =
    std::ranges::input_range<R> && receivable_chan<std::ranges::range_value_t<R>>;

template <class T>
recv_chan<T> merge_chans(const context& ctx, std::vector<recv_chan<T>> inputs, const source_location& where) {
  chan<T> out(0);
  if (inputs.empty()) {
    out.close();
    return out;
  }
  auto running = std::make_shared<std::atomic<std::size_t>>(inputs.size());
  done_chan done = ctx.done();
  for (recv_chan<T>& in : inputs) {
    gocxx::go(
        [in = std::move(in), out, done, running] {
          while (std::optional<T> v = recv_or_done(in, done)) {
            if (!send_or_done<T>(out, *v, done)) break;
          }
          // The last forwarder out closes: every other one has made its last send.
          if (running->fetch_sub(1, std::memory_order_acq_rel) == 1) out.close();
        },
        where);
  }
  return out;
}

}  // namespace detail

// Fan-in: returns an unbuffered channel that carries every value received from each of
// `inputs` (a range of chan<T> or recv_chan<T>), and is closed once every input has been
// closed and drained, or once ctx is done. Each input gets a goroutine that forwards its
// values; after ctx is done they end even while blocked, so nothing leaks. With no
// context (the overloads without one), a forwarder whose output nobody drains waits
// forever, as in Go: cancel a context to abandon a merge halfway.
//
//   Go                                        gocxx
//   func merge(done <-chan struct{},          auto out = gocxx::merge(ctx, std::vector{c1, c2});
//       cs ...<-chan int) <-chan int {        // or gocxx::merge(ctx, c1, c2)
//     var wg sync.WaitGroup                   for (int v : out) use(v);
//     out := make(chan int)
//     output := func(c <-chan int) {
//       defer wg.Done()
//       for n := range c {
//         select {
//         case out <- n:
//         case <-done: return
//         }
//       }
//     }
//     wg.Add(len(cs))
//     for _, c := range cs { go output(c) }
//     go func() { wg.Wait(); close(out) }()
//     return out
//   }
template <class R>
  requires detail::range_of_receivable_chans<R>
auto merge(const context& ctx, R&& inputs, const source_location& where = source_location::current()) {
  using T = detail::chan_value_t<std::ranges::range_value_t<R>>;
  std::vector<recv_chan<T>> ins;
  for (auto&& c : inputs) ins.emplace_back(c);
  return detail::merge_chans<T>(ctx, std::move(ins), where);
}

template <class R>
  requires detail::range_of_receivable_chans<R>
auto merge(R&& inputs, const source_location& where = source_location::current()) {
  return merge(background(), std::forward<R>(inputs), where);
}

// merge(ctx, c1, c2, ...): the same over channels named one by one (all of one element type).
template <detail::receivable_chan C, detail::receivable_chan... Cs>
  requires(std::is_same_v<detail::chan_value_t<C>, detail::chan_value_t<Cs>> && ...)
recv_chan<detail::chan_value_t<C>> merge(const context& ctx, const C& first, const Cs&... rest) {
  using T = detail::chan_value_t<C>;
  std::vector<recv_chan<T>> ins;
  ins.reserve(1 + sizeof...(Cs));
  ins.emplace_back(first);
  (ins.emplace_back(rest), ...);
  return detail::merge_chans<T>(ctx, std::move(ins), source_location::current());
}

template <detail::receivable_chan C, detail::receivable_chan... Cs>
  requires(std::is_same_v<detail::chan_value_t<C>, detail::chan_value_t<Cs>> && ...)
recv_chan<detail::chan_value_t<C>> merge(const C& first, const Cs&... rest) {
  return merge(background(), first, rest...);
}

}  // namespace gocxx
