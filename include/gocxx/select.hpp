// gocxx/select.hpp: Go's select statement, and reflect.Select's dynamic form.
//
//   Go                                   gocxx
//   select {                             int i = gocxx::select(
//   case v, ok := <-in:                    gocxx::case_recv(in, [&](std::optional<int> v) { ... }),
//   case <-done:                           gocxx::case_recv(done, [&] { ... }),
//   case out <- x:                         gocxx::case_send(out, x, [&] { ... }),
//   default:                               gocxx::case_default([&] { ... }));
//   }
//   select {}                            gocxx::select();   // blocks forever
//   reflect.Select(cases)                gocxx::select(std::span<gocxx::select_case>)
//
// Semantics are Go's (the algorithm is in src/select.cpp):
// - If one or more cases can proceed, one of them is chosen uniformly at random;
//   otherwise, without a default case, the caller blocks until one can proceed, and
//   with one, the default is taken. At most one case_default is allowed.
// - A case on a nil channel is never chosen. A receive case on a closed channel can
//   always proceed (its handler gets an empty optional); a send case on a closed
//   channel panics "send on closed channel" when chosen.
// - Exactly one case happens: select returns the index of the case taken (0-based, in
//   argument order; the default's index when it is taken) after running its handler.
// - The handler runs after every channel lock is released, so it may use the same
//   channels (even start another select on them), and a slow handler blocks no one.
//   An exception from a handler propagates out of select.
// - The same channel may appear in several cases, also with both a send and a receive.
// - The memory model is the channels' (chan.hpp): a case that happens is exactly the
//   send, receive or close-observing receive it names.
//
// Case values and handlers. case_recv's handler takes std::optional<T> (empty: the
// channel is closed) or nothing (the value is dropped, Go's `case <-ch:`). case_send's
// value is taken when the case is built, as Go evaluates it on entry: an lvalue is
// copied, an rvalue is moved in; if another case is taken, that value is destroyed. To
// send a move-only object only if the case is taken, and keep it otherwise, pass
// std::ref(obj): the channel then moves from obj only when the case is chosen.
// Handlers may be omitted. The channels and objects that cases refer to must outlive
// the select (a case holds no reference count).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include "gocxx/chan.hpp"
#include "gocxx/detail/hchan.hpp"

namespace gocxx {

namespace detail {

struct noop {
  void operator()() const noexcept {}
};

template <class T>
struct is_reference_wrapper : std::false_type {};
template <class T>
struct is_reference_wrapper<std::reference_wrapper<T>> : std::true_type {};

template <class T, class F>
class recv_case {
 public:
  static constexpr bool is_select_case = true;
  static constexpr bool is_default = false;
  static constexpr bool takes_value = std::is_invocable_v<F&, std::optional<T>&&>;
  static_assert(takes_value || std::is_invocable_v<F&>,
                "gocxx::case_recv: the handler must take std::optional<T>, or nothing");

  recv_case(hchan* c, F f) : c_(c), f_(std::move(f)) {}
  scase to_scase() noexcept { return {c_, takes_value ? &slot_ : nullptr, case_kind::recv}; }
  void fire() {
    if constexpr (takes_value) {
      std::invoke(f_, std::move(slot_));
    } else {
      std::invoke(f_);
    }
  }

 private:
  hchan* c_;
  std::optional<T> slot_;
  F f_;
};

template <class T, class F>
class send_case {
 public:
  static constexpr bool is_select_case = true;
  static constexpr bool is_default = false;
  static_assert(std::is_invocable_v<F&>, "gocxx::case_send: the handler must take no arguments");

  template <class V>
  send_case(hchan* c, V&& v, F f) : c_(c), value_(std::forward<V>(v)), f_(std::move(f)) {}
  scase to_scase() noexcept { return {c_, std::addressof(value_), case_kind::send}; }
  void fire() { std::invoke(f_); }

 private:
  hchan* c_;
  T value_;
  F f_;
};

template <class T, class F>
class send_ref_case {
 public:
  static constexpr bool is_select_case = true;
  static constexpr bool is_default = false;
  static_assert(std::is_invocable_v<F&>, "gocxx::case_send: the handler must take no arguments");

  send_ref_case(hchan* c, T& v, F f) : c_(c), src_(std::addressof(v)), f_(std::move(f)) {}
  scase to_scase() noexcept { return {c_, src_, case_kind::send}; }
  void fire() { std::invoke(f_); }

 private:
  hchan* c_;
  T* src_;
  F f_;
};

template <class F>
class default_case {
 public:
  static constexpr bool is_select_case = true;
  static constexpr bool is_default = true;
  static_assert(std::is_invocable_v<F&>, "gocxx::case_default: the handler must take no arguments");

  explicit default_case(F f) : f_(std::move(f)) {}
  scase to_scase() noexcept { return {}; }
  void fire() { std::invoke(f_); }

 private:
  F f_;
};

template <class C>
concept select_case_like = requires {
  { C::is_select_case } -> std::convertible_to<bool>;
} && C::is_select_case;

template <class... Cases>
constexpr int default_index() {
  int i = 0;
  int found = -1;
  ((std::remove_cvref_t<Cases>::is_default ? (found = i, ++i) : ++i), ...);
  return found;
}

}  // namespace detail

// `case v, ok := <-ch:` / `case <-ch:`. f takes std::optional<T> (empty: closed) or nothing.
template <class T, class F = detail::noop>
detail::recv_case<T, std::decay_t<F>> case_recv(const chan<T>& ch, F&& f = {}) {
  return {detail::chan_access::core(ch), std::forward<F>(f)};
}
template <class T, class F = detail::noop>
detail::recv_case<T, std::decay_t<F>> case_recv(const recv_chan<T>& ch, F&& f = {}) {
  return {detail::chan_access::core(ch), std::forward<F>(f)};
}

// `case ch <- v:`. v is copied (lvalue) or moved (rvalue) into the case now; pass
// std::ref(obj) to move from obj only if this case is taken.
template <class T, class V, class F = detail::noop>
  requires(!detail::is_reference_wrapper<std::remove_cvref_t<V>>::value && std::constructible_from<T, V &&>)
detail::send_case<T, std::decay_t<F>> case_send(const chan<T>& ch, V&& v, F&& f = {}) {
  return {detail::chan_access::core(ch), std::forward<V>(v), std::forward<F>(f)};
}
template <class T, class V, class F = detail::noop>
  requires(!detail::is_reference_wrapper<std::remove_cvref_t<V>>::value && std::constructible_from<T, V &&>)
detail::send_case<T, std::decay_t<F>> case_send(const send_chan<T>& ch, V&& v, F&& f = {}) {
  return {detail::chan_access::core(ch), std::forward<V>(v), std::forward<F>(f)};
}
template <class T, class F = detail::noop>
detail::send_ref_case<T, std::decay_t<F>> case_send(const chan<T>& ch, std::reference_wrapper<T> v, F&& f = {}) {
  return {detail::chan_access::core(ch), v.get(), std::forward<F>(f)};
}
template <class T, class F = detail::noop>
detail::send_ref_case<T, std::decay_t<F>> case_send(const send_chan<T>& ch, std::reference_wrapper<T> v,
                                                    F&& f = {}) {
  return {detail::chan_access::core(ch), v.get(), std::forward<F>(f)};
}

// `default:`
template <class F = detail::noop>
detail::default_case<std::decay_t<F>> case_default(F&& f = {}) {
  return detail::default_case<std::decay_t<F>>(std::forward<F>(f));
}

// Go's select statement: waits until one of the cases can proceed (or takes the default),
// performs it, runs its handler and returns its index. With no cases, blocks forever.
//
//   Go                                     gocxx
//   for {                                  for (bool quit = false; !quit;) {
//     select {                               gocxx::select(
//     case v := <-jobs:                        gocxx::case_recv(jobs, [&](std::optional<Job> j) { run(*j); }),
//       run(v)                                 gocxx::case_recv(done, [&] { quit = true; }));
//     case <-done:                         }
//       return
//     }
//   }
template <class... Cases>
  requires(detail::select_case_like<std::remove_cvref_t<Cases>> && ...)
int select(Cases&&... cases) {
  constexpr std::size_t n = sizeof...(Cases);
  if constexpr (n == 0) {
    detail::select_block_forever();
  } else {
    constexpr int dflt = detail::default_index<Cases...>();
    constexpr int ndefault = (0 + ... + int(std::remove_cvref_t<Cases>::is_default));
    static_assert(ndefault <= 1, "gocxx::select: at most one case_default");
    detail::scase sc[n] = {cases.to_scase()...};
    detail::select_result r = detail::select_go(sc, n, dflt < 0);
    int chosen = r.index >= 0 ? r.index : dflt;
    int i = 0;
    ((i++ == chosen ? cases.fire() : void()), ...);
    return chosen;
  }
}

// One case of the dynamic select (Go's reflect.SelectCase): a receive, a send or a
// default, over a channel of any element type. Cheap to copy; holds no reference count,
// so the channels and the objects it points at must outlive the select.
//
//   Go                                     gocxx
//   cases := make([]reflect.SelectCase,    std::vector<gocxx::select_case> cases;
//     len(chans))                          std::optional<int> v;
//   for i, ch := range chans {             for (auto& ch : chans)
//     cases[i] = reflect.SelectCase{         cases.push_back(gocxx::select_case::recv(ch, &v));
//       Dir: reflect.SelectRecv,
//       Chan: reflect.ValueOf(ch)}
//   }
//   i, v, ok := reflect.Select(cases)      int i = gocxx::select(cases);  // ok: v.has_value()
class select_case {
 public:
  // A receive. When this case is taken, *out holds the value, or is empty if the
  // channel is closed; a null out drops the value. Several cases may share one out.
  template <class T>
  static select_case recv(const chan<T>& ch, std::optional<T>* out = nullptr) noexcept {
    return select_case(detail::scase{detail::chan_access::core(ch), out, detail::case_kind::recv});
  }
  template <class T>
  static select_case recv(const recv_chan<T>& ch, std::optional<T>* out = nullptr) noexcept {
    return select_case(detail::scase{detail::chan_access::core(ch), out, detail::case_kind::recv});
  }
  // A send of *value, which is moved from only when this case is taken.
  template <class T>
  static select_case send(const chan<T>& ch, T* value) noexcept {
    return select_case(detail::scase{detail::chan_access::core(ch), value, detail::case_kind::send});
  }
  template <class T>
  static select_case send(const send_chan<T>& ch, T* value) noexcept {
    return select_case(detail::scase{detail::chan_access::core(ch), value, detail::case_kind::send});
  }
  // Taken when no other case can proceed. At most one per select.
  static select_case default_case() noexcept { return select_case(detail::scase{}); }

 private:
  explicit select_case(detail::scase sc) noexcept : sc_(sc) {}
  friend int select(std::span<select_case> cases);
  detail::scase sc_;
};

// Go's reflect.Select: like select, over a run-time list of cases; returns the index of
// the case taken. Panics "reflect.Select: multiple default cases" if there are two
// defaults; with no cases, blocks forever.
int select(std::span<select_case> cases);

}  // namespace gocxx
