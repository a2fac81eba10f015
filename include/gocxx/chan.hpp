// gocxx/chan.hpp: Go's channels. chan<T> is `chan T`, send_chan<T> is `chan<- T` and
// recv_chan<T> is `<-chan T`, with Go's semantics exactly (see src/chan.cpp).
//
//   Go                                 gocxx
//   var ch chan int  (nil)             gocxx::chan<int> ch;
//   ch := make(chan int)               gocxx::chan<int> ch(0);
//   ch := make(chan int, 8)            gocxx::chan<int> ch(8);
//   ch <- v                            ch.send(v);
//   v := <-ch;  v, ok := <-ch          auto v = ch.recv();   // std::optional<int>, empty: closed
//   close(ch)                          ch.close();
//   len(ch), cap(ch)                   ch.size(), ch.capacity()
//   for v := range ch                  for (auto v : ch)
//   var out chan<- int = ch            gocxx::send_chan<int> out = ch;
//   var in <-chan int = ch             gocxx::recv_chan<int> in = ch;
//   select { case ch <- v: default: }  ch.try_send(v) == gocxx::chan_status::ok
//   select { case v := <-ch: default: } ch.try_recv()
//
// Handles. A channel is shared state; chan<T>, send_chan<T> and recv_chan<T> are
// reference-counted handles to it (like std::shared_ptr; a copy is one atomic increment),
// so capture them by value: `gocxx::go([ch] { ch.send(1); })`. Every operation is
// const, as on a shared_ptr. The channel, and any values still in its buffer, are
// destroyed when the last handle goes. A default-constructed handle is Go's nil channel.
//
// Elements. T may be move-only, need not be default-constructible, and may be large:
// values are moved (one move from the sender's object into the receiver's optional, or
// in and out of the buffer), never copied. T's move constructor and destructor run under
// the channel's lock: they must not use that channel, and a move constructor that throws
// terminates the program (half a hand-off cannot be undone).
//
// Blocking. Everything that blocks parks the calling goroutine, or blocks the calling
// thread when called from a plain thread; goroutines and threads may share a channel.
//
// Panics (gocxx::panic_error, Go's texts): send on a closed channel ("send on closed
// channel", also for a sender blocked when the channel is closed), close of a closed
// channel ("close of closed channel"), close of a nil channel ("close of nil channel"),
// a negative or absurd capacity ("makechan: size out of range").
//
// Memory model (Go's, https://go.dev/ref/mem#chan):
// - A send on a channel happens-before the corresponding receive from it completes.
// - The closing of a channel happens-before a receive that returns because the channel
//   is closed (an empty optional, a closed status, the end of a range-for).
// - A receive from an unbuffered channel happens-before the corresponding send completes.
// - The k-th receive on a channel with capacity C happens-before the (k+C)-th send on it
//   completes (so a buffered channel works as a counting semaphore).
// These are happens-before edges in the C++ memory model's sense too: whatever a
// goroutine or thread wrote before the first operation, plain (non-atomic) writes
// included, is visible to the one that completed the second.
//
// Differences from Go: try_send on a closed channel returns chan_status::closed instead of
// panicking (a one-case select with a default, which panics as in Go, is
// `gocxx::select(gocxx::case_send(ch, v), gocxx::case_default())`); a receive on a closed
// channel gives an empty optional instead of T's zero value.
#pragma once

#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "gocxx/detail/hchan.hpp"
#include "gocxx/runtime.hpp"

namespace gocxx {

template <class T>
class chan;
template <class T>
class send_chan;
template <class T>
class recv_chan;

// The result of try_recv: `value` holds the value when `status` is ok (true in a
// boolean context); would_block and closed tell a busy channel from a finished one.
//
//   Go                                     gocxx
//   select {                               switch (auto [v, st] = ch.try_recv(); st) {
//   case v, ok := <-ch:                      case gocxx::chan_status::ok: use(*v); break;
//     if ok { use(v) } else { done() }       case gocxx::chan_status::closed: done(); break;
//   default:                                 case gocxx::chan_status::would_block: other(); break;
//     other()                              }
//   }
template <class T>
struct try_recv_result {
  std::optional<T> value;
  chan_status status = chan_status::would_block;
  explicit operator bool() const noexcept { return status == chan_status::ok; }
};

namespace detail {

template <class T>
concept chan_element = std::is_object_v<T> && !std::is_array_v<T> && !std::is_const_v<T> &&
                       !std::is_volatile_v<T> && std::is_move_constructible_v<T> &&
                       std::is_nothrow_destructible_v<T>;

// One counted reference to an hchan (null: the nil channel).
class chan_ref {
 public:
  chan_ref() noexcept = default;
  explicit chan_ref(hchan* c) noexcept : c_(c) {}
  chan_ref(const chan_ref& o) noexcept : c_(o.c_) {
    if (c_) chan_retain(c_);
  }
  chan_ref(chan_ref&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  chan_ref& operator=(const chan_ref& o) noexcept {
    chan_ref(o).swap(*this);
    return *this;
  }
  chan_ref& operator=(chan_ref&& o) noexcept {
    chan_ref(std::move(o)).swap(*this);
    return *this;
  }
  ~chan_ref() {
    if (c_) chan_release(c_);
  }
  void swap(chan_ref& o) noexcept { std::swap(c_, o.c_); }
  hchan* get() const noexcept { return c_; }

 private:
  hchan* c_ = nullptr;
};

// How select.hpp and the direction conversions reach a handle's core.
struct chan_access {
  template <class H>
  static hchan* core(const H& h) noexcept {
    return h.ref_.get();
  }
  template <class H>
  static const chan_ref& ref(const H& h) noexcept {
    return h.ref_;
  }
  template <class H>
  static chan_ref& ref(H& h) noexcept {
    return h.ref_;
  }
};

inline std::int64_t checked_capacity(std::integral auto n) noexcept {
  using N = decltype(n);
  if constexpr (std::is_unsigned_v<N>) {
    if (n > static_cast<std::make_unsigned_t<std::int64_t>>(std::numeric_limits<std::int64_t>::max())) return -1;
  }
  return static_cast<std::int64_t>(n);
}

// A timer channel reports 0 for both, as Go 1.23's (its one-slot buffer is internal).
inline std::size_t chan_size(const hchan* c) noexcept {
  return c && !c->ops->timer_chan ? c->qcount.load(std::memory_order_relaxed) : 0;
}
inline std::size_t chan_capacity(const hchan* c) noexcept { return c && !c->ops->timer_chan ? c->dataqsiz : 0; }

template <class T>
std::optional<T> recv(hchan* c) {
  std::optional<T> v;
  chan_recv(c, &v);
  return v;  // NRVO: the sender's value is moved once, straight into this optional
}

template <class T>
try_recv_result<T> try_recv(hchan* c) {
  try_recv_result<T> r;
  r.status = chan_try_recv(c, &r.value);
  return r;
}

// The range-for iterator: each ++ is a receive; equal to the end once the channel is
// closed and drained. *it yields the received value as an rvalue, so `for (auto v : ch)`
// moves it out (move-only element types work).
template <class T>
class chan_iterator {
 public:
  using value_type = T;
  using difference_type = std::ptrdiff_t;
  using reference = T&&;
  using iterator_concept = std::input_iterator_tag;

  chan_iterator() = default;
  explicit chan_iterator(hchan* c) : c_(c) { next(); }
  chan_iterator(chan_iterator&&) noexcept = default;
  chan_iterator& operator=(chan_iterator&&) noexcept = default;

  T&& operator*() const { return std::move(*cur_); }
  chan_iterator& operator++() {
    next();
    return *this;
  }
  void operator++(int) { next(); }
  friend bool operator==(const chan_iterator& it, std::default_sentinel_t) noexcept { return !it.cur_; }

 private:
  void next() {
    cur_.reset();
    chan_recv(c_, &cur_);
  }
  hchan* c_ = nullptr;
  mutable std::optional<T> cur_;
};

}  // namespace detail

// A channel of T: Go's `chan T`. Default-constructed it is nil (send and receive block
// forever, close panics); chan<T>(n) makes a channel with a buffer of n (0: unbuffered).
// Converts implicitly to send_chan<T> and recv_chan<T>, never the other way.
//
//   Go                                     gocxx
//   results := make(chan string, 4)        gocxx::chan<std::string> results(4);
//   go func() {                            gocxx::go([results] {
//     results <- "done"                      results.send("done");
//     close(results)                         results.close();
//   }()                                    });
//   for r := range results { use(r) }      for (auto r : results) use(r);
template <class T>
class chan {
  static_assert(detail::chan_element<T>,
                "gocxx::chan<T>: T must be a non-const, non-array object type that is move-constructible");

 public:
  using value_type = T;

  // The nil channel.
  chan() noexcept = default;
  // make(chan T, capacity). Panics "makechan: size out of range" if capacity < 0 or huge.
  explicit chan(std::integral auto capacity)
      : ref_(detail::chan_make(&detail::elem_ops_of<T>::value, detail::checked_capacity(capacity))) {}

  // ch <- v. Blocks until a receiver takes v or the buffer has room. On a nil channel,
  // blocks forever. Panics "send on closed channel" (also when the channel is closed
  // while this send waits).
  void send(T&& v) const { detail::chan_send(core(), std::addressof(v)); }
  void send(const T& v) const
    requires std::copy_constructible<T>
  {
    T copy(v);
    detail::chan_send(core(), std::addressof(copy));
  }

  // Sends only if that does not block. v is moved from only when the result is ok; on a
  // closed channel the result is `closed` (no panic, unlike Go's select-with-default).
  chan_status try_send(T&& v) const { return detail::chan_try_send(core(), std::addressof(v)); }
  chan_status try_send(const T& v) const
    requires std::copy_constructible<T>
  {
    T copy(v);
    return detail::chan_try_send(core(), std::addressof(copy));
  }

  // v, ok := <-ch: the next value, or an empty optional once the channel is closed and
  // drained. On a nil channel, blocks forever.
  std::optional<T> recv() const { return detail::recv<T>(core()); }
  // Receives only if that does not block: status ok (with the value), would_block, or
  // closed (closed and drained).
  try_recv_result<T> try_recv() const { return detail::try_recv<T>(core()); }

  // close(ch): receivers drain the buffer, then get empty optionals; blocked senders panic.
  void close() const { detail::chan_close(core()); }

  // len(ch), cap(ch). 0 for the nil channel.
  std::size_t size() const noexcept { return detail::chan_size(core()); }
  std::size_t capacity() const noexcept { return detail::chan_capacity(core()); }

  // for v := range ch
  detail::chan_iterator<T> begin() const { return detail::chan_iterator<T>(core()); }
  std::default_sentinel_t end() const noexcept { return {}; }

  // ch != nil
  explicit operator bool() const noexcept { return core() != nullptr; }
  // Same channel (Go's ==); nil equals nil.
  friend bool operator==(const chan& a, const chan& b) noexcept { return a.core() == b.core(); }
  friend bool operator==(const chan& a, std::nullptr_t) noexcept { return a.core() == nullptr; }

 private:
  friend struct detail::chan_access;
  detail::hchan* core() const noexcept { return ref_.get(); }
  detail::chan_ref ref_;
};

// The send-only view of a channel: Go's `chan<- T`. Made from a chan<T> (implicitly);
// cannot receive, and cannot be turned back into a chan<T> or a recv_chan<T>.
//
//   Go                                     gocxx
//   func produce(out chan<- int) {         void produce(gocxx::send_chan<int> out) {
//     for i := 0; i < 3; i++ { out <- i }    for (int i = 0; i < 3; ++i) out.send(i);
//     close(out)                             out.close();
//   }                                      }
//   go produce(ch)                         gocxx::go([ch] { produce(ch); });
template <class T>
class send_chan {
  static_assert(detail::chan_element<T>,
                "gocxx::send_chan<T>: T must be a non-const, non-array object type that is move-constructible");

 public:
  using value_type = T;

  send_chan() noexcept = default;
  send_chan(const chan<T>& ch) noexcept : ref_(detail::chan_access::ref(ch)) {}  // NOLINT: implicit, as Go's
  send_chan(chan<T>&& ch) noexcept  // NOLINT(google-explicit-constructor)
      : ref_(std::move(detail::chan_access::ref(ch))) {}

  void send(T&& v) const { detail::chan_send(core(), std::addressof(v)); }
  void send(const T& v) const
    requires std::copy_constructible<T>
  {
    T copy(v);
    detail::chan_send(core(), std::addressof(copy));
  }
  chan_status try_send(T&& v) const { return detail::chan_try_send(core(), std::addressof(v)); }
  chan_status try_send(const T& v) const
    requires std::copy_constructible<T>
  {
    T copy(v);
    return detail::chan_try_send(core(), std::addressof(copy));
  }
  void close() const { detail::chan_close(core()); }

  std::size_t size() const noexcept { return detail::chan_size(core()); }
  std::size_t capacity() const noexcept { return detail::chan_capacity(core()); }
  explicit operator bool() const noexcept { return core() != nullptr; }
  friend bool operator==(const send_chan& a, const send_chan& b) noexcept { return a.core() == b.core(); }
  friend bool operator==(const send_chan& a, const chan<T>& b) noexcept {
    return a.core() == detail::chan_access::core(b);
  }
  friend bool operator==(const send_chan& a, std::nullptr_t) noexcept { return a.core() == nullptr; }

 private:
  friend struct detail::chan_access;
  detail::hchan* core() const noexcept { return ref_.get(); }
  detail::chan_ref ref_;
};

// The receive-only view of a channel: Go's `<-chan T`. Made from a chan<T> (implicitly);
// cannot send or close, and cannot be turned back into a chan<T> or a send_chan<T>.
//
//   Go                                     gocxx
//   func sum(in <-chan int) (s int) {      int sum(gocxx::recv_chan<int> in) {
//     for v := range in { s += v }           int s = 0;
//     return                                 for (int v : in) s += v;
//   }                                        return s;
//                                          }
template <class T>
class recv_chan {
  static_assert(detail::chan_element<T>,
                "gocxx::recv_chan<T>: T must be a non-const, non-array object type that is move-constructible");

 public:
  using value_type = T;

  recv_chan() noexcept = default;
  recv_chan(const chan<T>& ch) noexcept : ref_(detail::chan_access::ref(ch)) {}  // NOLINT: implicit, as Go's
  recv_chan(chan<T>&& ch) noexcept  // NOLINT(google-explicit-constructor)
      : ref_(std::move(detail::chan_access::ref(ch))) {}

  std::optional<T> recv() const { return detail::recv<T>(core()); }
  try_recv_result<T> try_recv() const { return detail::try_recv<T>(core()); }

  std::size_t size() const noexcept { return detail::chan_size(core()); }
  std::size_t capacity() const noexcept { return detail::chan_capacity(core()); }
  detail::chan_iterator<T> begin() const { return detail::chan_iterator<T>(core()); }
  std::default_sentinel_t end() const noexcept { return {}; }
  explicit operator bool() const noexcept { return core() != nullptr; }
  friend bool operator==(const recv_chan& a, const recv_chan& b) noexcept { return a.core() == b.core(); }
  friend bool operator==(const recv_chan& a, const chan<T>& b) noexcept {
    return a.core() == detail::chan_access::core(b);
  }
  friend bool operator==(const recv_chan& a, std::nullptr_t) noexcept { return a.core() == nullptr; }

 private:
  friend struct detail::chan_access;
  detail::hchan* core() const noexcept { return ref_.get(); }
  detail::chan_ref ref_;
};

}  // namespace gocxx

// Channels are comparable and hashable, so they can be map keys, as in Go.
template <class T>
struct std::hash<gocxx::chan<T>> {
  std::size_t operator()(const gocxx::chan<T>& c) const noexcept {
    return std::hash<const void*>()(gocxx::detail::chan_access::core(c));
  }
};
template <class T>
struct std::hash<gocxx::send_chan<T>> {
  std::size_t operator()(const gocxx::send_chan<T>& c) const noexcept {
    return std::hash<const void*>()(gocxx::detail::chan_access::core(c));
  }
};
template <class T>
struct std::hash<gocxx::recv_chan<T>> {
  std::size_t operator()(const gocxx::recv_chan<T>& c) const noexcept {
    return std::hash<const void*>()(gocxx::detail::chan_access::core(c));
  }
};
