// gocxx/patterns/channel_ops.hpp: the two blocking steps every channel pattern is made
// of, each abandoned once a context is done: "receive the next value, or stop" and
// "send this value, or stop". Go writes them inline as two-case selects:
//
//   select { case v, ok := <-in: ...; case <-ctx.Done(): return }
//   select { case out <- v: ...;      case <-ctx.Done(): return }
//
// Owns no state and no lock. A nil done channel (a context that can never be cancelled)
// is never ready, so the steps then wait for the channel alone.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "gocxx/chan.hpp"
#include "gocxx/context.hpp"
#include "gocxx/select.hpp"

namespace gocxx::detail {

// Whether C is a channel handle that can be received from (chan<T> or recv_chan<T>).
template <class C>
inline constexpr bool is_receivable_chan_v = false;
template <class T>
inline constexpr bool is_receivable_chan_v<chan<T>> = true;
template <class T>
inline constexpr bool is_receivable_chan_v<recv_chan<T>> = true;

template <class C>
concept receivable_chan = is_receivable_chan_v<std::remove_cvref_t<C>>;

// The element type of a receivable channel handle.
template <receivable_chan C>
using chan_value_t = typename std::remove_cvref_t<C>::value_type;

// The next value of `in`; empty once `in` is closed and drained, or `done` is closed
// first (if both are ready, either may be taken, as in Go's select).
template <class T>
std::optional<T> recv_or_done(const recv_chan<T>& in, const done_chan& done) {
  std::optional<T> v;
  gocxx::select(gocxx::case_recv(in, [&](std::optional<T> got) { v = std::move(got); }), gocxx::case_recv(done));
  return v;
}

// Sends v on `out` (moving from it only then) and returns true, or returns false once
// `done` is closed first.
template <class T>
bool send_or_done(const send_chan<T>& out, T& v, const done_chan& done) {
  bool sent = false;
  gocxx::select(gocxx::case_send(out, std::ref(v), [&] { sent = true; }), gocxx::case_recv(done));
  return sent;
}

}  // namespace gocxx::detail
