// gocxx/context.hpp: Go's context package: cancellation trees, deadlines, request-scoped
// values and causes, plus std::stop_token interop for C++ code (std::jthread).
//
//   Go                                        gocxx
//   ctx := context.Background()               auto ctx = gocxx::background();
//   ctx, cancel := context.WithCancel(p)      auto [ctx, cancel] = gocxx::with_cancel(p);
//   defer cancel()                            (call cancel(); it is copyable and idempotent)
//   context.WithTimeout(p, time.Second)       gocxx::with_timeout(p, 1s)
//   context.WithDeadline(p, t)                gocxx::with_deadline(p, tp)
//   context.WithValue(p, key, v)              gocxx::with_value(p, key, v)  (key: context_key<T>)
//   ctx.Value(key).(T)                        ctx.value(key)                (std::optional<T>)
//   <-ctx.Done()                              ctx.done().recv()
//   case <-ctx.Done():                        gocxx::case_recv(ctx.done(), [&] { ... })
//   ctx.Err() == context.Canceled             ctx.err() == gocxx::context_errc::canceled
//   ctx.Deadline()                            ctx.deadline()                (std::optional)
//   context.WithCancelCause(p); cancel(err)   auto [ctx, cancel] = gocxx::with_cancel_cause(p); cancel(ec);
//   context.Cause(ctx)                        gocxx::cause(ctx)
//   stop := context.AfterFunc(ctx, f)         auto stop = gocxx::after_func(ctx, f);
//   context.WithoutCancel(p)                  gocxx::without_cancel(p)
//   (no Go equivalent)                        gocxx::with_stop_token(p, st), ctx.stop_token()
//
// Semantics (Go's):
// - Cancelling a context cancels all of its descendants, and closes its done() channel;
//   cancelling a child leaves its parent alone; a child made from a cancelled parent is
//   born cancelled. The first cancellation wins: its error and cause stay.
// - A cancelled child is removed from its parent at once, so short-lived children of a
//   long-lived parent cost nothing once cancelled. Unlike Go, a child whose handles are
//   all gone is removed too, even never cancelled, unless something still waits on its
//   done() channel or stop token (then it stays until its parent is cancelled or gone).
// - A deadline fires on a gocxx timer (its cancellation runs in a goroutine of its own,
//   as Go's); cancelling the context stops the timer. A child's deadline is never later
//   than its parent's.
// - done() of a context that can never be cancelled (background(), todo(),
//   without_cancel(), and contexts built only from those and values) is the nil
//   channel, so a select case on it never fires.
// - err() is empty until done() is closed, then context_errc::canceled or
//   context_errc::deadline_exceeded (messages "context canceled", "context deadline
//   exceeded"). cause(ctx) is the cause given to the first cancellation (its err() when
//   none was given).
// - Everything is safe from any goroutine or plain thread; the handles are cheap,
//   reference-counted and copyable (capture them by value).
// - A nil parent (a default-constructed context) panics "cannot create context from nil
//   parent"; calling a method of a nil context panics "runtime error: invalid memory
//   address or nil pointer dereference", as calling one on Go's nil interface does.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <new>
#include <stop_token>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "gocxx/chan.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/time.hpp"

namespace gocxx {

// Go's context.Canceled and context.DeadlineExceeded, as std::error_code values.
enum class context_errc : int {
  canceled = 1,           // "context canceled"
  deadline_exceeded = 2,  // "context deadline exceeded"
};
const std::error_category& context_category() noexcept;
inline std::error_code make_error_code(context_errc e) noexcept {
  return {static_cast<int>(e), context_category()};
}

}  // namespace gocxx

template <>
struct std::is_error_code_enum<gocxx::context_errc> : std::true_type {};

namespace gocxx {

// Go's `<-chan struct{}`: the type of context::done().
using done_chan = recv_chan<std::monostate>;

// A key for with_value / context::value. Keys are compared by identity (the object's
// address), so two keys never collide, whatever their names or types; a key's type is
// the type of the values stored under it. Define keys with static storage duration:
//   inline const gocxx::context_key<std::string> request_id{"request_id"};
template <class T>
class context_key {
  static_assert(std::is_copy_constructible_v<T> && std::is_nothrow_destructible_v<T>,
                "gocxx::context_key<T>: T must be copy-constructible (value() returns a copy)");

 public:
  using value_type = T;
  constexpr context_key() noexcept = default;
  constexpr explicit context_key(const char* name) noexcept : name_(name) {}
  context_key(const context_key&) = delete;
  context_key& operator=(const context_key&) = delete;
  constexpr const char* name() const noexcept { return name_; }

 private:
  const char* name_ = "";
};

namespace detail {

// The counted head of every context node; the rest is in src/context_node.hpp.
struct ctx_node {
  std::atomic<std::uint32_t> refs{1};
};
void ctx_free(ctx_node* n) noexcept;  // the last reference went
inline void ctx_retain(ctx_node* n) noexcept { n->refs.fetch_add(1, std::memory_order_relaxed); }
inline void ctx_release(ctx_node* n) noexcept {
  if (n->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) ctx_free(n);
}

// One counted reference to a node (null: the nil context).
class ctx_ref {
 public:
  ctx_ref() noexcept = default;
  explicit ctx_ref(ctx_node* n) noexcept : n_(n) {}  // adopts one reference
  ctx_ref(const ctx_ref& o) noexcept : n_(o.n_) {
    if (n_) ctx_retain(n_);
  }
  ctx_ref(ctx_ref&& o) noexcept : n_(std::exchange(o.n_, nullptr)) {}
  ctx_ref& operator=(ctx_ref o) noexcept {
    std::swap(n_, o.n_);
    return *this;
  }
  ~ctx_ref() {
    if (n_) ctx_release(n_);
  }
  ctx_node* get() const noexcept { return n_; }

 private:
  ctx_node* n_ = nullptr;
};

// Entry points (src/context.cpp). Every ctx_node* argument is non-null; results that are
// nodes carry one new reference.
ctx_node* ctx_background() noexcept;
ctx_node* ctx_todo() noexcept;
ctx_node* ctx_with_cancel(ctx_node* parent);
ctx_node* ctx_with_deadline(ctx_node* parent, std::int64_t when, std::error_code cause, const source_location& where);
ctx_node* ctx_with_stop_token(ctx_node* parent, std::stop_token st);
ctx_node* ctx_without_cancel(ctx_node* parent);
// A value node with room for a value of `size` bytes aligned to `align` at *slot; the
// caller constructs it there, then ctx_value_ready(node, destroy), or ctx_value_abandon
// (node) if that threw.
ctx_node* ctx_make_value(ctx_node* parent, const void* key, std::size_t size, std::size_t align, void** slot);
void ctx_value_ready(ctx_node* n, void (*destroy)(void*) noexcept) noexcept;
void ctx_value_abandon(ctx_node* n) noexcept;
void ctx_cancel(ctx_node* n, std::error_code cause) noexcept;  // a with_cancel* node's cancel
const done_chan& ctx_done(ctx_node* n);                       // nil for a node that cannot end
std::error_code ctx_err(ctx_node* n) noexcept;
std::error_code ctx_cause(ctx_node* n) noexcept;
std::int64_t ctx_deadline(ctx_node* n) noexcept;              // 0: none
const void* ctx_value(ctx_node* n, const void* key) noexcept;  // the value, or null
std::stop_token ctx_stop_token(ctx_node* n);
[[noreturn]] void ctx_nil_parent();
[[noreturn]] void ctx_nil_method();

struct ctx_after;  // an after_func registration
ctx_after* ctx_after_func(ctx_node* n, task fn, const source_location& where);
bool ctx_after_stop(ctx_after* a) noexcept;
void ctx_after_retain(ctx_after* a) noexcept;
void ctx_after_release(ctx_after* a) noexcept;

template <class T>
void destroy_value(void* p) noexcept {
  static_cast<T*>(p)->~T();
}

struct ctx_access;

}  // namespace detail

// A context: a cheap, copyable handle to a node of a cancellation tree (Go's
// context.Context). Default-constructed it is nil (Go's nil Context).
class context {
 public:
  context() noexcept = default;

  // Closed when the context is cancelled or its deadline passes; nil for a context that
  // can never be cancelled. The same channel every time; the reference is valid while
  // this context (or a copy of it) is: copy it (one reference count) to keep it longer.
  const done_chan& done() const { return detail::ctx_done(node()); }
  // Empty while not done; then why: context_errc::canceled or deadline_exceeded.
  std::error_code err() const { return detail::ctx_err(node()); }
  // When the context will be cancelled by a deadline, if it has one.
  std::optional<steady_time> deadline() const {
    std::int64_t ns = detail::ctx_deadline(node());
    if (ns == 0) return std::nullopt;
    return steady_time(std::chrono::duration_cast<steady_time::duration>(std::chrono::nanoseconds(ns)));
  }
  // The value stored under key by the nearest with_value above (or at) this context.
  template <class T>
  std::optional<T> value(const context_key<T>& key) const {
    const void* v = detail::ctx_value(node(), &key);
    if (!v) return std::nullopt;
    return std::optional<T>(std::in_place, *static_cast<const T*>(v));
  }
  // A token that is stopped when the context is done (it never stops, and
  // stop_possible() is false, for a context that can never be cancelled).
  std::stop_token stop_token() const { return detail::ctx_stop_token(node()); }

  explicit operator bool() const noexcept { return n_.get() != nullptr; }
  friend bool operator==(const context& a, const context& b) noexcept { return a.n_.get() == b.n_.get(); }

 private:
  friend struct detail::ctx_access;
  explicit context(detail::ctx_node* adopted) noexcept : n_(adopted) {}
  detail::ctx_node* node() const {
    if (!n_.get()) detail::ctx_nil_method();
    return n_.get();
  }
  detail::ctx_ref n_;
};

// Cancels its context (Go's CancelFunc): copyable, idempotent, callable from any
// goroutine or thread. The first call wins; later ones do nothing.
class cancel_func {
 public:
  cancel_func() noexcept = default;
  void operator()() const noexcept {
    if (n_.get()) detail::ctx_cancel(n_.get(), {});
  }
  explicit operator bool() const noexcept { return n_.get() != nullptr; }

 private:
  friend struct detail::ctx_access;
  detail::ctx_ref n_;
};

// Go's CancelCauseFunc: cancel(cause) records cause for gocxx::cause(ctx) (an empty
// cause records context_errc::canceled); the first call wins.
class cancel_cause_func {
 public:
  cancel_cause_func() noexcept = default;
  void operator()(std::error_code cause = {}) const noexcept {
    if (n_.get()) detail::ctx_cancel(n_.get(), cause);
  }
  explicit operator bool() const noexcept { return n_.get() != nullptr; }

 private:
  friend struct detail::ctx_access;
  detail::ctx_ref n_;
};

// What with_cancel and friends return: `auto [ctx, cancel] = gocxx::with_cancel(parent);`
struct with_cancel_result {
  context ctx;
  cancel_func cancel;
};
struct with_cancel_cause_result {
  context ctx;
  cancel_cause_func cancel;
};

namespace detail {
struct ctx_access {
  static context adopt(ctx_node* n) noexcept { return context(n); }
  static ctx_node* node(const context& c) { return c.node(); }
  static ctx_node* parent(const context& c) {
    if (!c.n_.get()) ctx_nil_parent();
    return c.n_.get();
  }
  template <class F>
  static F cancel_of(ctx_node* n) noexcept {
    ctx_retain(n);
    F f;
    f.n_ = ctx_ref(n);
    return f;
  }
  template <class R, class F>
  static R pair(ctx_node* n) noexcept {  // adopts n's reference for the context
    return R{adopt(n), cancel_of<F>(n)};
  }
};
}  // namespace detail

// context.Background(): never cancelled, no values, no deadline.
inline context background() noexcept { return detail::ctx_access::adopt(detail::ctx_background()); }
// context.TODO(): the same, for code that has not been given a context yet.
inline context todo() noexcept { return detail::ctx_access::adopt(detail::ctx_todo()); }

// context.WithCancel.
inline with_cancel_result with_cancel(const context& parent) {
  return detail::ctx_access::pair<with_cancel_result, cancel_func>(
      detail::ctx_with_cancel(detail::ctx_access::parent(parent)));
}
// context.WithCancelCause.
inline with_cancel_cause_result with_cancel_cause(const context& parent) {
  return detail::ctx_access::pair<with_cancel_cause_result, cancel_cause_func>(
      detail::ctx_with_cancel(detail::ctx_access::parent(parent)));
}

// context.WithDeadlineCause: cancelled with deadline_exceeded at tp (cause: `cause`, or
// deadline_exceeded when empty), or earlier by its parent or cancel.
inline with_cancel_result with_deadline_cause(const context& parent, steady_time tp, std::error_code cause,
                                              const source_location& where = source_location::current()) {
  return detail::ctx_access::pair<with_cancel_result, cancel_func>(
      detail::ctx_with_deadline(detail::ctx_access::parent(parent), detail::deadline_of(tp), cause, where));
}
// context.WithDeadline.
inline with_cancel_result with_deadline(const context& parent, steady_time tp,
                                        const source_location& where = source_location::current()) {
  return with_deadline_cause(parent, tp, {}, where);
}
// context.WithTimeoutCause: with_deadline_cause(parent, now + d, cause).
template <class Rep, class Period>
with_cancel_result with_timeout_cause(const context& parent, std::chrono::duration<Rep, Period> d,
                                      std::error_code cause, const source_location& where = source_location::current()) {
  return detail::ctx_access::pair<with_cancel_result, cancel_func>(detail::ctx_with_deadline(
      detail::ctx_access::parent(parent), detail::deadline_after(detail::duration_ns(d)), cause, where));
}
// context.WithTimeout.
template <class Rep, class Period>
with_cancel_result with_timeout(const context& parent, std::chrono::duration<Rep, Period> d,
                                const source_location& where = source_location::current()) {
  return with_timeout_cause(parent, d, {}, where);
}

// context.WithValue: a child that carries v under key (and everything of the parent's).
template <class T, class V>
context with_value(const context& parent, const context_key<T>& key, V&& v) {
  static_assert(std::is_constructible_v<T, V&&>, "gocxx::with_value: the value must convert to the key's type");
  void* slot = nullptr;
  detail::ctx_node* n = detail::ctx_make_value(detail::ctx_access::parent(parent), &key, sizeof(T), alignof(T), &slot);
  try {
    ::new (slot) T(std::forward<V>(v));
  } catch (...) {
    detail::ctx_value_abandon(n);
    throw;
  }
  detail::ctx_value_ready(n, &detail::destroy_value<T>);
  return detail::ctx_access::adopt(n);
}

// context.WithoutCancel: the parent's values, but never cancelled, no deadline.
inline context without_cancel(const context& parent) {
  return detail::ctx_access::adopt(detail::ctx_without_cancel(detail::ctx_access::parent(parent)));
}

// A child cancelled when the parent is, or when a stop is requested on st (while the
// child or its cancel function is alive), whichever is first. A stopped st gives a
// child that is born cancelled. For std::jthread code: with_stop_token(ctx, jt.get_stop_token()).
inline with_cancel_result with_stop_token(const context& parent, std::stop_token st) {
  return detail::ctx_access::pair<with_cancel_result, cancel_func>(
      detail::ctx_with_stop_token(detail::ctx_access::parent(parent), std::move(st)));
}

// context.Cause: the first cancellation's cause; empty while ctx is not done (and
// always for a context that cannot be cancelled).
inline std::error_code cause(const context& ctx) { return detail::ctx_cause(detail::ctx_access::node(ctx)); }

// The stop function of an after_func registration (Go's `stop func() bool`): true if
// this call stopped fn from being run; false if fn was already started or stopped.
// Copyable; dropping every copy leaves fn armed.
class after_func_stop {
 public:
  after_func_stop() noexcept = default;
  explicit after_func_stop(detail::ctx_after* a) noexcept : a_(a) {}
  after_func_stop(const after_func_stop& o) noexcept : a_(o.a_) {
    if (a_) detail::ctx_after_retain(a_);
  }
  after_func_stop(after_func_stop&& o) noexcept : a_(std::exchange(o.a_, nullptr)) {}
  after_func_stop& operator=(after_func_stop o) noexcept {
    std::swap(a_, o.a_);
    return *this;
  }
  ~after_func_stop() {
    if (a_) detail::ctx_after_release(a_);
  }
  bool operator()() const noexcept { return a_ && detail::ctx_after_stop(a_); }

 private:
  detail::ctx_after* a_ = nullptr;
};

// context.AfterFunc: runs fn() in a goroutine of its own once ctx is done (at once if
// it is done already), unless the returned stop function is called first. Dropping the
// stop function does not stop fn.
template <class F>
after_func_stop after_func(const context& ctx, F&& fn, const source_location& where = source_location::current()) {
  static_assert(std::is_invocable_v<std::decay_t<F>&>, "gocxx::after_func: fn must be callable with no arguments");
  return after_func_stop(detail::ctx_after_func(detail::ctx_access::node(ctx), detail::task(std::forward<F>(fn)), where));
}

}  // namespace gocxx
